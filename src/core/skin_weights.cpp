#include "flexforge/core/skin_weights.h"

#include <algorithm>

namespace flexforge {

FourInfluences top4_normalized(const std::vector<SkinInfluence>& influences,
                               std::uint16_t fallback_joint) {
  std::vector<SkinInfluence> merged;
  merged.reserve(influences.size());
  for (const SkinInfluence& inf : influences) {
    if (!(inf.weight > 0.0f)) continue;
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const SkinInfluence& m) { return m.joint == inf.joint; });
    if (it != merged.end()) {
      it->weight += inf.weight;
    } else {
      merged.push_back(inf);
    }
  }
  FourInfluences out;
  if (merged.empty()) {
    out.joints[0] = fallback_joint;
    out.weights[0] = 1.0f;
    return out;
  }
  // Largest first; ties broken by joint index so the result is deterministic.
  std::sort(merged.begin(), merged.end(), [](const SkinInfluence& a, const SkinInfluence& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.joint < b.joint;
  });
  const std::size_t n = std::min<std::size_t>(4, merged.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += merged[i].weight;
  float rest = 0.0f;
  for (std::size_t i = 1; i < n; ++i) {
    out.joints[i] = static_cast<std::uint16_t>(merged[i].joint);
    out.weights[i] = static_cast<float>(merged[i].weight / sum);
    rest += out.weights[i];
  }
  out.joints[0] = static_cast<std::uint16_t>(merged[0].joint);
  out.weights[0] = 1.0f - rest;
  return out;
}

}  // namespace flexforge
