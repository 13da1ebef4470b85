// Procedural animation clips (`flexforge animate`). Nothing is motion capture: every clip is a
// periodic function of the cycle phase built from the rig's own proportions (leg lengths, foot
// placement, chain lengths), sampled at a fixed key rate. The last key repeats the first, so
// clips loop without a seam.
//
//   biped      idle (breathing), walk, run, jump, wiggle
//   quadruped  idle, walk (four-beat), trot (diagonal pairs), wiggle; wave when it has a tail
//   generic    wiggle; wave along chains of 3+ joints (snakes, tentacles); flap for a mirrored
//              pair of lateral chains off the ground (wings). Wings on a biped or quadruped flap
//              too.
//
// Legs are placed by two-bone IK: feet planted at their rest height during stance (they neither
// sink into the ground nor slide up), lifted on an arc during swing, the pelvis lowered just
// enough for the stride to stay within reach. Clips play in place (no travel), as game engines
// and Mixamo's "in place" clips expect.
#pragma once

#include "flexforge/anim/rig_map.h"
#include "flexforge/core/scene.h"

#include <string>
#include <vector>

namespace flexforge::anim {

// Every clip name flexforge knows, in its canonical order.
const std::vector<std::string>& known_clips();
// A one-line description of a known clip.
std::string clip_description(const std::string& name);
// The clips that apply to this rig, in canonical order.
std::vector<std::string> applicable_clips(const RigMap& map);

struct ClipOptions {
  float keys_per_second = 30;  // key rate (1..240)
  float speed = 1;             // playback speed factor (0.25..4): a cycle takes its period / speed
};

// A clip and, for the gait clips, which limb ends are planted at each key (for the foot-contact
// metric): contacts[k] lists the ankle joints in stance at key k.
struct BuiltClip {
  AnimationClip clip;
  std::vector<std::vector<int>> contacts;
};

// Builds one clip for the scene's skeleton. Throws Error(Usage) naming the clip when it is
// unknown or does not apply to the rig (with the clips that do).
BuiltClip build_clip(const Scene& scene, const RigMap& map, const std::string& name, const ClipOptions& options = {});

// "walk,run", "all" (every applicable clip) -> clip names; duplicates dropped. Throws Error(Usage)
// for an empty list, an unknown clip or one that does not apply, naming it.
std::vector<std::string> parse_clip_list(const std::string& text, const RigMap& map);

// Replaces the scene's animations with the named clips. Same errors as build_clip.
void animate_scene(Scene& scene, const std::vector<std::string>& clips, const ClipOptions& options = {});

}  // namespace flexforge::anim
