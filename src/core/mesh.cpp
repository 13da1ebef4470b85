#include "flexforge/core/mesh.h"

#include "flexforge/core/error.h"

#include <cmath>

namespace flexforge {

namespace {
void require(bool ok, const std::string& what, const std::string& message) {
  if (!ok) throw Error(ExitCode::InvalidInput, what + ": " + message);
}
}  // namespace

void Mesh::validate(const std::string& what) const {
  const std::size_t n = positions.size();
  require(normals.empty() || normals.size() == n, what, "normal count differs from vertex count");
  require(colors.empty() || colors.size() == n, what, "colour count differs from vertex count");
  require(skin.empty() || skin.size() == n, what, "skin weight count differs from vertex count");
  require(face_parts.empty() || face_parts.size() == triangles.size(), what,
          "part-id count differs from face count");
  for (const Vec3& p : positions) {
    require(std::isfinite(p.x()) && std::isfinite(p.y()) && std::isfinite(p.z()), what,
            "vertex position is NaN or infinite");
  }
  for (const Triangle& t : triangles) {
    require(t[0] < n && t[1] < n && t[2] < n, what, "triangle index out of range");
  }
  for (const auto& influences : skin) {
    for (const SkinInfluence& inf : influences) {
      require(std::isfinite(inf.weight) && inf.weight >= 0.0f, what,
              "skin weight is negative or not finite");
    }
  }
}

}  // namespace flexforge
