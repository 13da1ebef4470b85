// Chamfer-L1, F-score@tau, normal consistency and Hausdorff distance between two meshes, as
// defined in docs/metrics.md.
//
// Sources this builds on (definitions only, no code):
//  * F-score of surface samples at a distance threshold: M. Tatarchenko et al., "What Do
//    Single-view 3D Reconstruction Networks Learn?", CVPR 2019; Knapitsch et al., "Tanks and
//    Temples", SIGGRAPH 2017 (precision / recall of points within tau).
//  * Chamfer-L1 as the mean of the two directed mean distances, and normal consistency as mean
//    |cos| of nearest-pair normals: L. Mescheder et al., "Occupancy Networks", CVPR 2019,
//    supplementary material.
//  * Nearest neighbours among samples: kd-tree from nanoflann (J. L. Blanco, used as a library);
//    point-to-surface projection: flexforge::TriangleBvh.
#include "flexforge/core/metrics.h"

#include "flexforge/core/parallel.h"

#include "flexforge/core/bvh.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/sampling.h"

#include <nanoflann.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>

namespace flexforge {

namespace {

// nanoflann dataset adaptor over a vector of points.
struct PointSet {
  const std::vector<Vec3>& points;
  std::size_t kdtree_get_point_count() const { return points.size(); }
  float kdtree_get_pt(std::uint32_t i, std::size_t dim) const { return points[i][dim]; }
  template <class Box>
  bool kdtree_get_bbox(Box&) const {
    return false;
  }
};

using KdTree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<float, PointSet>,
                                                   PointSet, 3, std::uint32_t>;

// Single-nearest result set; a later point replaces the current one only if strictly closer.
struct NearestResult {
  float best = std::numeric_limits<float>::max();
  std::uint32_t index = 0;
  bool addPoint(float d2, std::uint32_t i) {
    if (d2 < best) {
      best = d2;
      index = i;
    }
    return true;
  }
  float worstDist() const { return best; }
  bool full() const { return true; }
};

// Per-sample answer: distance to the other mesh and |cos| between the two normals there.
struct Directed {
  std::vector<double> distance;
  std::vector<double> abs_cos;
};

Directed to_samples(const SurfaceSamples& from, const SurfaceSamples& to, unsigned threads) {
  PointSet set{to.points};
  KdTree tree(3, set, nanoflann::KDTreeSingleIndexAdaptorParams(10));
  Directed out;
  out.distance.resize(from.points.size());
  out.abs_cos.resize(from.points.size());
  parallel_for(from.points.size(), [&](std::size_t i) {
    NearestResult result;
    tree.findNeighbors(result, from.points[i].data(), nanoflann::SearchParams());
    const std::uint32_t j = result.index;
    out.distance[i] = (from.points[i].cast<double>() - to.points[j].cast<double>()).norm();
    out.abs_cos[i] =
        std::abs(static_cast<double>(from.normals[i].cast<double>().dot(to.normals[j].cast<double>())));
  }, threads);
  return out;
}

Directed to_surface(const SurfaceSamples& from, const Mesh& to, unsigned threads) {
  // Zero-area faces carry no surface (and no normal); drop them from the target.
  const std::vector<Vec3> normals = face_normals(to);
  Mesh surface;
  surface.positions = to.positions;
  std::vector<Vec3> kept_normals;
  for (std::size_t f = 0; f < to.triangles.size(); ++f) {
    if (normals[f].squaredNorm() > 0.0f) {
      surface.triangles.push_back(to.triangles[f]);
      kept_normals.push_back(normals[f]);
    }
  }
  const TriangleBvh bvh(surface);
  Directed out;
  out.distance.resize(from.points.size());
  out.abs_cos.resize(from.points.size());
  parallel_for(from.points.size(), [&](std::size_t i) {
    const TriangleBvh::Hit hit = bvh.closest_point(from.points[i]);
    out.distance[i] = static_cast<double>(hit.distance);
    out.abs_cos[i] = std::abs(static_cast<double>(
        from.normals[i].cast<double>().dot(kept_normals[hit.face].cast<double>())));
  }, threads);
  return out;
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t x = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Mesh normalized_geometry(const Mesh& mesh, const Mat4& m) {
  Mesh out;
  out.positions = mesh.positions;
  out.triangles = mesh.triangles;
  transform(out, m);
  return out;
}

SurfaceSamples sample_named(const Mesh& mesh, std::size_t count, std::uint64_t seed,
                            const char* name) {
  try {
    return sample_surface(mesh, count, seed);
  } catch (const Error& e) {
    throw Error(e.code(), std::string(name) + " mesh: " + e.what());
  }
}

// The shortest decimal value that reads back as `f` (0.01f -> 0.01, not 0.009999999776), so
// that thresholds given in decimal are applied and reported as written.
double shortest_decimal(float f) {
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
    const double d = std::strtod(text, nullptr);
    if (static_cast<float>(d) == f) return d;
  }
  return static_cast<double>(f);
}

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;  // index order: independent of the thread count
  return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

double fraction_below(const std::vector<double>& v, double tau) {
  std::size_t n = 0;
  for (double x : v) n += x < tau;
  return v.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(v.size());
}

}  // namespace

MeshDistance compare_meshes(const Mesh& predicted, const Mesh& ground_truth,
                            const MetricOptions& options) {
  if (options.samples == 0) {
    throw Error(ExitCode::InvalidInput, "metric sample count must be positive");
  }
  for (float tau : options.taus) {
    if (!(tau > 0.0f) || !std::isfinite(tau)) {
      throw Error(ExitCode::InvalidInput,
                  "F-score threshold must be positive and finite (got " + std::to_string(tau) + ")");
    }
  }
  predicted.validate("predicted mesh");
  ground_truth.validate("ground-truth mesh");

  Mat4 normalize;
  try {
    normalize = normalize_to_unit_diagonal_transform(bounding_box(ground_truth));
  } catch (const Error& e) {
    throw Error(e.code(), std::string("ground-truth mesh: ") + e.what());
  }
  const Mesh pred = normalized_geometry(predicted, normalize);
  const Mesh gt = normalized_geometry(ground_truth, normalize);

  const SurfaceSamples pred_samples =
      sample_named(pred, options.samples, derive_seed(options.seed, 0), "predicted");
  const SurfaceSamples gt_samples =
      sample_named(gt, options.samples, derive_seed(options.seed, 1), "ground-truth");

  Directed pred_to_gt, gt_to_pred;
  if (options.point_to_surface) {
    pred_to_gt = to_surface(pred_samples, gt, options.threads);
    gt_to_pred = to_surface(gt_samples, pred, options.threads);
  } else {
    pred_to_gt = to_samples(pred_samples, gt_samples, options.threads);
    gt_to_pred = to_samples(gt_samples, pred_samples, options.threads);
  }

  MeshDistance r;
  r.point_to_surface = options.point_to_surface;
  r.accuracy = mean(pred_to_gt.distance);
  r.completeness = mean(gt_to_pred.distance);
  r.chamfer_l1 = 0.5 * (r.accuracy + r.completeness);
  r.normal_consistency = 0.5 * (mean(pred_to_gt.abs_cos) + mean(gt_to_pred.abs_cos));
  r.hausdorff = std::max(*std::max_element(pred_to_gt.distance.begin(), pred_to_gt.distance.end()),
                         *std::max_element(gt_to_pred.distance.begin(), gt_to_pred.distance.end()));
  for (float tau_f : options.taus) {
    const double tau = shortest_decimal(tau_f);
    const double p = fraction_below(pred_to_gt.distance, tau);
    const double rc = fraction_below(gt_to_pred.distance, tau);
    r.taus.push_back(tau);
    r.precision.push_back(p);
    r.recall.push_back(rc);
    r.fscore.push_back(p + rc > 0.0 ? 2.0 * p * rc / (p + rc) : 0.0);
  }
  return r;
}

}  // namespace flexforge
