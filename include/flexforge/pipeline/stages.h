// The stage chain shared by `generate`, `batch` and any caller that wants "the pipeline":
// segment -> complete -> rig -> retopo -> animate, applied to a Scene in that order whatever order
// they are asked in. animate is opt-in: it is not among the default generation stages. Each stage is one library call; this file only wires them and times them.
#pragma once

#include "flexforge/core/scene.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flexforge::pipeline {

struct StageRun {
  std::string name;
  double seconds = 0.0;
  std::size_t faces = 0;  // scene faces after the stage
  std::size_t parts = 0;  // scene parts after the stage
};

// Every stage name the pipeline knows, in execution order, and whether this build has it.
struct StageInfo {
  std::string name;
  bool available = false;
  std::string summary;
  bool by_default = true;  // run by generation unless skipped (false: only when asked for)
};
const std::vector<StageInfo>& pipeline_stages();

// Checks names (Error(Usage) for unknown ones, Error(StageFailed) for known stages that this
// build does not have yet) and returns them in execution order without duplicates.
std::vector<std::string> plan_stages(const std::vector<std::string>& requested);

// Runs the planned stages on the scene. `options` holds per-stage settings, e.g.
// {"segment": {"parts": 6}, "retopo": {"faces": 2000, "quad": true},
// "animate": {"clips": "idle,walk"}}; unknown keys are an
// Error(Usage) naming them, so typos in manifests do not pass silently.
// The clips of an animated scene for reports: {"rig_type", "clips": [{name, duration_s, keys}]};
// null when the scene has none.
nlohmann::json animation_report(const Scene& scene);

Scene run_stages(Scene scene, const std::vector<std::string>& planned, const nlohmann::json& options,
                 std::vector<StageRun>* runs = nullptr);

}  // namespace flexforge::pipeline
