// Parts from the learned part head's per-face class probabilities (SegmentMethod::Learned):
// light smoothing over the face graph, the most likely class per face, connected components of
// same-class faces (four chair legs are one class but four parts: the seat separates them), and
// ambiguous fragments (their faces nearly as likely of a neighbour's class) and then small
// components absorbed into a neighbour.
#pragma once

#include "flexforge/segment/working_mesh.h"

#include <string>
#include <vector>

namespace flexforge::segment {

struct LearnedParts {
  std::vector<int> face_part;         // per working-mesh face, ids by decreasing area
  std::vector<std::string> semantic;  // per part: its class name
  int part_count = 0;
  // Area-weighted mean over faces of the largest class probability (before smoothing): how sure
  // the head is about this mesh as a whole; low on shapes unlike its training data.
  double confidence = 0.0;
};

// probabilities: row-major [w.triangles.size() * classes.size()].
// smoothing: iterations of area-weighted averaging of each face's probabilities with its edge
// neighbours before the argmax (0 = none). ambiguity: a component joins the neighbour whose class
// its faces give at least this fraction of their own class's probability (0 = off).
// split (per working face, e.g. the geometric parts) and instanced (per class): faces of an
// instanced class connect only within the same split region, so touching instances separate.
LearnedParts learned_parts(const WorkingMesh& w, const std::vector<float>& probabilities,
                           const std::vector<std::string>& classes, double min_part_area,
                           int smoothing, double ambiguity,
                           const std::vector<int>* split = nullptr,
                           const std::vector<bool>* instanced = nullptr);

}  // namespace flexforge::segment
