// A model's config.json, kept next to its weights: {"name": "...", "args": {...}} (the TRELLIS
// convention) — the network's class name and its constructor arguments, so sizes change without
// code changes. Errors (missing file, bad JSON, missing or mistyped argument) are Error(Model)
// naming the file and the key.
#pragma once

#include "flexforge/core/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace flexforge::nn {

struct ModelConfig {
  std::string name;
  nlohmann::json args = nlohmann::json::object();
  std::filesystem::path source;  // file it was read from (for messages); empty when built in code

  bool has(const std::string& key) const { return args.contains(key); }

  // args[key] as T; throws Error(Model) when absent or of the wrong type.
  template <typename T>
  T get(const std::string& key) const {
    if (!args.contains(key)) fail("missing argument '" + key + "'");
    try {
      return args.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      fail("argument '" + key + "' has the wrong type (" + args.at(key).dump() + ")");
    }
  }

  template <typename T>
  T get(const std::string& key, T fallback) const {
    return args.contains(key) ? get<T>(key) : fallback;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ExitCode::Model,
                (source.empty() ? "model config '" + name + "'" : source.string()) + ": " + why);
  }
};

ModelConfig parse_model_config(const std::string& json_text, const std::filesystem::path& source);
ModelConfig read_model_config(const std::filesystem::path& path);
// Pretty-printed JSON, written atomically.
void write_model_config(const std::filesystem::path& path, const ModelConfig& config);

}  // namespace flexforge::nn
