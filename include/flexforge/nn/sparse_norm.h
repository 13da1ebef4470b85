// Normalisation over SparseTensor features. GroupNorm statistics are taken per batch element
// (over all of that element's active voxels and the group's channels), as a dense GroupNorm over
// a [1, C, N_b] tensor would; LayerNorm is per voxel. Half-precision inputs are normalised in
// fp32 and cast back.
#pragma once

#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::nn {

// features [N, C] -> [N, C]; weight/bias [C] or undefined. C must be divisible by groups.
torch::Tensor sparse_group_norm(const SparseTensor& x, int64_t groups, const torch::Tensor& weight,
                                const torch::Tensor& bias, double eps = 1e-5);

// Parameters "weight" [C] (ones) and "bias" [C] (zeros) when affine, as torch::nn::GroupNorm.
class SparseGroupNormImpl : public torch::nn::Module {
 public:
  SparseGroupNormImpl(int64_t groups, int64_t channels, double eps = 1e-5, bool affine = true);
  SparseTensor forward(const SparseTensor& x);
  torch::Tensor weight, bias;
  int64_t groups;
  double eps;
};
TORCH_MODULE(SparseGroupNorm);

// Per-voxel LayerNorm over channels; works on SparseTensor or plain [..., C] tensors.
// Parameters "weight"/"bias" [C] when affine.
class SparseLayerNormImpl : public torch::nn::Module {
 public:
  explicit SparseLayerNormImpl(int64_t channels, double eps = 1e-5, bool affine = true);
  torch::Tensor forward(const torch::Tensor& x);
  SparseTensor forward(const SparseTensor& x) { return x.with_features(forward(x.features())); }
  torch::Tensor weight, bias;
  int64_t channels;
  double eps;
};
TORCH_MODULE(SparseLayerNorm);

}  // namespace flexforge::nn
