// Feature-wise layers on SparseTensor: they act on every voxel's feature row independently, so
// they keep the coordinates (and the shared neighbour-map caches) unchanged.
#pragma once

#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::nn {

inline SparseTensor sparse_silu(const SparseTensor& x) { return x.with_features(torch::silu(x.features())); }

// tanh approximation off: exact erf GELU, as torch::nn::GELU's default.
inline SparseTensor sparse_gelu(const SparseTensor& x) { return x.with_features(torch::gelu(x.features())); }

// Linear on every voxel: features [N, C_in] -> [N, C_out]. Wraps torch::nn::Linear, so its
// parameters are "linear.weight" [C_out, C_in] and "linear.bias" [C_out].
class SparseLinearImpl : public torch::nn::Module {
 public:
  SparseLinearImpl(int64_t in_channels, int64_t out_channels, bool bias = true)
      : linear(register_module("linear", torch::nn::Linear(
                                              torch::nn::LinearOptions(in_channels, out_channels)
                                                  .bias(bias)))) {}
  SparseTensor forward(const SparseTensor& x) { return x.with_features(linear(x.features())); }
  torch::Tensor forward(const torch::Tensor& x) { return linear(x); }
  torch::nn::Linear linear;
};
TORCH_MODULE(SparseLinear);

}  // namespace flexforge::nn
