// Open-addressing hash map from packed integer grid coordinates to an index, shared by the
// extractor and the mesh-to-field sampler. The sparse voxel sets here reach millions of entries,
// where std::unordered_map's node allocations dominate the run time.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace flexforge::extract::detail {

// 21 bits per axis: coordinates in [0, 2^21) (sparse_field.h caps the resolution at 2^20, and a
// grid point can be R).
inline std::uint64_t pack_coord(std::int64_t x, std::int64_t y, std::int64_t z) {
  return (std::uint64_t(x) << 42) | (std::uint64_t(y) << 21) | std::uint64_t(z);
}

class CoordMap {
 public:
  static constexpr std::int32_t kMissing = -1;

  explicit CoordMap(std::size_t expected = 16) { rehash(expected); }

  std::size_t size() const { return size_; }

  std::int32_t find(std::uint64_t key) const {
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == kEmpty) return kMissing;
      if (keys_[i] == key) return values_[i];
    }
  }

  // Inserts key -> value unless present; returns (stored value, whether it was inserted).
  std::pair<std::int32_t, bool> insert(std::uint64_t key, std::int32_t value) {
    if ((size_ + 1) * 2 > keys_.size()) rehash(keys_.size());
    for (std::size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == kEmpty) {
        keys_[i] = key;
        values_[i] = value;
        ++size_;
        return {value, true};
      }
      if (keys_[i] == key) return {values_[i], false};
    }
  }

 private:
  // No packed coordinate sets the top bit, so it can mark empty slots.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t(0);

  std::size_t slot(std::uint64_t key) const {
    return std::size_t((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void rehash(std::size_t expected) {
    std::size_t capacity = 16;
    int bits = 4;
    while (capacity < expected * 2 + 16) {
      capacity <<= 1;
      ++bits;
    }
    std::vector<std::uint64_t> old_keys(capacity, kEmpty);
    std::vector<std::int32_t> old_values(capacity, kMissing);
    old_keys.swap(keys_);
    old_values.swap(values_);
    mask_ = capacity - 1;
    shift_ = 64 - bits;
    size_ = 0;
    for (std::size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] != kEmpty) insert(old_keys[i], old_values[i]);
    }
  }

  std::vector<std::uint64_t> keys_;
  std::vector<std::int32_t> values_;
  std::size_t mask_ = 0;
  int shift_ = 60;
  std::size_t size_ = 0;
};

}  // namespace flexforge::extract::detail
