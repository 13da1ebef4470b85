#include "flexforge/dataset/closed_surface.h"

#include "flexforge/core/bvh.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/retopo/edge_collapse.h"
#include "flexforge/synth/mesher.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace flexforge::dataset {

namespace {

// The node grid of synth::mesh_field over [-0.5, 0.5]^3 with cell 1/resolution: R + 4 cells a
// side, origin two cells below -0.5, so node values are exactly what the mesher samples.
struct NodeGrid {
  int n = 0;  // nodes per axis
  double cell = 0.0;
  double origin = 0.0;
  explicit NodeGrid(int resolution)
      : n(resolution + 5), cell(1.0 / resolution), origin(-0.5 - 2.0 / resolution) {}
  std::size_t index(int i, int j, int k) const {
    return (static_cast<std::size_t>(i) * n + j) * n + k;
  }
  std::size_t size() const { return static_cast<std::size_t>(n) * n * n; }
  Vec3 position(int i, int j, int k) const {
    return Vec3(static_cast<float>(origin + i * cell), static_cast<float>(origin + j * cell),
                static_cast<float>(origin + k * cell));
  }
};

enum NodeState : std::uint8_t { kUnknown = 0, kWall = 1, kOutside = 2 };

// Distances at the nodes around every surface cell (the cell's corners and one more ring):
// a node outside that set has no triangle in its eight incident cells, so it is at least one
// cell from the surface and can never be a wall.
std::vector<float> near_surface_distances(const Mesh& mesh, const NodeGrid& grid, int resolution,
                                          unsigned threads) {
  std::vector<float> distance(grid.size(), std::numeric_limits<float>::infinity());
  std::vector<std::uint8_t> near(grid.size(), 0);
  for (const auto& v : extract::surface_voxels(mesh, resolution, threads)) {
    // Voxel v spans nodes v+2 .. v+3 on the padded grid; one ring more on each side.
    for (int i = v[0] + 1; i <= v[0] + 4; ++i)
      for (int j = v[1] + 1; j <= v[1] + 4; ++j)
        for (int k = v[2] + 1; k <= v[2] + 4; ++k) near[grid.index(i, j, k)] = 1;
  }
  std::vector<std::size_t> nodes;
  for (std::size_t i = 0; i < near.size(); ++i)
    if (near[i]) nodes.push_back(i);
  const TriangleBvh bvh(mesh);
  parallel_for(nodes.size(), [&](std::size_t q) {
    const std::size_t id = nodes[q];
    const int i = static_cast<int>(id / (static_cast<std::size_t>(grid.n) * grid.n));
    const int j = static_cast<int>((id / grid.n) % grid.n);
    const int k = static_cast<int>(id % grid.n);
    distance[id] = bvh.closest_point(grid.position(i, j, k)).distance;
  }, threads, 256);
  return distance;
}

// 6-connected flood fill from node (0, 0, 0), which lies two cells outside the unit cube.
void flood_outside(const NodeGrid& grid, std::vector<std::uint8_t>& state) {
  std::deque<std::size_t> queue;
  state[0] = kOutside;
  queue.push_back(0);
  const int n = grid.n;
  while (!queue.empty()) {
    const std::size_t id = queue.front();
    queue.pop_front();
    const int i = static_cast<int>(id / (static_cast<std::size_t>(n) * n));
    const int j = static_cast<int>((id / n) % n);
    const int k = static_cast<int>(id % n);
    const int step[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
    for (const auto& s : step) {
      const int a = i + s[0], b = j + s[1], c = k + s[2];
      if (a < 0 || b < 0 || c < 0 || a >= n || b >= n || c >= n) continue;
      const std::size_t next = grid.index(a, b, c);
      if (state[next] != kUnknown) continue;
      state[next] = kOutside;
      queue.push_back(next);
    }
  }
}

// Trilinear interpolation of node values; +cell beyond the grid (outside).
float interpolate(const NodeGrid& grid, const std::vector<float>& value, const Vec3& p) {
  double f[3];
  int base[3];
  for (int a = 0; a < 3; ++a) {
    const double t = (static_cast<double>(p[a]) - grid.origin) / grid.cell;
    base[a] = static_cast<int>(std::floor(t));
    if (base[a] < 0 || base[a] >= grid.n) return static_cast<float>(grid.cell);
    base[a] = std::min(base[a], grid.n - 2);
    f[a] = std::clamp(t - base[a], 0.0, 1.0);
  }
  double sum = 0.0;
  for (int c = 0; c < 8; ++c) {
    const int di = c >> 2 & 1, dj = c >> 1 & 1, dk = c & 1;
    const double w = (di ? f[0] : 1 - f[0]) * (dj ? f[1] : 1 - f[1]) * (dk ? f[2] : 1 - f[2]);
    if (w == 0.0) continue;
    sum += w * value[grid.index(base[0] + di, base[1] + dj, base[2] + dk)];
  }
  return static_cast<float>(sum);
}

bool sees_outside(const NodeGrid& grid, const std::vector<std::uint8_t>& state, const Vec3& p) {
  int base[3];
  for (int a = 0; a < 3; ++a) {
    base[a] = static_cast<int>(std::floor((static_cast<double>(p[a]) - grid.origin) / grid.cell));
  }
  for (int i = base[0] - 1; i <= base[0] + 2; ++i)
    for (int j = base[1] - 1; j <= base[1] + 2; ++j)
      for (int k = base[2] - 1; k <= base[2] + 2; ++k) {
        if (i < 0 || j < 0 || k < 0 || i >= grid.n || j >= grid.n || k >= grid.n) return true;
        if (state[grid.index(i, j, k)] == kOutside) return true;
      }
  return false;
}

Mesh visible_faces(const Mesh& source, const NodeGrid& grid, const std::vector<std::uint8_t>& state) {
  std::vector<std::uint8_t> visible(source.triangles.size(), 0);
  for (std::size_t f = 0; f < visible.size(); ++f) {
    const Triangle& t = source.triangles[f];
    const Vec3 centroid = (source.positions[t[0]] + source.positions[t[1]] + source.positions[t[2]]) / 3.0f;
    bool seen = sees_outside(grid, state, centroid);
    for (int c = 0; c < 3 && !seen; ++c) seen = sees_outside(grid, state, source.positions[t[c]]);
    visible[f] = seen;
  }
  Mesh geometry;  // positions and faces only: the F-score compares geometry
  geometry.positions = source.positions;
  geometry.triangles = source.triangles;
  return submesh(geometry, visible);
}

// Colour and part label of the nearest source point.
void carry_attributes(const Mesh& source, Mesh& closed, unsigned threads) {
  const bool colors = !source.colors.empty();
  const bool parts = !source.face_parts.empty();
  if (!colors && !parts) return;
  const TriangleBvh bvh(source);
  if (colors) {
    closed.colors.resize(closed.positions.size());
    parallel_for(closed.positions.size(), [&](std::size_t v) {
      const TriangleBvh::Hit hit = bvh.closest_point(closed.positions[v]);
      const Triangle& t = source.triangles[hit.face];
      Vec4 c = Vec4::Zero();
      for (int k = 0; k < 3; ++k) c += hit.barycentric[k] * source.colors[t[k]];
      closed.colors[v] = c.cwiseMax(0.0f).cwiseMin(1.0f);
    }, threads, 512);
  }
  if (parts) {
    closed.face_parts.resize(closed.triangles.size());
    parallel_for(closed.triangles.size(), [&](std::size_t f) {
      const Triangle& t = closed.triangles[f];
      const Vec3 centroid = (closed.positions[t[0]] + closed.positions[t[1]] + closed.positions[t[2]]) / 3.0f;
      closed.face_parts[f] = source.face_parts[bvh.closest_point(centroid).face];
    }, threads, 512);
  }
}

}  // namespace

void ClosingOptions::validate() const {
  if (resolution < 16 || resolution > 512) {
    throw Error(ExitCode::Usage, "resolution: must be in 16..512, got " + std::to_string(resolution));
  }
  if (!(band_cells > 0.5 && band_cells < 1.0)) {
    throw Error(ExitCode::Usage, "band_cells: must be in (0.5, 1), got " + std::to_string(band_cells));
  }
}

ClosedSurface close_surface(const Mesh& normalized, const ClosingOptions& options) {
  options.validate();
  normalized.validate();
  if (normalized.triangles.empty()) throw Error(ExitCode::InvalidInput, "close_surface: mesh has no faces");
  const NodeGrid grid(options.resolution);
  const std::vector<float> distance =
      near_surface_distances(normalized, grid, options.resolution, options.threads);
  const float band = static_cast<float>(options.band_cells * grid.cell);
  std::vector<std::uint8_t> state(grid.size(), kUnknown);
  ClosedSurface result;
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (distance[i] < band) {
      state[i] = kWall;
      ++result.wall_nodes;
    }
  }
  flood_outside(grid, state);
  // Node values: outside = distance - band (> 0; at least (1 - band) cells where not computed),
  // walls = distance - band (< 0), enclosed cavities = -max(distance, cell).
  const float far = static_cast<float>(grid.cell);
  std::vector<float> value(grid.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const float d = std::isfinite(distance[i]) ? distance[i] : far;
    if (state[i] == kOutside) {
      value[i] = d - band;
    } else if (state[i] == kWall) {
      value[i] = d - band;
    } else {
      value[i] = -std::max(d, far);
      ++result.enclosed_nodes;
    }
  }
  const Aabb cube{Vec3::Constant(-0.5f), Vec3::Constant(0.5f)};
  result.mesh = synth::mesh_field([&](const Vec3& p) { return interpolate(grid, value, p); }, cube,
                                  static_cast<float>(grid.cell));
  if (result.mesh.triangles.empty()) {
    throw Error(ExitCode::StageFailed, "close_surface: no surface at resolution " +
                                           std::to_string(options.resolution));
  }
  if (options.max_faces > 0 && result.mesh.triangles.size() > options.max_faces) {
    retopo::EdgeCollapse collapse(result.mesh, retopo::CollapseOptions{});
    collapse.collapse_to(options.max_faces);
    result.mesh = collapse.result().mesh;
  }
  carry_attributes(normalized, result.mesh, options.threads);
  compute_vertex_normals(result.mesh);
  result.visible_source = visible_faces(normalized, grid, state);
  return result;
}

}  // namespace flexforge::dataset
