// Triangle pairing into a quad-dominant mesh.
//
// Source (idea): greedy quality-ordered triangle merging as used for tri-to-quad conversion,
// e.g. Blender's "Tris to Quads" and D. Velho, "Mesh Simplification Using Four-Face Clusters",
// SMI 2001 (pairs scored by how close the quad is to a square). The score here is the largest
// corner deviation from 90 degrees plus the fold between the two triangles.
#include "flexforge/retopo/quad_pairing.h"

#include <Eigen/Geometry>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace flexforge::retopo {

namespace {

using V3d = Eigen::Vector3d;
constexpr std::uint32_t kNone = 0xffffffffu;

}  // namespace

double QuadPairing::quad_triangle_fraction() const {
  const double tris = 2.0 * pairs.size() + singles.size();
  return tris > 0 ? 2.0 * pairs.size() / tris : 0.0;
}

std::array<std::uint32_t, 4> quad_corners(const Mesh& mesh, std::uint32_t f0, std::uint32_t f1) {
  const Triangle& a = mesh.triangles[f0];
  const Triangle& b = mesh.triangles[f1];
  for (int k = 0; k < 3; ++k) {
    // Edge a[k] -> a[k+1] of f0 runs the other way in f1 for a consistently oriented pair.
    const std::uint32_t u = a[k], v = a[(k + 1) % 3], w = a[(k + 2) % 3];
    for (int j = 0; j < 3; ++j) {
      if (b[j] == v && b[(j + 1) % 3] == u) return {w, u, b[(j + 2) % 3], v};
    }
  }
  return {kNone, kNone, kNone, kNone};
}

QuadPairing pair_triangles(const Mesh& mesh, const QuadPairingOptions& options) {
  const std::size_t nf = mesh.triangles.size();
  // Interior edges with their two faces, by sorting (edge key, face).
  std::vector<std::tuple<std::uint64_t, std::uint32_t>> ef;
  ef.reserve(nf * 3);
  for (std::uint32_t f = 0; f < nf; ++f) {
    const Triangle& t = mesh.triangles[f];
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = std::min(t[k], t[(k + 1) % 3]), b = std::max(t[k], t[(k + 1) % 3]);
      ef.emplace_back((static_cast<std::uint64_t>(a) << 32) | b, f);
    }
  }
  std::sort(ef.begin(), ef.end());
  const double max_dev = options.max_corner_deviation_deg * M_PI / 180.0;
  const double min_fold_cos = std::cos(options.max_fold_deg * M_PI / 180.0);
  std::vector<std::tuple<double, std::uint32_t, std::uint32_t>> candidates;
  for (std::size_t i = 0; i + 1 < ef.size();) {
    std::size_t j = i;
    while (j < ef.size() && std::get<0>(ef[j]) == std::get<0>(ef[i])) ++j;
    if (j - i == 2) {
      const std::uint32_t f0 = std::get<1>(ef[i]), f1 = std::get<1>(ef[i + 1]);
      const bool same_part = !options.respect_parts || mesh.face_parts.empty() ||
                             mesh.face_parts[f0] == mesh.face_parts[f1];
      const auto q = quad_corners(mesh, f0, f1);
      if (same_part && q[0] != kNone) {
        V3d p[4];
        for (int k = 0; k < 4; ++k) p[k] = mesh.positions[q[k]].cast<double>();
        const V3d n0 = (p[1] - p[0]).cross(p[3] - p[0]);  // triangle w u v
        const V3d n1 = (p[3] - p[2]).cross(p[1] - p[2]);  // triangle x v u
        const double l0 = n0.norm(), l1 = n1.norm();
        bool ok = l0 > 0 && l1 > 0 && n0.dot(n1) >= min_fold_cos * l0 * l1;
        const V3d n = (n0 / std::max(l0, 1e-300) + n1 / std::max(l1, 1e-300)).normalized();
        double worst = 0.0;
        for (int k = 0; k < 4 && ok; ++k) {
          const V3d e0 = p[(k + 1) % 4] - p[k], e1 = p[(k + 3) % 4] - p[k];
          // Strict convexity: every corner turns the same way about the quad normal.
          if (e0.cross(e1).dot(n) <= 0.0) ok = false;
          const double c = e0.dot(e1) / std::max(e0.norm() * e1.norm(), 1e-300);
          worst = std::max(worst, std::abs(std::acos(std::clamp(c, -1.0, 1.0)) - M_PI / 2));
        }
        if (ok && worst <= max_dev) {
          const double fold = std::acos(std::clamp(n0.dot(n1) / (l0 * l1), -1.0, 1.0));
          candidates.emplace_back(worst + fold, f0, f1);
        }
      }
    }
    i = j;
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<std::uint8_t> used(nf, 0);
  QuadPairing out;
  for (const auto& [score, f0, f1] : candidates) {
    if (used[f0] || used[f1]) continue;
    used[f0] = used[f1] = 1;
    out.pairs.push_back({f0, f1});
  }
  for (std::uint32_t f = 0; f < nf; ++f) {
    if (!used[f]) out.singles.push_back(f);
  }
  return out;
}

}  // namespace flexforge::retopo
