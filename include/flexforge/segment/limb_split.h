// Splitting of bent limbs: an appendage part (a part with a single neighbouring part) that is a
// tube and turns sharply somewhere along its length (an elbow, a knee, an ankle) is cut there.
// Such joints carry no crease on their outer side, so the concavity watershed keeps the whole
// limb chain as one part.
#pragma once

#include "flexforge/segment/working_mesh.h"

#include <vector>

namespace flexforge::segment {

struct LimbSplitOptions {
  // A limb is cut where its axis turns by at least this many degrees (0 = off).
  double bend_degrees = 0.0;
  // Sharp bend only: the turn measured over a window twice as long must be less than this
  // multiple of the turn over the base window (a smooth arc, such as a curled tentacle, turns
  // twice as much over twice the length; a joint between two straight segments turns the same).
  double sharpness = 1.5;
  // Pieces below this fraction of the total surface area are not cut off.
  double min_area_fraction = 0.002;
};

// `part`: a part id per face of `w`, 0..n-1. Parts are cut in place and all ids are renumbered
// by decreasing area (ties by first face), as merge_regions() returns them.
void split_bent_limbs(const WorkingMesh& w, std::vector<int>& part, const LimbSplitOptions& options);

}  // namespace flexforge::segment
