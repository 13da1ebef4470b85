// Rigging metrics (docs/metrics.md, as RigNet / MagicArticulate): skeleton Chamfer distances
// CD-J2J, CD-J2B, CD-B2B and skinning precision / recall / L1 against a ground-truth rig.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/core/scene.h"

#include <vector>

namespace flexforge::rig {

struct SkeletonPoints {
  std::vector<Vec3> joints;
  std::vector<int> parent;  // -1 for roots
};

// A skeleton's joints at their bind positions, with their parents.
SkeletonPoints skeleton_points(const Skeleton& skeleton);

struct SkeletonMetrics {
  double cd_j2j = 0, cd_j2b = 0, cd_b2b = 0;  // divided by `scale` (the GT bbox diagonal)
};

// CD-J2J: mean of the two directed mean nearest-joint distances. CD-J2B: mean of (predicted joints
// to GT bone segments) and (GT joints to predicted bone segments). CD-B2B: the same between
// points sampled every `step * scale` along each skeleton's bones and the other's bone segments.
// A skeleton without bones uses its joints as degenerate bones.
SkeletonMetrics skeleton_metrics(const SkeletonPoints& predicted, const SkeletonPoints& truth,
                                 float scale, float step = 0.005f);

struct SkinMetrics {
  double precision = 0, recall = 0, l1 = 0;  // means over vertices
  std::vector<int> joint_map;                // predicted joint -> GT joint
};

// Each predicted joint is mapped to the GT joint whose region (its bones to its children, or its
// own position for a leaf) is nearest on average to points along the predicted joint's bones (its
// position for a leaf); predicted weights are summed per mapped GT joint. Influence = weight >
// 1e-4. Precision = |pred ∩ GT| / |pred|, recall = |pred ∩ GT| / |GT|, L1 = sum |w_pred - w_GT|,
// each averaged over vertices (the meshes must share vertices).
SkinMetrics skin_metrics(const SkeletonPoints& predicted,
                         const std::vector<std::vector<SkinInfluence>>& predicted_skin,
                         const SkeletonPoints& truth,
                         const std::vector<std::vector<SkinInfluence>>& truth_skin);

}  // namespace flexforge::rig
