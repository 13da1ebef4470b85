// Scene: named parts (each one exported as its own node), an optional skeleton shared by all
// skinned parts, and free-form metadata that ends up in the file (glTF asset.extras).
//
// Geometry is stored in scene (world) space: importers bake node transforms into the vertices so
// that every stage works in one frame. The joint hierarchy is kept as a tree in Skeleton.
#pragma once

#include "flexforge/core/mesh.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flexforge {

struct Joint {
  std::string name;
  int parent = -1;                    // index into Skeleton::joints, -1 for the root
  Mat4 bind_world = Mat4::Identity(); // joint-to-scene transform in the bind pose
};

struct Skeleton {
  std::vector<Joint> joints;  // parents always precede their children

  bool empty() const { return joints.empty(); }
  // Index of the single root joint, -1 when empty. Throws when the joints are not a single tree.
  int root() const;
  // Throws flexforge::Error(InvalidInput) unless parents precede children and exactly one
  // joint has no parent.
  void validate() const;
};

// A keyframed skeletal animation (one named clip, e.g. "walk"). Every track has one key per entry
// of `times`; players interpolate linearly between keys (rotations spherically). Rotations and
// translations are the joint's whole local transform at that key (bind pose included), so a
// track that holds the bind values plays the rest pose.
struct JointTrack {
  int joint = -1;                 // index into Skeleton::joints
  std::vector<Vec4> rotations;    // unit quaternions (x, y, z, w), one per key; empty = bind
  std::vector<Vec3> translations; // local translations, one per key; empty = bind
};

struct AnimationClip {
  std::string name;
  std::vector<float> times;  // seconds, strictly increasing, times.front() == 0
  std::vector<JointTrack> tracks;

  float duration() const { return times.empty() ? 0.0f : times.back(); }
};

struct Part {
  std::string name;
  Mesh mesh;
  std::string semantic;  // e.g. "leg"; empty when unknown
};

struct Scene {
  std::vector<Part> parts;
  Skeleton skeleton;
  std::vector<AnimationClip> animations;  // clips of `skeleton`; empty for a static scene
  nlohmann::json metadata = nlohmann::json::object();

  std::size_t vertex_count() const;
  std::size_t face_count() const;
  bool has_skin() const;
  // Validates every part and the skeleton, that skin joint indices are in range, and that every
  // clip's tracks name existing joints, have one finite key per time and unit rotations.
  void validate() const;
};

}  // namespace flexforge
