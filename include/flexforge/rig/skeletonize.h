// Curve skeleton of a voxelised solid as a level-set diagram of the geodesic distance from a tip:
// voxels are binned by interior geodesic distance from one extremity, every connected piece of a
// bin becomes a node at its centroid, and each node hangs from the node its shortest paths come
// from. The result is a tree per solid component whatever the surface topology (handles and
// touching limbs are cut where the distance fronts meet).
#pragma once

#include "flexforge/rig/symmetry.h"
#include "flexforge/rig/voxelize.h"

#include <vector>

namespace flexforge::rig {

struct CurveSkeleton {
  std::vector<Vec3> position;  // node centre (inside the solid)
  std::vector<float> radius;   // local thickness at the node (mesh units)
  std::vector<int> parent;     // -1 for the source node of each component
  std::vector<int> component;  // solid component (VoxelGrid::component) of the node
  std::vector<int> voxels;     // voxels in the node's level-set piece
};

struct SkeletonizeOptions {
  float bin_cells = 2.0f;             // level-set bin width in voxels
  std::size_t min_component_voxels = 8;  // smaller solid pieces get no skeleton
  // Node centre = centroid of the piece's voxels at least this thick relative to its thickest
  // voxel (0 = plain centroid of the piece).
  float medial_fraction = 0.9f;
  // Cut loops (touching limbs) at the smallest relative interface between slice pieces instead
  // of where the distance fronts meet.
  bool cut_loops_at_contacts = true;
};

// `thick` is thickness(grid). When `plane` was found, the source tip is taken on the mirror plane
// (head, tail or snout), which makes the diagram itself mirror-symmetric.
CurveSkeleton level_set_skeleton(const VoxelGrid& grid, const std::vector<float>& thick,
                                 const MirrorPlane& plane, const SkeletonizeOptions& options = {});

}  // namespace flexforge::rig
