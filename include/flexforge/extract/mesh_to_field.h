// Mesh -> SparseVoxelField without a network: the direct path (mesh -> exact signed distances at
// the corners of the voxels the surface touches -> sparse FlexiCubes), used as the resolution
// ceiling of the SparseFlex VAE and to make its training targets. Deterministic (results do not
// depend on the thread count) and parallel over queries.
#pragma once

#include "flexforge/core/bvh.h"
#include "flexforge/core/mesh.h"
#include "flexforge/extract/sparse_field.h"

#include <array>
#include <cstdint>
#include <vector>

namespace flexforge::extract {

// normalized = (p - center) * scale. The inverse takes extracted meshes back to the input frame.
struct NormalizeTransform {
  Vec3 center = Vec3::Zero();
  double scale = 1.0;
  Mat4 forward() const;  // input frame -> normalised frame
  Mat4 inverse() const;  // normalised frame -> input frame
};

// Centres the bounding box at the origin and scales its longest extent to 1 - margin, so the shape
// sits inside [-0.5, 0.5]^3 with margin/2 to spare on the longest axis. Throws Error(InvalidInput)
// for an invalid mesh, one without vertices or with a zero-size bounding box, and Error(Usage) for
// margin outside [0, 1).
NormalizeTransform normalize_for_field(const Mesh& mesh, double margin);

// Signed distance to a triangle mesh: BVH closest point, sign from the angle-weighted pseudo-normal
// (Baerentzen & Aanaes) of the closest feature, i.e. the face normal in a face's interior, the sum
// of the two face normals on an edge, the angle-weighted sum of the incident face normals at a
// vertex. Negative inside; a point on the surface gets 0 (outside).
// The mesh is welded exactly first (so seams do not break the pseudo-normals). Exact for a closed,
// consistently oriented 2-manifold. On an open mesh the sign says on which side of the nearest
// surface piece the point lies, so points beyond a hole or a boundary rim are inside or outside
// depending on the rim's orientation: sensible near the surface, meaningless far from it.
// Non-manifold edges sum all their faces' normals. Queries are thread-safe.
class MeshSignedDistance {
 public:
  // Throws Error(InvalidInput) for an invalid mesh or one without faces.
  explicit MeshSignedDistance(const Mesh& mesh);
  float operator()(const Vec3& q) const;
  // One value per query, parallel_for over the queries (threads 0 = worker_threads()).
  std::vector<float> evaluate(const std::vector<Vec3>& queries, unsigned threads = 0) const;

 private:
  Mesh mesh_;  // welded
  TriangleBvh bvh_;
  std::vector<Vec3> face_normal_;      // unit, zero for degenerate faces
  std::vector<Vec3> edge_normal_;      // 3 per face: edge k runs from corner k to corner k+1
  std::vector<Vec3> vertex_normal_;    // angle-weighted
};

// Voxels of the resolution^3 grid over [-0.5, 0.5]^3 whose closed cube intersects at least one
// triangle of `normalized_mesh` (separating-axis triangle/box test, the box grown by 1e-6 of a cell
// so that touching counts despite rounding). For a closed, oriented 2-manifold this includes every
// voxel incident to an edge whose corner signs differ (MeshSignedDistance signs). Sorted by (x, y, z), unique. Parts of the mesh outside the
// cube are ignored. Throws Error(InvalidInput) for an invalid mesh, Error(Usage) for a resolution
// outside [1, SparseVoxelField::kMaxResolution].
std::vector<std::array<std::int32_t, 3>> surface_voxels(const Mesh& normalized_mesh,
                                                        int resolution, unsigned threads = 0);

// SparseVoxelField over surface_voxels(): sdf = MeshSignedDistance at each voxel corner (each grid
// point evaluated once), in normalised units (a cell is 1/resolution); no deform, no weights.
SparseVoxelField direct_field(const Mesh& normalized_mesh, int resolution, unsigned threads = 0);

// The union of closed parts as one field: the voxels of every part's surface, each corner's value
// the smallest signed distance over the parts (the SDF of the union: a point is inside when it is
// inside any part). Extracted, it gives the outer skin of the overlapping parts as one surface,
// with no inner walls where parts overlap. Parts are in the normalised frame; a part's distance
// is skipped where its bounding box is farther than the value found so far. With offset > 0
// (normalised units, below 0.25) the field is that of the union grown by the offset (every value
// lowered by it), over the voxels the grown surface crosses: every wall thickens by twice the
// offset, and gaps narrower than that close. Throws as direct_field for each part.
SparseVoxelField union_field(const std::vector<Mesh>& normalized_parts, int resolution, unsigned threads = 0,
                             double offset = 0);

// normalize_for_field(mesh, margin) -> direct_field -> extract_flexicubes -> back to the input
// frame. Throws as the steps above.
Mesh direct_extract(const Mesh& mesh, int resolution, bool watertight = false,
                    double margin = 0.05, unsigned threads = 0);

}  // namespace flexforge::extract
