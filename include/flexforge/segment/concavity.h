// Multiscale geodesic concavity: for a vertex p with outward normal n and a geodesic radius r,
//   c_r(p) = max over surface vertices q within geodesic distance r of  max(0, (q - p) . n) / r,
// the height the surrounding surface rises above p's tangent plane, relative to r. It is 0 on
// convex and flat surface and approaches 1 at a right-angled concave crease, however gradual
// (a smooth-union fillet of radius k reads as a crease at any scale r >> k). Geodesic rather than
// Euclidean balls, so a neighbouring limb that merely passes close by does not count.
// The result per vertex is the maximum over the scales.
#pragma once

#include "flexforge/segment/working_mesh.h"

#include <vector>

namespace flexforge::segment {

// Per welded vertex of `w`, in [0, 1]. The "geodesic ball" is approximated by the part of the
// Euclidean ball that is connected to p inside the ball (see concavity.cpp).
// scales: radii in units of the bounding-box diagonal (w is normalised to diagonal 1).
// Deterministic for any thread count.
std::vector<float> vertex_concavity(const WorkingMesh& w, const std::vector<double>& scales,
                                    unsigned threads);

}  // namespace flexforge::segment
