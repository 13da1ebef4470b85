// Rectified-flow sampling (TRELLIS conventions): integrate dx/dt = v from t = 1 (noise) to t = 0
// over `steps` Euler or Heun steps, times warped by the shift t' = r t / (1 + (r - 1) t), with
// classifier-free guidance applied only while t lies inside the guidance interval.
//
// Guidance combines several condition sets in one batched forward pass per step:
//   v = sum_k weight_k * v(x, t, context_k)
// For plain CFG the contexts are (cond, null) with weights (1 + w, -w); `guidance_weights`
// builds them, including the text+image mix of the image weight.
//
// The sampler is engine code: it knows nothing of the network, only a velocity callback, so any
// flow model (model/flow_models.h) plugs in.
#pragma once

#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace flexforge::nn {

struct SamplerOptions {
  int steps = 12;
  double guidance = 3.0;
  double interval_low = 0.0;   // guidance only for t in [low, high]
  double interval_high = 1.0;
  double shift = 3.0;
  bool heun = false;
  // Time the input sits at: 1 = pure noise; below 1 the input is a partly noised estimate
  // (1 - t) x0 + t eps and the schedule is scaled into [0, start_time] (SDEdit).
  double start_time = 1.0;
};

// Condition sets stacked along the batch: contexts[k] is [B, L, C]; weights per set when guiding
// and when not (outside the interval: only the first set, weight 1).
struct GuidedContexts {
  std::vector<torch::Tensor> contexts;
  std::vector<double> guided_weights;
};

// (cond, null) -> weights (1 + w, -w). With a text+image condition and image weight W != 1 the
// sets are (both, text only, null) with weights ((1 + w) W, (1 + w)(1 - W), -w).
GuidedContexts guidance_weights(const torch::Tensor& cond, const torch::Tensor& null, double w);
GuidedContexts guidance_weights(const torch::Tensor& both, const torch::Tensor& text_only,
                                const torch::Tensor& null, double w, double image_weight);

// The network's velocity: features [N * K, C] for K condition sets of `tokens` (the batch
// replicated K times), per-sample times [K * B], contexts [K * B, L, C].
using FlowVelocity =
    std::function<torch::Tensor(const SparseTensor& tokens, const torch::Tensor& t, const torch::Tensor& context)>;

// Runs the sampler. `noise` holds x at t = start_time (features [N, C] on its coordinates, B samples);
// `on_step(i, steps)` is called after every step. Returns x at t = 0.
SparseTensor sample_flow(const FlowVelocity& velocity_of, const SparseTensor& noise,
                         const GuidedContexts& contexts, const SamplerOptions& options,
                         const std::function<void(int, int)>& on_step = {});

// Time after the shift warp (t in [0, 1]).
double shift_time(double t, double shift);

}  // namespace flexforge::nn
