// Training objective of the SparseFlex VAE (docs/reconstruct.md):
//   sdf      L1 between predicted and true corner SDFs of the true fine voxels, in fine-voxel
//            units, targets clamped to +-2 (only the band near the surface matters to extraction)
//   prune    binary cross-entropy of every level's child logits against "child is a true voxel"
//   kl       KL(q(z|x) || N(0, I)), mean over voxels, summed over channels
//   surface  |true SDF| at the predicted dual vertex of every fine voxel with a sign change: the
//            beta-weighted mean of its alpha-weighted edge crossings between deformed corners
//            (the vertex sparse FlexiCubes places), the true SDF trilinearly interpolated from the
//            true corner values. It is what trains the deformations and FlexiCubes weights.
#pragma once

#include "flexforge/model/sparseflex_vae.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::model {

struct SparseFlexLossWeights {
  double sdf = 1.0;
  double prune = 0.5;
  double kl = 1e-5;
  double surface = 1.0;
};

struct SparseFlexLoss {
  torch::Tensor total;
  double sdf = 0, prune = 0, kl = 0, surface = 0;
  double prune_accuracy = 0;  // fraction of children classified right, last level
};

// `truth_levels`: int32 [N_l, 4] true voxels per level (the guide given to decode()); `truth_sdf`
// [N_L, 8] corner SDFs of truth_levels.back(), in fine-voxel units, row-aligned with it.
SparseFlexLoss sparseflex_loss(const DecodeResult& decoded, const LatentDistribution& posterior,
                               const std::vector<torch::Tensor>& truth_levels,
                               const torch::Tensor& truth_sdf, const SparseFlexLossWeights& weights);

// Dual vertex of every row of `fields` [N, 53] in voxel-local units (corner 0 at the origin, one
// voxel wide), and a bool [N] mask of rows that have a sign change.
std::pair<torch::Tensor, torch::Tensor> sparseflex_dual_vertices(const torch::Tensor& fields);

}  // namespace flexforge::model
