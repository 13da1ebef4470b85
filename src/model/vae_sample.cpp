#include "flexforge/model/vae_sample.h"

#include "flexforge/core/error.h"
#include "flexforge/core/sampling.h"
#include "flexforge/extract/mesh_to_field.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

namespace flexforge::model {

namespace {

std::uint64_t key(const std::array<std::int32_t, 3>& v) {
  return (static_cast<std::uint64_t>(v[0]) << 42) | (static_cast<std::uint64_t>(v[1]) << 21) |
         static_cast<std::uint64_t>(v[2]);
}

// Keeps the voxels whose parent (v / 2) is in `parents`: the level sets must nest exactly for
// teacher-forced decoding, whatever rounding did at the cube boundaries.
VoxelList nested(const VoxelList& voxels, const VoxelList& parents) {
  std::unordered_set<std::uint64_t> parent_keys;
  for (const auto& p : parents) parent_keys.insert(key(p));
  VoxelList out;
  for (const auto& v : voxels) {
    if (parent_keys.count(key({v[0] / 2, v[1] / 2, v[2] / 2}))) out.push_back(v);
  }
  return out;
}

}  // namespace

VaeSample make_vae_sample(const Mesh& normalized, int base_resolution, int levels,
                          std::size_t points, std::uint64_t seed, bool with_targets) {
  if (base_resolution < 2 || levels < 0 || levels > 4 || points == 0) {
    throw Error(ExitCode::Usage, "VAE sample: bad sizes");
  }
  VaeSample s;
  s.base_resolution = base_resolution;
  s.levels = levels;
  const SurfaceSamples samples = sample_surface(normalized, points, seed);
  s.points.reserve(samples.points.size() * 6);
  std::set<std::array<std::int32_t, 3>> base;
  for (const auto& v : extract::surface_voxels(normalized, base_resolution)) base.insert(v);
  for (std::size_t i = 0; i < samples.points.size(); ++i) {
    const Vec3& p = samples.points[i];
    const Vec3& n = samples.normals[i];
    for (int a = 0; a < 3; ++a) s.points.push_back(p[a]);
    for (int a = 0; a < 3; ++a) s.points.push_back(n[a]);
    // Every sample's voxel must be active for the encoder, even where rounding at a cube face
    // put it in the neighbour of the voxels the triangle test found.
    std::array<std::int32_t, 3> v;
    for (int a = 0; a < 3; ++a) {
      v[a] = std::clamp(static_cast<std::int32_t>(std::floor((p[a] + 0.5f) * base_resolution)), 0,
                        base_resolution - 1);
    }
    base.insert(v);
  }
  s.level_voxels.emplace_back(base.begin(), base.end());
  if (!with_targets) return s;
  for (int l = 1; l <= levels; ++l) {
    VoxelList level = extract::surface_voxels(normalized, base_resolution << l);
    std::sort(level.begin(), level.end());
    s.level_voxels.push_back(nested(level, s.level_voxels.back()));
  }
  const int fine = base_resolution << levels;
  const VoxelList& fine_voxels = s.level_voxels.back();
  // Distances at every distinct corner once, then spread to the voxels (fine-voxel units).
  std::map<std::array<std::int32_t, 3>, std::size_t> corner_index;
  std::vector<Vec3> corner_points;
  std::vector<std::size_t> voxel_corner(fine_voxels.size() * 8);
  for (std::size_t i = 0; i < fine_voxels.size(); ++i) {
    for (int c = 0; c < 8; ++c) {
      const std::array<std::int32_t, 3> g = {fine_voxels[i][0] + ((c >> 2) & 1),
                                             fine_voxels[i][1] + ((c >> 1) & 1),
                                             fine_voxels[i][2] + (c & 1)};
      auto [it, inserted] = corner_index.emplace(g, corner_points.size());
      if (inserted) {
        corner_points.push_back(Vec3(static_cast<float>(g[0]), static_cast<float>(g[1]),
                                     static_cast<float>(g[2])) /
                                    static_cast<float>(fine) -
                                Vec3::Constant(0.5f));
      }
      voxel_corner[i * 8 + c] = it->second;
    }
  }
  const std::vector<float> distance = extract::MeshSignedDistance(normalized).evaluate(corner_points);
  s.fine_sdf.resize(voxel_corner.size());
  for (std::size_t i = 0; i < voxel_corner.size(); ++i) {
    s.fine_sdf[i] = distance[voxel_corner[i]] * static_cast<float>(fine);
  }
  return s;
}

}  // namespace flexforge::model
