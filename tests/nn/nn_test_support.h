// Helpers shared by the neural-engine tests: random sparse occupancies and their dense images.
#pragma once

#include "flexforge/core/error.h"
#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::nn::testing {

// Random occupancy of a batch of grid^3 grids (each cell active with probability p), rows in a
// random order. Features [N, channels] standard normal.
inline SparseTensor random_sparse(int64_t batch, int64_t grid, double p, int64_t channels,
                                  uint64_t seed, torch::Dtype dtype = torch::kFloat) {
  torch::manual_seed(seed);
  const auto occupied = torch::rand({batch, grid, grid, grid}) < p;
  auto coords = torch::nonzero(occupied).to(torch::kInt);
  coords = coords.index_select(0, torch::randperm(coords.size(0)));
  return SparseTensor(coords, torch::randn({coords.size(0), channels}, dtype), batch);
}

// Dense [B, C, G, G, G] tensor holding `features` at `coords` and zero elsewhere; differentiable
// with respect to `features`.
inline torch::Tensor to_dense(const torch::Tensor& coords, const torch::Tensor& features,
                              int64_t batch, int64_t grid) {
  const auto c = coords.to(torch::kLong);
  const auto dense = torch::zeros({batch, grid, grid, grid, features.size(1)}, features.options());
  return dense
      .index_put({c.select(1, 0), c.select(1, 1), c.select(1, 2), c.select(1, 3)}, features)
      .permute({0, 4, 1, 2, 3});
}

// Rows of a dense [B, C, G, G, G] tensor at `coords`: [N, C].
inline torch::Tensor gather_dense(const torch::Tensor& dense, const torch::Tensor& coords) {
  const auto c = coords.to(torch::kLong);
  return dense.permute({0, 2, 3, 4, 1})
      .index({c.select(1, 0), c.select(1, 1), c.select(1, 2), c.select(1, 3)});
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Keys of a coordinate set, sorted (for comparing coordinate sets regardless of row order).
inline torch::Tensor sorted_keys(const torch::Tensor& coords) {
  return std::get<0>(torch::sort(pack_coords(coords)));
}

}  // namespace flexforge::nn::testing
