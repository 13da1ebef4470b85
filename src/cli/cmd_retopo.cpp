// flexforge retopo IN -o OUT --faces N: low-poly retopology to a face budget (retopo/retopo.h).
#include "command.h"
#include "print_flags.h"

#include "flexforge/complete/self_intersections.h"
#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/retopo/retopo.h"

#include <spdlog/spdlog.h>

#include <cstdint>

namespace flexforge::cli {

using namespace retopo;

namespace {

class RetopoCommand : public Command {
 public:
  std::string name() const override { return "retopo"; }
  std::string summary() const override {
    return "Low-poly retopology to a face budget (closed stays closed; parts, features, skin kept)";
  }
  FieldFlags field_flags() const override {
    return {{"target_faces", "--faces"}, {"feature_angle_deg", "--feature-angle"}};
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input mesh (any format Assimp reads)")->required();
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format")
        ->required();
    sub.add_option("--faces", faces_,
                   "Face budget N (output within 5% of N; with --quad a quad counts as one face)")
        ->required();
    sub.add_flag("--quad", quad_, "Quad-dominant: pair triangles into quads");
    sub.add_flag("--strict-topology", options_.strict_topology,
                 "Keep every separate piece even when that leaves the mesh above the budget "
                 "(default: remove the smallest pieces until it is met)");
    sub.add_flag("--preserve-parts", preserve_parts_,
                 "Keep the seams between face part labels as seams");
    sub.add_option("--feature-angle", feature_angle_,
                   "Edges sharper than this dihedral angle (degrees) are kept as features; 180 = off")
        ->capture_default_str();
    sub.add_option("--fit-iterations", fit_iterations_,
                   "Passes fitting the low-poly vertices back onto the input; 0 = off")
        ->capture_default_str();
    print_.declare(sub);
    sub.footer(
        "Examples:\n"
        "  flexforge retopo scan.obj -o scan_lod.glb --faces 2000\n"
        "  flexforge retopo character.fbx -o character_lod.glb --faces 5000 --quad --preserve-parts");
  }
  void validate() override {
    if (faces_ < 1 || faces_ > 1000000000) {
      throw Error(ExitCode::Usage, "--faces must be an integer between 1 and 1000000000");
    }
    options_.target_faces = static_cast<std::size_t>(faces_);
    options_.quad = quad_;
    options_.preserve_parts = preserve_parts_;
    options_.feature_angle_deg = feature_angle_;
    options_.fit_iterations = fit_iterations_;
    options_.validate();          // throws Usage naming the option
    io::output_format_for(output_);   // throws Usage on an unknown extension, before any work
    print_.validate(output_);
  }
  int execute(const GlobalOptions&) override {
    Progress progress("retopo", 3);
    Scene scene = io::load_scene(input_);
    // --print: the printable shell first, then the budget on it, checked again afterwards.
    if (print_.enabled) scene = print_.apply(scene);
    progress.advance();
    RetopoReport report;
    Scene out = retopologize_scene(scene, options_, &report);
    // --print: the simplified shell must still print; edge collapses can make it touch itself.
    // First CGAL repairs the intersections locally; failing that, the budget goes up by a
    // quarter at a time (three times at most), with a warning.
    for (int attempt = 0; print_.enabled && attempt < 3 && !printable(out); ++attempt) {
      if (out.parts.size() == 1 && complete::repair_self_intersections(out.parts[0].mesh) && printable(out)) {
        spdlog::info("--print: self-intersections of the simplified shell repaired ({} faces)", out.face_count());
        break;
      }
      RetopoOptions raised = options_;
      raised.target_faces = options_.target_faces * 5 / 4;
      spdlog::warn("--print: at {} faces the shell intersects itself; trying {} faces", options_.target_faces,
                   raised.target_faces);
      options_ = raised;
      out = retopologize_scene(scene, options_, &report);
    }
    progress.advance();
    if (report.unchanged) {
      spdlog::warn("{}: {} faces is already within the budget of {}; written unchanged", input_,
                   report.input_faces, options_.target_faces);
    }
    if (report.duplicate_faces > 0) {
      spdlog::warn("{} faces were stored twice (once per side); each is simplified once and the result "
                   "is single-sided", report.duplicate_faces);
    }
    if (report.dropped_components > 0) {
      spdlog::warn("removed the {} smallest separate pieces ({:.1f}% of the surface) to meet the budget "
                   "(--strict-topology keeps them)", report.dropped_components, 100.0 * report.dropped_area_share);
    }
    if (!report.unchanged && !report.budget_met) {
      spdlog::warn("budget {} not reachable without breaking the topology; {} faces",
                   options_.target_faces, report.output_faces);
    }
    if (report.features_relaxed) {
      spdlog::warn("some sharp feature curves were simplified across to reach the budget");
    }
    if (print_.enabled && !printable(out)) {
      throw Error(ExitCode::StageFailed, "--print: at " + std::to_string(report.output_faces) +
                                             " faces the shell is no longer one closed, self-intersection-free "
                                             "shell; give a larger --faces");
    }
    io::save_scene(out, output_);
    progress.advance();
    progress.finish();
    spdlog::info("wrote {}: {} -> {} faces ({} triangles, {} quads)", output_, report.input_faces,
                 report.output_faces, report.output_triangles, report.quads);
    return 0;
  }

 private:
  std::string input_, output_;
  std::int64_t faces_ = 0;
  bool quad_ = false;
  bool preserve_parts_ = false;
  double feature_angle_ = RetopoOptions{}.feature_angle_deg;
  int fit_iterations_ = RetopoOptions{}.fit_iterations;
  RetopoOptions options_;
  PrintFlags print_;

  static bool printable(const Scene& scene) {
    if (scene.parts.size() != 1) return false;
    const pipeline::PrintCheck check = pipeline::check_print(scene.parts[0].mesh);
    return check.closed && check.components == 1 && check.self_intersections == 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_retopo_command() { return std::make_unique<RetopoCommand>(); }

}  // namespace flexforge::cli
