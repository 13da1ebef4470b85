// What the clips need to know of a skeleton: its rig type and limbs, read from the joint names
// that `flexforge rig` writes (Hips, Spine, Chest, Neck, Head, LeftUpperLeg, LeftLowerLeg,
// LeftFoot, LeftToes, LeftUpperArm, ..., Tail, Tail1, ...; extra joints of a chain carry the
// name with a suffix, "LeftUpperLeg_1"). Mixamo's names (mixamorig:LeftUpLeg, LeftLeg,
// LeftArm, LeftForeArm, ...) are read as their standard equivalents, so artist rigs animate too.
// Anything without two named legs is a generic rig: its limbs are the joint chains themselves.
#pragma once

#include "flexforge/core/scene.h"

#include <string>
#include <vector>

namespace flexforge::anim {

enum class RigKind { Biped, Quadruped, Generic };
std::string rig_kind_name(RigKind kind);

// One leg (or a quadruped's front leg): hip -> knee -> ankle, each the first joint of its named
// group. `knee` is -1 for a leg of one segment. `joints` is the whole chain, hip first.
struct Limb {
  std::string side;  // "Left" / "Right"
  int hip = -1, knee = -1, ankle = -1;
  std::vector<int> joints;
};

// A chain of joints from a branching joint (or the root) down to a leaf, proximal first.
using Chain = std::vector<int>;

struct RigMap {
  RigKind kind = RigKind::Generic;
  float height = 0;     // bind-pose extent along Y of the joints and the skinned mesh
  float ground_y = 0;   // lowest bind-pose y of the mesh (or the joints without a mesh)
  // Height of the band above ground_y where joints count as lying on the ground: 15% of the
  // height, or 10% of the largest extent for a flat creature (a snake's joints sit mid-body).
  float ground_band = 0;
  Vec3 forward = Vec3::UnitZ();  // horizontal unit vector the character faces
  Vec3 left = Vec3::UnitX();     // horizontal, up x forward
  int root = -1, hips = -1, spine = -1, chest = -1, neck = -1, head = -1;
  std::vector<Limb> legs;        // biped: 2; quadruped: 4 (front ones first)
  std::vector<Limb> arms;        // biped arms (shoulder chain in `joints`, hip = upper arm)
  std::vector<int> shoulders;    // biped LeftShoulder / RightShoulder when present
  Chain tail;                    // Tail, Tail1, ... when present
  std::vector<Chain> chains;     // every branch-to-leaf chain of 3 joints or more
  std::vector<std::pair<Chain, Chain>> wings;  // mirrored lateral chains off the ground (left, right)
};

// The standard name of a joint name (prefix before ':' dropped, Mixamo names mapped, the
// duplicate suffix "_N" kept): "mixamorig:LeftUpLeg" -> "LeftUpperLeg".
std::string standard_joint_name(const std::string& name);

// Reads the rig from the skeleton and the bind-pose mesh. Throws Error(InvalidInput) when the
// scene has no skeleton.
RigMap map_rig(const Scene& scene);

}  // namespace flexforge::anim
