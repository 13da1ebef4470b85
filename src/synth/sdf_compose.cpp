// Composition of primitives into parts and parts into assets (smooth union, cuts).
#include "flexforge/synth/sdf.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flexforge::synth {

float smooth_min(float a, float b, float k) {
  if (k <= 0.0f) return std::min(a, b);
  // Quadratic polynomial smooth minimum: equals min(a, b) once |a - b| >= k, and subtracts at
  // most k / 4 where the two are close. Its gradient is (1 - h/2) grad a + (h/2) grad b, a
  // convex combination, so 1-Lipschitz inputs give a 1-Lipschitz result.
  const float h = std::max(k - std::abs(a - b), 0.0f) / k;
  return std::min(a, b) - h * h * k * 0.25f;
}

float PartShape::distance(const Vec3& p) const {
  float d = std::numeric_limits<float>::infinity();
  for (const Primitive& prim : primitives) {
    if (!prim.subtract) d = smooth_min(d, prim.distance(p), blend);
  }
  for (const Primitive& prim : primitives) {
    if (prim.subtract) d = std::max(d, -prim.distance(p));
  }
  return d;
}

Aabb PartShape::bounds() const {
  Aabb box;
  for (const Primitive& prim : primitives) {
    if (prim.subtract) continue;
    const Aabb b = prim.bounds();
    box.expand(b.min);
    box.expand(b.max);
  }
  if (box.valid()) {  // the smooth union can bulge out by up to blend / 4
    box.min -= Vec3::Constant(0.25f * blend);
    box.max += Vec3::Constant(0.25f * blend);
  }
  return box;
}

float PartShape::thickness() const {
  float t = std::numeric_limits<float>::infinity();
  for (const Primitive& prim : primitives) {
    if (!prim.subtract) t = std::min(t, prim.thickness());
  }
  return t;
}

float AssetShape::distance(const Vec3& p) const {
  float d = std::numeric_limits<float>::infinity();
  for (const PartShape& part : parts) d = smooth_min(d, part.distance(p), blend);
  return d;
}

int AssetShape::nearest_part(const Vec3& p) const {
  int best = -1;
  float best_d = std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const float d = parts[i].distance(p);
    if (d < best_d) {
      best_d = d;
      best = static_cast<int>(i);
    }
  }
  return best;
}

Aabb AssetShape::bounds() const {
  Aabb box;
  for (const PartShape& part : parts) {
    const Aabb b = part.bounds();
    if (!b.valid()) continue;
    box.expand(b.min);
    box.expand(b.max);
  }
  if (box.valid()) {
    box.min -= Vec3::Constant(0.25f * blend);
    box.max += Vec3::Constant(0.25f * blend);
  }
  return box;
}

float AssetShape::thickness() const {
  float t = std::numeric_limits<float>::infinity();
  for (const PartShape& part : parts) t = std::min(t, part.thickness());
  return t;
}

}  // namespace flexforge::synth
