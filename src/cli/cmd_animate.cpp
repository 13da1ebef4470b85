// flexforge animate IN -o OUT --clips idle,walk: procedural clips for a rigged mesh (anim/clips.h).
#include "command.h"

#include "flexforge/anim/clip_metrics.h"
#include "flexforge/anim/clips.h"
#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/rig/rig.h"

#include <spdlog/spdlog.h>

#include <iostream>

namespace flexforge::cli {

namespace {

class AnimateCommand : public Command {
 public:
  std::string name() const override { return "animate"; }
  std::string summary() const override {
    return "Add procedural clips (idle, walk, run, jump, trot, wave, flap, wiggle) to a rigged mesh";
  }
  FieldFlags field_flags() const override { return {{"keys_per_second", "--keys-per-second"}}; }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_,
                   "Rigged GLB/glTF/FBX (a mesh without a skeleton is rigged first, see --rig-type)")
        ->required();
    sub.add_option("-o,--output", output_, "Output file (.glb, .gltf or .fbx)");
    sub.add_option("--clips", clips_, "Comma-separated clip names, or 'all' (every clip that applies)")
        ->capture_default_str();
    sub.add_flag("--list-clips", list_, "Print the clips that apply to the input's rig and exit");
    sub.add_flag("--rerig", rerig_, "Ignore the input's skeleton and skin and rig it anew");
    sub.add_option("--rig-type", rig_type_, "For an input without a skeleton: auto, biped, quadruped or generic")
        ->capture_default_str();
    sub.add_option("--keys-per-second", options_.keys_per_second, "Key rate of the clips (1..240)")
        ->capture_default_str();
    sub.add_option("--speed", options_.speed, "Playback speed factor (0.25..4)")->capture_default_str();
    sub.add_option("--report", report_,
                   "Write a JSON report: rig type and, per clip, keys, duration and the motion checks");
    sub.footer(
        "Examples:\n"
        "  flexforge animate hero.glb -o hero_anim.glb --clips idle,walk,run,jump\n"
        "  flexforge animate cow.off -o cow.fbx --clips all\n"
        "  flexforge animate snake.glb --list-clips");
  }
  void validate() override {
    rig_options_.rig_type = rig::parse_rig_type(rig_type_);
    if (!(options_.keys_per_second >= 1 && options_.keys_per_second <= 240))
      throw Error(ExitCode::Usage, "--keys-per-second: expected a rate from 1 to 240");
    if (!(options_.speed >= 0.25f && options_.speed <= 4.0f))
      throw Error(ExitCode::Usage, "--speed: expected a factor from 0.25 to 4");
    if (list_) return;
    if (output_.empty()) throw Error(ExitCode::Usage, "--output is required (or give --list-clips)");
    const io::OutputFormat format = io::output_format_for(output_);
    if (format != io::OutputFormat::Glb && format != io::OutputFormat::Gltf && format != io::OutputFormat::Fbx)
      throw Error(ExitCode::Usage, output_ + ": animate writes .glb, .gltf or .fbx (formats that carry clips)");
    if (!report_.empty()) require_writable_parent(report_);
  }
  int execute(const GlobalOptions&) override {
    Progress progress("animate", 3);
    io::ImportOptions import;
    import.keep_skin = !rerig_;
    Scene scene = io::load_scene(input_, import);
    if (!scene.has_skin()) {
      const rig::RigResult rigged = rig::rig_scene(scene, rig_options_);
      spdlog::info("{}: no skeleton in the input; rigged it ({} rig, {} joints)", input_,
                   rig::rig_type_name(rigged.type), rigged.skeleton.joints.size());
    }
    progress.advance();
    const anim::RigMap map = anim::map_rig(scene);
    if (list_) {
      std::cout << "clips for this " << anim::rig_kind_name(map.kind) << " rig (" << scene.skeleton.joints.size()
                << " joints):\n";
      for (const std::string& clip : anim::applicable_clips(map))
        std::cout << "  " << clip << "  " << anim::clip_description(clip) << "\n";
      return 0;
    }
    const std::vector<std::string> names = anim::parse_clip_list(clips_, map);  // Usage names a clip
    nlohmann::json report = {{"input", input_},
                             {"output", output_},
                             {"rig_type", anim::rig_kind_name(map.kind)},
                             {"joints", scene.skeleton.joints.size()},
                             {"clips", nlohmann::json::array()}};
    scene.animations.clear();
    for (const std::string& name : names) {
      anim::BuiltClip built = anim::build_clip(scene, map, name, options_);
      // The motion checks replay every key on every vertex: only when a report is asked for.
      if (!report_.empty()) report["clips"].push_back(anim::to_json(anim::measure_clip(scene, map, built)));
      scene.animations.push_back(std::move(built.clip));
    }
    progress.advance();
    io::save_scene(scene, output_);
    if (!report_.empty()) write_file_atomic(report_, report.dump(2) + "\n");
    progress.advance();
    progress.finish();
    spdlog::info("wrote {} ({} rig, clips: {})", output_, anim::rig_kind_name(map.kind), [&] {
      std::string s;
      for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
      return s;
    }());
    return 0;
  }

 private:
  std::string input_, output_, clips_ = "all", rig_type_ = "auto", report_;
  bool list_ = false, rerig_ = false;
  anim::ClipOptions options_;
  rig::RigOptions rig_options_;
};

}  // namespace

std::unique_ptr<Command> make_animate_command() { return std::make_unique<AnimateCommand>(); }

}  // namespace flexforge::cli
