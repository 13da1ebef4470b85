#include "flexforge/core/scene.h"

#include "flexforge/core/error.h"

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
}

}  // namespace flexforge
