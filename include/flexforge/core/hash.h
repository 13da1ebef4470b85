// Stable content hashes for names and shard assignment. std::hash is allowed to differ between
// runs and standard libraries; these must not, since they name files that reruns look for.
#pragma once

#include <cstdint>
#include <string_view>

namespace flexforge {

// 64-bit FNV-1a (Fowler, Noll, Vo).
inline std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace flexforge
