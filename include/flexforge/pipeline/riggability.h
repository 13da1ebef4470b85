// Should this asset get a skeleton? A pre-rig check for the default chain: rigging a chair gives
// it a 68-joint humanoid skeleton that no user wants, and costs time. The rig stage runs by
// default (RigMode::Auto) only for creatures and characters, judged from
//   1. the prompt's concept: the first dataset category (or creature word) it names, e.g.
//      "a wooden chair" names furniture, "a sleepy cat" a creature;
//   2. failing that (an image-only prompt, unknown words), the part names segmentation gave
//      (torso, upper_arm, tail, tentacle, wing ... are creature parts).
// Anything else is not rigged; `--rig always` rigs it anyway, `--rig never` never rigs.
#pragma once

#include "flexforge/core/scene.h"

#include <string>

namespace flexforge::pipeline {

enum class RigMode { Auto, Always, Never };

// "auto" | "always" | "never"; Error(Usage) naming the valid values otherwise.
RigMode parse_rig_mode(const std::string& name);
std::string to_string(RigMode mode);

struct RigDecision {
  bool rig = false;
  std::string reason;  // one line, for the report and the log
};

RigDecision decide_rig(RigMode mode, const std::string& prompt, const Scene& scene);

}  // namespace flexforge::pipeline
