// flexforge complete IN -o OUT: close every part of a scene into a whole, watertight asset.
#include "command.h"
#include "print_flags.h"

#include "flexforge/complete/complete.h"
#include "flexforge/core/error.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/export.h"
#include "flexforge/io/import.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <map>

namespace flexforge::cli {

namespace {

class CompleteCommand : public Command {
 public:
  std::string name() const override { return "complete"; }
  std::string summary() const override {
    return "Close every part into a watertight, oriented mesh, filling hidden and cut surface";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("input", input_, "Input scene whose nodes are parts (e.g. from 'segment')")
        ->required();
    sub.add_option("-o,--output", output_, "Output file; the extension picks the format")
        ->required();
    sub.add_option("--fill", fill_, "Hole filling: fair (smooth, default), refine or flat")
        ->capture_default_str();
    sub.add_option("--continuity", options_.fairing_continuity,
                   "Fairing continuity at the hole rim: 0, 1 or 2")
        ->capture_default_str();
    sub.add_flag("!--no-wrap", options_.wrap_fallback,
                 "Fail instead of alpha-wrapping a part that hole filling cannot close cleanly");
    sub.add_option("--max-part-faces", options_.max_faces,
                   "Face budget per part (0 = 4x the part's faces, at least 4096)")
        ->capture_default_str();
    sub.add_option("--time-limit", options_.time_limit_seconds,
                   "Seconds per part after which no further retry or wrap starts (the part then "
                   "keeps its best closed result, else it is left as it was)")
        ->capture_default_str();
    sub.add_flag("--json", json_,
                 "Print per-part results (faces, holes, method, seconds) as JSON on stdout");
    print_.declare(sub);
  }
  void validate() override {
    options_.method = complete::parse_fill_method(fill_);
    options_.validate();
    io::output_format_for(output_);  // throws Usage on an unknown extension, before any work
    print_.validate(output_);
  }
  int execute(const GlobalOptions&) override {
    Progress progress("complete", 3);
    const Scene scene = io::load_scene(input_);
    progress.advance();
    std::vector<complete::PartReport> reports;
    Scene out = complete::complete_scene(scene, options_, &reports);
    progress.advance();
    if (print_.enabled) out = print_.apply(out);
    io::save_scene(out, output_);
    progress.advance();
    progress.finish();
    std::map<std::string, int> how;
    for (const auto& r : reports) ++how[r.closed_by];
    std::string summary;
    for (const auto& [k, n] : how) summary += (summary.empty() ? "" : ", ") + k + " " + std::to_string(n);
    spdlog::info("wrote {} ({} parts: {})", output_, out.parts.size(), summary);
    if (json_) std::cout << complete::describe(reports).dump(2) << "\n";
    return 0;
  }

 private:
  std::string input_, output_;
  std::string fill_ = "fair";
  bool json_ = false;
  complete::CompleteOptions options_;
  PrintFlags print_;
};

}  // namespace

std::unique_ptr<Command> make_complete_command() { return std::make_unique<CompleteCommand>(); }

}  // namespace flexforge::cli
