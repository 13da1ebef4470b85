// Solid voxelisation of arbitrary triangle meshes and distance fields over the solid voxels: the
// common ground of skeleton extraction and skin binding (geodesic voxel binding).
//
// "Solid" = voxels touched by the surface plus every voxel the outside flood fill cannot reach.
// This needs no orientation, manifoldness or single component, so STL soups, self-intersecting and
// multi-part meshes work; small holes are closed by running the flood fill against a dilated shell
// (morphological closing), chosen automatically when the undilated fill leaks in; holes too wide
// for that fall back to voting over the six axis rays from each voxel.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstdint>
#include <vector>

namespace flexforge::rig {

struct VoxelGrid {
  int nx = 0, ny = 0, nz = 0;
  Vec3 origin = Vec3::Zero();  // corner of voxel (0,0,0)
  float cell = 1.0f;           // voxel edge (mesh units)
  std::vector<std::uint8_t> solid;  // 1 = inside the shape or on its surface
  // 26-connected components of the solid voxels: -1 outside, else 0..component_count-1, numbered
  // by decreasing voxel count (0 = the main body).
  std::vector<std::int32_t> component;
  std::vector<std::size_t> component_voxels;  // voxel count of each component
  int closing = 0;  // dilation (voxels) that was needed to seal holes; -1 = ray voting (holes too wide)

  std::size_t size() const { return static_cast<std::size_t>(nx) * ny * nz; }
  std::size_t index(int x, int y, int z) const {
    return (static_cast<std::size_t>(z) * ny + y) * nx + x;
  }
  void coords(std::size_t i, int& x, int& y, int& z) const {
    x = static_cast<int>(i % nx);
    y = static_cast<int>((i / nx) % ny);
    z = static_cast<int>(i / (static_cast<std::size_t>(nx) * ny));
  }
  Vec3 center(std::size_t i) const {
    int x, y, z;
    coords(i, x, y, z);
    return origin + cell * Vec3(x + 0.5f, y + 0.5f, z + 0.5f);
  }
  // Calls f(j) for each of the up to 26 in-grid neighbours j of voxel i (not i itself).
  template <typename F>
  void for_each_neighbor(std::size_t i, F&& f) const {
    int x, y, z;
    coords(i, x, y, z);
    for (int dz = -1; dz <= 1; ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          if (dx == 0 && dy == 0 && dz == 0) continue;
          const int X = x + dx, Y = y + dy, Z = z + dz;
          if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
          f(index(X, Y, Z));
        }
  }
  // Voxel containing p, clamped into the grid.
  std::size_t locate(const Vec3& p) const;
  // Nearest solid voxel to p among those within `radius` voxels of its cell (search by
  // increasing Chebyshev shell); SIZE_MAX when none.
  std::size_t nearest_solid(const Vec3& p, int radius = 3) const;
};

struct VoxelizeOptions {
  int resolution = 96;  // voxels along the longest side of the bounding box
  int max_closing = 2;  // largest shell dilation tried to seal holes
};

// Throws Error(InvalidInput) for an empty or degenerate (zero-extent) mesh. O(F * area/cell^2 + N).
VoxelGrid voxelize_solid(const Mesh& mesh, const VoxelizeOptions& options = {});

// Shortest-path distance through solid voxels (26-neighbourhood, steps 1, sqrt2, sqrt3 cells,
// scaled to mesh units) from the seed voxels (distance 0). Non-solid and unreachable voxels get
// +inf. When `predecessor` is given it receives each voxel's previous voxel on its shortest path
// (-1 for seeds and unreached). Dijkstra with a binary heap.
std::vector<float> geodesic_distance(const VoxelGrid& grid, const std::vector<std::size_t>& seeds,
                                     std::vector<std::int64_t>* predecessor = nullptr);

// Distance (mesh units) from each solid voxel to the nearest non-solid voxel, measured through the
// solid (a chamfer approximation of the Euclidean distance transform): the local thickness.
std::vector<float> thickness(const VoxelGrid& grid);

}  // namespace flexforge::rig
