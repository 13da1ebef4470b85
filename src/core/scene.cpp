#include "flexforge/core/scene.h"

#include "flexforge/core/error.h"

#include <cmath>

namespace flexforge {

int Skeleton::root() const {
  if (joints.empty()) return -1;
  validate();
  return 0;
}

void Skeleton::validate() const {
  int roots = 0;
  for (std::size_t i = 0; i < joints.size(); ++i) {
    const int parent = joints[i].parent;
    if (parent < 0) {
      ++roots;
      // Parents precede children, so the only joint without a parent must be the first one.
      if (i != 0) {
        throw Error(ExitCode::InvalidInput,
                    "skeleton: joint '" + joints[i].name + "' is a second root");
      }
    } else if (static_cast<std::size_t>(parent) >= i) {
      throw Error(ExitCode::InvalidInput,
                  "skeleton: joint '" + joints[i].name + "' does not follow its parent");
    }
    if (!joints[i].bind_world.allFinite()) {
      throw Error(ExitCode::InvalidInput,
                  "skeleton: joint '" + joints[i].name + "' has a non-finite bind matrix");
    }
  }
  if (!joints.empty() && roots != 1) {
    throw Error(ExitCode::InvalidInput, "skeleton: expected exactly one root joint");
  }
}

namespace {

void validate_clip(const AnimationClip& clip, const Skeleton& skeleton) {
  const std::string what = "animation '" + clip.name + "'";
  if (clip.name.empty()) throw Error(ExitCode::InvalidInput, "animation: a clip has no name");
  if (clip.times.size() < 2 || clip.times.front() != 0.0f) {
    throw Error(ExitCode::InvalidInput, what + ": needs at least two keys, the first at time 0");
  }
  for (std::size_t k = 1; k < clip.times.size(); ++k) {
    if (!(clip.times[k] > clip.times[k - 1]) || !std::isfinite(clip.times[k])) {
      throw Error(ExitCode::InvalidInput, what + ": key times must be finite and strictly increasing");
    }
  }
  for (const JointTrack& track : clip.tracks) {
    if (track.joint < 0 || static_cast<std::size_t>(track.joint) >= skeleton.joints.size()) {
      throw Error(ExitCode::InvalidInput, what + ": a track names a missing joint");
    }
    const std::string joint = what + ", joint '" + skeleton.joints[track.joint].name + "'";
    for (const std::size_t keys : {track.rotations.size(), track.translations.size()}) {
      if (keys != 0 && keys != clip.times.size()) {
        throw Error(ExitCode::InvalidInput, joint + ": " + std::to_string(keys) + " keys for " +
                                                std::to_string(clip.times.size()) + " times");
      }
    }
    for (const Vec4& q : track.rotations) {
      if (!q.allFinite() || std::abs(q.norm() - 1.0f) > 1e-3f) {
        throw Error(ExitCode::InvalidInput, joint + ": a rotation key is not a unit quaternion");
      }
    }
    for (const Vec3& t : track.translations) {
      if (!t.allFinite()) throw Error(ExitCode::InvalidInput, joint + ": a translation key is not finite");
    }
  }
}

}  // namespace

std::size_t Scene::vertex_count() const {
  std::size_t n = 0;
  for (const Part& p : parts) n += p.mesh.vertex_count();
  return n;
}

std::size_t Scene::face_count() const {
  std::size_t n = 0;
  for (const Part& p : parts) n += p.mesh.face_count();
  return n;
}

bool Scene::has_skin() const {
  if (skeleton.empty()) return false;
  for (const Part& p : parts) {
    if (p.mesh.has_skin()) return true;
  }
  return false;
}

void Scene::validate() const {
  skeleton.validate();
  for (const Part& part : parts) {
    const std::string what = "part '" + part.name + "'";
    part.mesh.validate(what);
    for (const auto& influences : part.mesh.skin) {
      for (const SkinInfluence& inf : influences) {
        if (inf.joint >= skeleton.joints.size()) {
          throw Error(ExitCode::InvalidInput, what + ": skin references a missing joint");
        }
      }
    }
  }
  for (const AnimationClip& clip : animations) validate_clip(clip, skeleton);
}

}  // namespace flexforge
