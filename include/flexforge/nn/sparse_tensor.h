// SparseTensor: the active voxels of a batch of 3D grids and one feature row per voxel.
//
//   coords   int32 [N, 4]  (batch, x, y, z), unique rows, x/y/z in the tensor's own resolution
//   features any float [N, C], row i belongs to coords row i
//
// Everything derived from the coordinates alone (the coordinate hash, neighbour maps per kernel,
// down-sampling maps, window partitions, batch offsets) is computed lazily on first use and cached
// in a structure shared by every SparseTensor that carries the same coordinates — e.g. the outputs
// of feature-only ops (norm, linear, activation, submanifold conv). A network therefore builds
// each map once per forward pass, not once per layer.
//
// The hash is device-agnostic: coordinates are packed into int64 keys, sorted once, and looked up
// with searchsorted, so the same code runs on CPU and CUDA without a custom kernel.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace flexforge::nn {

// Packing of (batch, x, y, z) into one int64: 15 bits of batch, 16 bits per axis. Axes are stored
// with a bias so that neighbours of coordinate 0 (i.e. -1) still pack correctly.
constexpr int64_t kCoordBits = 16;
constexpr int64_t kCoordBias = int64_t{1} << (kCoordBits - 1);  // coords in [-bias+2, bias-2]
constexpr int64_t kMaxBatch = int64_t{1} << 15;

// coords int32/int64 [M, 4] -> int64 [M] keys, monotone in (batch, x, y, z) lexicographic order.
torch::Tensor pack_coords(const torch::Tensor& coords);

// Pairs of (input row, output row) for one kernel offset; both int64 [P] on the tensor's device.
struct OffsetPairs {
  torch::Tensor in;
  torch::Tensor out;
};

// Submanifold neighbour map for an odd cubic kernel: output rows = input rows. `pairs[o]` lists,
// for kernel offset o = ((dx + r) * k + (dy + r)) * k + (dz + r) with r = k / 2, every output voxel
// whose neighbour at (x+dx, y+dy, z+dz) is active. The centre offset is always the identity and is
// stored with undefined tensors (callers treat it as "all rows").
struct KernelMap {
  int kernel = 0;
  std::vector<OffsetPairs> pairs;
  int64_t total_pairs = 0;  // including the identity centre
};

// Map from this (fine) tensor to its x2 down-sampled (coarse) coordinates: each fine voxel has one
// parent. child_offset = (x & 1) * 4 + (y & 1) * 2 + (z & 1), the kernel offset of a 2^3 stride-2
// convolution.
struct DownsampleMap {
  torch::Tensor coarse_coords;  // int32 [M, 4], sorted by key
  torch::Tensor parent;         // int64 [N] row in coarse_coords of every fine voxel
  torch::Tensor child_offset;   // int64 [N] in [0, 8)
  std::vector<OffsetPairs> by_offset;  // 8 entries: in = fine rows, out = coarse rows
};

// Tokens grouped into independent sequences (the batch elements, or attention windows).
struct SequenceLayout {
  torch::Tensor order;           // int64 [N]: token rows in sequence order; undefined = identity
  torch::Tensor inverse;         // int64 [N]: position of each row in `order` (when defined)
  std::vector<int64_t> offsets;  // host, size S + 1: sequence s is order[offsets[s]:offsets[s+1]]
  int64_t max_length = 0;
};

class SparseTensor {
 public:
  SparseTensor() = default;
  // Validates shapes and dtypes (coords int32 [N, 4], features [N, C], same device). batch_size
  // < 0 means 1 + max batch index. Duplicate coordinates are detected when the hash is built.
  SparseTensor(torch::Tensor coords, torch::Tensor features, int64_t batch_size = -1);

  const torch::Tensor& coords() const { return coords_; }
  const torch::Tensor& features() const { return features_; }
  int64_t size() const { return coords_.size(0); }
  int64_t channels() const { return features_.size(1); }
  int64_t batch_size() const { return batch_size_; }
  torch::Device device() const { return features_.device(); }

  // Same coordinates (and shared caches), new features [N, C'].
  SparseTensor with_features(torch::Tensor features) const;
  // Moves coordinates and features; caches are rebuilt on the new device when needed.
  SparseTensor to(torch::Device device) const;

  // int64 [N] batch index of each row.
  torch::Tensor batch_index() const;
  // Tokens grouped per batch element (for full attention and per-sample norms).
  const SequenceLayout& batch_layout() const;
  // int64 [B] number of active voxels per batch element.
  torch::Tensor batch_counts() const;

  // Row of each query coordinate (int [M, 4]) in this tensor, or -1 when inactive.
  torch::Tensor lookup(const torch::Tensor& query_coords) const;

  const KernelMap& kernel_map(int kernel) const;
  const DownsampleMap& downsample_map() const;
  // Shifted windows of `window` voxels per axis, the grid shifted by `shift` before partitioning.
  const SequenceLayout& window_layout(int window, int shift) const;

 private:
  struct Cache;
  Cache& cache() const;

  torch::Tensor coords_;
  torch::Tensor features_;
  int64_t batch_size_ = 0;
  std::shared_ptr<Cache> cache_;
};

// Features concatenated along channels; both tensors must have the same coordinates.
SparseTensor sparse_cat(const SparseTensor& a, const SparseTensor& b);

// Keeps rows where mask (bool [N]) is true. The result has fresh caches.
SparseTensor sparse_prune(const SparseTensor& x, const torch::Tensor& mask);

// Scatter-mean pooling of points into voxels: points with batch index `batch` (int [P]) and
// voxel coordinates `voxel` (int [P, 3]) become one active voxel per distinct (batch, voxel);
// its features are the mean of its points' features [P, C]. Output rows are sorted by key.
SparseTensor voxelize_mean(const torch::Tensor& batch, const torch::Tensor& voxel,
                           const torch::Tensor& features, int64_t batch_size = -1);

}  // namespace flexforge::nn
