#include "flexforge/pipeline/manifest.h"

#include "flexforge/core/error.h"
#include "flexforge/core/hash.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <set>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace flexforge::pipeline {

namespace {

std::vector<std::string> string_list(const json& value, const char* key) {
  if (value.is_string()) return {value.get<std::string>()};
  if (!value.is_array()) throw std::runtime_error(std::string("\"") + key + "\" must be a list of strings");
  std::vector<std::string> out;
  for (const json& v : value) {
    if (!v.is_string()) throw std::runtime_error(std::string("\"") + key + "\" must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string id_problem(const std::string& id) {
  if (id.empty()) return "id is empty";
  if (id.size() > 128) return "id is longer than 128 characters";
  if (id[0] == '.') return "id starts with '.'";
  if (id.find("..") != std::string::npos) return "id contains '..'";
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return "id may only contain letters, digits, '.', '_' and '-'";
  }
  return "";
}

JobSpec parse_job_line(const std::string& text, std::size_t line, const fs::path& base_dir) {
  JobSpec job;
  job.line = line;
  job.name = "line-" + std::to_string(line);
  static const std::set<std::string> known = {"id",      "prompt",  "image",        "input",
                                              "seed",    "stages",  "formats",      "options",
                                              "preview", "steps",   "guidance",     "image_weight",
                                              "structure", "rig",     "animate"};
  try {
    if (text.find('\0') != std::string::npos) throw std::runtime_error("line contains a NUL byte");
    json j = json::parse(text);
    if (!j.is_object()) throw std::runtime_error("line is not a JSON object");
    for (const auto& [key, value] : j.items()) {
      if (!known.count(key)) throw std::runtime_error("unknown field \"" + key + "\"");
    }
    auto text_field = [&](const char* key) -> std::optional<std::string> {
      if (!j.contains(key)) return std::nullopt;
      if (!j.at(key).is_string()) throw std::runtime_error(std::string("\"") + key + "\" must be a string");
      return j.at(key).get<std::string>();
    };
    job.id = text_field("id").value_or("");
    job.prompt = text_field("prompt");
    job.image = text_field("image");
    job.input = text_field("input");
    job.structure = text_field("structure");
    if (j.contains("seed")) {
      if (!j["seed"].is_number_unsigned()) throw std::runtime_error("\"seed\" must be a non-negative integer");
      job.seed = j["seed"].get<std::uint64_t>();
    }
    if (j.contains("stages")) {
      job.stages = string_list(j["stages"], "stages");
      job.stages_given = true;
    }
    if (j.contains("formats")) job.formats = string_list(j["formats"], "formats");
    if (job.formats.empty()) throw std::runtime_error("\"formats\" is empty");
    if (j.contains("options")) job.options = j["options"];
    if (j.contains("preview")) {
      if (!j["preview"].is_boolean()) throw std::runtime_error("\"preview\" must be true or false");
      job.preview = j["preview"].get<bool>();
    }
    // Sampler settings are checked here, with the same ranges as `generate`, so a typo fails
    // its own line before any model is loaded.
    if (j.contains("steps")) {
      if (!j["steps"].is_number_integer() || j["steps"].get<long long>() < 1 ||
          j["steps"].get<long long>() > 1000) {
        throw std::runtime_error("\"steps\" must be an integer in 1..1000");
      }
      job.steps = j["steps"].get<int>();
    }
    const auto number = [&](const char* key, double lo, double hi, const char* range) {
      const json& v = j[key];
      if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi)) {
        throw std::runtime_error(std::string("\"") + key + "\" must be a number in " + range);
      }
      return v.get<double>();
    };
    if (j.contains("guidance")) job.guidance = number("guidance", 0, 100, "0..100");
    if (j.contains("image_weight")) job.image_weight = number("image_weight", 0, 2, "0..2");
    if (j.contains("rig")) {
      const json& v = j["rig"];
      if (!v.is_string() || (v != "auto" && v != "always" && v != "never")) {
        throw std::runtime_error("\"rig\" must be \"auto\", \"always\" or \"never\"");
      }
      job.rig = v.get<std::string>();
    }
    if (j.contains("animate")) {
      const json& v = j["animate"];
      if (v.is_string()) {
        job.animate = v.get<std::string>();
      } else {
        for (const std::string& clip : string_list(v, "animate")) job.animate += (job.animate.empty() ? "" : ",") + clip;
      }
      if (job.animate.find_first_not_of(" ,") == std::string::npos)
        throw std::runtime_error("\"animate\" names no clip");
      if (j.contains("rig") && job.rig == "never") throw std::runtime_error("\"animate\" needs a rig, not \"rig\": \"never\"");
    }
    if (job.input && (job.prompt || job.image)) {
      throw std::runtime_error("a job has either \"input\" (a mesh) or \"prompt\"/\"image\", not both");
    }
    if (job.input) {
      for (const char* key : {"steps", "guidance", "image_weight", "structure", "rig"}) {
        if (j.contains(key)) {
          throw std::runtime_error(std::string("\"") + key + "\" applies only to prompt/image jobs");
        }
      }
    }
    if (!job.input && !job.prompt && !job.image) {
      throw std::runtime_error("job has no \"input\", \"prompt\" or \"image\"");
    }
    if (job.prompt && job.prompt->find_first_not_of(" \t\r\n") == std::string::npos) {
      throw std::runtime_error("\"prompt\" is empty");
    }
    for (auto* path : {&job.input, &job.image, &job.structure}) {
      if (*path && path->has_value() && fs::path(**path).is_relative()) {
        **path = (base_dir / **path).lexically_normal().string();
      }
    }
    if (!job.id.empty()) {
      const std::string why = id_problem(job.id);
      if (!why.empty()) throw std::runtime_error(why);
      job.name = job.id;
    } else {
      // No id: name the outputs from what defines the job, so reruns map to the same files.
      char buf[32];
      std::snprintf(buf, sizeof buf, "job-%016llx",
                    static_cast<unsigned long long>(fnv1a64(j.dump())));
      job.name = buf;
    }
  } catch (const std::exception& e) {
    job.error = "manifest line " + std::to_string(line) + ": " + e.what();
  }
  return job;
}

std::vector<JobSpec> read_manifest(const fs::path& manifest) {
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec)) {
    throw Error(ExitCode::InvalidInput, manifest.string() + ": manifest not found");
  }
  std::ifstream in(manifest, std::ios::binary);
  if (!in) throw Error(ExitCode::InvalidInput, manifest.string() + ": cannot read manifest");
  const fs::path base = manifest.has_parent_path() ? manifest.parent_path() : fs::path(".");
  std::vector<JobSpec> jobs;
  std::string text;
  std::size_t line = 0;
  std::set<std::string> names;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    JobSpec job = parse_job_line(text, line, base);
    if (job.error.empty() && !names.insert(job.name).second) {
      job.error = "manifest line " + std::to_string(line) + ": duplicate job name '" + job.name + "'";
    }
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) throw Error(ExitCode::InvalidInput, manifest.string() + ": manifest has no jobs");
  return jobs;
}

}  // namespace flexforge::pipeline
