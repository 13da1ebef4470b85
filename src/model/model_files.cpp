#include "flexforge/model/model_files.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/model/model_registry.h"

#include <fstream>
#include <sstream>

namespace flexforge::model {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::Model, path.string() + ": cannot be read");
  const json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(ExitCode::Model, path.string() + ": not a JSON object");
  }
  return j;
}

}  // namespace

bool ModelDirectory::has_network(const std::string& key) const {
  return config.contains("networks") && config["networks"].is_object() &&
         config["networks"].contains(key);
}

nn::ModelConfig ModelDirectory::network(const std::string& key) const {
  const fs::path file = directory / "config.json";
  if (!has_network(key)) {
    throw Error(ExitCode::Model, file.string() + ": no network '" + key + "' in this model");
  }
  const json& entry = config["networks"][key];
  nn::ModelConfig c = nn::parse_model_config(entry.dump(), file);
  return c;
}

fs::path ModelDirectory::weights(const std::string& key) const {
  const fs::path file = directory / "config.json";
  if (!has_network(key) || !config["networks"][key].contains("weights") ||
      !config["networks"][key]["weights"].is_string()) {
    throw Error(ExitCode::Model, file.string() + ": network '" + key + "' names no weight file");
  }
  const fs::path weights = directory / config["networks"][key]["weights"].get<std::string>();
  if (!fs::is_regular_file(weights)) {
    throw Error(ExitCode::Model, weights.string() + ": weight file missing");
  }
  return weights;
}

ModelDirectory open_model(const std::string& spec) {
  if (spec.empty()) throw Error(ExitCode::Usage, "model is empty");
  std::error_code ec;
  if (fs::is_directory(spec, ec)) {
    const fs::path config = fs::path(spec) / "config.json";
    if (!fs::exists(config)) throw Error(ExitCode::Model, config.string() + ": missing");
    return {fs::path(spec), read_json(config)};
  }
  std::string searched;
  for (const fs::path& dir : model_search_path()) {
    const fs::path candidate = dir / spec;
    if (fs::exists(candidate / "config.json", ec)) return {candidate, read_json(candidate / "config.json")};
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw Error(ExitCode::Model, "model '" + spec + "' not found (searched: " + searched + ")");
}

void register_network(const fs::path& dir, const std::string& key, const nn::ModelConfig& config,
                      const std::string& weights_file) {
  const fs::path file = dir / "config.json";
  json j = fs::exists(file) ? read_json(file) : json{{"name", dir.filename().string()}};
  j["networks"][key] = {{"name", config.name}, {"args", config.args}, {"weights", weights_file}};
  write_file_atomic(file, j.dump(2) + "\n");
}

}  // namespace flexforge::model
