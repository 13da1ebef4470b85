// Quad-dominant output: merging pairs of adjacent triangles into quads.
#pragma once

#include "flexforge/core/mesh.h"

#include <array>
#include <cstdint>
#include <vector>

namespace flexforge::retopo {

struct QuadPairingOptions {
  // A pair becomes a quad only when every corner angle of the quad is within this many degrees
  // of 90 and the two triangles' normals differ by at most max_fold_deg. The quad must be
  // strictly convex.
  // Loose by default (measured: at 45 degrees only ~40% of a QEM mesh's triangles pair up);
  // the best-first order still prefers square, flat pairs.
  double max_corner_deviation_deg = 75.0;
  double max_fold_deg = 40.0;
  // Never merge across different face_parts labels.
  bool respect_parts = true;
};

struct QuadPairing {
  std::vector<std::array<std::uint32_t, 2>> pairs;  // two triangle indices sharing an edge
  std::vector<std::uint32_t> singles;               // triangles left as triangles
  std::size_t face_count() const { return pairs.size() + singles.size(); }
  // Fraction of the input triangles that ended up in quads.
  double quad_triangle_fraction() const;
};

// Greedy best-first matching on the dual graph: candidate pairs sorted by how square and flat
// the quad would be, each taken when both triangles are still free. O(F log F).
QuadPairing pair_triangles(const Mesh& mesh, const QuadPairingOptions& options = {});

// Corners of the quad formed by the pair (in the triangles' winding order), or -1 entries
// when the two triangles do not share an edge.
std::array<std::uint32_t, 4> quad_corners(const Mesh& mesh, std::uint32_t f0, std::uint32_t f1);

}  // namespace flexforge::retopo
