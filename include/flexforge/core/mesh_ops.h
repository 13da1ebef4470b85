// Mesh operations every stage shares: bounds and normalisation, normals, welding, connected
// components, boundary edges and a topology report (manifold / watertight / oriented).
//
// Conventions:
//  * Positions are in the mesh's own units; nothing here rescales unless asked to.
//  * Functions taking `const Mesh&` that index vertices call Mesh::validate() first and so throw
//    flexforge::Error(ExitCode::InvalidInput) on out-of-range indices or non-finite positions.
//  * "Exact" welding compares positions bit for bit (with -0.0 == +0.0).
//  * Complexities are in V = vertex count, F = face count.
#pragma once

#include "flexforge/core/mesh.h"

#include <Eigen/Core>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace flexforge {

// Axis-aligned bounding box. A default-constructed box is empty (min = +inf, max = -inf) and
// becomes valid after the first expand().
struct Aabb {
  Vec3 min = Vec3::Constant(std::numeric_limits<float>::infinity());
  Vec3 max = Vec3::Constant(-std::numeric_limits<float>::infinity());

  // True when min <= max on every axis (a single point is a valid, zero-size box).
  bool valid() const;
  // max - min; zero vector for an empty box.
  Vec3 extent() const;
  // Length of the diagonal (same units as the positions); 0 for an empty box.
  float diagonal() const;
  // (min + max) / 2; zero vector for an empty box.
  Vec3 center() const;
  // Grows the box to contain p.
  void expand(const Vec3& p);
};

// Bounding box of all vertex positions (referenced or not). Empty box for a mesh without
// vertices. O(V).
Aabb bounding_box(const Mesh& mesh);

// Unit geometric normal of every face (right-hand rule on the vertex order). Faces with zero
// area (repeated or collinear vertices) get the zero vector so callers can tell them apart.
// O(F). Throws on an invalid mesh.
std::vector<Vec3> face_normals(const Mesh& mesh);

// Fills mesh.normals (resized to the vertex count) with area-weighted vertex normals: the sum of
// the un-normalised cross products of the incident faces, normalised. A vertex with no incident
// face of non-zero area, or whose incident normals cancel, gets the fallback (0, 0, 1), so the
// result is always finite and unit length. O(V + F). Throws on an invalid mesh.
void compute_vertex_normals(Mesh& mesh);

// Applies the affine transform m (bottom row assumed (0,0,0,1); it is ignored) to positions, and
// its inverse transpose to normals (renormalised; a normal that degenerates to zero becomes
// (0,0,1)). If the 3x3 part has a negative determinant (a mirror), every triangle's winding is
// reversed so that faces keep facing the same side as their normals. O(V + F).
void transform(Mesh& mesh, const Mat4& m);

// Transform that moves box.center() to the origin and scales uniformly so that the box diagonal
// becomes 1 (the normalisation of docs/metrics.md). Throws Error(InvalidInput) if the box is empty
// or has zero diagonal.
Mat4 normalize_to_unit_diagonal_transform(const Aabb& box);

// Vertex welding map: result[i] is the index of vertex i in the welded mesh. Welded indices are
// numbered 0..K-1 in order of first occurrence, and every group is represented by its first
// (lowest-index) vertex.
//  * tolerance == 0: vertices merge iff their positions are exactly equal. Open-addressing hash,
//    O(V).
//  * tolerance > 0: a vertex merges into the earliest representative within Euclidean distance
//    <= tolerance (greedy clustering; not transitive: two vertices 1.5*tolerance apart chained by
//    a middle vertex may or may not merge depending on order). Uniform grid hash with cell size
//    = tolerance, O(V) expected.
// Throws Error(InvalidInput) for a negative or non-finite tolerance or an invalid mesh.
std::vector<std::uint32_t> weld_map(const Mesh& mesh, float tolerance);

// Mesh with vertices merged by weld_map(mesh, tolerance). The welded vertex takes the position
// and attributes (normal, colour, skin) of its group's first vertex. Faces are re-indexed; faces
// that collapse (two corners on the same welded vertex) are dropped, together with their
// face_parts entry. O(V + F).
Mesh weld(const Mesh& mesh, float tolerance);

// Removes every face whose three vertex indices repeat those of an earlier face, in either
// orientation (with its face_parts entry); vertices are kept. Artist models often store each
// face twice, once per side, so that it renders from both: every edge then has four faces, and
// nothing that needs a 2-manifold (edge collapse, hole filling) can work on it. Weld first so
// the two sides share vertices. Returns the number of faces removed. O(F log F).
std::size_t drop_duplicate_faces(Mesh& mesh);

// Face-connected components: two faces are connected when they share a vertex index (the mesh is
// NOT welded here; weld first if coincident-but-distinct vertices should join). Component ids are
// 0..count-1, numbered in order of each component's first face. Union-find, O(V + F α).
struct Components {
  std::vector<int> face_component;  // one per face
  int count = 0;                    // number of components (0 for a mesh without faces)
};
Components connected_components(const Mesh& mesh);

// The faces with keep_face[f] != 0 (in order, with their part ids) and the vertices they use,
// with every per-vertex attribute (normals, colours, skin) that the mesh has for all vertices.
Mesh submesh(const Mesh& mesh, const std::vector<std::uint8_t>& keep_face);

// Surface area of each component of `c` (as connected_components(mesh) gives it), by id.
std::vector<double> component_areas(const Mesh& mesh, const Components& c);

// Removes every component (sharing vertex indices, as connected_components) whose surface area
// is below `min_share` of the mesh's total, with its now unreferenced vertices; keeps the rest
// untouched and in order. Debris of a generated surface. Returns the number of components removed.
std::size_t drop_small_components(Mesh& mesh, double min_share);

// A surface that is closed by construction: every edge has exactly two faces used once each way
// (watertight and oriented, as analyze_topology on the exactly welded mesh) and no
// face-connected component is smaller than `min_share` of the surface area.
struct ClosedSurfaceCheck {
  bool watertight = false;
  bool oriented = false;
  std::size_t components = 0;
  double smallest_share = 0.0;  // smallest component's share of the total area (0 without faces)
  bool closed(double min_share = 0.01) const {
    return watertight && oriented && components > 0 && smallest_share >= min_share;
  }
};
ClosedSurfaceCheck check_closed_surface(const Mesh& mesh);

using Edge = std::array<std::uint32_t, 2>;

// Boundary edges: undirected edges used by exactly one face, over the vertex indices as given
// (weld first to ignore attribute seams). Each is returned directed as it runs in its face
// (so boundary loops can be traced), in face order. Faces with a repeated index are ignored.
// O(F) (radix sort of edge keys).
std::vector<Edge> boundary_edges(const Mesh& mesh);

// Indices of degenerate faces: a repeated vertex index, or zero area, i.e.
// |(b-a) x (c-a)| <= 1e-12 * (longest edge)^2, evaluated in double. O(F).
std::vector<std::uint32_t> degenerate_faces(const Mesh& mesh);

// Topology summary, computed on the exactly position-welded mesh (weld_map(mesh, 0)) so that
// UV / normal seams do not read as holes.
struct TopologyReport {
  std::size_t vertices = 0;               // welded vertex count
  std::size_t faces = 0;                  // face count of the input
  std::size_t degenerate_faces = 0;       // as degenerate_faces() on the welded mesh
  std::size_t boundary_edges = 0;         // undirected edges with exactly one face
  std::size_t non_manifold_edges = 0;     // undirected edges with three or more faces
  std::size_t non_manifold_vertices = 0;  // vertices whose incident faces, joined across the
                                          // edges at that vertex, form more than one fan
                                          // (bow-tie / pinch points)
  std::size_t inconsistent_edges = 0;     // 2-face edges used twice in the same direction, plus
                                          // non-manifold edges whose uses are unbalanced
  std::size_t components = 0;             // face-connected components of the welded mesh
  bool manifold = false;    // no non-manifold edges and no non-manifold vertices
  bool watertight = false;  // manifold, no boundary edges, and at least one face
  bool oriented = false;    // no inconsistent edges (each interior edge used once each way)
};

// Faces with a repeated (welded) index are counted as degenerate and take no part in the edge,
// vertex or orientation analysis; zero-area faces with distinct indices are counted as
// degenerate but otherwise take part normally. Unreferenced vertices are ignored.
// O(V + F): exact weld by hashing, radix sort of 64-bit half-edge keys, union-find over face
// corners. Throws Error(InvalidInput) for an invalid mesh, or one with 2^31 or more vertices or
// 2^32 / 3 or more faces.
TopologyReport analyze_topology(const Mesh& mesh);

}  // namespace flexforge
