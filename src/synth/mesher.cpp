// Marching tetrahedra on the Kuhn subdivision; see mesher.h for why the output is a closed,
// oriented 2-manifold. References: Doi & Koide 1991 (marching tetrahedra); Kuhn 1960 /
// Freudenthal 1942 (the cube triangulation whose tetrahedra share the main diagonal).
#include "flexforge/synth/mesher.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <unordered_map>

namespace flexforge::synth {

namespace {

constexpr int kBlock = 8;          // space-skipping block edge, in cells
constexpr float kMinT = 0.02f;     // edge-crossing clamp, see mesher.h
constexpr float kMaxT = 1.0f - kMinT;

struct Tet {
  std::array<int, 4> corner;  // cube corner codes (bit 0 = +x, bit 1 = +y, bit 2 = +z)
};

// The 6 Kuhn tetrahedra, each reordered to positive orientation (det > 0). Tetrahedron for the
// axis order (a, b, c) is {0, e_a, e_a + e_b, 7}; its determinant is the sign of the
// permutation, so odd permutations swap their middle corners.
std::array<Tet, 6> make_kuhn_tets() {
  const int perms[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 2, 1}, {1, 0, 2}, {2, 1, 0}};
  std::array<Tet, 6> tets{};
  for (int i = 0; i < 6; ++i) {
    const int ea = 1 << perms[i][0], eb = 1 << perms[i][1];
    tets[i].corner = {0, ea, ea | eb, 7};
    if (i >= 3) std::swap(tets[i].corner[1], tets[i].corner[2]);
  }
  return tets;
}

bool is_even_permutation(const std::array<int, 4>& p) {
  int inversions = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = i + 1; j < 4; ++j) inversions += p[i] > p[j];
  return inversions % 2 == 0;
}

class Grid {
 public:
  Grid(const Aabb& bounds, float cell, int max_cells) : cell_(cell) {
    const Vec3 extent = bounds.extent();
    const Vec3 center = bounds.center();
    for (int a = 0; a < 3; ++a) {
      n_[a] = static_cast<int>(std::ceil(extent[a] / cell)) + 4;  // two cells of padding a side
      if (n_[a] > max_cells) {
        throw Error(ExitCode::Resource, "mesher: grid of " + std::to_string(n_[a]) +
                                            " cells per axis exceeds the limit of " +
                                            std::to_string(max_cells));
      }
      origin_[a] = static_cast<double>(center[a]) - 0.5 * n_[a] * static_cast<double>(cell);
    }
    values_.assign(point_count(), 0.0f);
  }

  std::size_t point_count() const {
    return static_cast<std::size_t>(n_[0] + 1) * (n_[1] + 1) * (n_[2] + 1);
  }
  std::size_t index(int i, int j, int k) const {
    return (static_cast<std::size_t>(k) * (n_[1] + 1) + j) * (n_[0] + 1) + i;
  }
  Vec3 position(int i, int j, int k) const {
    return Vec3(static_cast<float>(origin_[0] + i * static_cast<double>(cell_)),
                static_cast<float>(origin_[1] + j * static_cast<double>(cell_)),
                static_cast<float>(origin_[2] + k * static_cast<double>(cell_)));
  }
  Vec3 position(double i, double j, double k) const {
    return Vec3(static_cast<float>(origin_[0] + i * cell_), static_cast<float>(origin_[1] + j * cell_),
                static_cast<float>(origin_[2] + k * cell_));
  }

  void sample(const Field& field) {
    std::vector<std::uint8_t> exact(values_.size(), 0);
    for (int bk = 0; bk < n_[2]; bk += kBlock) {
      for (int bj = 0; bj < n_[1]; bj += kBlock) {
        for (int bi = 0; bi < n_[0]; bi += kBlock) {
          const int hi_i = std::min(bi + kBlock, n_[0]), hi_j = std::min(bj + kBlock, n_[1]),
                    hi_k = std::min(bk + kBlock, n_[2]);
          const Vec3 c = position(0.5 * (bi + hi_i), 0.5 * (bj + hi_j), 0.5 * (bk + hi_k));
          const float half_diagonal =
              0.5f * cell_ *
              std::sqrt(static_cast<float>((hi_i - bi) * (hi_i - bi) + (hi_j - bj) * (hi_j - bj) +
                                           (hi_k - bk) * (hi_k - bk)));
          const float dc = field(c);
          // 1-Lipschitz field: no sign change within half_diagonal of c. The margin covers
          // float rounding of the field and of the positions.
          const bool skip = std::abs(dc) > 1.01f * half_diagonal + 1e-4f * cell_;
          for (int k = bk; k <= hi_k; ++k)
            for (int j = bj; j <= hi_j; ++j)
              for (int i = bi; i <= hi_i; ++i) {
                const std::size_t id = index(i, j, k);
                if (exact[id]) continue;
                if (skip) {
                  values_[id] = dc;
                } else {
                  values_[id] = field(position(i, j, k));
                  exact[id] = 1;
                }
              }
        }
      }
    }
    // Closure: the surface must not touch the grid boundary.
    for (int k = 0; k <= n_[2]; ++k)
      for (int j = 0; j <= n_[1]; ++j)
        for (int i = 0; i <= n_[0]; ++i) {
          if (i == 0 || j == 0 || k == 0 || i == n_[0] || j == n_[1] || k == n_[2]) {
            float& v = values_[index(i, j, k)];
            v = std::max(v, cell_);
          }
        }
  }

  const std::array<int, 3>& cells() const { return n_; }
  float value(std::size_t id) const { return values_[id]; }

 private:
  float cell_;
  std::array<int, 3> n_{};
  std::array<double, 3> origin_{};
  std::vector<float> values_;
};

}  // namespace

Mesh mesh_field(const Field& field, const Aabb& bounds, float cell, int max_cells_per_axis) {
  if (!(cell > 0.0f) || !std::isfinite(cell)) {
    throw Error(ExitCode::Usage, "mesher: cell size must be positive and finite");
  }
  if (!bounds.valid()) throw Error(ExitCode::StageFailed, "mesher: empty bounds");
  Grid grid(bounds, cell, max_cells_per_axis);
  grid.sample(field);

  static const std::array<Tet, 6> kTets = make_kuhn_tets();
  const auto& n = grid.cells();
  Mesh mesh;
  std::unordered_map<std::uint64_t, std::uint32_t> edge_vertex;
  edge_vertex.reserve(1 << 14);

  std::array<std::size_t, 8> corner_id{};
  std::array<float, 8> corner_value{};
  std::array<int, 3> cell_index{};

  // Vertex on the grid edge between cube corners u and v (u's bits a subset of v's, which holds
  // for every edge of a Kuhn tetrahedron): keyed by the lower grid point and the offset code.
  auto crossing = [&](int u, int v) -> std::uint32_t {
    if (u > v) std::swap(u, v);
    const std::uint64_t key = static_cast<std::uint64_t>(corner_id[u]) * 8u +
                              static_cast<std::uint64_t>(v ^ u);
    const auto it = edge_vertex.find(key);
    if (it != edge_vertex.end()) return it->second;
    const float vu = corner_value[u], vv = corner_value[v];
    const float t = std::clamp(vu / (vu - vv), kMinT, kMaxT);
    const Vec3 pu = grid.position(cell_index[0] + (u & 1), cell_index[1] + ((u >> 1) & 1),
                                  cell_index[2] + ((u >> 2) & 1));
    const Vec3 pv = grid.position(cell_index[0] + (v & 1), cell_index[1] + ((v >> 1) & 1),
                                  cell_index[2] + ((v >> 2) & 1));
    const auto id = static_cast<std::uint32_t>(mesh.positions.size());
    mesh.positions.push_back(pu + t * (pv - pu));
    edge_vertex.emplace(key, id);
    return id;
  };

  for (int k = 0; k < n[2]; ++k) {
    for (int j = 0; j < n[1]; ++j) {
      for (int i = 0; i < n[0]; ++i) {
        int inside_count = 0;
        for (int c = 0; c < 8; ++c) {
          corner_id[c] = grid.index(i + (c & 1), j + ((c >> 1) & 1), k + ((c >> 2) & 1));
          corner_value[c] = grid.value(corner_id[c]);
          inside_count += corner_value[c] < 0.0f;
        }
        if (inside_count == 0 || inside_count == 8) continue;
        cell_index = {i, j, k};
        for (const Tet& tet : kTets) {
          std::array<bool, 4> in{};
          int count = 0;
          for (int q = 0; q < 4; ++q) {
            in[q] = corner_value[tet.corner[q]] < 0.0f;
            count += in[q];
          }
          if (count == 0 || count == 4) continue;
          auto edge = [&](int p, int q) { return crossing(tet.corner[p], tet.corner[q]); };
          if (count == 1 || count == 3) {
            // The lone vertex (the only inside one, or the only outside one) and the opposite
            // face ordered so (lone, f0, f1, f2) is an even permutation: then the triangle
            // (e_lone,f0, e_lone,f1, e_lone,f2) faces away from the lone vertex.
            int lone = 0;
            for (int q = 0; q < 4; ++q)
              if (in[q] == (count == 1)) lone = q;
            std::array<int, 4> perm{lone, 0, 0, 0};
            int m = 1;
            for (int q = 0; q < 4; ++q)
              if (q != lone) perm[m++] = q;
            if (!is_even_permutation(perm)) std::swap(perm[2], perm[3]);
            const std::uint32_t a = edge(lone, perm[1]), b = edge(lone, perm[2]),
                                c = edge(lone, perm[3]);
            if (count == 1) {
              mesh.triangles.push_back({a, b, c});
            } else {
              mesh.triangles.push_back({a, c, b});
            }
          } else {
            // Two inside (a, b), two outside (c, d), with (a, b, c, d) even: the quad
            // (ac, ad, bd, bc) faces the outside pair.
            std::array<int, 4> perm{};
            int lo = 0, hi = 2;
            for (int q = 0; q < 4; ++q) perm[in[q] ? lo++ : hi++] = q;
            if (!is_even_permutation(perm)) std::swap(perm[2], perm[3]);
            const std::uint32_t ac = edge(perm[0], perm[2]), ad = edge(perm[0], perm[3]),
                                bd = edge(perm[1], perm[3]), bc = edge(perm[1], perm[2]);
            mesh.triangles.push_back({ac, ad, bd});
            mesh.triangles.push_back({ac, bd, bc});
          }
        }
      }
    }
  }
  return mesh;
}

}  // namespace flexforge::synth
