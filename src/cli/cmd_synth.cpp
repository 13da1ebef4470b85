// flexforge synth: the procedural labelled dataset (docs/synth.md), or a contact sheet
// with one view per category. A thin shell over synth/dataset.h.
#include "command.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/nn/runtime.h"
#include "flexforge/synth/dataset.h"

#include <cstdio>

namespace flexforge::cli {

namespace {

class SynthCommand : public Command {
 public:
  std::string name() const override { return "synth"; }
  std::string summary() const override {
    return "Generate the procedural labelled 3D dataset (meshes, parts, skeletons, captions, views)";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("--count", count_, "Number of assets to generate (1..10000000)");
    sub.add_option("--seed", seed_, "Dataset seed; the same seed gives byte-identical files")
        ->capture_default_str();
    sub.add_option("--out", out_, "Output directory (created if missing)");
    sub.add_option("--start", start_,
                   "Index of the first asset (shards: asset i depends only on seed and i)")
        ->capture_default_str();
    sub.add_option("--categories", categories_, "Comma-separated categories (default: all)")
        ->delimiter(',');
    sub.add_option("--views", config_.views, "Rendered views per asset (0..64)")
        ->capture_default_str();
    sub.add_option("--resolution", config_.resolution,
                   "Mesher cells along the longest side of each asset (16..512)")
        ->capture_default_str();
    sub.add_option("--image-size", config_.image_size, "View width and height in pixels (16..4096)")
        ->capture_default_str();
    sub.add_option("--contact-sheet", contact_sheet_,
                   "Instead of a dataset, write a PNG with one view per category");
    sub.add_flag("--list-categories", list_, "Print the categories and exit");
    sub.footer(R"(Examples:
  flexforge synth --count 300 --seed 1 --out data/synth
  flexforge synth --count 1000 --start 1000 --seed 1 --out data/shard1 --categories chair,table
  flexforge synth --contact-sheet sheet.png --seed 1 --image-size 160)");
  }
  void validate() override {
    config_.categories = categories_;
    config_.validate();
    if (list_) return;
    if (!contact_sheet_.empty()) {
      if (!out_.empty() || count_ != 0) {
        throw Error(ExitCode::Usage, "--contact-sheet: not combined with --out/--count");
      }
      return;
    }
    if (count_ < 1 || count_ > 10'000'000) {
      throw Error(ExitCode::Usage, "--count: give a count in 1..10000000" +
                                       (count_ == 0 ? std::string(" (required)")
                                                    : ", got " + std::to_string(count_)));
    }
    if (out_.empty()) throw Error(ExitCode::Usage, "--out: an output directory is required");
    if (start_ < 0) throw Error(ExitCode::Usage, "--start: must be >= 0");
  }
  int execute(const GlobalOptions&) override {
    if (list_) {
      for (const synth::Category& c : synth::all_categories()) {
        std::printf("%-14s %-10s %s\n", c.name.c_str(), c.family.c_str(),
                    c.articulated ? "articulated" : "");
      }
      return 0;
    }
    if (!contact_sheet_.empty()) {
      const render::Image sheet = synth::contact_sheet(config_, seed_, config_.image_size,
                                                      nn::thread_count());
      write_file_atomic(contact_sheet_, render::encode_png(sheet));
      std::printf("wrote %s (%zu categories)\n", contact_sheet_.c_str(),
                  config_.category_list().size());
      return 0;
    }
    synth::DatasetOptions options;
    options.config = config_;
    options.seed = seed_;
    options.start = static_cast<std::size_t>(start_);
    options.count = static_cast<std::size_t>(count_);
    options.out = out_;
    options.threads = nn::thread_count();
    const synth::DatasetReport report = synth::write_dataset(options);
    std::printf("wrote %zu assets in %zu categories to %s in %.2f s (%.2f assets/s, %d threads)\n",
                report.assets, report.per_category.size(), out_.c_str(), report.seconds,
                report.assets / std::max(report.seconds, 1e-9), options.threads);
    return 0;
  }

 private:
  synth::SynthConfig config_;
  std::vector<std::string> categories_;
  long long count_ = 0;
  long long start_ = 0;
  std::uint64_t seed_ = 0;
  std::string out_;
  std::string contact_sheet_;
  bool list_ = false;
};

}  // namespace

std::unique_ptr<Command> make_synth_command() { return std::make_unique<SynthCommand>(); }

}  // namespace flexforge::cli
