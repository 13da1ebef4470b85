// Face-area IoU with Hungarian matching (docs/metrics.md; see evaluate.h).
#include "flexforge/segment/evaluate.h"

#include "flexforge/core/error.h"

#include <Eigen/Geometry>

#include <algorithm>

namespace flexforge::segment {

PartIou part_iou(const Mesh& mesh, const std::vector<std::int32_t>& predicted,
                 const std::vector<std::int32_t>& ground_truth) {
  const std::size_t F = mesh.triangles.size();
  if (predicted.size() != F || ground_truth.size() != F) {
    throw Error(ExitCode::InvalidInput, "part_iou: labels must have one entry per face");
  }
  int P = 0, G = 0;
  for (std::size_t f = 0; f < F; ++f) {
    P = std::max(P, predicted[f] + 1);
    G = std::max(G, ground_truth[f] + 1);
  }
  std::vector<double> inter(static_cast<std::size_t>(P) * G, 0.0), pa(P, 0.0), ga(G, 0.0);
  for (std::size_t f = 0; f < F; ++f) {
    if (predicted[f] < 0 || ground_truth[f] < 0) continue;
    const Triangle& t = mesh.triangles[f];
    const Eigen::Vector3d a = mesh.positions[t[0]].cast<double>();
    const double area = 0.5 * (mesh.positions[t[1]].cast<double>() - a)
                                  .cross(mesh.positions[t[2]].cast<double>() - a)
                                  .norm();
    inter[static_cast<std::size_t>(ground_truth[f]) * P + predicted[f]] += area;
    pa[predicted[f]] += area;
    ga[ground_truth[f]] += area;
  }
  std::vector<double> iou(inter.size(), 0.0);
  for (int g = 0; g < G; ++g) {
    for (int p = 0; p < P; ++p) {
      const double i = inter[static_cast<std::size_t>(g) * P + p];
      const double u = ga[g] + pa[p] - i;
      iou[static_cast<std::size_t>(g) * P + p] = u > 0 ? i / u : 0.0;
    }
  }
  const std::vector<int> match = max_weight_assignment(iou, G, P);
  PartIou r;
  r.gt_iou.assign(G, 0.0);
  for (int p = 0; p < P; ++p) r.predicted_parts += pa[p] > 0;
  double sum = 0.0;
  for (int g = 0; g < G; ++g) {
    if (ga[g] <= 0) continue;
    ++r.gt_parts;
    if (match[g] >= 0) r.gt_iou[g] = iou[static_cast<std::size_t>(g) * P + match[g]];
    sum += r.gt_iou[g];
  }
  r.mean_iou = r.gt_parts ? sum / r.gt_parts : 0.0;
  return r;
}

}  // namespace flexforge::segment
