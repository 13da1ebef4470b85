// The shapes the default model trains on: synth assets (seed, 0..count-1) and real meshes, each
// normalised into [-0.5, 0.5]^3 the way reconstruction and generation normalise their inputs.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/synth/synth.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace flexforge::model {

// Margin left inside the unit cube so dilated voxels and deformed corners stay in the grid.
constexpr double kFieldMargin = 0.04;

struct TrainingShapeOptions {
  int synth_count = 0;
  std::uint64_t synth_seed = 1;
  int synth_resolution = 64;
  int views = 0;          // rendered views per synth asset (image conditioning)
  int image_size = 128;
  std::vector<std::filesystem::path> real_meshes;
  // Directories in the synth layout (`flexforge synth` or `flexforge dataset build`): every
  // record of DIR/metadata.jsonl, its GLB as the shape and up to `views` of its rendered views.
  std::vector<std::filesystem::path> datasets;
};

struct TrainingShape {
  std::string id;
  std::string category;               // synth category; "real" for real meshes
  std::vector<std::string> captions;  // synth and dataset records
  std::vector<synth::SynthView> views;
  nlohmann::json attributes;
  Mesh normalized;
};

// Calls `visit` once per shape, synth first, then dataset records, then real meshes, in a fixed
// order; synth assets are generated and dataset records read in parallel batches. Unreadable real
// meshes, a dataset without metadata.jsonl, a malformed record or a missing file it names are an
// Error(InvalidInput) naming the file.
void for_each_training_shape(const TrainingShapeOptions& options,
                             const std::function<void(const TrainingShape&)>& visit);

// A mesh scaled and centred into the field frame (see kFieldMargin).
Mesh normalize_mesh_for_field(const Mesh& mesh);

}  // namespace flexforge::model
