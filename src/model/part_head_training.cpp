// The part head's training loop: procedural assets of the training seeds, each sampled once
// (area-weighted surface points with their part class), then per step a batch of shapes under a
// fresh mild augmentation, class-weighted cross-entropy, AdamW via TrainingRun (resumable).
#include "flexforge/model/part_head_training.h"

#include "flexforge/core/error.h"
#include "flexforge/core/sampling.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/part_head.h"
#include "flexforge/model/part_head_net.h"
#include "flexforge/nn/training_run.h"
#include "flexforge/nn/weights.h"
#include "flexforge/synth/synth.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>

namespace flexforge::model {

namespace {

struct LabelledShape {
  torch::Tensor points, normals;  // float [P, 3], normalised
  torch::Tensor labels;           // int64 [P], class index
};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * unit_interval(rng());
}

// Random per-axis scale 0.9..1.1, mirror across x (half the time), rotation about the up axis
// (y) within +-20 degrees, then the bbox normalisation again: the variation a generated or
// hand-made asset of a category shows that the procedural sampler does not already cover.
std::pair<torch::Tensor, torch::Tensor> augment(const LabelledShape& s, std::mt19937_64& rng) {
  const double sx = uniform(rng, 0.9, 1.1) * (rng() % 2 ? -1.0 : 1.0);
  const double sy = uniform(rng, 0.9, 1.1), sz = uniform(rng, 0.9, 1.1);
  const double a = uniform(rng, -20.0, 20.0) * M_PI / 180.0;
  const auto scale = torch::tensor({static_cast<float>(sx), static_cast<float>(sy), static_cast<float>(sz)});
  const auto rot = torch::tensor({static_cast<float>(std::cos(a)), 0.f, static_cast<float>(std::sin(a)),
                                  0.f, 1.f, 0.f,
                                  static_cast<float>(-std::sin(a)), 0.f, static_cast<float>(std::cos(a))})
                       .view({3, 3});
  auto p = torch::matmul(s.points * scale, rot.t());
  auto n = torch::matmul(s.normals / scale, rot.t());
  n = n / n.norm(2, 1, true).clamp_min(1e-12);
  const auto lo = std::get<0>(p.min(0)), hi = std::get<0>(p.max(0));
  p = (p - 0.5 * (lo + hi)) / (hi - lo).norm().clamp_min(1e-12);
  return {p, n};
}

}  // namespace

PartHeadTrainReport train_part_head(const PartHeadTrainOptions& o) {
  if (o.steps < 1 || o.batch < 1 || o.batch > 64) {
    throw Error(ExitCode::Usage, "train segment: steps must be >= 1, batch in 1..64");
  }
  if (o.synth_count < 1 || o.synth_seeds.empty() || o.points < 256) {
    throw Error(ExitCode::Usage, "train segment: synth_count must be >= 1, synth_seeds non-empty, points >= 256");
  }
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  // Data: every asset sampled once; class names collected, then numbered in sorted order so the
  // numbering depends only on the data options (a resumed run gets the same head).
  synth::SynthConfig config;
  config.views = 0;
  config.part_meshes = false;
  std::vector<std::string> names;
  std::map<std::string, int> name_index;
  std::vector<LabelledShape> shapes;
  std::vector<bool> instanced;  // per class (in `names` order): >= 2 instances in some shape
  std::vector<std::vector<int>> raw_labels;
  for (std::uint64_t seed : o.synth_seeds) {
    for (int i = 0; i < o.synth_count; ++i) {
      const synth::SynthAsset asset = synth::generate_asset(config, seed, static_cast<std::size_t>(i));
      std::vector<int> part_class;
      std::map<int, int> count;
      for (const auto& part : asset.parts) {
        auto [it, inserted] = name_index.emplace(part.semantic, static_cast<int>(names.size()));
        if (inserted) names.push_back(part.semantic), instanced.push_back(false);
        part_class.push_back(it->second);
        if (++count[it->second] >= 2) instanced[static_cast<std::size_t>(it->second)] = true;
      }
      const PartHeadShape s = sample_part_head_shape(asset.mesh.positions, asset.mesh.triangles,
                                                     o.points, seed * 7919 + static_cast<std::uint64_t>(i));
      std::vector<int> labels(s.faces.size());
      for (std::size_t k = 0; k < s.faces.size(); ++k) labels[k] = part_class[asset.mesh.face_parts[s.faces[k]]];
      LabelledShape ls;
      const auto n = static_cast<int64_t>(s.points.size());
      ls.points = torch::from_blob(const_cast<Vec3*>(s.points.data()), {n, 3}, torch::kFloat).clone();
      ls.normals = torch::from_blob(const_cast<Vec3*>(s.normals.data()), {n, 3}, torch::kFloat).clone();
      shapes.push_back(std::move(ls));
      raw_labels.push_back(std::move(labels));
    }
  }
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> remap(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    remap[k] = std::lower_bound(sorted.begin(), sorted.end(), names[k]) - sorted.begin();
  }
  std::vector<double> frequency(sorted.size(), 0.0);
  double total = 0.0;
  for (std::size_t s = 0; s < shapes.size(); ++s) {
    std::vector<int64_t> l(raw_labels[s].size());
    for (std::size_t k = 0; k < l.size(); ++k) {
      l[k] = remap[static_cast<std::size_t>(raw_labels[s][k])];
      frequency[static_cast<std::size_t>(l[k])] += 1.0;
    }
    total += static_cast<double>(l.size());
    shapes[s].labels = torch::tensor(l, torch::kLong);
  }
  // Inverse square-root frequency weights (normalised to a weighted mean of 1, capped at 20):
  // small parts (eyes, ears, windows, fingers) count, without the noise of full inverse
  // frequency on the rarest classes.
  std::vector<float> class_weight(sorted.size());
  double norm = 0.0;
  for (std::size_t c = 0; c < sorted.size(); ++c) norm += frequency[c] / total / std::sqrt(std::max(frequency[c] / total, 1e-9));
  for (std::size_t c = 0; c < sorted.size(); ++c) {
    class_weight[c] = static_cast<float>(std::min(20.0, 1.0 / std::sqrt(std::max(frequency[c] / total, 1e-9)) / norm));
  }
  const auto weights = torch::tensor(class_weight);
  spdlog::info("train segment: {} shapes, {} classes, sampled in {:.1f} s", shapes.size(),
               sorted.size(), elapsed());

  PartHeadOptions sizes;
  if (!o.config.empty()) sizes = PartHeadOptions::from_config(nn::read_model_config(o.config));
  sizes.classes = sorted;
  torch::manual_seed(o.seed);
  PartHeadNet net(sizes);
  spdlog::info("train segment: {} parameters", nn::count_parameters(*net));

  nn::TrainingRun run(
      *net, nn::training_run_options(o, kPartHeadNetwork, o.model_dir, o.steps, o.learning_rate));

  std::mt19937_64 rng;
  int step = run.start_step();
  for (; run.keep_going(step); ++step) {
    // The batch and its augmentation depend only on (seed, step): a resumed run sees the same.
    rng.seed(o.seed * 1000003 + static_cast<std::uint64_t>(step));
    std::vector<torch::Tensor> p, n, l, b;
    for (int k = 0; k < o.batch; ++k) {
      const LabelledShape& s = shapes[rng() % shapes.size()];
      auto [pa, na] = augment(s, rng);
      p.push_back(pa);
      n.push_back(na);
      l.push_back(s.labels);
      b.push_back(torch::full({s.labels.size(0)}, k, torch::kLong));
    }
    PartHeadBatch batch{torch::cat(p), torch::cat(n), torch::cat(b), o.batch};
    const auto labels = torch::cat(l);
    run.begin_step(step);
    const auto logits = net->forward(batch, batch);
    const auto loss = torch::nn::functional::cross_entropy(
        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().weight(weights));
    loss.backward();
    const double accuracy = (logits.argmax(1) == labels).to(torch::kFloat).mean().item<double>();
    run.end_step(step, loss.item<double>(), fmt::format("(accuracy {:.3f})", accuracy));
  }
  run.finish(step);
  nn::ModelConfig entry = sizes.to_config();
  // Classes with several instances per shape, for the instance split at inference.
  std::vector<std::string> instanced_names;
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (instanced[k]) instanced_names.push_back(names[k]);
  }
  std::sort(instanced_names.begin(), instanced_names.end());
  entry.args["instanced"] = instanced_names;
  register_network(o.model_dir, kPartHeadNetwork, entry,
                   std::string(kPartHeadNetwork) + ".safetensors");

  PartHeadTrainReport report;
  report.steps_done = step;
  report.finished = step >= o.steps;
  report.final_loss = run.smoothed_loss();
  report.seconds = run.seconds();
  report.shapes = shapes.size();
  report.classes = sorted.size();
  return report;
}

}  // namespace flexforge::model
