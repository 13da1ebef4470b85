// Joint naming: detects a biped or quadruped from the joint tree (feet on the ground, head and
// tail on the mirror plane) and names its joints in the Unity-humanoid scheme that Mixamo rigs
// retarget to (Hips, Spine, Chest, UpperChest, Neck, Head, LeftShoulder, LeftUpperArm,
// LeftLowerArm, LeftHand, LeftUpperLeg, LeftLowerLeg, LeftFoot, LeftToes, ...). Quadrupeds use the
// arm names for the front legs (how humanoid retargeting maps them) and Tail, Tail1, ... Left is
// +X (glTF: characters face +Z). Anything else gets generic names joint_00, joint_01, ...
#pragma once

#include "flexforge/core/mesh_ops.h"
#include "flexforge/rig/bone_graph.h"
#include "flexforge/rig/symmetry.h"

#include <string>
#include <vector>

namespace flexforge::rig {

enum class RigType { Auto, Biped, Quadruped, Generic };

// Throws Error(Usage) for anything but auto, biped, quadruped, generic.
RigType parse_rig_type(const std::string& text);
std::string rig_type_name(RigType type);

struct NamedJoints {
  RigType type = RigType::Generic;  // what was detected (or forced)
  std::vector<std::string> names;   // unique, one per joint
};

// `ground_y` / `height`: the mesh's lowest y and its y extent (Y is up).
// A forced biped/quadruped that does not fit (wrong number of feet) falls back to generic names.
NamedJoints name_joints(const JointTree& tree, const MirrorPlane& plane, RigType requested,
                        float ground_y, float height);

// name_joints on the mesh's bounding box (Y up), and when that finds no biped or quadruped (or
// refuses a requested biped), the same test on the figure stood up on either end of its long
// horizontal axis: a person lying on the floor is a biped. Refusals as name_joints.
NamedJoints name_figure_joints(const JointTree& tree, const MirrorPlane& plane, RigType requested, const Aabb& box);

}  // namespace flexforge::rig
