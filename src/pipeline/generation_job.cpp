#include "flexforge/pipeline/generation_job.h"

#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"
#include "flexforge/core/scene.h"
#include "flexforge/pipeline/asset_outputs.h"
#include "flexforge/pipeline/colorize.h"
#include "flexforge/pipeline/stages.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace flexforge::pipeline {

namespace fs = std::filesystem;
using json = nlohmann::json;

model::GenerateOptions generation_options(int steps, double guidance) {
  model::GenerateOptions o;
  o.structure_steps = o.latent_steps = steps;
  o.structure_guidance = guidance;
  o.latent_guidance = 0.4 * guidance;
  o.validate();
  return o;
}

std::vector<std::string> default_generation_stages() {
  std::vector<std::string> names;
  for (const StageInfo& s : pipeline_stages()) {
    if (s.available && s.by_default) names.push_back(s.name);
  }
  return names;
}

json with_generation_defaults(json stage_options, const std::vector<std::string>& stages) {
  if (stage_options.is_null()) stage_options = json::object();
  const bool retopo = std::find(stages.begin(), stages.end(), "retopo") != stages.end();
  if (retopo && stage_options.is_object()) {
    json& r = stage_options["retopo"];
    if (r.is_null()) r = json::object();
    if (r.is_object() && !r.contains("faces")) r["faces"] = kGeneratedAssetFaces;
  }
  return stage_options;
}

json finish_generated_asset(const model::GeneratedMesh& generated, const AssetRequest& request) {
  Scene scene;
  scene.parts.push_back({"asset", generated.mesh, ""});
  scene.metadata = {{"generator", "flexforge"}, {"prompt", request.prompt},
                    {"seed", generated.seed}, {"model_hash", request.model_hash}};
  if (!request.image.empty()) scene.metadata["image"] = request.image.filename().string();
  json timings = json::object();
  for (const auto& [stage, seconds] : generated.seconds) timings[stage] = seconds;
  const std::size_t generated_faces = scene.face_count();

  std::vector<StageRun> runs;
  json stage_options = request.stage_options;
  if (!request.model_dir.empty() && stage_options.is_object() &&
      std::find(request.stages.begin(), request.stages.end(), "segment") != request.stages.end()) {
    json& s = stage_options["segment"];
    if (s.is_null()) s = json::object();
    if (s.is_object() && !s.contains("model")) s["model"] = request.model_dir.string();
  }
  // The stages before the rig run first, so that the rig decision can see the parts.
  const auto rig_at = std::find(request.stages.begin(), request.stages.end(), "rig");
  std::vector<std::string> first(request.stages.begin(), rig_at), then(rig_at, request.stages.end());
  if (request.print) {
    // The print shell is extracted afresh from the parts' union, so a face budget before it only
    // loses detail, and simplified parts that touch themselves flip the distance sign the union
    // is built from (thin spots in the shell). `flexforge retopo --print` simplifies a shell.
    for (std::vector<std::string>* list : {&first, &then}) {
      const auto at = std::find(list->begin(), list->end(), "retopo");
      if (at == list->end()) continue;
      list->erase(at);
      spdlog::info("print: retopo skipped (the print shell is extracted from the full-detail parts)");
    }
  }
  if (stage_options.is_object()) {
    for (const auto& [key, value] : stage_options.items()) {
      if (std::find(request.stages.begin(), request.stages.end(), key) == request.stages.end()) {
        throw Error(ExitCode::Usage, "options given for stage '" + key + "', which is not run");
      }
    }
  }
  auto options_for = [&](const std::vector<std::string>& names) {
    if (!stage_options.is_object()) return stage_options;  // run_stages rejects a non-object
    json picked = json::object();
    for (const std::string& name : names) {
      if (stage_options.contains(name)) picked[name] = stage_options[name];
    }
    return picked;
  };
  scene = run_stages(std::move(scene), first, options_for(first), &runs);
  json rig_report;
  if (rig_at != request.stages.end()) {
    // Asking for clips asks for a rig: auto then rigs whatever the prompt is.
    const bool animate = std::find(request.stages.begin(), request.stages.end(), "animate") != request.stages.end();
    const RigDecision decision = animate && request.rig_mode == RigMode::Auto
                                     ? RigDecision{true, "animation clips were requested"}
                                     : decide_rig(request.rig_mode, request.prompt, scene);
    spdlog::info("rig: {} ({})", decision.rig ? "rigging" : "not rigged", decision.reason);
    rig_report = {{"mode", to_string(request.rig_mode)}, {"rigged", decision.rig}, {"reason", decision.reason}};
    if (!decision.rig) then.erase(then.begin());
  }
  scene = run_stages(std::move(scene), then, options_for(then), &runs);
  json colour_report;
  if (request.colour) {
    const auto c0 = std::chrono::steady_clock::now();
    const ColourResult colour = colour_asset(scene, generated.prompt_attributes, request.image);
    colour_report = colour.to_json();
    if (colour.source != "none") {
      spdlog::info("colour: from the {}{}", colour.source, colour.word.empty() ? "" : " '" + colour.word + "'");
      runs.push_back({"colour", std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count(),
                      scene.face_count(), scene.parts.size()});
    }
  }
  json print_report;
  if (request.print) {
    const auto p0 = std::chrono::steady_clock::now();
    const PrintResult printed = make_print_shell(scene, *request.print);
    print_report = printed.to_json();
    scene = print_scene(printed, scene);
    runs.push_back({"print", std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count(),
                    scene.face_count(), scene.parts.size()});
  }
  json stages = json::array();
  for (const StageRun& r : runs) {
    timings[r.name] = r.seconds;
    stages.push_back({{"name", r.name}, {"seconds", r.seconds}, {"faces", r.faces}, {"parts", r.parts}});
  }

  const auto t0 = std::chrono::steady_clock::now();
  const StageScope export_scope("export");
  json outputs = json::array();
  for (const fs::path& f : write_formats(scene, request.output, request.extra_formats)) {
    outputs.push_back(f.string());
  }
  if (!request.preview.empty()) {
    write_preview(scene, request.preview);
    outputs.push_back(request.preview.string());
  }
  timings["export"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const std::string& m : generated.prompt_mappings) spdlog::info("prompt: {}", m);
  for (const std::string& w : generated.warnings) spdlog::warn("{}", w);
  spdlog::info("wrote {} ({} faces, {} parts, seed {})", request.output.string(), scene.face_count(),
               scene.parts.size(), generated.seed);
  json report = {{"seed", generated.seed},
                 {"outputs", outputs},
                 {"generated_faces", generated_faces},
                 {"faces", scene.face_count()},
                 {"parts", scene.parts.size()},
                 {"active_voxels", generated.active_voxels},
                 {"dropped_components", generated.dropped_components},
                 {"timings", timings},
                 {"stages", stages},
                 {"warnings", generated.warnings},
                 {"prompt_mappings", generated.prompt_mappings}};
  if (!rig_report.is_null()) report["rig"] = rig_report;
  if (json clips = animation_report(scene); !clips.is_null()) report["animation"] = clips;
  if (!colour_report.is_null()) report["colour"] = colour_report;
  if (!print_report.is_null()) report["print"] = print_report;
  if (generated.candidates > 1) {
    report["candidates"] = generated.candidates;
    report["silhouette_iou"] = generated.silhouette_iou;
  }
  return report;
}

}  // namespace flexforge::pipeline
