// The 4-influence form of skin weights that glTF, FBX and game engines expect.
#pragma once

#include "flexforge/core/mesh.h"

#include <array>
#include <cstdint>
#include <vector>

namespace flexforge {

struct FourInfluences {
  std::array<std::uint16_t, 4> joints{0, 0, 0, 0};
  std::array<float, 4> weights{0, 0, 0, 0};
};

// Merges duplicate joints, keeps the 4 largest weights, renormalises so the float sum is exactly
// as close to 1 as float allows (the largest weight absorbs the rounding). Unused slots get joint
// 0 and weight 0. A vertex with no positive weight is bound fully to `fallback_joint`.
FourInfluences top4_normalized(const std::vector<SkinInfluence>& influences,
                               std::uint16_t fallback_joint);

}  // namespace flexforge
