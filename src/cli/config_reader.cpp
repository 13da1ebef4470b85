// --config FILE: CLI11 reads TOML/INI itself; JSON objects are flattened here into the same
// (parents, name, values) items, nested objects naming subcommands.
#include "command.h"

#include "flexforge/core/error.h"

#include <nlohmann/json.hpp>

#include <istream>
#include <iterator>

namespace flexforge::cli {

namespace {

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

void flatten(const nlohmann::json& object, std::vector<std::string>& parents,
             std::vector<CLI::ConfigItem>& items) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_object()) {
      parents.push_back(key);
      flatten(value, parents, items);
      parents.pop_back();
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key;
    if (value.is_array()) {
      for (const auto& v : value) item.inputs.push_back(scalar_text(v));
    } else if (!value.is_null()) {
      item.inputs.push_back(scalar_text(value));
    }
    items.push_back(std::move(item));
  }
}

class JsonOrTomlConfig : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::string text((std::istreambuf_iterator<char>(input)), std::istreambuf_iterator<char>());
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') {
      std::istringstream toml(text);
      return CLI::ConfigTOML::from_config(toml);
    }
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(ExitCode::InvalidInput, std::string("--config: invalid JSON: ") + e.what());
    }
    std::vector<CLI::ConfigItem> items;
    std::vector<std::string> parents;
    flatten(doc, parents, items);
    return items;
  }
};

}  // namespace

std::shared_ptr<CLI::Config> make_config_reader() { return std::make_shared<JsonOrTomlConfig>(); }

}  // namespace flexforge::cli
