// The VAE training loop: a fixed in-memory set of shapes (synth assets and real meshes, each
// normalised and turned into a VaeSample once), AdamW with warm-up and cosine decay, and a
// checkpoint (weights, optimiser moments, step) written atomically every N steps so a killed run
// resumes where it stopped.
#include "flexforge/model/vae_training.h"

#include "flexforge/core/error.h"
#include "flexforge/nn/training_run.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/nn/model_config.h"
#include "flexforge/model/sparseflex_loss.h"
#include "flexforge/model/vae_batch.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>

namespace flexforge::model {

namespace fs = std::filesystem;

VaeTrainReport train_vae(const VaeTrainOptions& o) {
  if (o.steps < 1 || o.batch < 1 || o.batch > 64) {
    throw Error(ExitCode::Usage, "train vae: steps must be >= 1, batch in 1..64");
  }
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  SparseFlexVaeOptions sizes;
  if (!o.config.empty()) sizes = SparseFlexVaeOptions::from_config(nn::read_model_config(o.config));
  torch::manual_seed(o.seed);
  SparseFlexVae vae(sizes);

  // Data: every shape turned into a sample once.
  TrainingShapeOptions shape_options;
  shape_options.synth_count = o.synth_count;
  shape_options.synth_seed = o.synth_seed;
  shape_options.real_meshes = o.real_meshes;
  shape_options.datasets = o.datasets;
  std::vector<VaeSample> samples;
  for_each_training_shape(shape_options, [&](const TrainingShape& shape) {
    samples.push_back(make_vae_sample(shape.normalized, static_cast<int>(sizes.base_resolution),
                                      static_cast<int>(sizes.levels), o.points,
                                      o.seed * 7919 + samples.size(), true));
  });
  if (samples.empty()) throw Error(ExitCode::InvalidInput, "train vae: no training shapes");
  spdlog::info("train vae: {} shapes prepared in {:.1f} s", samples.size(), elapsed());

  nn::TrainingRun run(*vae, nn::training_run_options(o, "vae", o.out_dir, o.steps, o.learning_rate));

  VaeTrainReport report;
  report.shapes = samples.size();
  SparseFlexLossWeights weights;
  std::mt19937_64 order;
  int step = run.start_step();
  for (; run.keep_going(step); ++step) {
    // The batch of step s depends only on (seed, s), so a resumed run sees the same data.
    order.seed(o.seed * 1000003 + static_cast<uint64_t>(step));
    std::vector<const VaeSample*> batch;
    for (int b = 0; b < o.batch; ++b) batch.push_back(&samples[order() % samples.size()]);
    const auto tensors = collate_vae_samples(batch);
    run.begin_step(step);
    const auto posterior = vae->encode(tensors.points, tensors.base_coords);
    const auto z = posterior.mean.with_features(
        posterior.mean.features() +
        torch::randn_like(posterior.logvar) * torch::exp(0.5 * posterior.logvar));
    const auto decoded = vae->decode(z, &tensors.truth_levels);
    const auto loss = sparseflex_loss(decoded, posterior, tensors.truth_levels,
                                          tensors.truth_sdf, weights);
    loss.total.backward();
    run.end_step(step, loss.total.item<double>(),
                 fmt::format("(sdf {:.4f} prune {:.4f} acc {:.3f} kl {:.2f} surface {:.4f})",
                             loss.sdf, loss.prune, loss.prune_accuracy, loss.kl, loss.surface));
  }
  run.finish(step);
  report.steps_done = step;
  report.finished = step >= o.steps;
  report.final_loss = run.smoothed_loss();
  report.seconds = run.seconds();

  // The deliverable: weights plus the config entry that describes them.
  nn::write_model_config(o.out_dir / "vae.json", sizes.to_config());
  return report;
}

}  // namespace flexforge::model
