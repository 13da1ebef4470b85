#include "flexforge/anim/clip_metrics.h"

#include "flexforge/anim/pose.h"

#include <algorithm>
#include <cmath>

namespace flexforge::anim {

ClipMetrics measure_clip(const Scene& scene, const RigMap& map, const BuiltClip& built) {
  const AnimationClip& clip = built.clip;
  ClipMetrics m;
  m.clip = clip.name;
  m.keys = static_cast<int>(clip.times.size());
  m.duration_s = clip.duration();
  const std::vector<Vec3> rest = skinned_positions(scene, joint_world_at(scene.skeleton, AnimationClip{}, 0));
  if (rest.empty()) return m;
  Vec3 lo = rest[0], hi = rest[0];
  for (const Vec3& p : rest) lo = lo.cwiseMin(p), hi = hi.cwiseMax(p);
  const float extent = std::max((hi - lo).maxCoeff(), 1e-9f);
  const float height = std::max(map.height, 1e-9f);
  std::vector<Vec3> first;
  for (std::size_t k = 0; k < clip.times.size(); ++k) {
    const std::vector<Mat4> world = joint_world_at(scene.skeleton, clip, clip.times[k]);
    const std::vector<Vec3> posed = skinned_positions(scene, world);
    for (const Vec3& p : posed) {
      const Vec3 outside = (lo - p).cwiseMax(p - hi).cwiseMax(0.0f);
      m.box_excess = std::max(m.box_excess, outside.norm() / extent);
      m.ground_penetration = std::max(m.ground_penetration, (lo.y() - p.y()) / height);
    }
    if (k < built.contacts.size()) {
      for (int ankle : built.contacts[k]) {
        const float rest_y = scene.skeleton.joints[ankle].bind_world(1, 3);
        m.contact_height = std::max(m.contact_height, std::abs(world[ankle](1, 3) - rest_y) / height);
      }
    }
    if (k == 0) first = posed;
    if (k + 1 == clip.times.size()) {
      for (std::size_t v = 0; v < posed.size(); ++v) m.seam = std::max(m.seam, (posed[v] - first[v]).norm() / height);
    }
  }
  return m;
}

nlohmann::json to_json(const ClipMetrics& m) {
  return {{"clip", m.clip},
          {"keys", m.keys},
          {"duration_s", m.duration_s},
          {"box_excess", m.box_excess},
          {"contact_height", m.contact_height < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.contact_height)},
          {"seam", m.seam},
          {"ground_penetration", m.ground_penetration}};
}

}  // namespace flexforge::anim
