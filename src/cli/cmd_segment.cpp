// flexforge segment IN -o OUT: split any mesh into parts (one named node per part).
#include "command.h"

#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"
#include "flexforge/model/part_head.h"
#include "flexforge/segment/segment.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>

namespace flexforge::cli {

namespace {

class SegmentCommand : public Command {
 public:
  std::string name() const override { return "segment"; }
  std::string summary() const override {
    return "Split a mesh into parts, each written as its own named node";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input mesh (any format Assimp reads)")->required();
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format")
        ->required();
    sub.add_option("--parts", parts_, "Number of parts: 'auto' or N >= 1")->capture_default_str();
    sub.add_option("--min-part-area", min_part_area_,
                   "Merge parts smaller than this fraction of the total surface area (0..1)")
        ->capture_default_str();
    sub.add_option("--method", method_,
                   "auto (learned part head when confident, else geometric), learned or geometric")
        ->capture_default_str();
    sub.add_option("--model", model_, "Model directory or installed model name (part head)")
        ->capture_default_str();
    sub.add_flag("--json", json_,
                 "Print the part list (name, semantic, faces, area, bbox, method, confidence) as JSON on stdout");
  }
  void validate() override {
    if (parts_ != "auto") {
      std::size_t used = 0;
      long n = 0;
      try {
        n = std::stol(parts_, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != parts_.size() || n < 1 || n > 100000) {
        throw Error(ExitCode::Usage, "--parts: expected 'auto' or an integer 1..100000, got '" + parts_ + "'");
      }
      options_.parts = static_cast<int>(n);
    }
    if (!std::isfinite(min_part_area_) || min_part_area_ < 0 || min_part_area_ >= 1) {
      throw Error(ExitCode::Usage, "--min-part-area: expected a fraction in [0, 1)");
    }
    options_.min_part_area = min_part_area_;
    options_.method = segment::parse_segment_method(method_);
    options_.validate();
    io::output_format_for(output_);  // throws Usage on an unknown extension, before any work
  }
  int execute(const GlobalOptions&) override {
    Progress progress("segment", 3);
    const Scene scene = io::load_scene(input_);
    progress.advance();
    if (options_.method != segment::SegmentMethod::Geometric) model::attach_part_head(options_, model_);
    segment::Segmentation seg;
    const Scene parts = segment::segment_scene(scene, options_, &seg);
    progress.advance();
    io::save_scene(parts, output_);
    progress.advance();
    progress.finish();
    spdlog::info("wrote {} ({} parts from {} faces; method {}{}{})", output_, parts.parts.size(),
                 parts.face_count(), seg.method,
                 seg.confidence >= 0 && seg.fallback_reason.empty()
                     ? fmt::format(", part head confidence {:.3f}", seg.confidence)
                     : "",
                 seg.fallback_reason.empty() ? "" : ": " + seg.fallback_reason);
    if (json_) std::cout << segment::describe_parts(parts, &seg).dump(2) << "\n";
    return 0;
  }

 private:
  std::string input_, output_;
  std::string parts_ = "auto";
  std::string method_ = "auto";
  double min_part_area_ = segment::SegmentOptions{}.min_part_area;
  bool json_ = false;
  segment::SegmentOptions options_;
  std::string model_ = "default";
};

}  // namespace

std::unique_ptr<Command> make_segment_command() { return std::make_unique<SegmentCommand>(); }

}  // namespace flexforge::cli
