// Per-batch-element GroupNorm on sparse features. The per-(batch, group) sums are reduced with
// a flat 1-D index_add (batch * G + group) so the reduction is one pass over N * G values and
// stays differentiable; the variance is taken around the mean (two passes) for stability.
#include "flexforge/nn/sparse_norm.h"

#include "flexforge/core/error.h"

namespace flexforge::nn {

torch::Tensor sparse_group_norm(const SparseTensor& x, int64_t groups, const torch::Tensor& weight,
                                const torch::Tensor& bias, double eps) {
  const int64_t n = x.size();
  const int64_t c = x.channels();
  if (groups < 1 || c % groups != 0) {
    throw Error(ExitCode::StageFailed, "sparse_group_norm: channels " + std::to_string(c) +
                                           " not divisible by groups " + std::to_string(groups));
  }
  const auto input_type = x.features().scalar_type();
  const bool low_precision = input_type == torch::kHalf || input_type == torch::kBFloat16;
  const auto f = low_precision ? x.features().to(torch::kFloat) : x.features();
  const int64_t per_group = c / groups;
  const int64_t b = x.batch_size();
  const auto xg = f.view({n, groups, per_group});
  // Flat (batch, group) slot of every (row, group) value.
  const auto slot = (x.batch_index().unsqueeze(1) * groups +
                     torch::arange(groups, x.batch_index().options()).unsqueeze(0))
                        .view({-1});
  const auto count =
      (x.batch_counts().to(f.scalar_type()) * static_cast<double>(per_group))
          .clamp_min(1.0)
          .repeat_interleave(groups);
  const auto sum = torch::zeros({b * groups}, f.options()).index_add(0, slot, xg.sum(-1).view({-1}));
  const auto mean = (sum / count).index_select(0, slot).view({n, groups, 1});
  const auto centred = xg - mean;
  const auto sq =
      torch::zeros({b * groups}, f.options()).index_add(0, slot, centred.pow(2).sum(-1).view({-1}));
  const auto inv_std = torch::rsqrt(sq / count + eps).index_select(0, slot).view({n, groups, 1});
  auto out = (centred * inv_std).view({n, c});
  if (weight.defined()) out = out * weight.to(out.scalar_type());
  if (bias.defined()) out = out + bias.to(out.scalar_type());
  return low_precision ? out.to(input_type) : out;
}

SparseGroupNormImpl::SparseGroupNormImpl(int64_t groups_, int64_t channels, double eps_,
                                         bool affine)
    : groups(groups_), eps(eps_) {
  if (affine) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
  }
}

SparseTensor SparseGroupNormImpl::forward(const SparseTensor& x) {
  return x.with_features(sparse_group_norm(x, groups, weight, bias, eps));
}

SparseLayerNormImpl::SparseLayerNormImpl(int64_t channels_, double eps_, bool affine)
    : channels(channels_), eps(eps_) {
  if (affine) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
  }
}

torch::Tensor SparseLayerNormImpl::forward(const torch::Tensor& x) {
  const auto t = x.scalar_type();
  if (t == torch::kHalf || t == torch::kBFloat16) {
    // Statistics in fp32 (CPU half layer_norm is unsupported and fp16 sums overflow).
    return torch::layer_norm(x.to(torch::kFloat), {channels}, weight, bias, eps).to(t);
  }
  return torch::layer_norm(x, {channels}, weight, bias, eps);
}

}  // namespace flexforge::nn
