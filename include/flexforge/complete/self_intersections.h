// Self-intersection test of a triangle mesh with CGAL (Polygon_mesh_processing::self_intersections,
// exact predicates): what a slicer needs to be false before it can print a shell. Compiled in the
// CGAL object library with close_surface.cpp.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstddef>

namespace flexforge::complete {

// Pairs of faces that intersect other than along a shared edge or vertex, counted up to `limit`.
// The mesh is read as a polygon soup (identical points merged, orientation made consistent where
// it can be), so a non-manifold input is checked too. 0 for an empty mesh.
std::size_t self_intersection_count(const Mesh& mesh, std::size_t limit = 1000000);

// Repairs self-intersections locally with CGAL's remove_self_intersections (the faces around each
// intersection are removed and the holes filled, then smoothed). Returns true when `mesh` came
// out without self-intersections (it is then replaced: positions and triangles only); false
// leaves it untouched.
bool repair_self_intersections(Mesh& mesh);

}  // namespace flexforge::complete
