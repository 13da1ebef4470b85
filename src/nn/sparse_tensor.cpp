// SparseTensor coordinate hashing and the maps derived from it. All maps are built with tensor
// ops (sort, searchsorted, unique, nonzero) on the coordinates' own device; the only host copies
// are the small per-sequence offset vectors that drive host-side loops over sequences.
#include "flexforge/nn/sparse_tensor.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <utility>

namespace flexforge::nn {

namespace {

constexpr int64_t kAxisSpan = int64_t{1} << kCoordBits;

// int64 keys -> int32 [M, 4] coordinates (inverse of pack_coords).
torch::Tensor unpack_keys(const torch::Tensor& keys) {
  const auto z = keys.remainder(kAxisSpan) - kCoordBias;
  const auto rest = keys.div(kAxisSpan, "floor");
  const auto y = rest.remainder(kAxisSpan) - kCoordBias;
  const auto rest2 = rest.div(kAxisSpan, "floor");
  const auto x = rest2.remainder(kAxisSpan) - kCoordBias;
  const auto b = rest2.div(kAxisSpan, "floor");
  return torch::stack({b, x, y, z}, 1).to(torch::kInt);
}

std::vector<int64_t> host_offsets(const torch::Tensor& counts) {
  const auto cum = torch::cat({torch::zeros({1}, counts.options()), counts.cumsum(0)})
                       .to(torch::kCPU, torch::kLong)
                       .contiguous();
  const int64_t* p = cum.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + cum.numel());
}

SequenceLayout layout_from_sorted(const torch::Tensor& order, const torch::Tensor& counts) {
  SequenceLayout layout;
  layout.order = order;
  if (order.defined()) {
    layout.inverse = torch::empty_like(order).scatter_(
        0, order, torch::arange(order.size(0), order.options()));
  }
  layout.offsets = host_offsets(counts);
  for (size_t i = 0; i + 1 < layout.offsets.size(); ++i) {
    layout.max_length = std::max(layout.max_length, layout.offsets[i + 1] - layout.offsets[i]);
  }
  return layout;
}

}  // namespace

torch::Tensor pack_coords(const torch::Tensor& coords) {
  const auto c = coords.to(torch::kLong);
  const auto b = c.select(1, 0);
  const auto x = c.select(1, 1) + kCoordBias;
  const auto y = c.select(1, 2) + kCoordBias;
  const auto z = c.select(1, 3) + kCoordBias;
  return ((b * kAxisSpan + x) * kAxisSpan + y) * kAxisSpan + z;
}

// Everything derived from the coordinates. Guarded by one recursive mutex because building a map
// may build the hash first; maps live in node-based containers so references stay valid.
struct SparseTensor::Cache {
  std::recursive_mutex mutex;
  torch::Tensor sorted_keys;  // int64 [N] ascending
  torch::Tensor sort_perm;    // int64 [N] row of each sorted key
  torch::Tensor batch_index;
  torch::Tensor batch_counts;
  std::unique_ptr<SequenceLayout> batch_layout;
  std::map<int, KernelMap> kernel_maps;
  std::unique_ptr<DownsampleMap> down;
  std::map<std::pair<int, int>, SequenceLayout> windows;
};

SparseTensor::SparseTensor(torch::Tensor coords, torch::Tensor features, int64_t batch_size)
    : coords_(std::move(coords)), features_(std::move(features)),
      cache_(std::make_shared<Cache>()) {
  if (coords_.dim() != 2 || coords_.size(1) != 4) {
    throw Error(ExitCode::StageFailed, "SparseTensor: coords must be [N, 4] (batch, x, y, z)");
  }
  if (coords_.scalar_type() != torch::kInt) coords_ = coords_.to(torch::kInt);
  if (features_.dim() != 2 || features_.size(0) != coords_.size(0)) {
    throw Error(ExitCode::StageFailed, "SparseTensor: features must be [N, C] with N = " +
                                           std::to_string(coords_.size(0)) + " rows");
  }
  if (coords_.device() != features_.device()) coords_ = coords_.to(features_.device());
  coords_ = coords_.contiguous();
  if (coords_.size(0) > 0) {
    const auto xyz = coords_.narrow(1, 1, 3);
    const int64_t lo = xyz.min().item<int64_t>();
    const int64_t hi = xyz.max().item<int64_t>();
    const int64_t bmin = coords_.select(1, 0).min().item<int64_t>();
    const int64_t bmax = coords_.select(1, 0).max().item<int64_t>();
    if (lo < -kCoordBias + 2 || hi > kCoordBias - 2 || bmin < 0 || bmax >= kMaxBatch) {
      throw Error(ExitCode::StageFailed,
                  "SparseTensor: coordinates out of range (batch in [0, 32768), x/y/z in "
                  "[-32766, 32766])");
    }
    batch_size_ = batch_size >= 0 ? batch_size : bmax + 1;
    if (bmax >= batch_size_) {
      throw Error(ExitCode::StageFailed, "SparseTensor: batch index exceeds batch_size");
    }
  } else {
    batch_size_ = std::max<int64_t>(batch_size, 0);
  }
}

SparseTensor SparseTensor::with_features(torch::Tensor features) const {
  if (features.dim() != 2 || features.size(0) != size()) {
    throw Error(ExitCode::StageFailed, "SparseTensor::with_features: expected [" +
                                           std::to_string(size()) + ", C] features");
  }
  SparseTensor out = *this;
  out.features_ = std::move(features);
  return out;
}

SparseTensor SparseTensor::to(torch::Device device) const {
  if (device == this->device()) return *this;
  return SparseTensor(coords_.to(device), features_.to(device), batch_size_);
}

SparseTensor::Cache& SparseTensor::cache() const {
  if (!cache_) throw Error(ExitCode::StageFailed, "SparseTensor: used before construction");
  return *cache_;
}

torch::Tensor SparseTensor::batch_index() const {
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (!c.batch_index.defined()) c.batch_index = coords_.select(1, 0).to(torch::kLong);
  return c.batch_index;
}

torch::Tensor SparseTensor::batch_counts() const {
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (!c.batch_counts.defined()) {
    c.batch_counts = torch::bincount(batch_index(), {}, batch_size_);
  }
  return c.batch_counts;
}

const SequenceLayout& SparseTensor::batch_layout() const {
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (!c.batch_layout) {
    const auto b = batch_index();
    torch::Tensor order;
    const bool grouped = size() < 2 || (b.slice(0, 1) >= b.slice(0, 0, -1)).all().item<bool>();
    if (!grouped) order = std::get<1>(torch::sort(b, /*stable=*/true, 0, false));
    c.batch_layout = std::make_unique<SequenceLayout>(layout_from_sorted(order, batch_counts()));
  }
  return *c.batch_layout;
}

torch::Tensor SparseTensor::lookup(const torch::Tensor& query_coords) const {
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (!c.sorted_keys.defined()) {
    auto sorted = torch::sort(pack_coords(coords_));
    c.sorted_keys = std::get<0>(sorted);
    c.sort_perm = std::get<1>(sorted);
    if (size() > 1 &&
        (c.sorted_keys.slice(0, 1) == c.sorted_keys.slice(0, 0, -1)).any().item<bool>()) {
      throw Error(ExitCode::StageFailed, "SparseTensor: duplicate coordinates");
    }
  }
  const auto keys = pack_coords(query_coords.to(device()));
  if (size() == 0) return torch::full_like(keys, -1);
  const auto pos = torch::searchsorted(c.sorted_keys, keys).clamp_max_(size() - 1);
  const auto found = c.sorted_keys.index_select(0, pos) == keys;
  return torch::where(found, c.sort_perm.index_select(0, pos), torch::full_like(pos, -1));
}

const KernelMap& SparseTensor::kernel_map(int kernel) const {
  if (kernel < 1 || kernel % 2 == 0) {
    throw Error(ExitCode::StageFailed, "submanifold kernel size must be odd");
  }
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  auto it = c.kernel_maps.find(kernel);
  if (it != c.kernel_maps.end()) return it->second;

  KernelMap map;
  map.kernel = kernel;
  const int r = kernel / 2;
  // The constructor leaves one voxel of margin in the key packing, enough for k = 3; wider
  // kernels need r voxels so that neighbour keys cannot spill into the next field.
  if (r > 1 && size() > 0) {
    const auto xyz = coords_.narrow(1, 1, 3);
    if (xyz.min().item<int64_t>() - r < -kCoordBias || xyz.max().item<int64_t>() + r >= kCoordBias) {
      throw Error(ExitCode::StageFailed, "SparseTensor: coordinates too large for kernel size " +
                                             std::to_string(kernel));
    }
  }
  const int volume = kernel * kernel * kernel;
  const int centre = volume / 2;
  map.pairs.resize(volume);
  const auto rows = torch::arange(size(), coords_.options().dtype(torch::kLong));
  // Offsets o and volume-1-o are mirror images (d and -d): the pairs of one are the swapped pairs
  // of the other, so only half of the lookups are done.
  for (int o = 0; o < centre; ++o) {
    const int dx = o / (kernel * kernel) - r;
    const int dy = (o / kernel) % kernel - r;
    const int dz = o % kernel - r;
    const auto shift =
        torch::tensor({0, dx, dy, dz}, coords_.options()).view({1, 4});
    const auto idx = lookup(coords_ + shift);
    const auto hit = idx >= 0;
    OffsetPairs p;
    p.out = rows.masked_select(hit);
    p.in = idx.masked_select(hit);
    map.pairs[volume - 1 - o] = OffsetPairs{p.out, p.in};
    map.pairs[o] = std::move(p);
  }
  map.total_pairs = size();
  for (int o = 0; o < volume; ++o) {
    if (o != centre) map.total_pairs += map.pairs[o].in.numel();
  }
  return c.kernel_maps.emplace(kernel, std::move(map)).first->second;
}

const DownsampleMap& SparseTensor::downsample_map() const {
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  if (c.down) return *c.down;
  auto map = std::make_unique<DownsampleMap>();
  const auto xyz = coords_.narrow(1, 1, 3).to(torch::kLong);
  const auto parent_xyz = xyz.div(2, "floor");
  const auto bit = xyz - parent_xyz * 2;  // 0 or 1 per axis (floor division handles negatives)
  map->child_offset = bit.select(1, 0) * 4 + bit.select(1, 1) * 2 + bit.select(1, 2);
  const auto parent_coords =
      torch::cat({coords_.narrow(1, 0, 1).to(torch::kLong), parent_xyz}, 1);
  auto [unique_keys, inverse, counts] =
      torch::_unique2(pack_coords(parent_coords), /*sorted=*/true, /*return_inverse=*/true,
                      /*return_counts=*/false);
  (void)counts;
  map->coarse_coords = unpack_keys(unique_keys);
  map->parent = inverse.view({-1});
  const auto rows = torch::arange(size(), coords_.options().dtype(torch::kLong));
  map->by_offset.resize(8);
  for (int o = 0; o < 8; ++o) {
    const auto hit = map->child_offset == o;
    map->by_offset[o].in = rows.masked_select(hit);
    map->by_offset[o].out = map->parent.masked_select(hit);
  }
  c.down = std::move(map);
  return *c.down;
}

const SequenceLayout& SparseTensor::window_layout(int window, int shift) const {
  if (window < 1 || shift < 0) {
    throw Error(ExitCode::StageFailed, "window attention needs window >= 1 and shift >= 0");
  }
  auto& c = cache();
  std::lock_guard<std::recursive_mutex> lock(c.mutex);
  const auto key = std::make_pair(window, shift);
  auto it = c.windows.find(key);
  if (it != c.windows.end()) return it->second;
  const auto xyz = coords_.narrow(1, 1, 3).to(torch::kLong);
  const auto wxyz = (xyz + shift).div(window, "floor");
  const auto wkeys =
      pack_coords(torch::cat({coords_.narrow(1, 0, 1).to(torch::kLong), wxyz}, 1));
  auto [sorted, order] = torch::sort(wkeys, /*stable=*/true, 0, false);
  auto [uniq, inverse, counts] = torch::unique_consecutive(sorted, false, true);
  (void)uniq;
  (void)inverse;
  return c.windows.emplace(key, layout_from_sorted(order, counts)).first->second;
}

SparseTensor sparse_cat(const SparseTensor& a, const SparseTensor& b) {
  const bool same = a.coords().is_same(b.coords()) ||
                    (a.size() == b.size() && torch::equal(a.coords(), b.coords()));
  if (!same) throw Error(ExitCode::StageFailed, "sparse_cat: tensors have different coordinates");
  return a.with_features(torch::cat({a.features(), b.features()}, 1));
}

SparseTensor sparse_prune(const SparseTensor& x, const torch::Tensor& mask) {
  if (mask.dim() != 1 || mask.size(0) != x.size()) {
    throw Error(ExitCode::StageFailed, "sparse_prune: mask must be bool [N]");
  }
  const auto rows = torch::nonzero(mask.to(torch::kBool)).view({-1});
  return SparseTensor(x.coords().index_select(0, rows), x.features().index_select(0, rows),
                      x.batch_size());
}

SparseTensor voxelize_mean(const torch::Tensor& batch, const torch::Tensor& voxel,
                           const torch::Tensor& features, int64_t batch_size) {
  if (voxel.dim() != 2 || voxel.size(1) != 3 || batch.numel() != voxel.size(0) ||
      features.size(0) != voxel.size(0)) {
    throw Error(ExitCode::StageFailed, "voxelize_mean: expected batch [P], voxel [P, 3], "
                                       "features [P, C]");
  }
  const auto coords =
      torch::cat({batch.view({-1, 1}).to(torch::kLong), voxel.to(torch::kLong)}, 1)
          .to(features.device());
  auto [keys, inverse, counts] = torch::_unique2(pack_coords(coords), true, true, true);
  const auto sums = torch::zeros({keys.size(0), features.size(1)}, features.options())
                        .index_add(0, inverse.view({-1}), features);
  const auto mean = sums / counts.to(features.scalar_type()).unsqueeze(1);
  return SparseTensor(unpack_keys(keys), mean, batch_size);
}

}  // namespace flexforge::nn
