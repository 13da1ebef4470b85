// Mirror-symmetry detection on a voxelised solid and symmetrisation of joint positions.
#pragma once

#include "flexforge/rig/voxelize.h"

#include <string>
#include <vector>

namespace flexforge::rig {

enum class SymmetryMode { Auto, X, None };

// Throws Error(Usage) for anything but "auto", "x", "none".
SymmetryMode parse_symmetry_mode(const std::string& text);

struct MirrorPlane {
  bool found = false;
  Vec3 normal = Vec3::UnitX();  // unit
  float offset = 0.0f;          // plane: normal . p = offset
  float score = 0.0f;           // fraction of solid voxels whose mirror image is solid

  float signed_distance(const Vec3& p) const { return normal.dot(p) - offset; }
  Vec3 reflect(const Vec3& p) const { return p - 2.0f * signed_distance(p) * normal; }
};

// Auto: tries planes through the solid's centroid normal to its three principal axes and to the
// coordinate axes, scores each by mirrored-voxel overlap and accepts the best at score >= min_score
// (axis-aligned planes win ties within 0.02, as modelled assets are usually axis-aligned).
// X: the plane x = centroid.x, reported found with its score. None: not found.
MirrorPlane detect_symmetry(const VoxelGrid& grid, SymmetryMode mode, float min_score = 0.9f);

// Pairs each joint with the joint nearest its mirror image (mutual nearest, within `tolerance`)
// and averages each pair with its reflection; unpaired joints within `tolerance` of the plane are
// moved onto it. Returns the number of joints moved.
int symmetrize_joints(std::vector<Vec3>& joints, const MirrorPlane& plane, float tolerance);

}  // namespace flexforge::rig
