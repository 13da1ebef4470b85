// flexforge lexicon build: the prompt lexicon (docs/generate.md, "Open vocabulary") from WordNet,
// the colour palette and the furniture catalogs' translated names. A thin shell over
// condition/lexicon_builder.h.
#include "command.h"

#include "flexforge/condition/lexicon_builder.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/io/bilingual_dictionary.h"
#include "flexforge/io/furniture_catalog.h"
#include "flexforge/model/generator_sizes.h"
#include "flexforge/model/model_files.h"
#include "flexforge/synth/shape_grammar.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace flexforge::cli {

namespace {

namespace fs = std::filesystem;

class LexiconCommand : public Command {
 public:
  std::string name() const override { return "lexicon"; }
  std::string summary() const override {
    return "Build the prompt lexicon that maps open-vocabulary words to the model's concepts";
  }
  void declare(CLI::App& sub) override {
    sub.add_option("action", action_, "build")->required();
    sub.add_option("--wordnet", wordnet_, "WordNet 3.0 database directory (Debian: wordnet-base)")
        ->capture_default_str();
    sub.add_option("--catalogs", catalogs_,
                   "Sweet Home 3D furniture catalogs (.sh3f files or directories of them)")
        ->capture_default_str();
    sub.add_option("--exclude-catalog", excluded_,
                   "Catalog names never read (the held-out evaluation catalog)")
        ->capture_default_str();
    sub.add_option("--dictionary", dictionaries_,
                   "Bilingual dictionaries LANG:PREFIX (dictd PREFIX.index + PREFIX.dict.dz; Debian: dict-freedict-*)")
        ->capture_default_str();
    sub.add_option("--model", model_, "Model whose tokenizer the concepts must be tokens of")
        ->capture_default_str();
    sub.add_option("-o,--output", output_, "Lexicon file to write (models/NAME/lexicon.tsv ships it)")
        ->required();
    sub.footer(R"(Example:
  flexforge lexicon build -o models/default/lexicon.tsv)");
  }
  void validate() override {
    if (action_ != "build") throw Error(ExitCode::Usage, "lexicon: unknown action '" + action_ + "' (expected build)");
    require_writable_parent(output_);
  }
  int execute(const GlobalOptions&) override {
    const auto started = std::chrono::steady_clock::now();
    const model::ModelDirectory dir = model::open_model(model_);
    const auto tokenizer = condition::Tokenizer::load(dir.directory / model::kTokenizerFile);
    const auto wordnet = condition::WordNetNouns::load(wordnet_);
    std::vector<io::FurnitureCatalog> catalogs;
    for (const fs::path& file : catalog_files()) {
      const std::string name = file.stem().string();
      if (std::find(excluded_.begin(), excluded_.end(), name) != excluded_.end()) {
        std::printf("catalog %s: excluded (held out)\n", name.c_str());
        continue;
      }
      catalogs.push_back(io::read_furniture_catalog(file));
    }
    std::vector<condition::PaletteColour> palette;
    for (const synth::NamedColor& c : synth::color_palette()) palette.push_back({c.name, {c.rgb.x(), c.rgb.y(), c.rgb.z()}});
    std::vector<io::BilingualDictionary> dictionaries;
    for (const std::string& spec : dictionaries_) {
      const std::size_t colon = spec.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
        throw Error(ExitCode::Usage, "--dictionary '" + spec + "': expected LANG:PREFIX");
      }
      dictionaries.push_back(io::read_bilingual_dictionary(spec.substr(colon + 1), spec.substr(0, colon)));
    }
    condition::LexiconBuildReport report;
    const condition::Lexicon lexicon =
        condition::build_lexicon(wordnet, tokenizer, palette, catalogs, dictionaries, &report);
    lexicon.save(output_);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("wordnet: %zu noun lemmas of things and people, %zu map to no concept\n", report.wordnet_lemmas,
                report.wordnet_unmapped);
    for (const auto& name : report.catalogs_used) std::printf("catalog %s: used\n", name.c_str());
    std::printf("catalogs: %zu pieces, %zu with an English name that maps to no concept, %zu translated names added\n",
                report.catalog_pieces, report.catalog_pieces_unmapped, report.translated_names);
    std::printf("dictionaries: %zu noun headwords, %zu added\n", report.dictionary_nouns, report.dictionary_added);
    for (const auto& [relation, n] : report.entries_by_relation) std::printf("entries %-11s %zu\n", relation.c_str(), n);
    std::printf("wrote %s (%zu entries) in %.1f s\n", output_.c_str(), lexicon.size(), seconds);
    return 0;
  }

 private:
  std::vector<fs::path> catalog_files() const {
    std::vector<fs::path> files;
    for (const std::string& c : catalogs_) {
      std::error_code ec;
      if (fs::is_directory(c, ec)) {
        for (const auto& entry : fs::directory_iterator(c)) {
          if (entry.path().extension() == ".sh3f") files.push_back(entry.path());
        }
      } else {
        files.emplace_back(c);  // a missing file fails in read_furniture_catalog, naming it
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  std::string action_;
  std::string wordnet_ = "/usr/share/wordnet";
  std::vector<std::string> catalogs_{"/usr/share/sweethome3d/furniture"};
  std::vector<std::string> excluded_{"BlendSwap-CC-BY"};
  std::vector<std::string> dictionaries_{"fr:/usr/share/dictd/freedict-fra-eng", "de:/usr/share/dictd/freedict-deu-eng",
                                         "es:/usr/share/dictd/freedict-spa-eng", "it:/usr/share/dictd/freedict-ita-eng"};
  std::string model_ = "default";
  std::string output_;
};

}  // namespace

std::unique_ptr<Command> make_lexicon_command() { return std::make_unique<LexiconCommand>(); }

}  // namespace flexforge::cli
