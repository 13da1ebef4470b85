// Where installed models are looked up. A model is a directory holding config.json (plus its
// safetensors weights and MODEL_CARD.md), found under, in order:
//   $FLEXFORGE_MODEL_PATH (colon-separated), <exe>/../share/flexforge/models, <source>/models.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flexforge {

struct InstalledModel {
  std::string name;
  std::filesystem::path directory;
  std::uintmax_t bytes = 0;
};

std::vector<std::filesystem::path> model_search_path();
std::vector<InstalledModel> installed_models();

}  // namespace flexforge
