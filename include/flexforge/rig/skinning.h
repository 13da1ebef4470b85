// Skin weights by geodesic voxel binding: each joint's bones are rasterised into the solid, the
// distance from every surface vertex to every bone is measured through the interior voxels, and
// weights fall off with that distance, then are smoothed over mesh edges and cut to 4 influences.
// Because distances never leave the solid, a vertex is not bound to a limb it does not connect to
// through the body, whatever the mesh topology.
#pragma once

#include "flexforge/rig/bone_graph.h"
#include "flexforge/rig/voxelize.h"

#include <vector>

namespace flexforge::rig {

struct SkinningOptions {
  float falloff = 4.0f;        // w ~ 1 / (d + cell)^falloff
  float min_weight = 0.03f;    // relative weights below this are dropped (before and after smoothing)
  int smoothing_iterations = 2;  // Jacobi averaging over mesh edges
  float smoothing = 0.5f;      // blend factor per iteration
  int max_influences = 4;
};

// One entry per mesh vertex: at most options.max_influences influences, weights summing to 1.
// Joint j owns the bones from j to its children (leaf joints own none and get no weight).
// Vertices whose solid piece holds no bone fall back to Euclidean distance to the bones.
std::vector<std::vector<SkinInfluence>> bind_skin(const Mesh& mesh, const VoxelGrid& grid,
                                                  const JointTree& tree,
                                                  const SkinningOptions& options = {});

}  // namespace flexforge::rig
