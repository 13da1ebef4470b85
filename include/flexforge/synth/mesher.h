// Signed distance field -> closed, oriented 2-manifold triangle mesh.
//
// Method: marching tetrahedra on the Kuhn (Freudenthal) subdivision of a regular grid, every
// cube split into 6 tetrahedra around its main diagonal. The subdivision is a true
// triangulation (neighbouring cubes split shared faces the same way), and a grid vertex is
// "inside" iff its value is < 0 (an exact zero counts as outside, so no vertex ever lies on the
// level set). The piecewise-linear level set of such a triangulation is a closed 2-manifold, and
// emitting every tetrahedron's triangles from a table for positively oriented tetrahedra makes
// it consistently oriented with normals pointing outside (towards positive values). Values on
// the grid boundary are forced positive, so the surface never reaches the grid's edge.
//
// Degenerate-output guards: an edge crossing at parameter t is clamped to [0.02, 0.98], so two
// crossings on different grid edges never land on the same point (which an exact position weld,
// as analyze_topology does, would merge into a non-manifold vertex) and no triangle collapses.
//
// Space skipping requires a 1-Lipschitz field (see sdf.h): blocks of 8^3 cells whose centre value
// exceeds the block's half diagonal are filled without evaluation.
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/core/mesh_ops.h"

#include <functional>

namespace flexforge::synth {

using Field = std::function<float(const Vec3&)>;

// Meshes the zero set of `field` inside `bounds` (which must contain the whole solid) with cubic
// cells of edge `cell` (> 0), padding the grid by two cells on every side. Returns positions and
// triangles only (no normals, colours). At most `max_cells_per_axis` cells per axis; throws
// Error(Resource) beyond it. Deterministic: the output depends only on the inputs.
Mesh mesh_field(const Field& field, const Aabb& bounds, float cell,
                int max_cells_per_axis = 1024);

}  // namespace flexforge::synth
