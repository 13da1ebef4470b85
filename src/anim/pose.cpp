#include "flexforge/anim/pose.h"

#include "flexforge/core/skin_weights.h"

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>

namespace flexforge::anim {

namespace {

// The rotation of an affine matrix's linear part (scale and float noise removed).
Quat rotation_of(const Mat4& m) {
  Eigen::Matrix3f linear = m.topLeftCorner<3, 3>();
  Eigen::JacobiSVD<Eigen::Matrix3f> svd(linear, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3f r = svd.matrixU() * svd.matrixV().transpose();
  if (r.determinant() < 0) {  // a mirroring bind keeps its handedness in the scale
    Eigen::Matrix3f u = svd.matrixU();
    u.col(2) = -u.col(2);
    r = u * svd.matrixV().transpose();
  }
  return Quat(r).normalized();
}

Mat4 local_bind(const Skeleton& s, int j) {
  const Joint& joint = s.joints[j];
  return joint.parent < 0 ? joint.bind_world : Mat4(s.joints[joint.parent].bind_world.inverse() * joint.bind_world);
}

}  // namespace

PoseSolver::PoseSolver(const Skeleton& skeleton) {
  const std::size_t n = skeleton.joints.size();
  parent_.resize(n);
  bind_position_.resize(n);
  bind_world_rotation_.resize(n);
  bind_local_rotation_.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const Joint& joint = skeleton.joints[j];
    parent_[j] = joint.parent;
    bind_position_[j] = joint.bind_world.block<3, 1>(0, 3);
    bind_world_rotation_[j] = rotation_of(joint.bind_world);
    bind_local_rotation_[j] = rotation_of(local_bind(skeleton, static_cast<int>(j)));
  }
  if (n > 0) root_local_translation_ = local_bind(skeleton, 0).block<3, 1>(0, 3);
}

void PoseSolver::solve(const DeltaPose& pose, std::vector<Quat>& world_delta, std::vector<Vec3>& position) const {
  const std::size_t n = parent_.size();
  world_delta.assign(n, Quat::Identity());
  position.assign(n, Vec3::Zero());
  for (std::size_t j = 0; j < n; ++j) {
    const int p = parent_[j];
    const Quat inherited = p < 0 ? Quat::Identity() : world_delta[p];
    world_delta[j] = pose.has_absolute[j] ? pose.absolute[j] : Quat(inherited * pose.relative[j]).normalized();
    position[j] = p < 0 ? Vec3(bind_position_[j] + pose.root_offset)
                        : Vec3(position[p] + inherited * (bind_position_[j] - bind_position_[p]));
  }
}

void PoseSolver::local_keys(const DeltaPose& pose, std::vector<Quat>& local_rotation, Vec3& root_translation) const {
  std::vector<Quat> world_delta;
  std::vector<Vec3> position;
  solve(pose, world_delta, position);
  const std::size_t n = parent_.size();
  local_rotation.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const int p = parent_[j];
    // The joint's own delta D (scene axes) becomes C = Bw^-1 D Bw in its bind frame; the local
    // rotation is then the bind local rotation followed by C.
    const Quat d = p < 0 ? world_delta[j] : Quat(world_delta[p].conjugate() * world_delta[j]);
    const Quat c = bind_world_rotation_[j].conjugate() * d * bind_world_rotation_[j];
    Quat local = (bind_local_rotation_[j] * c).normalized();
    if (local.w() < 0) local.coeffs() = -local.coeffs();  // one hemisphere: keys interpolate the short way
    local_rotation[j] = local;
  }
  root_translation = root_local_translation_ + pose.root_offset;
}

LegDeltas solve_leg(const Vec3& hip_bind, const Vec3& knee_bind, const Vec3& ankle_bind, const Vec3& hip,
                    const Quat& parent_delta, const Vec3& target, const Vec3& fallback_pole) {
  LegDeltas out;
  const float a = (knee_bind - hip_bind).norm(), b = (ankle_bind - knee_bind).norm();
  const Vec3 reach0 = ankle_bind - hip_bind;
  if (a < 1e-7f || b < 1e-7f || reach0.norm() < 1e-7f || (target - hip).norm() < 1e-7f) {
    out.hip = out.knee = parent_delta;
    return out;
  }
  const Vec3 u0 = reach0.normalized();
  const Vec3 thigh0 = knee_bind - hip_bind;
  Vec3 pole0 = thigh0 - thigh0.dot(u0) * u0;
  if (pole0.norm() < 1e-3f * a) pole0 = fallback_pole - fallback_pole.dot(u0) * u0;
  if (pole0.norm() < 1e-6f) pole0 = u0.unitOrthogonal();
  pole0.normalize();
  const float alpha0 = std::atan2(thigh0.dot(pole0), thigh0.dot(u0));

  const Vec3 u = (target - hip).normalized();
  Vec3 v = parent_delta * pole0;
  v -= v.dot(u) * u;
  if (v.norm() < 1e-6f) v = u.unitOrthogonal();
  v.normalize();
  Eigen::Matrix3f rest, now;
  rest << u0, pole0, u0.cross(pole0);
  now << u, v, u.cross(v);
  const Quat leg(Eigen::Matrix3f(now * rest.transpose()));

  const float d = std::clamp((target - hip).norm(), std::abs(a - b) + 1e-5f * (a + b), (a + b) * (1.0f - 1e-6f));
  const float alpha = std::acos(std::clamp((a * a + d * d - b * b) / (2.0f * a * d), -1.0f, 1.0f));
  out.hip = (Quat(Eigen::AngleAxisf(alpha - alpha0, u.cross(v))) * leg).normalized();
  const Vec3 knee = hip + out.hip * thigh0;
  const Vec3 shin = out.hip * (ankle_bind - knee_bind);
  out.knee = (Quat::FromTwoVectors(shin, target - knee) * out.hip).normalized();
  return out;
}

std::vector<Mat4> joint_world_at(const Skeleton& skeleton, const AnimationClip& clip, float time) {
  const std::size_t n = skeleton.joints.size();
  std::vector<Mat4> local(n);
  for (std::size_t j = 0; j < n; ++j) local[j] = local_bind(skeleton, static_cast<int>(j));
  if (clip.times.size() >= 2) {
    const float t = std::clamp(time, clip.times.front(), clip.times.back());
    const std::size_t k = std::min<std::size_t>(
        std::upper_bound(clip.times.begin(), clip.times.end(), t) - clip.times.begin(), clip.times.size() - 1);
    const std::size_t k0 = k == 0 ? 0 : k - 1;
    const float span = clip.times[k] - clip.times[k0];
    const float w = span > 0 ? (t - clip.times[k0]) / span : 0.0f;
    for (const JointTrack& track : clip.tracks) {
      Mat4& m = local[track.joint];
      if (!track.rotations.empty()) {
        const Quat q = from_xyzw(track.rotations[k0]).slerp(w, from_xyzw(track.rotations[k]));
        Eigen::Matrix3f linear = m.topLeftCorner<3, 3>();
        const Vec3 scale(linear.col(0).norm(), linear.col(1).norm(), linear.col(2).norm());
        m.topLeftCorner<3, 3>() = q.toRotationMatrix() * scale.asDiagonal();
      }
      if (!track.translations.empty())
        m.block<3, 1>(0, 3) = (1.0f - w) * track.translations[k0] + w * track.translations[k];
    }
  }
  std::vector<Mat4> world(n);
  for (std::size_t j = 0; j < n; ++j) {
    const int p = skeleton.joints[j].parent;
    world[j] = p < 0 ? local[j] : Mat4(world[p] * local[j]);
  }
  return world;
}

std::vector<Vec3> skinned_positions(const Scene& scene, const std::vector<Mat4>& joint_world) {
  std::vector<Mat4> skinning(joint_world.size());
  for (std::size_t j = 0; j < joint_world.size(); ++j)
    skinning[j] = joint_world[j] * scene.skeleton.joints[j].bind_world.inverse();
  std::vector<Vec3> out;
  out.reserve(scene.vertex_count());
  for (const Part& part : scene.parts) {
    const Mesh& mesh = part.mesh;
    for (std::size_t v = 0; v < mesh.positions.size(); ++v) {
      if (!mesh.has_skin()) {
        out.push_back(mesh.positions[v]);
        continue;
      }
      // The same 4 renormalised influences the GLB and FBX writers store.
      const FourInfluences f = top4_normalized(mesh.skin[v], 0);
      Vec4 p = Vec4::Zero();
      const Vec4 rest(mesh.positions[v].x(), mesh.positions[v].y(), mesh.positions[v].z(), 1.0f);
      for (int k = 0; k < 4; ++k)
        if (f.weights[k] > 0) p += f.weights[k] * (skinning[f.joints[k]] * rest);
      out.push_back(p.head<3>());
    }
  }
  return out;
}

}  // namespace flexforge::anim
