// Shared helpers of the category build functions (not a public header).
#pragma once

#include "flexforge/synth/categories.h"

#include <Eigen/Geometry>

#include <cmath>
#include <string>
#include <vector>

namespace flexforge::synth::detail {

constexpr float kPi = 3.14159265358979323846f;
inline float deg(float d) { return d * kPi / 180.0f; }
inline Vec3 V(float x, float y, float z) { return Vec3(x, y, z); }

inline Primitive on_joint(Primitive p, int joint) {
  p.joint = joint;
  return p;
}

// Round cones through consecutive points (a smooth tapered tube); segment i moves with
// joints[i] (one joint per segment), radii one per point.
inline void chain(ShapeBuilder& b, int part, const std::vector<Vec3>& points,
                  const std::vector<float>& radii, const std::vector<int>& joints) {
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    b.add(part, on_joint(round_cone(points[i], points[i + 1], radii[i], radii[i + 1]), joints[i]));
  }
}

// Unit vector rotated from `from` towards `to` by `angle` (radians) in their common plane.
inline Vec3 rotate_towards(const Vec3& from, const Vec3& to, float angle) {
  Vec3 axis = from.cross(to);
  if (axis.norm() < 1e-6f) return from;
  return rotation_axis(axis, angle) * from;
}

inline const char* side_name(int side) { return side < 0 ? "right" : "left"; }

// Each family registers its categories here, in a fixed order (categories.cpp).
void register_furniture(std::vector<Category>& out);
void register_objects(std::vector<Category>& out);
void register_vehicles(std::vector<Category>& out);
void register_nature(std::vector<Category>& out);
void register_creatures(std::vector<Category>& out);
void register_scenes(std::vector<Category>& out);

// Humanoid body shared by the humanoid category and the figure-holding-a-sword scene. Builds
// the skeleton and body parts; returns the joint id of the right hand and its position in
// `right_hand`, and the forward direction of the right forearm in `right_forearm_dir`.
struct HumanoidResult {
  int right_hand_joint = -1;
  Vec3 right_hand = Vec3::Zero();
  Vec3 right_forearm_dir = Vec3::Zero();
  float hand_radius = 0.0f;
};
HumanoidResult build_humanoid_body(ShapeBuilder& b, bool random_pose, bool hold_forward);

}  // namespace flexforge::synth::detail
