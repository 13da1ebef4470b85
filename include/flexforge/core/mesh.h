// Mesh: the plain triangle-mesh data every stage reads and writes.
//
// Positions are single precision (what every exporter and GPU wants); algorithms that need
// robustness promote locally. Optional attributes are either empty or sized exactly like the
// element they annotate (vertices or faces); `validate()` enforces that contract so that a stage
// never has to guess.
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace flexforge {

using Vec3 = Eigen::Vector3f;
using Vec4 = Eigen::Vector4f;
using Mat4 = Eigen::Matrix4f;
using Triangle = std::array<std::uint32_t, 3>;

// One joint influence on a vertex.
struct SkinInfluence {
  std::uint32_t joint = 0;  // index into Scene::skeleton.joints
  float weight = 0.0f;
};

struct Mesh {
  std::vector<Vec3> positions;
  std::vector<Triangle> triangles;

  // Optional per-vertex attributes: empty, or positions.size() entries.
  std::vector<Vec3> normals;  // unit length
  std::vector<Vec4> colors;   // linear RGBA in [0,1]
  // Any number of influences per vertex as imported; exporters keep the strongest 4 and
  // renormalise (see io/skin_weights.h).
  std::vector<std::vector<SkinInfluence>> skin;

  // Optional per-face attribute: empty, or triangles.size() entries. -1 = unassigned.
  std::vector<std::int32_t> face_parts;

  std::size_t vertex_count() const { return positions.size(); }
  std::size_t face_count() const { return triangles.size(); }
  bool empty() const { return triangles.empty(); }
  bool has_normals() const { return !normals.empty(); }
  bool has_colors() const { return !colors.empty(); }
  bool has_skin() const { return !skin.empty(); }

  // Throws flexforge::Error(ExitCode::InvalidInput) naming the first broken invariant:
  // attribute sizes, triangle indices in range, finite positions.
  void validate(const std::string& what = "mesh") const;
};

}  // namespace flexforge
