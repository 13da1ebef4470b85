// From a curve skeleton (many small nodes) to a joint tree: prune short side branches, keep
// branch points and ends, simplify chains into bones, attach secondary solid pieces, and root the
// tree at the centre of mass of the main body.
#pragma once

#include "flexforge/rig/skeletonize.h"

#include <vector>

namespace flexforge::rig {

struct JointTree {
  std::vector<Vec3> position;
  std::vector<int> parent;     // one root (-1); parents precede children
  std::vector<float> radius;   // local thickness (mesh units)
  std::vector<int> component;  // solid component the joint lies in
};

struct BoneGraphOptions {
  // All lengths are fractions of the bounding-box diagonal.
  float prune_length = 0.05f;   // side branches shorter than this ...
  float prune_radius = 1.6f;    // ... or than this many times their junction's thickness go
  float simplify_tolerance = 0.012f;  // Douglas-Peucker tolerance along chains
  float max_bone_length = 0.11f;      // longer chain pieces are split evenly
  int target_joints = 0;        // > 0: scale the two above until the count is as close as possible
};

// `diagonal` is the mesh's bounding-box diagonal; `center_of_mass` the main solid's centroid.
// Throws Error(StageFailed) when the skeleton is empty.
JointTree build_joint_tree(const CurveSkeleton& skeleton, const Vec3& center_of_mass,
                           float diagonal, const BoneGraphOptions& options = {});

}  // namespace flexforge::rig
