// Surface-distance metrics between a predicted and a ground-truth mesh, exactly as defined in
// docs/metrics.md: both meshes are normalised by the ground truth's bounding box (centred at
// the origin, diagonal 1), so every distance below is a fraction of the ground truth's diagonal.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flexforge {

struct MetricOptions {
  std::size_t samples = 100000;  // surface samples drawn on EACH mesh (> 0)
  std::uint64_t seed = 0;        // sampling seed; the two meshes use distinct derived streams
  std::vector<float> taus{0.01f, 0.005f};  // F-score thresholds (normalised units, each > 0)
  // false: point-to-point, each sample's distance to the nearest sample of the other mesh
  //        (kd-tree); has a sampling floor of ~1-2e-3 at 100k samples.
  // true:  point-to-surface, each sample projected onto the other mesh's triangles (BVH).
  bool point_to_surface = false;
  unsigned threads = 0;  // worker threads for the query loops; 0 = worker_threads() (--threads)
};

struct MeshDistance {
  double chamfer_l1 = 0.0;    // (accuracy + completeness) / 2
  double accuracy = 0.0;      // mean distance predicted -> ground truth (Euclidean, not squared)
  double completeness = 0.0;  // mean distance ground truth -> predicted
  std::vector<double> taus;       // copy of MetricOptions::taus, in that order
  std::vector<double> fscore;     // per tau: 2PR / (P + R), 0 when P + R == 0
  std::vector<double> precision;  // per tau: fraction of predicted samples with distance < tau
  std::vector<double> recall;     // per tau: fraction of ground-truth samples with distance < tau
  // Mean |cos| between the normal at each sample and the normal at its nearest point on the other
  // mesh (nearest sample's face normal, or the hit face's normal for point-to-surface), averaged
  // over both directions. In [0, 1].
  double normal_consistency = 0.0;
  double hausdorff = 0.0;  // max of the two directed maximum sample distances
  bool point_to_surface = false;  // which variant produced these numbers
};

// Compares `predicted` against `ground_truth` (docs/metrics.md). Samples
// options.samples points on each normalised mesh (sample_surface, area-weighted), then measures
// every sample's distance to the other mesh. Distances are in units of the ground truth's
// bounding-box diagonal. The result depends only on the inputs and options.samples / seed /
// taus / point_to_surface, never on options.threads (per-sample results are reduced in index
// order).
// Cost: O(S log S) point-to-point or O(S log F) point-to-surface for S samples, F faces.
// Throws Error(InvalidInput) if either mesh is invalid or has zero surface area, if the ground
// truth's bounding box has zero size, if options.samples == 0 or a tau is not positive and finite.
MeshDistance compare_meshes(const Mesh& predicted, const Mesh& ground_truth,
                            const MetricOptions& options);

}  // namespace flexforge
