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
  // The turn is measured between the axis points this many tube radii before and after a
  // band (1.0 beat 1.5 on the synth tuning seeds).
  double window_radii = 1.0;
  // Pieces below this fraction of the total surface area, or shorter along the axis than
  // min_piece_radii tube radii, are not cut off (the tip of a wing, a cap, a foot's heel).
  double min_area_fraction = 0.002;
  double min_piece_radii = 2.5;
  // Appendages longer than this many radii are wire-thin (a spider's leg, a cable) and stay one
  // part however they bend; thick limbs (an arm, a leg) are 7-15 radii long.
  double max_slenderness = 20.0;
};

// `part`: a part id per face of `w`, 0..n-1. Parts are cut in place and all ids are renumbered
// by decreasing area (ties by first face), as merge_regions() returns them.
void split_bent_limbs(const WorkingMesh& w, std::vector<int>& part, const LimbSplitOptions& options);

}  // namespace flexforge::segment
