// One training/inference example of the SparseFlex VAE, as plain data (no torch): surface samples
// of a mesh in the normalised [-0.5, 0.5]^3 frame, the active voxels of every level, and the true
// corner SDFs of the fine voxels.
#pragma once

#include "flexforge/core/mesh.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace flexforge::model {

using VoxelList = std::vector<std::array<std::int32_t, 3>>;

struct VaeSample {
  int base_resolution = 0;
  int levels = 0;
  std::vector<float> points;          // 6 per sample: position (normalised frame), unit normal
  std::vector<VoxelList> level_voxels;  // levels + 1 sets, base first; sorted (x, y, z)
  std::vector<float> fine_sdf;        // 8 per voxel of level_voxels.back(), fine-voxel units

  std::size_t point_count() const { return points.size() / 6; }
};

// `normalized` must already lie inside [-0.5, 0.5]^3 (extract::normalize_for_field). With
// `with_targets` false only the points and base voxels are filled (what encoding needs).
// Deterministic for a given mesh, sizes and seed.
VaeSample make_vae_sample(const Mesh& normalized, int base_resolution, int levels,
                          std::size_t points, std::uint64_t seed, bool with_targets);

}  // namespace flexforge::model
