// `flexforge train segment`: trains the learned part head on procedural assets (their part
// labels, stripped of the instance number: "leg_2" -> "leg"), resumably, and registers it in the
// model directory as "part_head". Plain interface (no torch); implemented in src/nn/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace flexforge::model {

struct PartHeadTrainOptions {
  std::filesystem::path model_dir;          // receives part_head.safetensors + config entry
  std::filesystem::path config;             // optional JSON {"name": "PartHead", "args": {...}}
  int steps = 10000;
  int batch = 4;
  double learning_rate = 2e-3;
  std::uint64_t seed = 1;                   // batch order, augmentation, initialisation
  int synth_count = 760;                    // assets per synth seed (20 per category)
  std::vector<std::uint64_t> synth_seeds{1, 3};
  std::size_t points = 8192;                // surface samples per shape
  int checkpoint_every = 250;
  double time_limit_minutes = 0.0;
  bool resume = false;
};

struct PartHeadTrainReport {
  int steps_done = 0;
  double seconds = 0.0;
  double final_loss = 0.0;
  std::size_t shapes = 0;
  std::size_t classes = 0;
  bool finished = false;
};

PartHeadTrainReport train_part_head(const PartHeadTrainOptions& options);

}  // namespace flexforge::model
