// Local thickness (a shape-diameter-style measure) per welded vertex: the median length of a few
// rays cast inward (against the outward normal, in a narrow cone) until they leave the surface.
// A limb, a neck or a tail is thinner than the body it joins, so a step in thickness marks a part
// boundary even where the surface has no concave crease.
#pragma once

#include "flexforge/segment/working_mesh.h"

#include <vector>

namespace flexforge::segment {

// Per welded vertex of `w` (normalised to diagonal 1): the thickness, or a negative value where
// no ray hit the surface (open meshes, unused vertices). Evaluated on a vertex clustering of
// `cell` (fraction of the diagonal) and smoothed over the vertex graph. Deterministic for any
// thread count.
std::vector<float> vertex_thickness(const WorkingMesh& w, float cell, unsigned threads);

}  // namespace flexforge::segment
