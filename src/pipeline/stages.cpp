#include "flexforge/pipeline/stages.h"

#include "flexforge/anim/clips.h"
#include "flexforge/complete/complete.h"
#include "flexforge/core/error.h"
#include "flexforge/retopo/retopo.h"
#include "flexforge/rig/rig.h"
#include "flexforge/model/part_head.h"
#include "flexforge/segment/segment.h"

#include <algorithm>
#include <chrono>
#include <set>

namespace flexforge::pipeline {

namespace {

using json = nlohmann::json;

// Reads `key` from a stage's option object, rejecting a wrong type with the stage and key named.
template <typename T>
T option(const json& stage_options, const std::string& stage, const char* key, T fallback) {
  if (!stage_options.contains(key)) return fallback;
  try {
    return stage_options.at(key).get<T>();
  } catch (const json::exception&) {
    throw Error(ExitCode::Usage, "stage option " + stage + "." + key + " has the wrong type");
  }
}

void reject_unknown_keys(const json& stage_options, const std::string& stage,
                         const std::set<std::string>& known) {
  if (!stage_options.is_object()) {
    throw Error(ExitCode::Usage, "options for stage '" + stage + "' must be a JSON object");
  }
  for (const auto& [key, value] : stage_options.items()) {
    if (!known.count(key)) {
      throw Error(ExitCode::Usage, "unknown option '" + key + "' for stage '" + stage + "'");
    }
  }
}

Scene run_segment(const Scene& scene, const json& o) {
  reject_unknown_keys(o, "segment", {"parts", "min_part_area", "method", "model"});
  segment::SegmentOptions options;
  // Auto: generated and procedural assets are the part head's domain; anything else falls back
  // to the geometric method.
  options.method = segment::parse_segment_method(option<std::string>(o, "segment", "method", "auto"));
  if (options.method != segment::SegmentMethod::Geometric) {
    model::attach_part_head(options, option<std::string>(o, "segment", "model", "default"));
  }
  options.parts = option<int>(o, "segment", "parts", options.parts);
  options.min_part_area = option<double>(o, "segment", "min_part_area", options.min_part_area);
  options.validate();
  return segment::segment_scene(scene, options);
}

Scene run_complete(const Scene& scene, const json& o) {
  reject_unknown_keys(o, "complete", {"fill", "continuity", "wrap_fallback", "max_faces", "time_limit"});
  complete::CompleteOptions options;
  options.method = complete::parse_fill_method(option<std::string>(o, "complete", "fill", "fair"));
  options.fairing_continuity =
      option<int>(o, "complete", "continuity", options.fairing_continuity);
  options.wrap_fallback = option<bool>(o, "complete", "wrap_fallback", options.wrap_fallback);
  options.max_faces = option<std::size_t>(o, "complete", "max_faces", options.max_faces);
  options.time_limit_seconds = option<double>(o, "complete", "time_limit", options.time_limit_seconds);
  options.validate();
  return complete::complete_scene(scene, options);
}

Scene run_rig(Scene scene, const json& o) {
  reject_unknown_keys(o, "rig", {"rig_type", "joints", "symmetry"});
  rig::RigOptions options;
  options.rig_type = rig::parse_rig_type(option<std::string>(o, "rig", "rig_type", "auto"));
  options.symmetry = rig::parse_symmetry_mode(option<std::string>(o, "rig", "symmetry", "auto"));
  options.joints = option<int>(o, "rig", "joints", 0);
  options.validate();
  rig::rig_scene(scene, options);
  return scene;
}

Scene run_retopo(const Scene& scene, const json& o) {
  reject_unknown_keys(o, "retopo", {"faces", "quad", "preserve_parts", "feature_angle", "strict_topology"});
  retopo::RetopoOptions options;
  options.target_faces = option<std::size_t>(o, "retopo", "faces", options.target_faces);
  options.quad = option<bool>(o, "retopo", "quad", options.quad);
  options.preserve_parts = option<bool>(o, "retopo", "preserve_parts", options.preserve_parts);
  options.strict_topology = option<bool>(o, "retopo", "strict_topology", options.strict_topology);
  options.feature_angle_deg =
      option<double>(o, "retopo", "feature_angle", options.feature_angle_deg);
  if (options.target_faces < 1 || options.target_faces > 1000000000) {
    throw Error(ExitCode::Usage, "stage option retopo.faces must be in 1..1e9");
  }
  if (options.target_faces >= scene.face_count()) return scene;  // already within budget
  return retopo::retopologize_scene(scene, options);
}

Scene run_animate(Scene scene, const json& o) {
  reject_unknown_keys(o, "animate", {"clips", "keys_per_second", "speed"});
  if (!scene.has_skin()) {
    throw Error(ExitCode::StageFailed,
                "animate: the asset has no skeleton to animate (the rig stage did not run or did not rig it)");
  }
  anim::ClipOptions options;
  options.keys_per_second = option<float>(o, "animate", "keys_per_second", options.keys_per_second);
  options.speed = option<float>(o, "animate", "speed", options.speed);
  const std::string clips = option<std::string>(o, "animate", "clips", "all");
  anim::animate_scene(scene, anim::parse_clip_list(clips, anim::map_rig(scene)), options);
  return scene;
}

}  // namespace

const std::vector<StageInfo>& pipeline_stages() {
  static const std::vector<StageInfo> stages = {
      {"segment", true, "split into named parts"},
      {"complete", true, "close every part into a watertight whole, hidden surface filled"},
      {"rig", true, "skeleton and skin weights"},
      {"retopo", true, "low-poly mesh at a face budget"},
      {"animate", true, "procedural clips for the rig (idle, walk, ...)", false},
  };
  return stages;
}

std::vector<std::string> plan_stages(const std::vector<std::string>& requested) {
  std::set<std::string> wanted;
  for (const std::string& name : requested) {
    const auto& all = pipeline_stages();
    auto it = std::find_if(all.begin(), all.end(), [&](const StageInfo& s) { return s.name == name; });
    if (it == all.end()) {
      std::string names;
      for (const StageInfo& s : all) names += (names.empty() ? "" : ", ") + s.name;
      throw Error(ExitCode::Usage, "unknown stage '" + name + "' (stages: " + names + ")");
    }
    if (!it->available) {
      throw Error(ExitCode::StageFailed,
                  "stage '" + name + "' is not available in this build: " + it->summary);
    }
    wanted.insert(name);
  }
  std::vector<std::string> planned;
  for (const StageInfo& s : pipeline_stages()) {
    if (wanted.count(s.name)) planned.push_back(s.name);
  }
  return planned;
}

json animation_report(const Scene& scene) {
  if (scene.animations.empty()) return nullptr;
  json clips = json::array();
  for (const AnimationClip& c : scene.animations)
    clips.push_back({{"name", c.name}, {"duration_s", c.duration()}, {"keys", c.times.size()}});
  return {{"rig_type", anim::rig_kind_name(anim::map_rig(scene).kind)}, {"clips", clips}};
}

Scene run_stages(Scene scene, const std::vector<std::string>& planned, const json& options,
                 std::vector<StageRun>* runs) {
  if (!options.is_null() && !options.is_object()) {
    throw Error(ExitCode::Usage, "stage options must be a JSON object keyed by stage name");
  }
  if (options.is_object()) {
    for (const auto& [key, value] : options.items()) {
      if (std::find(planned.begin(), planned.end(), key) == planned.end()) {
        throw Error(ExitCode::Usage, "options given for stage '" + key + "', which is not run");
      }
    }
  }
  for (const std::string& name : planned) {
    const json stage_options =
        options.is_object() && options.contains(name) ? options.at(name) : json::object();
    const auto start = std::chrono::steady_clock::now();
    if (name == "segment") {
      scene = run_segment(scene, stage_options);
    } else if (name == "complete") {
      scene = run_complete(scene, stage_options);
    } else if (name == "rig") {
      scene = run_rig(std::move(scene), stage_options);
    } else if (name == "retopo") {
      scene = run_retopo(scene, stage_options);
    } else if (name == "animate") {
      scene = run_animate(std::move(scene), stage_options);
    } else {
      throw Error(ExitCode::StageFailed, "stage '" + name + "' is not available in this build");
    }
    if (runs) {
      runs->push_back({name,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                       scene.face_count(), scene.parts.size()});
    }
  }
  return scene;
}

}  // namespace flexforge::pipeline
