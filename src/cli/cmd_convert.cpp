// flexforge convert IN -o OUT: any Assimp-readable mesh to any supported output format.
#include "command.h"
#include "print_flags.h"

#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"

#include <spdlog/spdlog.h>

#include <cmath>

namespace flexforge::cli {

namespace {

class ConvertCommand : public Command {
 public:
  std::string name() const override { return "convert"; }
  std::string summary() const override {
    return "Convert a mesh between formats (GLB, glTF, FBX, OBJ, STL, PLY, 3MF out)";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input mesh (any format Assimp reads)")->required();
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format")
        ->required();
    sub.add_option("--scale", scale_, "Uniform scale applied to the geometry");
    sub.add_option("--up-axis", up_axis_,
                   "Up axis of the input (x, y, z, -x, -y, -z); the output is Y-up");
    sub.add_flag("--center", center_, "Move the bounding-box centre to the origin");
    sub.add_flag("--drop-skin", drop_skin_, "Ignore bones and skin weights in the input");
    print_.declare(sub);
  }
  void validate() override {
    if (!std::isfinite(scale_) || scale_ <= 0.0 || scale_ > 1e6) {
      throw Error(ExitCode::Usage, "--scale must be a positive finite number up to 1e6");
    }
    up_axis_to_y(up_axis_);       // throws Usage on a bad axis
    io::output_format_for(output_);   // throws Usage on an unknown extension, before any work
    print_.validate(output_);
  }
  int execute(const GlobalOptions&) override {
    Progress progress("convert", 3);
    io::ImportOptions options;
    options.keep_skin = !drop_skin_;
    Scene scene = io::load_scene(input_, options);
    progress.advance();
    Mat4 m = up_axis_to_y(up_axis_);
    m.topLeftCorner<3, 3>() *= static_cast<float>(scale_);
    transform_scene(scene, m);
    if (center_) {
      Mat4 t = Mat4::Identity();
      t.block<3, 1>(0, 3) = -scene_bounds(scene).center();
      transform_scene(scene, t);
    }
    progress.advance();
    if (print_.enabled) scene = print_.apply(scene);
    io::save_scene(scene, output_);
    progress.advance();
    progress.finish();
    spdlog::info("wrote {} ({} parts, {} vertices, {} faces{})", output_, scene.parts.size(),
                 scene.vertex_count(), scene.face_count(),
                 scene.skeleton.empty() ? "" : ", " + std::to_string(scene.skeleton.joints.size()) + " joints");
    return 0;
  }

 private:
  std::string input_, output_;
  double scale_ = 1.0;
  std::string up_axis_ = "y";
  bool center_ = false;
  bool drop_skin_ = false;
  PrintFlags print_;
};

}  // namespace

std::unique_ptr<Command> make_convert_command() { return std::make_unique<ConvertCommand>(); }

}  // namespace flexforge::cli
