// A closed training surface for an artist model (docs/dataset.md). Artist meshes are open,
// multi-component, full of single-sided planes and hidden interiors, so their signed distance is
// undefined; the training set needs closed 2-manifolds. Method: an outside flood fill on a grid.
//   1. On the (resolution + 5)^3 node grid over the normalised cube (two cells of padding), the
//      unsigned distance to the source is computed at the nodes around the cells the surface
//      touches (elsewhere it is at least one cell).
//   2. Nodes closer than band_cells cells are walls. Because band_cells > 0.5, every grid edge
//      that crosses the surface has a wall node at one of its ends, so a 6-connected flood fill
//      from the grid's corner cannot pass through the surface; it can pass through holes wider
//      than about 2 x band_cells cells.
//   3. Nodes the flood reaches are outside (value = distance - band); everything else is inside
//      (walls: distance - band < 0; enclosed cavities: negative). Marching tetrahedra on the Kuhn
//      subdivision (synth::mesh_field) then give a closed, consistently oriented 2-manifold: the
//      source's outside surface offset by band_cells cells, single-sided sheets thickened into
//      thin shells, enclosed interiors (seats inside a car body) removed.
// The result is simplified to a face budget, then vertex colours and per-face part labels come
// from the nearest source point.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstddef>

namespace flexforge::dataset {

struct ClosingOptions {
  int resolution = 128;     // cells along the unit cube's side (16..512)
  double band_cells = 0.75; // wall half-thickness in cells, in (0.5, 1)
  // Face budget: a closed surface above it is simplified by quadric edge collapse
  // (retopo::EdgeCollapse, which keeps a closed 2-manifold closed and 2-manifold) before the
  // attributes are carried over. 0 = no limit.
  std::size_t max_faces = 0;
  unsigned threads = 0;     // 0 = worker_threads()
  // Throws Error(Usage) naming the field for a value out of range.
  void validate() const;
};

struct ClosedSurface {
  // Closed, consistently oriented 2-manifold (outward normals), vertex colours when the source
  // has them, face_parts when the source has them.
  Mesh mesh;
  // The source faces the outside reaches at this resolution (a face counts when an outside node
  // lies within two cells of its centroid or of one of its corners): what a camera outside can
  // see. The closed surface is measured against it (docs/dataset.md).
  Mesh visible_source;
  std::size_t wall_nodes = 0;
  std::size_t enclosed_nodes = 0;  // inside nodes that are not walls (filled cavities)
};

// `normalized` must lie in [-0.5, 0.5]^3 (model::normalize_mesh_for_field). Throws
// Error(InvalidInput) for an invalid mesh or one without faces, Error(StageFailed) when no
// surface comes out (the source vanishes at this resolution).
ClosedSurface close_surface(const Mesh& normalized, const ClosingOptions& options);

}  // namespace flexforge::dataset
