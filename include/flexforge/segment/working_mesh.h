// The mesh the segmentation actually analyses: the input welded (so unwelded soups and split
// attribute seams become one surface), without faces that collapse when welded, with faces
// oriented consistently per connected component and outward where the component is closed
// enough to tell. Keeps the map back to the input's faces.
#pragma once

#include "flexforge/core/mesh.h"

#include <array>
#include <cstdint>
#include <vector>

namespace flexforge::segment {

struct WorkingMesh {
  std::vector<Vec3> positions;             // welded vertices, scaled so the bbox diagonal is 1
  std::vector<Triangle> triangles;         // kept faces, re-indexed and re-oriented
  std::vector<std::uint32_t> input_face;   // per kept face: its index in the input mesh
  std::vector<std::uint32_t> vertex_of_input;  // per input vertex: its welded vertex
  // Dual graph over kept faces: faces sharing an edge (all pairs at a non-manifold edge).
  // CSR: neighbours of face f are adj[adj_offset[f] .. adj_offset[f+1]); adj_edge[k] is the
  // shared edge's two welded vertices.
  std::vector<std::uint32_t> adj_offset, adj;
  std::vector<std::array<std::uint32_t, 2>> adj_edge;
  // Vertex graph (CSR over welded vertices, unique neighbours) for geodesic distances.
  std::vector<std::uint32_t> vadj_offset, vadj;
  std::vector<int> face_component;  // face-connected (through edges) components of kept faces
  int component_count = 0;
  std::vector<float> face_area;     // normalised units
  std::vector<Vec3> vertex_normals; // area-weighted, unit (0,0,1 fallback)
};

// Welds with `tolerance` (fraction of the bounding-box diagonal; 0 = exact), drops faces with a
// repeated welded vertex, builds the graphs, orients and computes normals.
// Precondition: mesh.validate() passed and the mesh has faces with non-zero bounding box.
WorkingMesh build_working_mesh(const Mesh& mesh, double tolerance);

}  // namespace flexforge::segment
