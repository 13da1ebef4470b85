// flexforge inspect IN: what is in a mesh file, and whether it is manifold / watertight.
#include "command.h"

#include "flexforge/core/scene_ops.h"
#include "flexforge/io/import.h"

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
    if (json_) {
      std::cout << summary.dump(2) << "\n";
      return 0;
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
    return 0;
  }

 private:
  std::string input_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> make_inspect_command() { return std::make_unique<InspectCommand>(); }

}  // namespace flexforge::cli
