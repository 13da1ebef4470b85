// Sparse FlexiCubes: mesh extraction from a SparseVoxelField (extract/sparse_field.h) touching only
// the active voxels (a hash map of voxel coordinates; no dense grid except in watertight mode, see
// below). This is the geometry half of SparseFlex; the VAE decoder (src/nn) is trained against
// exactly these conventions:
//
//  * Shared corners are averaged: a grid point's SDF and deformation are the mean over the active
//    voxels that list it as a corner. FlexiCubes weights stay per voxel.
//  * Corner position, per axis: p = g / R - 0.5 + (1 - 1e-8) / (2R) * tanh(deform), g the integer
//    grid point, R the resolution (so a vertex moves at most half a cell).
//  * Weights from the raw values: beta = 1 + 0.99 tanh(raw) (12, edge order), alpha = 1 + 0.99
//    tanh(raw) (8, corner order), gamma = sigmoid(raw) (1). No weights = every raw value 0.
//  * Inside is sdf < 0; sdf == 0 counts as outside. An edge (a, b) crosses when exactly one end is
//    inside; its crossing point is (s_b alpha_b p_a - s_a alpha_a p_b) / (s_b alpha_b - s_a alpha_a)
//    with alpha of the voxel being processed (so the crossing is per voxel when alphas differ).
//  * Dual vertices (dual marching cubes): the crossing edges of a voxel are grouped into surface
//    patches by joining, on each of its 6 faces, the crossing edges that the face's contour
//    connects. A face with 4 crossings is resolved by the asymptotic decider (value of the
//    bilinear interpolant at its saddle point, inside iff < 0), which only reads that face's 4
//    corner values, so both voxels sharing the face agree. One vertex per patch, at the
//    beta-weighted mean of the patch's crossing points.
//  * Faces: every crossing grid edge whose 4 incident voxels are all active gives a quad of the 4
//    patches that contain the edge, split into two triangles along the diagonal whose two voxels
//    have the larger gamma product (ties: the diagonal through the voxel whose corner 0 is the
//    edge's lower end). Triangles face from inside (negative) to outside. A crossing edge with a
//    missing incident voxel gives nothing: open surfaces are allowed.
//
// Output: triangles in the normalised [-0.5, 0.5]^3 frame, one vertex per used patch (none
// duplicated, none unused), area-weighted vertex normals. Deterministic and independent of the
// thread count.
//
// Known limitation: dual marching cubes with one vertex per patch can produce a non-manifold edge
// when one face carries 4 crossings whose two contour arcs belong to the same patch in both voxels
// sharing that face (a locally tube-shaped surface squeezed into two vertices). Smooth fields at
// adequate resolution practically never do this; such edges show up in analyze_topology().
#pragma once

#include "flexforge/core/mesh.h"
#include "flexforge/extract/sparse_field.h"

namespace flexforge::extract {

struct ExtractOptions {
  // Close the surface. Every grid point of the box below gets a sign:
  // known points (corners of active voxels) keep their averaged values; an unknown point takes the
  // sign of its nearest known point (breadth-first over the lattice), except that points more than
  // 6 steps from every known point are outside when the box border reaches them through such
  // points. Unknown points get the mean |sdf| of the known points as magnitude (no deformation).
  // Grid points on the domain border (coordinate 0 or R) are forced outside. The box is the
  // active bounding box grown by 7 cells (clamped to the domain). Then every voxel
  // around an inside grid point with a crossing edge is made active (new voxels: neutral weights)
  // before extracting, so every crossing edge has all 4 incident voxels: the result is closed and
  // consistently oriented. Effect on holes in the field: a missing voxel whose corners are known
  // is restored exactly; a hole up to about 12 cells wide is capped by continuing the surface past
  // its rim; the rim of an open sheet grows a lip of up to 6 cells; through a wider hole the
  // outside reaches the far interior, and the band is closed around its inside values (a
  // double-walled shell). Costs 2 bytes per grid point of the box;
  // throws Error(Resource) above 2^31 points.
  bool watertight = false;
  unsigned threads = 0;  // 0 = worker_threads() (--threads)
};

// Throws Error(InvalidInput) if field.validate() fails. A field without crossings gives an empty
// mesh. O(N) expected in the number of active voxels N.
Mesh extract_flexicubes(const SparseVoxelField& field, const ExtractOptions& options = {});

}  // namespace flexforge::extract
