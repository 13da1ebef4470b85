// How well a clip behaves on its mesh, measured on the skinned vertices the way a player shows
// them (4 influences, linear blend skinning, keys interpolated as glTF does): the figures
// `flexforge animate --report` writes and scripts/bench_animate.py collects.
#pragma once

#include "flexforge/anim/clips.h"

#include <nlohmann/json.hpp>

#include <string>

namespace flexforge::anim {

struct ClipMetrics {
  std::string clip;
  int keys = 0;
  float duration_s = 0;
  // Farthest any skinned vertex gets outside the rest pose's bounding box, over every key, as a
  // fraction of the box's largest extent.
  float box_excess = 0;
  // At the keys where the clip plants a foot: the largest distance of that ankle from its rest
  // height, as a fraction of the rig's height; -1 when the clip plants no foot.
  float contact_height = -1;
  // Largest vertex distance between the first and the last key, as a fraction of the height.
  float seam = 0;
  // Deepest any skinned vertex goes below the rest pose's lowest point, as a fraction of the height.
  float ground_penetration = 0;
};

ClipMetrics measure_clip(const Scene& scene, const RigMap& map, const BuiltClip& built);
nlohmann::json to_json(const ClipMetrics& m);

}  // namespace flexforge::anim
