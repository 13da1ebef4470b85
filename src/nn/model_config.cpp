// config.json reading and writing for models (format in model_config.h).
#include "flexforge/nn/model_config.h"

#include "flexforge/core/atomic_file.h"

#include <fstream>
#include <sstream>

namespace flexforge::nn {

ModelConfig parse_model_config(const std::string& json_text, const std::filesystem::path& source) {
  const auto where = source.empty() ? std::string("model config") : source.string();
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    throw Error(ExitCode::Model, where + ": not a JSON object");
  }
  if (!json.contains("name") || !json["name"].is_string()) {
    throw Error(ExitCode::Model, where + ": missing string field \"name\"");
  }
  ModelConfig config;
  config.name = json["name"].get<std::string>();
  config.source = source;
  if (json.contains("args")) {
    if (!json["args"].is_object()) throw Error(ExitCode::Model, where + ": \"args\" is not an object");
    config.args = json["args"];
  }
  return config;
}

ModelConfig read_model_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ExitCode::Model, path.string() + ": cannot open model config");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_config(text.str(), path);
}

void write_model_config(const std::filesystem::path& path, const ModelConfig& config) {
  const nlohmann::json json = {{"name", config.name}, {"args", config.args}};
  write_file_atomic(path, json.dump(2) + "\n");
}

}  // namespace flexforge::nn
