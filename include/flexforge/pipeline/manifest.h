// Batch manifests: one JSON object per line (JSONL). A line that cannot be used becomes a job
// that fails with its reason; it never stops the other jobs.
//
//   {"id": "chair_01", "input": "scans/chair.obj", "stages": ["segment", "retopo"],
//    "formats": ["glb", "fbx"], "options": {"retopo": {"faces": 2000}}}
//   {"id": "dragon", "prompt": "a red dragon", "seed": 7, "steps": 12}   (generation jobs)
#pragma once

#include "flexforge/model/generate.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::pipeline {

struct JobSpec {
  std::size_t line = 0;      // 1-based line in the manifest
  std::string name;          // output stem: the id, or "job-" + content hash when there is none
  std::string id;            // as given (may be empty)
  std::string error;         // non-empty: this line is unusable and the job fails with this text
  std::optional<std::string> prompt, image, input;
  std::optional<std::string> structure;  // generation jobs: a mesh that fixes the coarse shape
  std::uint64_t seed = 0;
  std::vector<std::string> stages;
  bool stages_given = false;  // generation jobs without "stages" run every available stage
  std::vector<std::string> formats{"glb"};
  nlohmann::json options = nlohmann::json::object();
  bool preview = false;       // also write NAME.png (software-rendered thumbnail)
  // Generation jobs only (a mesh job with these fails): the sampler settings, unset = the
  // batch's --steps/--guidance.
  double image_weight = model::kDefaultImageWeight;
  std::optional<int> steps;
  std::optional<double> guidance;
  std::string rig = "auto";  // generation jobs: "auto" | "always" | "never" (as generate --rig)
  // Clips to add after rigging ("walk,run" or "all"; the line may give a string or a list):
  // adds the animate stage with these clips, as generate --animate. Empty = none.
  std::string animate;

  bool is_generation() const { return !input.has_value(); }
};

// Ids name output files, so they must stay inside the output directory: 1-128 characters of
// [A-Za-z0-9._-], not starting with '.', no "..". Returns the reason when rejected, "" when fine.
std::string id_problem(const std::string& id);

// Parses every non-blank line. Relative "input"/"image"/"structure" paths are resolved against the manifest's
// directory. Throws Error(InvalidInput) only when the manifest file itself cannot be read.
std::vector<JobSpec> read_manifest(const std::filesystem::path& manifest);

// Parses one line (exposed for tests); `base_dir` resolves relative paths.
JobSpec parse_job_line(const std::string& text, std::size_t line,
                       const std::filesystem::path& base_dir);

}  // namespace flexforge::pipeline
