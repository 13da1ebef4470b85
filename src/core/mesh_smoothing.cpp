#include "flexforge/core/mesh_smoothing.h"

#include "flexforge/core/mesh_ops.h"

#include <algorithm>
#include <vector>

namespace flexforge {

void taubin_smooth(Mesh& mesh, const TaubinOptions& options) {
  if (options.iterations <= 0 || mesh.positions.empty()) return;
  const std::size_t n = mesh.positions.size();
  // Unique undirected edges (each shared edge once), as a CSR neighbour list.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  edges.reserve(mesh.triangles.size() * 3);
  for (const auto& t : mesh.triangles) {
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = t[k], b = t[(k + 1) % 3];
      edges.emplace_back(std::min(a, b), std::max(a, b));
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<std::uint32_t> start(n + 1, 0), neighbours(edges.size() * 2);
  for (const auto& [a, b] : edges) ++start[a + 1], ++start[b + 1];
  for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
  for (const auto& [a, b] : edges) neighbours[fill[a]++] = b, neighbours[fill[b]++] = a;

  std::vector<Vec3> next(n);
  const auto step = [&](float factor) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t begin = start[i], end = start[i + 1];
      if (begin == end) {
        next[i] = mesh.positions[i];
        continue;
      }
      Vec3 mean = Vec3::Zero();
      for (std::uint32_t k = begin; k < end; ++k) mean += mesh.positions[neighbours[k]];
      mean /= static_cast<float>(end - begin);
      next[i] = mesh.positions[i] + factor * (mean - mesh.positions[i]);
    }
    mesh.positions.swap(next);
  };
  for (int it = 0; it < options.iterations; ++it) {
    step(options.lambda);
    step(options.mu);
  }
  if (!mesh.normals.empty()) compute_vertex_normals(mesh);
}

}  // namespace flexforge
