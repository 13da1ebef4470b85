// Sparse 3D convolutions over a SparseTensor, as gather-GEMM-scatter: for each kernel offset the
// (input row, output row) pairs are batched into one matrix multiply, so the arithmetic runs in
// the BLAS / cuBLAS GEMM and nothing loops over tensor memory. Autograd flows through to both
// features and weights.
//
// Weight layout (all ops): [K, C_in, C_out] with K kernel offsets; offset o of a k^3 kernel is
// o = (ix * k + iy) * k + iz, ix = dx + k/2 for submanifold convs and ix = dx in {0, 1} for the
// stride-2 convs. Relation to torch's dense conv3d weight W_d [C_out, C_in, k, k, k]:
//   W[o] = W_d[:, :, ix, iy, iz].t()
// conv_transpose3d's weight [C_in, C_out, 2, 2, 2] maps as W[o] = W_t[:, :, ix, iy, iz].
#pragma once

#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::nn {

// Submanifold conv (outputs only at the input's active voxels). weight [k^3, C_in, C_out],
// bias [C_out] or undefined. Returns features [N, C_out] (same coordinates as x). One autograd
// node with its own backward (first-order gradients; double backward is not supported).
torch::Tensor submanifold_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias);

// Stride-2 2^3 conv: output at every coarse voxel (floor(c / 2)) with at least one active child.
// weight [8, C_in, C_out]. Output coordinates are x.downsample_map().coarse_coords.
SparseTensor sparse_downsample_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                      const torch::Tensor& bias);

// Stride-2 2^3 transposed conv. With `target` (a fine tensor whose parents are all active in x,
// e.g. the tensor x was down-sampled from) the output has target's coordinates; without it every
// coarse voxel produces all 8 children (row 8 * i + o for child offset o of coarse row i).
// weight [8, C_in, C_out].
SparseTensor sparse_transposed_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                      const torch::Tensor& bias,
                                      const SparseTensor* target = nullptr);

// x2 nearest subdivision: every voxel becomes its 8 children (2c + {0,1}^3) with the parent's
// features; row 8 * i + o as above.
SparseTensor subdivide(const SparseTensor& x);

// Nearest up-sampling onto given fine coordinates: each fine voxel takes its parent's features.
// Throws when a fine voxel's parent is not active in `coarse`.
SparseTensor upsample_nearest(const SparseTensor& coarse, const SparseTensor& fine);

// Mean of each coarse voxel's active children (x2 average pooling onto downsample_map coords).
SparseTensor downsample_mean(const SparseTensor& x);

// out[rows] += values for int64 rows [P] without repeats and values [P, C]: the scatter step of
// the convolutions, fast on CPU and CUDA. In place and not recorded by autograd: call it under
// NoGradGuard or inside a custom autograd function.
void scatter_add_rows(torch::Tensor& out, const torch::Tensor& rows, const torch::Tensor& values);

// --- modules --------------------------------------------------------------------------------
// Parameters are named "weight" [K, C_in, C_out] and "bias" [C_out]; initialisation follows
// torch's conv defaults (uniform +-1/sqrt(fan_in)).

class SubMConv3dImpl : public torch::nn::Module {
 public:
  SubMConv3dImpl(int64_t in_channels, int64_t out_channels, int kernel = 3, bool bias = true);
  SparseTensor forward(const SparseTensor& x);
  torch::Tensor weight, bias;
  int kernel;
};
TORCH_MODULE(SubMConv3d);

class SparseDownConv3dImpl : public torch::nn::Module {
 public:
  SparseDownConv3dImpl(int64_t in_channels, int64_t out_channels, bool bias = true);
  SparseTensor forward(const SparseTensor& x);
  torch::Tensor weight, bias;
};
TORCH_MODULE(SparseDownConv3d);

class SparseUpConv3dImpl : public torch::nn::Module {
 public:
  SparseUpConv3dImpl(int64_t in_channels, int64_t out_channels, bool bias = true);
  SparseTensor forward(const SparseTensor& x, const SparseTensor* target = nullptr);
  torch::Tensor weight, bias;
};
TORCH_MODULE(SparseUpConv3d);

}  // namespace flexforge::nn
