// Vertex fitting of a coarse mesh to dense samples of the surface it approximates.
//
// Sources this builds on (ideas only, no code):
//  * H. Hoppe, T. DeRose, T. Duchamp, J. McDonald, W. Stuetzle, "Mesh Optimization",
//    SIGGRAPH 1993: with the connectivity fixed, alternate projecting sample points onto the
//    mesh (barycentric correspondences) and a linear least-squares solve for the vertex
//    positions, regularised by a spring term on the edges.
//  * P. Besl, N. McKay, "A Method for Registration of 3-D Shapes" (ICP), PAMI 1992: the
//    alternation of closest-point correspondences and a least-squares update.
//  * Iteratively reweighted least squares for an L1 objective (weights 1/|residual|), e.g.
//    Å. Björck, "Numerical Methods for Least Squares Problems", SIAM 1996, section 4.5.
// Both directions of the Chamfer distance get equal total weight, as in its definition
// (docs/metrics.md), so the fit optimises what the benchmark measures.
#include "flexforge/retopo/vertex_fit.h"

#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"

#include <Eigen/Geometry>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace flexforge::retopo {

namespace {

using V3d = Eigen::Vector3d;

struct Row {
  std::uint32_t face = 0;
  V3d bary = V3d::Zero();
  V3d residual = V3d::Zero();  // target - current point
  double weight = 0.0;
};

// Barycentric stencil for the accuracy samples on each coarse face: the centroid, three points
// towards the corners and three towards the edge midpoints, so the whole face is covered.
constexpr double kStencil[7][3] = {
    {1.0 / 3, 1.0 / 3, 1.0 / 3}, {4.0 / 6, 1.0 / 6, 1.0 / 6}, {1.0 / 6, 4.0 / 6, 1.0 / 6},
    {1.0 / 6, 1.0 / 6, 4.0 / 6}, {0.45, 0.45, 0.10},          {0.10, 0.45, 0.45},
    {0.45, 0.10, 0.45}};

double quality(const V3d& a, const V3d& b, const V3d& c, V3d* normal) {
  const V3d n = (b - a).cross(c - a);
  if (normal) *normal = n;
  const double l2 = (b - a).squaredNorm() + (c - b).squaredNorm() + (a - c).squaredNorm();
  return l2 > 0.0 ? 2.0 * std::sqrt(3.0) * n.norm() / l2 : 0.0;
}

// Unique edges, for the shape term.
std::vector<std::pair<std::uint32_t, std::uint32_t>> unique_edges(const Mesh& mesh) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  edges.reserve(mesh.triangles.size() * 3);
  for (const Triangle& t : mesh.triangles) {
    for (int k = 0; k < 3; ++k) {
      edges.emplace_back(std::min(t[k], t[(k + 1) % 3]), std::max(t[k], t[(k + 1) % 3]));
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

// The rows of the fit at positions x: completeness rows (every original sample should lie on
// the coarse surface) first, then accuracy rows (every stencil point of a coarse face should lie
// on the original), each direction with half the total weight.
void correspondences(const Mesh& mesh, const std::vector<V3d>& x, const TriangleBvh& original_bvh,
                     const SurfaceSamples& original_samples, int stencil, const std::vector<double>& area,
                     double total_area, unsigned threads, std::vector<Row>& rows) {
  const std::size_t ns = original_samples.points.size();
  const std::size_t nf = mesh.triangles.size();
  const TriangleBvh coarse_bvh(mesh);
  parallel_for(
      ns,
      [&](std::size_t i) {
        const Vec3& p = original_samples.points[i];
        const TriangleBvh::Hit h = coarse_bvh.closest_point(p);
        Row& r = rows[i];
        r.face = h.face;
        r.bary = h.barycentric.cast<double>();
        const Triangle& t = mesh.triangles[h.face];
        const V3d on = r.bary[0] * x[t[0]] + r.bary[1] * x[t[1]] + r.bary[2] * x[t[2]];
        r.residual = p.cast<double>() - on;
        r.weight = 0.5 / static_cast<double>(ns);
      },
      threads, 256);
  parallel_for(
      nf,
      [&](std::size_t f) {
        const Triangle& t = mesh.triangles[f];
        for (int s = 0; s < stencil; ++s) {
          Row& r = rows[ns + f * stencil + s];
          r.face = static_cast<std::uint32_t>(f);
          r.bary = V3d(kStencil[s][0], kStencil[s][1], kStencil[s][2]);
          const V3d on = r.bary[0] * x[t[0]] + r.bary[1] * x[t[1]] + r.bary[2] * x[t[2]];
          const TriangleBvh::Hit h = original_bvh.closest_point(on.cast<float>());
          r.residual = h.point.cast<double>() - on;
          r.weight = 0.5 * area[f] / (total_area * stencil);
        }
      },
      threads, 64);
}

// Normal equations for the displacement d: sum_rows w |sum_k b_k d_k - residual|^2
// + damping + shape term. Rows only couple the three corners of one face, so accumulate
// 3x3 blocks per face. False when the solve fails or gives a non-finite displacement.
bool solve_displacement(const Mesh& mesh, const std::vector<Row>& rows,
                        const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges,
                        const VertexFitOptions& options, double eps, Eigen::MatrixXd& d) {
  const std::size_t nv = mesh.positions.size();
  const std::size_t nf = mesh.triangles.size();
  std::vector<std::array<double, 9>> block(nf, std::array<double, 9>{});
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(nv), 3);
  for (const Row& r : rows) {
    double w = r.weight;
    if (options.l1) w /= std::max(r.residual.norm(), eps);
    auto& b = block[r.face];
    const Triangle& t = mesh.triangles[r.face];
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) b[i * 3 + j] += w * r.bary[i] * r.bary[j];
      rhs.row(t[i]) += w * r.bary[i] * r.residual.transpose();
    }
  }
  std::vector<double> diag_h(nv, 0.0);
  std::vector<Eigen::Triplet<double>> trip;
  trip.reserve(nf * 9 + nv + edges.size() * 4);
  for (std::size_t f = 0; f < nf; ++f) {
    const Triangle& t = mesh.triangles[f];
    for (int i = 0; i < 3; ++i) {
      diag_h[t[i]] += block[f][i * 3 + i];
      for (int j = 0; j < 3; ++j) trip.emplace_back(t[i], t[j], block[f][i * 3 + j]);
    }
  }
  double mean_diag = 0.0;
  for (double v : diag_h) mean_diag += v;
  mean_diag = std::max(mean_diag / static_cast<double>(nv), 1e-300);
  for (std::size_t v = 0; v < nv; ++v) {
    // Every vertex gets some damping, so ones no sample touches stay put.
    trip.emplace_back(v, v, options.damping * diag_h[v] + 1e-3 * mean_diag);
  }
  const double mu = options.smoothness * mean_diag;
  for (const auto& [a, b] : edges) {
    trip.emplace_back(a, a, mu);
    trip.emplace_back(b, b, mu);
    trip.emplace_back(a, b, -mu);
    trip.emplace_back(b, a, -mu);
  }
  Eigen::SparseMatrix<double> h(static_cast<Eigen::Index>(nv), static_cast<Eigen::Index>(nv));
  h.setFromTriplets(trip.begin(), trip.end());
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(h);
  if (solver.info() != Eigen::Success) return false;
  d = solver.solve(rhs);
  return solver.info() == Eigen::Success && d.allFinite();
}

// Apply, then undo the moves of every vertex of a face that would flip or degenerate, until
// no such face is left (each pass only undoes moves, so this ends).
void apply_without_flips(Mesh& mesh, std::vector<V3d>& x, const Eigen::MatrixXd& d,
                         const VertexFitOptions& options, VertexFitReport& report) {
  const std::size_t nv = mesh.positions.size();
  const std::size_t nf = mesh.triangles.size();
  std::vector<V3d> moved(nv);
  for (std::size_t v = 0; v < nv; ++v) moved[v] = x[v] + d.row(static_cast<Eigen::Index>(v)).transpose();
  std::vector<std::uint8_t> reverted(nv, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t f = 0; f < nf; ++f) {
      const Triangle& t = mesh.triangles[f];
      if (reverted[t[0]] && reverted[t[1]] && reverted[t[2]]) continue;
      V3d n_old, n_new;
      const double q_old = quality(x[t[0]], x[t[1]], x[t[2]], &n_old);
      const double q_new = quality(moved[t[0]], moved[t[1]], moved[t[2]], &n_new);
      const double ln = n_new.norm(), lo = n_old.norm();
      const bool flipped = lo > 0.0 && n_new.dot(n_old) < options.min_normal_cos * ln * lo;
      const bool flat = q_new < std::min(1e-3, 0.5 * q_old) || !(ln > 0.0);
      if (!flipped && !flat) continue;
      for (std::uint32_t v : t) {
        if (!reverted[v]) {
          reverted[v] = 1;
          moved[v] = x[v];
          changed = true;
        }
      }
    }
  }
  for (std::size_t v = 0; v < nv; ++v) {
    report.reverted_vertices += reverted[v];
    x[v] = moved[v];
    mesh.positions[v] = x[v].cast<float>();
  }
}

}  // namespace

VertexFitReport fit_vertices(Mesh& mesh, const TriangleBvh& original_bvh,
                             const SurfaceSamples& original_samples,
                             const VertexFitOptions& options) {
  VertexFitReport report;
  const std::size_t nv = mesh.positions.size();
  const std::size_t nf = mesh.triangles.size();
  if (nv == 0 || nf == 0 || original_samples.points.empty()) return report;
  const int stencil = std::clamp(options.face_samples, 1, 7);
  const double diag = std::max<double>(bounding_box(mesh).diagonal(), 1e-30);
  // Below this distance a row counts as fitted; bounds the IRLS weights.
  const double eps = 1e-5 * diag;
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> edges = unique_edges(mesh);

  std::vector<V3d> x(nv);
  for (std::size_t i = 0; i < nv; ++i) x[i] = mesh.positions[i].cast<double>();

  const std::size_t ns = original_samples.points.size();
  std::vector<Row> rows(ns + nf * stencil);

  double previous_energy = 0.0;
  std::vector<V3d> previous;
  for (int it = 0; it <= options.iterations; ++it) {
    // The pass after the last step only measures it (and undoes it if it made things worse).
    if (it == options.iterations && !options.check_last) break;
    double total_area = 0.0;
    std::vector<double> area(nf);
    for (std::size_t f = 0; f < nf; ++f) {
      const Triangle& t = mesh.triangles[f];
      area[f] = 0.5 * (x[t[1]] - x[t[0]]).cross(x[t[2]] - x[t[0]]).norm();
      total_area += area[f];
    }
    if (!(total_area > 0.0)) break;
    correspondences(mesh, x, original_bvh, original_samples, stencil, area, total_area, options.threads, rows);

    // Estimated Chamfer-L1 of the current positions (both directions, the weights sum to 1).
    double energy = 0.0;
    for (const Row& r : rows) energy += r.weight * r.residual.norm();
    if (it > 0) {
      if (energy > previous_energy) {
        // The last step made it worse (the projections moved): undo it and stop.
        x = previous;
        for (std::size_t v = 0; v < nv; ++v) mesh.positions[v] = x[v].cast<float>();
        report.energy = previous_energy;
        break;
      }
      if (energy > (1.0 - options.min_gain) * previous_energy) {
        report.energy = energy;
        break;
      }
    }
    report.energy = previous_energy = energy;
    if (it == options.iterations) break;
    previous = x;

    Eigen::MatrixXd d;
    if (!solve_displacement(mesh, rows, edges, options, eps, d)) break;
    apply_without_flips(mesh, x, d, options, report);
    ++report.iterations;
  }
  return report;
}

}  // namespace flexforge::retopo
