// Edge flips that bring a coarse mesh closer to the surface it approximates.
//
// After simplification the choice of diagonal in each pair of triangles is whatever the collapse
// order left; across curved regions the other diagonal often follows the surface better. A flip
// is taken when the two new triangles lie measurably closer to the original surface (mean
// distance of a fixed stencil of points, area-weighted) and the result stays valid: the same
// combinatorial manifold type (no duplicate edge, every vertex keeps at least 3 faces), normals
// within a bound of the old ones, no degenerate face. Boundary edges, part seams and sharp
// features are never flipped.
#pragma once

#include "flexforge/core/bvh.h"
#include "flexforge/core/mesh.h"

#include <cstddef>

namespace flexforge::retopo {

struct EdgeFlipOptions {
  double feature_angle_deg = 60.0;  // edges sharper than this are features, never flipped
  bool respect_parts = true;        // never flip an edge between different face_parts labels
  int passes = 3;                   // sweeps over all edges (stops early when nothing flips)
  double min_gain = 0.01;           // relative error decrease a flip must bring
  double min_normal_cos = 0.5;      // new face normals vs. the pair's old normals
};

// Returns the number of flips made. Only mesh.triangles (and face_parts order) change.
std::size_t flip_edges_to_surface(Mesh& mesh, const TriangleBvh& original_bvh,
                                  const EdgeFlipOptions& options = {});

}  // namespace flexforge::retopo
