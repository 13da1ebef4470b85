// Mirror-plane detection by trial reflections of the voxel solid (candidate planes from principal
// component analysis, as in Podolak et al., "A Planar-Reflective Symmetry Transform for 3D
// Shapes", SIGGRAPH 2006, reduced to a handful of candidates), and joint symmetrisation by mutual
// nearest mirror partners.
#include "flexforge/rig/symmetry.h"

#include "flexforge/core/error.h"

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>

namespace flexforge::rig {

SymmetryMode parse_symmetry_mode(const std::string& text) {
  if (text == "auto") return SymmetryMode::Auto;
  if (text == "x") return SymmetryMode::X;
  if (text == "none") return SymmetryMode::None;
  throw Error(ExitCode::Usage, "symmetry: expected auto, x or none, got '" + text + "'");
}

namespace {

float mirror_score(const VoxelGrid& g, const std::vector<std::size_t>& voxels, const Vec3& n,
                   float offset) {
  std::size_t hit = 0, total = 0;
  for (std::size_t i : voxels) {
    const Vec3 p = g.center(i);
    const Vec3 r = p - 2.0f * (n.dot(p) - offset) * n;
    const Vec3 q = (r - g.origin) / g.cell;
    ++total;
    if (q.minCoeff() < 0 || q.x() >= g.nx || q.y() >= g.ny || q.z() >= g.nz) continue;
    if (g.solid[g.locate(r)]) ++hit;
  }
  return total ? static_cast<float>(hit) / total : 0.0f;
}

}  // namespace

MirrorPlane detect_symmetry(const VoxelGrid& g, SymmetryMode mode, float min_score) {
  MirrorPlane best;
  if (mode == SymmetryMode::None) return best;
  std::vector<std::size_t> voxels;
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g.solid[i]) voxels.push_back(i);
  if (voxels.empty()) return best;
  // Subsample for speed: the score is a fraction, 50k voxels estimate it to well under 1%.
  if (voxels.size() > 50000) {
    std::vector<std::size_t> sub;
    const std::size_t stride = voxels.size() / 50000 + 1;
    for (std::size_t k = 0; k < voxels.size(); k += stride) sub.push_back(voxels[k]);
    voxels.swap(sub);
  }
  Eigen::Vector3d c = Eigen::Vector3d::Zero();
  for (std::size_t i : voxels) c += g.center(i).cast<double>();
  c /= static_cast<double>(voxels.size());
  Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
  for (std::size_t i : voxels) {
    const Eigen::Vector3d d = g.center(i).cast<double>() - c;
    cov += d * d.transpose();
  }
  const Vec3 cf = c.cast<float>();
  if (mode == SymmetryMode::X) {
    best.found = true;
    best.normal = Vec3::UnitX();
    best.offset = cf.x();
    best.score = mirror_score(g, voxels, best.normal, best.offset);
    return best;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov);
  std::vector<std::pair<Vec3, bool>> candidates = {
      {Vec3::UnitX(), true}, {Vec3::UnitZ(), true}, {Vec3::UnitY(), true}};
  for (int k = 0; k < 3; ++k) candidates.push_back({eig.eigenvectors().col(k).cast<float>().normalized(), false});
  float best_axis = -1.0f, best_any = -1.0f;
  Vec3 n_axis, n_any;
  for (const auto& [n, axis] : candidates) {
    const float s = mirror_score(g, voxels, n, n.dot(cf));
    if (axis && s > best_axis) best_axis = s, n_axis = n;
    if (s > best_any) best_any = s, n_any = n;
  }
  const bool use_axis = best_axis >= best_any - 0.02f;
  best.normal = use_axis ? n_axis : n_any;
  best.score = use_axis ? best_axis : best_any;
  best.offset = best.normal.dot(cf);
  best.found = best.score >= min_score;
  return best;
}

int symmetrize_joints(std::vector<Vec3>& joints, const MirrorPlane& plane, float tolerance) {
  if (!plane.found) return 0;
  const std::size_t n = joints.size();
  std::vector<int> partner(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 r = plane.reflect(joints[i]);
    float best = std::numeric_limits<float>::infinity();
    for (std::size_t j = 0; j < n; ++j) {
      const float d = (joints[j] - r).norm();
      if (d < best) best = d, partner[i] = static_cast<int>(j);
    }
    if (best > tolerance) partner[i] = -1;
  }
  std::vector<Vec3> out = joints;
  int moved = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int j = partner[i];
    if (j >= 0 && partner[j] == static_cast<int>(i) && j != static_cast<int>(i)) {
      out[i] = 0.5f * (joints[i] + plane.reflect(joints[j]));
      ++moved;
    } else if (std::abs(plane.signed_distance(joints[i])) <= tolerance) {
      out[i] = joints[i] - plane.signed_distance(joints[i]) * plane.normal;
      ++moved;
    }
  }
  joints.swap(out);
  return moved;
}

}  // namespace flexforge::rig
