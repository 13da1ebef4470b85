// Posing a skeleton. Clips are written in "world deltas": each joint's rotation relative to its
// bind pose, expressed in scene axes (a knee bend is a rotation about the character's side axis,
// whatever the rig's own joint frames are), composed down the tree: a joint's world delta is
// its parent's times its own. PoseSolver turns that into the local joint transforms that glTF and
// FBX store, and back into world matrices for skinning and for the clip metrics.
#pragma once

#include "flexforge/core/scene.h"

#include <Eigen/Geometry>

#include <vector>

namespace flexforge::anim {

using Quat = Eigen::Quaternionf;

// One pose in world deltas. `relative[j]` rotates joint j's subtree in scene axes after its
// parent's delta; `absolute[j]`, when set, fixes joint j's world delta instead (what the leg IK
// does). `root_offset` moves the root joint in scene space.
struct DeltaPose {
  std::vector<Quat> relative;
  std::vector<Quat> absolute;
  std::vector<bool> has_absolute;
  Vec3 root_offset = Vec3::Zero();

  explicit DeltaPose(std::size_t joints = 0)
      : relative(joints, Quat::Identity()), absolute(joints, Quat::Identity()), has_absolute(joints, false) {}
  void set_absolute(int joint, const Quat& q) {
    absolute[joint] = q;
    has_absolute[joint] = true;
  }
};

class PoseSolver {
 public:
  explicit PoseSolver(const Skeleton& skeleton);

  std::size_t joint_count() const { return bind_position_.size(); }
  const Vec3& bind_position(int j) const { return bind_position_[j]; }
  int parent(int j) const { return parent_[j]; }

  // World deltas and world joint positions of a pose (parents first).
  void solve(const DeltaPose& pose, std::vector<Quat>& world_delta, std::vector<Vec3>& position) const;

  // The keys of a pose: each joint's local rotation (bind rotation included) and the root's
  // local translation.
  void local_keys(const DeltaPose& pose, std::vector<Quat>& local_rotation, Vec3& root_translation) const;

 private:
  std::vector<int> parent_;
  std::vector<Vec3> bind_position_;
  std::vector<Quat> bind_world_rotation_, bind_local_rotation_;
  Vec3 root_local_translation_ = Vec3::Zero();
};

// Two-bone IK for a leg in world deltas: with the hip at `hip` (already posed) and the parent's
// world delta `parent_delta`, bends hip -> knee -> ankle (bind positions) so that the ankle
// reaches `target` (or points at it, fully stretched, when out of reach), the knee staying in the
// plane given by its bind-pose bend (or `fallback_pole` for a straight leg). Returns the world
// deltas of the hip and knee joints.
struct LegDeltas {
  Quat hip = Quat::Identity(), knee = Quat::Identity();
};
LegDeltas solve_leg(const Vec3& hip_bind, const Vec3& knee_bind, const Vec3& ankle_bind, const Vec3& hip,
                    const Quat& parent_delta, const Vec3& target, const Vec3& fallback_pole);

// Joint world matrices of `skeleton` playing `clip` at `time` (clamped to the clip), keys
// interpolated linearly (rotations by slerp). An empty clip gives the bind pose.
std::vector<Mat4> joint_world_at(const Skeleton& skeleton, const AnimationClip& clip, float time);

// Linear-blend-skinned positions of every part's vertices (parts concatenated) for joint world
// matrices from joint_world_at. Vertices without skin stay where they are.
std::vector<Vec3> skinned_positions(const Scene& scene, const std::vector<Mat4>& joint_world);

inline Vec4 to_xyzw(const Quat& q) { return Vec4(q.x(), q.y(), q.z(), q.w()); }
inline Quat from_xyzw(const Vec4& v) { return Quat(v.w(), v.x(), v.y(), v.z()); }

}  // namespace flexforge::anim
