// flexforge reconstruct IN -o OUT: mesh -> SparseFlex latent -> mesh through the VAE (or, with
// --direct, the same sparse FlexiCubes extraction on the mesh's own signed distance).
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/model/reconstruct.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>

namespace flexforge::cli {

namespace {

class ReconstructCommand : public Command {
 public:
  std::string name() const override { return "reconstruct"; }
  std::string summary() const override {
    return "Round-trip a mesh through the SparseFlex VAE (mesh -> latent -> mesh)";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input mesh (any format Assimp reads)")->required();
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format")->required();
    sub.add_option("--model", model_, "Model directory or installed model name")->capture_default_str();
    sub.add_option("--resolution", resolution_,
                   "Fine grid resolution (default: the model's own; --direct: 128)");
    sub.add_flag("--direct", direct_, "No network: extract from the mesh's signed distance");
    sub.add_flag("--watertight", watertight_, "Close the surface (fills open boundaries)");
    sub.add_option("--points", points_, "Surface samples for the encoder")->capture_default_str();
    sub.add_option("--chunk", chunk_, "Decode in cubes of this many base voxels (0: automatic)")
        ->capture_default_str();
    sub.add_option("--chunk-voxels", chunk_voxels_,
                   "Automatic chunking: decode in pieces when more fine voxels are expected")
        ->capture_default_str();
    sub.add_flag("--json", json_, "Print timings and counts as JSON on stdout");
  }
  void validate() override {
    if (points_ < 1000 || points_ > 20000000) throw Error(ExitCode::Usage, "--points must be in 1000..2e7");
    if (chunk_ < 0) throw Error(ExitCode::Usage, "--chunk must be >= 0");
    if (chunk_voxels_ < 1000) throw Error(ExitCode::Usage, "--chunk-voxels must be >= 1000");
    io::output_format_for(output_);
  }
  int execute(const GlobalOptions& global) override {
    const Scene scene = io::load_scene(input_);
    model::ReconstructOptions o;
    o.model_dir = model_;
    o.resolution = resolution_;
    o.direct = direct_;
    o.watertight = watertight_;
    o.points = points_;
    o.chunk = chunk_;
    o.chunk_voxels = chunk_voxels_;
    o.device = global.resolved_device;
    const model::ReconstructResult r = model::reconstruct_mesh(join_parts(scene), o);
    Scene out;
    out.parts.push_back({"reconstruction", r.mesh, ""});
    io::save_scene(out, output_);
    nlohmann::json report = {{"output", output_}, {"vertices", r.mesh.positions.size()},
                             {"faces", r.mesh.triangles.size()}, {"base_voxels", r.base_voxels},
                             {"fine_voxels", r.fine_voxels}};
    std::string line;
    for (const auto& [step, seconds] : r.seconds) {
      report["seconds"][step] = seconds;
      line += fmt::format(" {} {:.2f}s", step, seconds);
    }
    spdlog::info("wrote {} ({} faces, {} fine voxels);{}", output_, r.mesh.triangles.size(),
                 r.fine_voxels, line);
    if (json_) std::cout << report.dump(2) << "\n";
    return 0;
  }

 private:
  std::string input_, output_, model_ = "default";
  int resolution_ = 0;
  bool direct_ = false, watertight_ = false, json_ = false;
  std::size_t points_ = 200000;
  std::int64_t chunk_ = 0, chunk_voxels_ = 1000000;
};

}  // namespace

std::unique_ptr<Command> make_reconstruct_command() { return std::make_unique<ReconstructCommand>(); }

}  // namespace flexforge::cli
