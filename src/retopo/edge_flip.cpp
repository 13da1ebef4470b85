// Surface-fitting edge flips.
//
// Source (idea): H. Hoppe, T. DeRose, T. Duchamp, J. McDonald, W. Stuetzle, "Mesh
// Optimization", SIGGRAPH 1993: edge swaps as one of the connectivity moves that lower the
// distance energy to the sampled original surface, each accepted only when the energy drops.
// Here the energy of a pair of triangles is the area-weighted mean distance from a fixed
// stencil of points on them to the original surface (the accuracy half of Chamfer-L1).
#include "flexforge/retopo/edge_flip.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <vector>

namespace flexforge::retopo {

namespace {

using V3d = Eigen::Vector3d;

constexpr double kStencil[7][3] = {
    {1.0 / 3, 1.0 / 3, 1.0 / 3}, {4.0 / 6, 1.0 / 6, 1.0 / 6}, {1.0 / 6, 4.0 / 6, 1.0 / 6},
    {1.0 / 6, 1.0 / 6, 4.0 / 6}, {0.45, 0.45, 0.10},          {0.10, 0.45, 0.45},
    {0.45, 0.10, 0.45}};

double triangle_error(const TriangleBvh& bvh, const V3d& a, const V3d& b, const V3d& c) {
  const double area = 0.5 * (b - a).cross(c - a).norm();
  double sum = 0.0;
  for (const auto& w : kStencil) {
    const V3d p = w[0] * a + w[1] * b + w[2] * c;
    sum += bvh.closest_point(p.cast<float>()).distance;
  }
  return area * sum / 7.0;
}

double quality(const V3d& a, const V3d& b, const V3d& c) {
  const double l2 = (b - a).squaredNorm() + (c - b).squaredNorm() + (a - c).squaredNorm();
  return l2 > 0.0 ? 2.0 * std::sqrt(3.0) * (b - a).cross(c - a).norm() / l2 : 0.0;
}

}  // namespace

std::size_t flip_edges_to_surface(Mesh& mesh, const TriangleBvh& bvh,
                                  const EdgeFlipOptions& options) {
  const std::size_t nv = mesh.positions.size(), nf = mesh.triangles.size();
  std::vector<std::vector<std::uint32_t>> vfaces(nv);
  for (std::uint32_t f = 0; f < nf; ++f) {
    for (std::uint32_t v : mesh.triangles[f]) vfaces[v].push_back(f);
  }
  auto P = [&](std::uint32_t v) { return mesh.positions[v].cast<double>(); };
  const double cos_feature = options.feature_angle_deg >= 180.0
                                 ? -2.0
                                 : std::cos(options.feature_angle_deg * M_PI / 180.0);
  const bool parts = options.respect_parts && !mesh.face_parts.empty();
  std::size_t flips = 0;
  for (int pass = 0; pass < options.passes; ++pass) {
    std::size_t pass_flips = 0;
    for (std::uint32_t f0 = 0; f0 < nf; ++f0) {
      for (int k = 0; k < 3; ++k) {
        const Triangle t0 = mesh.triangles[f0];
        const std::uint32_t a = t0[k], b = t0[(k + 1) % 3], c = t0[(k + 2) % 3];
        // The face across a->b runs b->a.
        std::uint32_t f1 = 0, d = 0;
        int across = 0;
        for (std::uint32_t g : vfaces[a]) {
          if (g == f0) continue;
          const Triangle& t = mesh.triangles[g];
          for (int j = 0; j < 3; ++j) {
            if (t[j] == b && t[(j + 1) % 3] == a) {
              f1 = g;
              d = t[(j + 2) % 3];
              ++across;
            }
          }
        }
        // Each edge is seen from both faces; handle it from the lower index. Only manifold,
        // consistently oriented edges are candidates.
        if (across != 1 || f1 < f0 || c == d) continue;
        if (parts && mesh.face_parts[f0] != mesh.face_parts[f1]) continue;
        if (vfaces[a].size() <= 3 || vfaces[b].size() <= 3) continue;
        bool cd_exists = false;
        for (std::uint32_t g : vfaces[c]) {
          const Triangle& t = mesh.triangles[g];
          if (t[0] == d || t[1] == d || t[2] == d) cd_exists = true;
        }
        if (cd_exists) continue;
        const V3d pa = P(a), pb = P(b), pc = P(c), pd = P(d);
        const V3d n0 = (pb - pa).cross(pc - pa), n1 = (pa - pb).cross(pd - pb);
        const double l0 = n0.norm(), l1 = n1.norm();
        if (!(l0 > 0.0) || !(l1 > 0.0)) continue;
        if (n0.dot(n1) < cos_feature * l0 * l1) continue;  // sharp feature
        // New pair: (a, d, c) and (d, b, c).
        const V3d m0 = (pd - pa).cross(pc - pa), m1 = (pb - pd).cross(pc - pd);
        const V3d nav = n0 / l0 + n1 / l1;
        bool ok = true;
        for (const V3d& m : {m0, m1}) {
          const double lm = m.norm();
          if (!(lm > 0.0) || m.dot(n0) < options.min_normal_cos * lm * l0 ||
              m.dot(n1) < options.min_normal_cos * lm * l1 || m.dot(nav) <= 0.0) {
            ok = false;
          }
        }
        if (!ok) continue;
        if (std::min(quality(pa, pd, pc), quality(pd, pb, pc)) < 1e-3) continue;
        const double e_old = triangle_error(bvh, pa, pb, pc) + triangle_error(bvh, pb, pa, pd);
        const double e_new = triangle_error(bvh, pa, pd, pc) + triangle_error(bvh, pd, pb, pc);
        if (!(e_new < (1.0 - options.min_gain) * e_old)) continue;
        // Flip: f0 becomes (a, d, c), f1 becomes (d, b, c).
        mesh.triangles[f0] = {a, d, c};
        mesh.triangles[f1] = {d, b, c};
        auto drop = [&](std::uint32_t v, std::uint32_t f) {
          auto& fs = vfaces[v];
          fs.erase(std::find(fs.begin(), fs.end(), f));
        };
        drop(b, f0);
        drop(a, f1);
        vfaces[d].push_back(f0);
        vfaces[c].push_back(f1);
        ++pass_flips;
        break;  // f0 changed; its other edges are looked at in the next pass
      }
    }
    flips += pass_flips;
    if (pass_flips == 0) break;
  }
  return flips;
}

}  // namespace flexforge::retopo
