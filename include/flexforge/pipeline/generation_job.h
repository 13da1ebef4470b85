// From a generated mesh to a finished asset on disk: the part `flexforge generate` and the
// generation jobs of `flexforge batch` share, so that one prompt gives the same files and the
// same report fields whichever command produced it.
//
// The per-asset report (docs/batch.md, generate-asset schema):
//   {"seed", "outputs", "generated_faces", "faces", "parts", "active_voxels", "dropped_components",
//    "timings": {stage: seconds}, "stages": [{name, seconds, faces, parts}], "warnings",
//    "rig": {mode, rigged, reason} when the rig stage was planned,
//    "animation": {rig_type, clips: [{name, duration_s, keys}]} when clips were added,
//    "print": the print shell's figures (PrintResult::to_json) in print mode}
#pragma once

#include "flexforge/model/generate.h"
#include "flexforge/pipeline/print_mode.h"
#include "flexforge/pipeline/riggability.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::pipeline {

// Face budget of the retopo stage for generated assets when none is given. Generated meshes come
// out of FlexiCubes with ~1e5 faces; 5000 keeps the shape and is a usable real-time asset.
inline constexpr std::size_t kGeneratedAssetFaces = 5000;

// Sampler settings from the two user-facing knobs: `steps` per stage for both stages, `guidance`
// for the structure stage and 0.4x for the latent stage (the ratio of the reference system's
// 7.5 / 3.0 pair; the default is model::kDefaultGuidance).
// Error(Usage) for values the sampler rejects.
model::GenerateOptions generation_options(int steps, double guidance);

// Every pipeline stage this build has, in order: what a generation runs unless told otherwise.
std::vector<std::string> default_generation_stages();

struct AssetRequest {
  std::string prompt;                   // recorded in the file metadata
  std::filesystem::path image;          // recorded in the file metadata when set
  std::string model_hash;               // recorded in the file metadata
  // The generator's model directory: the segment stage's part head comes from it unless the
  // stage options name another model.
  std::filesystem::path model_dir;
  std::vector<std::string> stages;      // as returned by plan_stages()
  nlohmann::json stage_options = nlohmann::json::object();  // per stage, as run_stages() takes
  std::filesystem::path output;         // main file; its extension picks the format
  std::vector<std::string> extra_formats;  // written next to `output` with these extensions
  std::filesystem::path preview;        // PNG thumbnail; empty = none
  // Whether the rig stage (when planned) runs: Auto decides from the prompt and the parts
  // (pipeline/riggability.h); the decision and its reason go into the report's "rig" field.
  RigMode rig_mode = RigMode::Auto;
  // Print mode: after the stages the asset becomes one printable shell in millimetres
  // (pipeline/print_mode.h); the report gets its checks as "print".
  std::optional<PrintOptions> print;
  // Vertex colours from the prompt's colour word, the image prompt or a material word
  // (pipeline/colorize.h); the report gets "colour". False leaves the asset uncoloured.
  bool colour = true;
};

// Adds the default retopo face budget when retopo runs and no budget was given.
nlohmann::json with_generation_defaults(nlohmann::json stage_options,
                                        const std::vector<std::string>& stages);

// Runs the requested stages on `generated.mesh`, writes every output atomically (main file,
// extra formats, preview) and returns the per-asset report above. Throws the stage's or the
// writer's Error; nothing is written under a final name before all stages succeeded.
nlohmann::json finish_generated_asset(const model::GeneratedMesh& generated,
                                      const AssetRequest& request);

}  // namespace flexforge::pipeline
