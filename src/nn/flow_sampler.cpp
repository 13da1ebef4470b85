#include "flexforge/nn/flow_sampler.h"

#include "flexforge/core/error.h"

namespace flexforge::nn {

namespace {

// The same tokens repeated for K condition sets: batch element b of copy k becomes k * B + b.
SparseTensor replicate(const SparseTensor& x, int64_t copies) {
  if (copies == 1) return x;
  std::vector<torch::Tensor> coords, features;
  for (int64_t k = 0; k < copies; ++k) {
    auto c = x.coords().clone();
    c.select(1, 0).add_(static_cast<int32_t>(k * x.batch_size()));
    coords.push_back(c);
    features.push_back(x.features());
  }
  return SparseTensor(torch::cat(coords), torch::cat(features), copies * x.batch_size());
}

}  // namespace

double shift_time(double t, double shift) { return shift * t / (1.0 + (shift - 1.0) * t); }

GuidedContexts guidance_weights(const torch::Tensor& cond, const torch::Tensor& null, double w) {
  return {{cond, null}, {1.0 + w, -w}};
}

GuidedContexts guidance_weights(const torch::Tensor& both, const torch::Tensor& text_only,
                                const torch::Tensor& null, double w, double image_weight) {
  if (image_weight == 1.0) return guidance_weights(both, null, w);
  return {{both, text_only, null}, {(1.0 + w) * image_weight, (1.0 + w) * (1.0 - image_weight), -w}};
}

SparseTensor sample_flow(const FlowVelocity& velocity_of, const SparseTensor& noise,
                         const GuidedContexts& g, const SamplerOptions& o,
                         const std::function<void(int, int)>& on_step) {
  if (o.steps < 1 || o.steps > 1000) throw Error(ExitCode::Usage, "steps must be in 1..1000");
  if (!(o.start_time > 0.0 && o.start_time <= 1.0)) {
    throw Error(ExitCode::Usage, "sampler: start time must be in (0, 1]");
  }
  if (g.contexts.empty() || g.contexts.size() != g.guided_weights.size()) {
    throw Error(ExitCode::StageFailed, "sampler: one weight per condition set is required");
  }
  torch::NoGradGuard no_grad;
  const int64_t batch = noise.batch_size();
  const int64_t sets = static_cast<int64_t>(g.contexts.size());
  const auto all_contexts = torch::cat(g.contexts, 0);
  const int64_t n = noise.size();

  // Velocity at time t; the guided form only inside the interval (else the first set alone).
  const auto velocity = [&](const torch::Tensor& x, double t) {
    const bool guide = sets > 1 && t >= o.interval_low && t <= o.interval_high;
    const int64_t k = guide ? sets : 1;
    const auto tokens = replicate(noise.with_features(x), k);
    const auto ctx = guide ? all_contexts : g.contexts.front();
    const auto tt = torch::full({k * batch}, t, x.options());
    const auto v = velocity_of(tokens, tt, ctx);
    if (!guide) return v;
    torch::Tensor out = torch::zeros_like(x);
    for (int64_t s = 0; s < sets; ++s) out = out + g.guided_weights[s] * v.slice(0, s * n, (s + 1) * n);
    return out;
  };

  auto x = noise.features();
  for (int i = 0; i < o.steps; ++i) {
    const double t0 = o.start_time * shift_time(1.0 - static_cast<double>(i) / o.steps, o.shift);
    const double t1 = o.start_time * shift_time(1.0 - static_cast<double>(i + 1) / o.steps, o.shift);
    const auto v0 = velocity(x, t0);
    if (o.heun && i + 1 < o.steps) {
      const auto predicted = x + (t1 - t0) * v0;
      const auto v1 = velocity(predicted, t1);
      x = x + (t1 - t0) * 0.5 * (v0 + v1);
    } else {
      x = x + (t1 - t0) * v0;
    }
    if (on_step) on_step(i + 1, o.steps);
  }
  return noise.with_features(x);
}

}  // namespace flexforge::nn
