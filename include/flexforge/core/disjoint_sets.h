// Union-find over the indices 0..n-1, with path halving. The root of every set is its smallest
// index, so the partition and every root are the same whatever order the unions come in: the
// callers label components in order of first appearance and get deterministic ids.
#pragma once

#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace flexforge {

class DisjointSets {
 public:
  DisjointSets() = default;
  explicit DisjointSets(std::size_t n) { reset(n); }

  // n singleton sets again; reuses the storage (hot loops keep one instance).
  void reset(std::size_t n) {
    parent_.resize(n);
    std::iota(parent_.begin(), parent_.end(), std::uint32_t{0});
  }
  std::size_t size() const { return parent_.size(); }
  // Makes x a singleton again (for callers that reuse one instance over subsets of the indices).
  void make_set(std::uint32_t x) { parent_[x] = x; }

  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // Joins the sets of a and b; returns false when they were one set already.
  bool unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return true;
  }

 private:
  std::vector<std::uint32_t> parent_;
};

}  // namespace flexforge
