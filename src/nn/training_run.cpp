#include "flexforge/nn/training_run.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include <spdlog/spdlog.h>
#include "flexforge/nn/weights.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace flexforge::nn {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path checkpoint_file(const TrainingRunOptions& o, const std::string& suffix) {
  return o.out_dir / "checkpoint" / (o.name + suffix);
}

}  // namespace

TrainingRun::TrainingRun(torch::nn::Module& module, const TrainingRunOptions& options)
    : module_(module),
      options_(options),
      optimizer_(module.parameters(), torch::optim::AdamWOptions(options.learning_rate)
                                          .weight_decay(options.weight_decay)) {
  if (options_.steps < 1) throw Error(ExitCode::Usage, "train " + options_.name + ": steps must be >= 1");
  if (options_.checkpoint_every < 1) options_.checkpoint_every = 1;
  fs::create_directories(options_.out_dir / "checkpoint");
  const fs::path state_file = checkpoint_file(options_, ".state.json");
  if (options_.resume && fs::exists(state_file)) {
    std::ifstream in(state_file);
    const json state = json::parse(in, nullptr, false);
    if (state.is_discarded() || !state.contains("step") || !state["step"].is_number_integer()) {
      throw Error(ExitCode::InvalidInput, state_file.string() + ": not a training state file");
    }
    load_weights(module_, checkpoint_file(options_, ".safetensors"));
    torch::load(optimizer_, checkpoint_file(options_, ".optimizer.pt").string());
    start_step_ = state["step"].get<int>();
    previous_seconds_ = state.value("seconds", 0.0);
    spdlog::info("train {}: resumed at step {} ({:.0f} s already spent)", options_.name, start_step_,
              previous_seconds_);
  }
}

double TrainingRun::seconds() const {
  return previous_seconds_ +
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

bool TrainingRun::keep_going(int step) const {
  if (step >= options_.steps) return false;
  const double mine = seconds() - previous_seconds_;
  return options_.time_limit_minutes <= 0 || mine < options_.time_limit_minutes * 60.0;
}

void TrainingRun::begin_step(int step) {
  const int warmup = std::min(100, std::max(1, options_.steps / 10));
  double lr = options_.learning_rate;
  if (step < warmup) {
    lr *= static_cast<double>(step + 1) / warmup;
  } else {
    const double progress =
        std::min(1.0, static_cast<double>(step - warmup) / std::max(1, options_.steps - warmup));
    lr *= 0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress));
  }
  for (auto& group : optimizer_.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
  optimizer_.zero_grad();
}

void TrainingRun::end_step(int step, double loss, const std::string& detail) {
  torch::nn::utils::clip_grad_norm_(module_.parameters(), 1.0);
  optimizer_.step();
  if (!std::isfinite(loss)) {
    throw Error(ExitCode::StageFailed, "train " + options_.name + ": loss is not finite at step " +
                                           std::to_string(step + 1));
  }
  smoothed_ = have_loss_ ? 0.95 * smoothed_ + 0.05 * loss : loss;
  have_loss_ = true;
  if (step % 10 == 0 || step + 1 == options_.steps) {
    spdlog::info("train {}: step {}/{} loss {:.4f} {} {:.0f} s", options_.name, step + 1,
              options_.steps, smoothed_, detail, seconds());
  }
  if ((step + 1) % options_.checkpoint_every == 0) save_checkpoint(step + 1);
}

void TrainingRun::save_checkpoint(int step) {
  save_weights(module_, checkpoint_file(options_, ".safetensors"), {{"step", std::to_string(step)}});
  const fs::path optimizer = checkpoint_file(options_, ".optimizer.pt");
  const fs::path staged = optimizer.string() + ".tmp";
  torch::save(optimizer_, staged.string());
  fs::rename(staged, optimizer);
  write_file_atomic(checkpoint_file(options_, ".state.json"),
                    json{{"step", step}, {"seconds", seconds()}}.dump(2) + "\n");
}

void TrainingRun::finish(int step) {
  save_checkpoint(step);
  save_weights(module_, options_.out_dir / (options_.name + ".safetensors"),
               {{"steps", std::to_string(step)}, {"seconds", std::to_string(seconds())}});
}

}  // namespace flexforge::nn
