// Sin/cos position embedding, 3D rotary embedding and DiT timestep embedding (formulas in
// position.h). All are plain tensor expressions on the input's device.
#include "flexforge/nn/position.h"

#include "flexforge/core/error.h"

#include <cmath>

namespace flexforge::nn {

torch::Tensor sincos_position_embedding(const torch::Tensor& positions, int64_t channels) {
  if (positions.dim() != 2 || positions.size(1) != 3) {
    throw Error(ExitCode::StageFailed, "sincos_position_embedding: positions must be [N, 3]");
  }
  const int64_t freq = channels / 6;
  const auto p = positions.to(torch::kFloat);
  const auto f = torch::pow(10000.0, -torch::arange(freq, p.options()) / std::max<int64_t>(freq, 1));
  std::vector<torch::Tensor> parts;
  for (int axis = 0; axis < 3; ++axis) {
    const auto angle = p.select(1, axis).unsqueeze(1) * f.unsqueeze(0);
    parts.push_back(torch::sin(angle));
    parts.push_back(torch::cos(angle));
  }
  auto out = torch::cat(parts, 1);
  if (out.size(1) < channels) {
    out = torch::cat({out, torch::zeros({p.size(0), channels - out.size(1)}, p.options())}, 1);
  }
  return out;
}

torch::Tensor apply_rope_3d(const torch::Tensor& x, const torch::Tensor& positions, double base) {
  if (x.dim() != 3 || positions.dim() != 2 || positions.size(1) != 3 ||
      positions.size(0) != x.size(0)) {
    throw Error(ExitCode::StageFailed, "apply_rope_3d: expected x [T, H, D], positions [T, 3]");
  }
  const int64_t t = x.size(0);
  const int64_t h = x.size(1);
  const int64_t d = x.size(2);
  const int64_t pairs = d / 6;
  if (pairs == 0) throw Error(ExitCode::StageFailed, "apply_rope_3d: head dim must be >= 6");
  const auto p = positions.to(x.device(), torch::kFloat);
  const auto freq = torch::pow(base, -torch::arange(pairs, p.options()) / pairs);  // [P]
  // angle [T, 3P]: axis-major blocks of P pair angles.
  const auto angle = (p.unsqueeze(2) * freq.view({1, 1, pairs})).view({t, 1, 3 * pairs});
  const auto cos = torch::cos(angle);
  const auto sin = torch::sin(angle);
  const auto xf = x.to(torch::kFloat);
  const auto rot = xf.narrow(2, 0, 6 * pairs).view({t, h, 3 * pairs, 2});
  const auto a = rot.select(3, 0);
  const auto b = rot.select(3, 1);
  auto out = torch::stack({a * cos - b * sin, a * sin + b * cos}, 3).view({t, h, 6 * pairs});
  if (6 * pairs < d) out = torch::cat({out, xf.narrow(2, 6 * pairs, d - 6 * pairs)}, 2);
  return out.to(x.scalar_type());
}

torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period) {
  const int64_t half = dim / 2;
  const auto tf = t.to(torch::kFloat).view({-1, 1});
  const auto freqs =
      torch::exp(-std::log(max_period) * torch::arange(half, tf.options()) / half).view({1, -1});
  auto out = torch::cat({torch::cos(tf * freqs), torch::sin(tf * freqs)}, 1);
  if (dim % 2 == 1) out = torch::cat({out, torch::zeros({tf.size(0), 1}, tf.options())}, 1);
  return out;
}

TimestepEmbedderImpl::TimestepEmbedderImpl(int64_t channels, int64_t frequency_dim_)
    : frequency_dim(frequency_dim_) {
  mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(frequency_dim, channels),
                                                     torch::nn::SiLU(),
                                                     torch::nn::Linear(channels, channels)));
}

torch::Tensor TimestepEmbedderImpl::forward(const torch::Tensor& t) {
  const auto param = mlp->parameters().front();
  return mlp->forward(timestep_embedding(t, frequency_dim).to(param.device(), param.scalar_type()));
}

}  // namespace flexforge::nn
