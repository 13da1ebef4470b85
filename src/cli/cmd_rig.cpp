// flexforge rig IN -o OUT: automatic skeleton and skin weights for a bare mesh (rig/rig.h).
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/rig/rig.h"

#include <spdlog/spdlog.h>

#include <iostream>

namespace flexforge::cli {

namespace {

class RigCommand : public Command {
 public:
  std::string name() const override { return "rig"; }
  std::string summary() const override {
    return "Build a skeleton and skin weights for a bare mesh (skinned GLB or FBX out)";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input mesh (any format Assimp reads, STL soups included)")->required();
    sub.add_option("-o,--output", output_, "Output file (.glb, .gltf or .fbx)")->required();
    sub.add_option("--rig-type", rig_type_, "auto, biped, quadruped or generic (joint naming)");
    sub.add_option("--joints", joints_, "auto or a target joint count (2..256)");
    sub.add_option("--symmetry", symmetry_, "auto (detect a mirror plane), x (plane normal to X) or none");
    sub.add_flag("--keep-skin", keep_skin_,
                 "If the input already has a skeleton and skin, keep them instead of rigging");
    sub.add_flag("--json", json_, "Print the joints (name, parent, position) as JSON on stdout");
    sub.footer("Examples:\n  flexforge rig cow.off -o cow.glb\n"
               "  flexforge rig statue.stl -o statue.fbx --rig-type biped --json");
  }
  void validate() override {
    options_.rig_type = rig::parse_rig_type(rig_type_);
    options_.symmetry = rig::parse_symmetry_mode(symmetry_);
    if (joints_ == "auto") {
      options_.joints = 0;
    } else {
      try {
        std::size_t used = 0;
        options_.joints = std::stoi(joints_, &used);
        if (used != joints_.size()) throw std::invalid_argument(joints_);
      } catch (const std::exception&) {
        throw Error(ExitCode::Usage, "--joints: expected auto or a count from 2 to 256, got '" + joints_ + "'");
      }
    }
    options_.validate();
    const io::OutputFormat format = io::output_format_for(output_);  // Usage on an unknown extension
    if (format != io::OutputFormat::Glb && format != io::OutputFormat::Gltf && format != io::OutputFormat::Fbx)
      throw Error(ExitCode::Usage, output_ + ": rig writes skinned .glb, .gltf or .fbx");
  }
  int execute(const GlobalOptions&) override {
    Progress progress("rig", 3);
    io::ImportOptions import;
    import.keep_skin = keep_skin_;
    Scene scene = io::load_scene(input_, import);
    progress.advance();
    if (keep_skin_ && scene.has_skin()) {
      spdlog::info("{}: keeping the input's skeleton ({} joints) and skin", input_, scene.skeleton.joints.size());
      io::save_scene(scene, output_);
      progress.finish();
      return 0;
    }
    // Rig all parts together (they share one skeleton), then hand each part its slice of the skin.
    const rig::RigResult result = rig::rig_scene(scene, options_);
    progress.advance();
    io::save_scene(scene, output_);
    progress.advance();
    progress.finish();
    if (json_) {
      nlohmann::json out = {{"output", output_},
                            {"rig_type", rig::rig_type_name(result.type)},
                            {"symmetry", result.symmetry.found ? nlohmann::json{{"normal", {result.symmetry.normal.x(), result.symmetry.normal.y(), result.symmetry.normal.z()}}, {"offset", result.symmetry.offset}, {"score", result.symmetry.score}} : nlohmann::json(nullptr)},
                            {"seconds", result.timings.total_s},
                            {"joints", rig::skeleton_json(result)}};
      std::cout << out.dump(2) << "\n";
    }
    spdlog::info("wrote {} ({} joints, {} rig, {} vertices, {:.2f} s)", output_,
                 result.skeleton.joints.size(), rig::rig_type_name(result.type), scene.vertex_count(),
                 result.timings.total_s);
    return 0;
  }

 private:
  std::string input_, output_;
  std::string rig_type_ = "auto", joints_ = "auto", symmetry_ = "auto";
  bool keep_skin_ = false, json_ = false;
  rig::RigOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_rig_command() { return std::make_unique<RigCommand>(); }

}  // namespace flexforge::cli
