// What every trainer of the default model shares: AdamW with linear warm-up and cosine decay
// (to 10% of the peak), a wall-clock limit, progress lines, and resumable checkpoints
// (weights as safetensors, optimiser moments, step and elapsed time) written atomically under
// OUT/checkpoint/<name>.* every N steps, so a killed run loses at most N steps.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace flexforge::nn {

struct TrainingRunOptions {
  std::string name;                     // "vae", "structure_vae", ... (file stem, log prefix)
  std::filesystem::path out_dir;
  int steps = 1000;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;
  int checkpoint_every = 200;
  double time_limit_minutes = 0.0;      // 0 = none
  bool resume = false;
};

// The run options of a trainer whose options carry the usual checkpoint_every,
// time_limit_minutes and resume fields (VAE, generator stages, part head): one place that maps
// them, with the network's name, output directory, step count and learning rate given.
template <typename TrainerOptions>
TrainingRunOptions training_run_options(const TrainerOptions& o, std::string name,
                                        std::filesystem::path out_dir, int steps,
                                        double learning_rate) {
  TrainingRunOptions r;
  r.name = std::move(name);
  r.out_dir = std::move(out_dir);
  r.steps = steps;
  r.learning_rate = learning_rate;
  r.checkpoint_every = o.checkpoint_every;
  r.time_limit_minutes = o.time_limit_minutes;
  r.resume = o.resume;
  return r;
}

class TrainingRun {
 public:
  TrainingRun(torch::nn::Module& module, const TrainingRunOptions& options);

  // First step to run (0, or the checkpoint's step when resuming and one exists).
  int start_step() const { return start_step_; }
  // True while step < steps and the time limit is not reached.
  bool keep_going(int step) const;
  // Sets this step's learning rate and zeroes the gradients.
  void begin_step(int step);
  // Clips gradients to norm 1, steps the optimiser, logs every 10 steps, checkpoints every N.
  void end_step(int step, double loss, const std::string& detail = "");
  // Final checkpoint and the deliverable weights OUT/<name>.safetensors.
  void finish(int step);

  double seconds() const;  // including the time of the runs this one resumed
  double smoothed_loss() const { return smoothed_; }
  torch::optim::AdamW& optimizer() { return optimizer_; }

 private:
  void save_checkpoint(int step);

  torch::nn::Module& module_;
  TrainingRunOptions options_;
  torch::optim::AdamW optimizer_;
  int start_step_ = 0;
  double previous_seconds_ = 0.0;
  double smoothed_ = 0.0;
  bool have_loss_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace flexforge::nn
