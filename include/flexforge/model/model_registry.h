// Where installed models are looked up. A model is a directory holding config.json (plus its
// safetensors weights and MODEL_CARD.md), found under, in order:
//   the directories the application set with set_model_dirs (the CLI passes
//   $FLEXFORGE_MODEL_PATH, colon-separated), <exe>/../share/flexforge/models, <source>/models.
// The library reads no environment variable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::model {

struct InstalledModel {
  std::string name;
  std::filesystem::path directory;
  std::uintmax_t bytes = 0;
};

// Directories searched before the built-in ones, for the whole process (set once at start-up,
// before any model is opened).
void set_model_dirs(std::vector<std::filesystem::path> dirs);
std::vector<std::filesystem::path> model_search_path();
std::vector<InstalledModel> installed_models();

}  // namespace flexforge::model
