// `flexforge train vae`: trains the SparseFlex VAE on synth assets plus real meshes, resumably.
// Plain interface (no torch) so the CLI stays cheap to compile; implemented in src/nn/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::model {

struct VaeTrainOptions {
  std::filesystem::path out_dir;           // checkpoints, final vae.safetensors + vae.json
  std::filesystem::path config;            // optional JSON {"name": "SparseFlexVae", "args": {...}}
  int steps = 3000;
  int batch = 2;
  double learning_rate = 1e-3;
  std::uint64_t seed = 1;                  // batch order and initialisation
  int synth_count = 300;
  std::uint64_t synth_seed = 1;            // synth assets (seed, 0..count-1)
  std::vector<std::filesystem::path> real_meshes;
  std::vector<std::filesystem::path> datasets;  // synth-layout directories (dataset build)
  std::size_t points = 60000;              // surface samples per shape
  int checkpoint_every = 200;
  double time_limit_minutes = 0.0;         // stop (with a checkpoint) after this long; 0 = none
  bool resume = false;
};

struct VaeTrainReport {
  int steps_done = 0;
  double seconds = 0.0;
  double final_loss = 0.0;
  std::size_t shapes = 0;
  bool finished = false;  // reached `steps` (false when stopped by the time limit)
};

VaeTrainReport train_vae(const VaeTrainOptions& options);

}  // namespace flexforge::model
