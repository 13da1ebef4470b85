// Taubin (lambda | mu) smoothing: alternating shrink and inflate Laplacian steps that remove
// high-frequency bumps without the shrinkage of plain Laplacian smoothing. `generate` applies it
// to the extracted surface, whose sampled latents leave voxel-scale lumps.
#pragma once

#include "flexforge/core/mesh.h"

namespace flexforge {

struct TaubinOptions {
  int iterations = 0;     // lambda+mu pairs; 0 leaves the mesh untouched
  float lambda = 0.5f;    // shrink step (0, 1)
  float mu = -0.53f;      // inflate step, |mu| slightly above lambda
};

// Moves vertices only (uniform umbrella weights over the triangle edges); topology is unchanged
// and boundary vertices move along with the rest. Vertex normals, if present, are recomputed.
void taubin_smooth(Mesh& mesh, const TaubinOptions& options);

}  // namespace flexforge
