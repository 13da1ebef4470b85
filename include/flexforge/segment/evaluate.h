// The segmentation metric of docs/metrics.md: per shape, predicted parts are matched one to
// one to ground-truth parts by the Hungarian algorithm on face-area IoU; the score is the mean
// IoU over ground-truth parts, an unmatched ground-truth part scoring 0.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstdint>
#include <vector>

namespace flexforge::segment {

// Optimal assignment maximising the summed weight of a rows x cols matrix (row-major, any shape).
// Returns for each row its column, or -1 when the row is unassigned (rows > cols).
// Kuhn-Munkres with potentials, O(n^2 m).
std::vector<int> max_weight_assignment(const std::vector<double>& weight, int rows, int cols);

struct PartIou {
  double mean_iou = 0.0;          // over ground-truth parts with non-zero area
  std::vector<double> gt_iou;     // per ground-truth part id (0 when unmatched or empty)
  int gt_parts = 0;               // ground-truth parts with non-zero area
  int predicted_parts = 0;
};

// predicted / ground_truth: one part id (>= 0) per face of `mesh`; face areas weight the IoU.
// Faces with a negative id in either labelling are ignored.
PartIou part_iou(const Mesh& mesh, const std::vector<std::int32_t>& predicted,
                 const std::vector<std::int32_t>& ground_truth);

}  // namespace flexforge::segment
