// flexforge inspect IN: what is in a mesh file, and whether it is manifold / watertight;
// --print: whether it is ready to 3D-print (pipeline/print_mode.h).
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/pipeline/print_mode.h"
#include "flexforge/io/import.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace flexforge::cli {

namespace {

class InspectCommand : public Command {
 public:
  std::string name() const override { return "inspect"; }
  std::string summary() const override {
    return "Parts, counts, bounds, manifold/watertight, components and skin of a mesh file";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Mesh file (any format Assimp reads)")->required();
    sub.add_flag("--json", json_, "Print one JSON object on stdout");
    sub.add_flag("--print", print_,
                 "Print readiness, the file's units read as millimetres: closed, self-intersections, "
                 "components, wall thickness, overhangs");
    sub.add_option("--min-wall-mm", min_wall_mm_, "With --print: walls thinner than this are flagged")
        ->capture_default_str();
    sub.add_flag("--strict", strict_, "With --print: exit 6 when a print check fails");
  }
  void validate() override {
    if (!(min_wall_mm_ > 0 && min_wall_mm_ <= 1000)) throw Error(ExitCode::Usage, "--min-wall-mm: expected 0 to 1000");
    if (strict_ && !print_) throw Error(ExitCode::Usage, "--strict goes with --print");
  }
  int execute(const GlobalOptions&) override {
    io::ImportReport report;
    const Scene scene = io::load_scene(input_, {}, &report);
    nlohmann::json summary = summarize_scene(scene);
    summary["file"] = input_;
    summary["source"] = {{"format", report.format},
                         {"nodes", report.source_nodes},
                         {"meshes", report.source_meshes},
                         {"skipped_meshes", report.skipped_meshes},
                         {"warnings", report.warnings}};
    int status = 0;
    if (print_) {
      const pipeline::PrintCheck check = pipeline::check_print(join_parts(scene), min_wall_mm_);
      summary["print"] = check.to_json();
      if (!check.passed()) {
        std::string failed;
        auto add = [&](const std::string& s) { failed += (failed.empty() ? "" : ", ") + s; };
        if (!check.closed) add("not closed");
        if (check.components != 1) add(std::to_string(check.components) + " separate shells");
        if (check.self_intersections > 0) add(std::to_string(check.self_intersections) + " self-intersecting face pairs");
        if (check.thin_share > 0.01)
          add(std::to_string(static_cast<int>(std::lround(100 * check.thin_share))) + "% of the surface thinner than " +
              std::to_string(min_wall_mm_).substr(0, std::to_string(min_wall_mm_).find('.') + 3) + " mm");
        summary["print"]["failed"] = failed;
        if (strict_) {
          std::fprintf(stderr, "flexforge: error: %s is not ready to print: %s\n", input_.c_str(), failed.c_str());
          status = static_cast<int>(ExitCode::StageFailed);
        }
      }
    }
    if (json_) {
      std::cout << summary.dump(2) << "\n";
      return status;
    }
    const auto& t = summary["totals"];
    std::printf("%s: %zu nodes, %zu meshes in file\n", input_.c_str(), report.source_nodes,
                report.source_meshes);
    for (const auto& p : summary["parts"]) {
      std::printf("  part %-24s %8zu vertices %8zu faces  %s%s, %zu component(s), %zu boundary "
                  "edges%s\n",
                  p["name"].get<std::string>().c_str(), p["vertices"].get<std::size_t>(),
                  p["faces"].get<std::size_t>(),
                  p["manifold"].get<bool>() ? "manifold" : "NON-MANIFOLD",
                  p["watertight"].get<bool>() ? ", watertight" : "",
                  p["components"].get<std::size_t>(), p["boundary_edges"].get<std::size_t>(),
                  p["skinned"].get<bool>() ? ", skinned" : "");
    }
    std::printf("total: %zu vertices, %zu faces, bbox diagonal %.6g, %s\n",
                t["vertices"].get<std::size_t>(), t["faces"].get<std::size_t>(),
                t["bbox"].is_null() ? 0.0 : t["bbox"]["diagonal"].get<double>(),
                t["watertight"].get<bool>() ? "watertight" : "not watertight");
    if (!scene.skeleton.empty()) {
      std::printf("skeleton: %zu joints, root '%s'\n", scene.skeleton.joints.size(),
                  scene.skeleton.joints[0].name.c_str());
    }
    if (print_) {
      const auto& p = summary["print"];
      std::printf("print (units read as mm): %s, %zu shell(s), %zu self-intersecting face pairs, %.1f x %.1f x %.1f mm, "
                  "thinnest wall %.2f mm (%.1f%% under %.2f mm), overhangs %.1f%% -> %s\n",
                  p["closed"].get<bool>() ? "closed" : "NOT closed", p["components"].get<std::size_t>(),
                  p["self_intersections"].get<std::size_t>(), p["size_mm"][0].get<double>(),
                  p["size_mm"][1].get<double>(), p["size_mm"][2].get<double>(), p["min_wall_mm"].get<double>(),
                  100 * p["thin_share"].get<double>(), min_wall_mm_, 100 * p["overhang_share"].get<double>(),
                  p["passed"].get<bool>() ? "ready" : ("NOT ready: " + p.value("failed", std::string())).c_str());
    }
    return status;
  }

 private:
  std::string input_;
  bool json_ = false, print_ = false, strict_ = false;
  double min_wall_mm_ = 0.8;
};

}  // namespace

std::unique_ptr<Command> make_inspect_command() { return std::make_unique<InspectCommand>(); }

}  // namespace flexforge::cli
