// A model directory (models/default/ and friends): config.json names every network with its
// constructor arguments and weight file,
//   {"name": "default", "networks": {"vae": {"name": "SparseFlexVae", "args": {...},
//    "weights": "vae.safetensors"}, ...}, ...}
// plus MODEL_CARD.md. `--model` takes a directory or the name of an installed model.
#pragma once

#include "flexforge/nn/model_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace flexforge::model {

struct ModelDirectory {
  std::filesystem::path directory;
  nlohmann::json config;  // config.json

  bool has_network(const std::string& key) const;
  // The network's config (name + args); Error(Model) naming the file when absent or malformed.
  nn::ModelConfig network(const std::string& key) const;
  // Its weight file, checked to exist (Error(Model) otherwise).
  std::filesystem::path weights(const std::string& key) const;
};

// `spec` = a directory holding config.json, or an installed model's name ("default").
// Error(Model) with the places searched when nothing is found.
ModelDirectory open_model(const std::string& spec);

// Adds or replaces one network entry in dir/config.json (creating it), written atomically.
void register_network(const std::filesystem::path& dir, const std::string& key,
                      const nn::ModelConfig& config, const std::string& weights_file);

}  // namespace flexforge::model
