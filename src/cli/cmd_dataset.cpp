// flexforge dataset build: real artist models (Sweet Home 3D, FlightGear) and synth assets in one
// training set (docs/dataset.md). A thin shell over dataset/dataset_build.h.
#include "command.h"

#include "flexforge/condition/lexicon.h"
#include "flexforge/core/error.h"
#include "flexforge/dataset/dataset_build.h"
#include "flexforge/model/generator_sizes.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/prompt_lexicon.h"

#include <cstdio>
#include <optional>

namespace flexforge::cli {

namespace {

class DatasetCommand : public Command {
 public:
  std::string name() const override { return "dataset"; }
  std::string summary() const override {
    return "Build a training set from real artist models and procedural assets";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("action", action_, "build")->required();
    sub.add_option("--source", sources_,
                   "sweethome3d:DIR, flightgear:DIR or synth:COUNT:SEED (repeatable, in order)")
        ->required();
    sub.add_option("--out", out_, "Output directory (synth layout + records/ + build_report.json)")->required();
    sub.add_option("--views", options_.views, "Rendered views per asset (0..64)")->capture_default_str();
    sub.add_option("--image-size", options_.image_size, "View size in pixels")->capture_default_str();
    sub.add_option("--resolution", options_.synth_resolution, "Synth mesher resolution")->capture_default_str();
    sub.add_option("--closing-resolution", options_.closing_resolution,
                   "Grid of the real models' closed surfaces (cells along the longest side)")
        ->capture_default_str();
    sub.add_option("--max-faces", options_.max_faces, "Simplify real closed surfaces to this many faces")
        ->capture_default_str();
    sub.add_option("--limit", options_.limit, "At most N models per real source (0 = all)")->capture_default_str();
    sub.add_option("--max-source-faces", options_.max_source_faces, "Skip real models with more faces")
        ->capture_default_str();
    sub.add_option("--exclude-catalog", options_.exclude_catalogs,
                   "Catalogs never read (BlendSwap-CC-BY, the held-out set, always is)");
    sub.add_flag("--held-out", options_.held_out,
                 "Build the evaluation set: the held-out catalog BlendSwap-CC-BY alone (trainers refuse it)");
    sub.add_option("--model", model_, "Model whose lexicon maps names to categories")->capture_default_str();
    sub.add_flag("--resume", options_.resume, "Keep the assets an interrupted build finished");
    sub.footer(R"(Example:
  flexforge dataset build --source sweethome3d:/usr/share/sweethome3d/furniture \
      --source flightgear:/usr/share/games/flightgear/Models --source synth:2000:1 --out data/train
  flexforge dataset build --held-out --source sweethome3d:/usr/share/sweethome3d/furniture \
      --out data/held-out      (evaluation only: flexforge_bench_model generate --real-set))");
  }
  void validate() override {
    if (action_ != "build") throw Error(ExitCode::Usage, "dataset: unknown action '" + action_ + "' (expected build)");
    options_.sources.clear();
    for (const std::string& s : sources_) options_.sources.push_back(dataset::parse_source(s));
    options_.out = out_;
  }
  FieldFlags field_flags() const override {
    return {{"synth_resolution", "--resolution"}, {"sources", "--source"}};
  }
  int execute(const GlobalOptions& global) override {
    options_.threads = global.threads;
    const model::ModelDirectory dir = model::open_model(model_);
    const auto tokenizer = condition::Tokenizer::load(dir.directory / model::kTokenizerFile);
    lexicon_ = model::load_model_lexicon(dir.directory, tokenizer);
    options_.lexicon = lexicon_ ? &*lexicon_ : nullptr;
    const dataset::DatasetBuildReport report = dataset::build_dataset(options_);
    const nlohmann::json summary = dataset::describe(report);
    for (const auto& [source, n] : report.kept) std::printf("kept %-12s %zu\n", source.c_str(), n);
    for (const auto& [reason, n] : report.skipped) std::printf("skipped %s: %zu\n", reason.c_str(), n);
    std::printf("categories: %zu\n", report.categories.size());
    const auto& f = summary["closing_fscore@0.01"];
    if (f["count"].get<std::size_t>() > 0) {
      std::printf("real closed surfaces: %zu closed 2-manifolds; F@0.01 vs visible source: min %.3f p10 %.3f median %.3f max %.3f (%zu below 0.9)\n",
                  report.closed_manifold, f["min"].get<double>(), f["p10"].get<double>(),
                  f["median"].get<double>(), f["max"].get<double>(), f["below_0.9"].get<std::size_t>());
    }
    std::printf("caption vocabulary: %zu words before, %zu after\n", report.vocabulary_before,
                report.vocabulary_after);
    std::printf("wrote %s/metadata.jsonl in %.1f s (%zu resumed)\n", out_.c_str(), report.seconds, report.resumed);
    return 0;
  }

 private:
  std::string action_;
  std::vector<std::string> sources_;
  std::string out_;
  std::string model_ = "default";
  dataset::DatasetBuildOptions options_;
  std::optional<condition::Lexicon> lexicon_;
};

}  // namespace

std::unique_ptr<Command> make_dataset_command() { return std::make_unique<DatasetCommand>(); }

}  // namespace flexforge::cli
