// Region growing and merging on the face dual graph of a WorkingMesh, driven by a per-vertex
// concavity field (concavity.h).
#pragma once

#include "flexforge/segment/working_mesh.h"

#include <vector>

namespace flexforge::segment {

// Marker-controlled watershed: markers are the edge-connected sets of faces whose concavity
// (mean of their corners) is below `core_threshold`; a component without such a face is seeded
// at its least concave face. Remaining faces are flooded in order of increasing concavity, so
// regions meet on the concavity ridges, i.e. along the creases. Returns a region per face,
// 0..count-1, and the count.
// face_band (optional, empty = none): a band index per face (quantised log thickness, INT_MIN
// where unknown); core faces of different known bands are not joined into one marker.
std::vector<int> watershed_regions(const WorkingMesh& w, const std::vector<float>& vertex_concavity,
                                   double core_threshold, int* count,
                                   const std::vector<int>& face_band = {});

struct MergeOptions {
  int target_parts = 0;          // 0 = auto (threshold), else merge down to this many
  double merge_threshold = 0.25; // auto: merge while the boundary's mean concavity is below this
  double min_area_fraction = 0;  // regions below this fraction of the total area are absorbed
  // ... unless their whole boundary's mean concavity is at least keep_small_strength (0 = off)
  // and their area at least keep_small_floor * the minimum area.
  double keep_small_strength = 0.0;
  double keep_small_floor = 0.25;
  // Thickness term: a boundary's strength gains thickness_weight * max(0, |log(T_a / T_b)| -
  // thickness_tolerance), T = the regions' area-weighted geometric mean thickness.
  double thickness_weight = 0.0;
  double thickness_tolerance = 0.0;
};

// Greedy merging of adjacent regions, weakest boundary first (boundary strength = length-
// weighted mean concavity of the shared edges). Small regions are absorbed by the neighbour
// sharing the longest boundary (an isolated one by the region with the nearest centroid).
// Returns a region per face, renumbered 0..n-1 by decreasing area.
// face_log_thickness (optional, empty = none): log thickness per face, NaN where unknown.
std::vector<int> merge_regions(const WorkingMesh& w, const std::vector<float>& vertex_concavity,
                               const std::vector<int>& regions, int count,
                               const MergeOptions& options,
                               const std::vector<float>& face_log_thickness = {});

}  // namespace flexforge::segment
