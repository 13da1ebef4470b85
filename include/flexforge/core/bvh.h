// Triangle bounding-volume hierarchy for closest-point (point-to-surface) queries.
//
// The tree copies the triangle corners, so the Mesh may be destroyed after construction.
// Queries are const and thread-safe (no shared mutable state); results do not depend on the
// order or thread in which queries run.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flexforge {

class TriangleBvh {
 public:
  // Builds the tree over all faces of `mesh` (binned surface-area heuristic, 16 bins, at most 4
  // triangles per leaf). Degenerate faces (zero area, repeated indices) are kept and answered
  // exactly as the segment or point they are. O(F log F) time, O(F) memory.
  // Throws Error(InvalidInput) if the mesh is invalid (Mesh::validate) or has no faces.
  explicit TriangleBvh(const Mesh& mesh);

  struct Hit {
    Vec3 point = Vec3::Zero();        // closest point on the surface (mesh units)
    float distance = 0.0f;            // Euclidean distance from the query to `point`
    std::uint32_t face = 0;           // index of the face containing `point` (input order)
    Vec3 barycentric = Vec3::Zero();  // weights of the face's corners 0, 1, 2 (sum to 1)
  };

  // Closest point on the union of all triangles to q. Ties between faces at exactly the same
  // distance go to the face visited first (deterministic for a given mesh). Iterative traversal,
  // nearer child first, subtrees pruned when their box is no closer than the best hit;
  // O(log F) typical. The point-triangle test runs in double precision.
  Hit closest_point(const Vec3& q) const;

  std::size_t face_count() const { return faces_.size(); }
  std::size_t node_count() const { return nodes_.size(); }

 private:
  struct Node {
    float lo[3];
    float hi[3];
    std::uint32_t first;  // leaf: first primitive; interior: index of the left child
    std::uint32_t count;  // leaf: number of primitives (> 0); interior: 0, right = first + 1
  };
  struct Corners {
    Vec3 a, b, c;
  };

  std::vector<Node> nodes_;
  std::vector<Corners> corners_;      // in leaf order
  std::vector<std::uint32_t> faces_;  // input face index of each entry in corners_
};

}  // namespace flexforge
