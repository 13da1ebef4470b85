// `flexforge dataset build` (docs/dataset.md): real artist models and procedural assets in one
// training set, in the layout and JSONL schema of `flexforge synth` (synth/dataset.h), so every
// reader of a synth directory reads it unchanged. Real records carry category (the synth
// category the name maps to, else "other"), family "real", captions, attributes.real (source,
// catalog, name, catalog category, tags, size in cm, colours, materials) and attributes.closing
// (resolution, F@0.01 against the visible source, source and visible faces).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flexforge::condition {
class Lexicon;
}

namespace flexforge::dataset {

struct SourceSpec {
  std::string kind;  // "sweethome3d" | "flightgear" | "synth"
  std::filesystem::path dir;
  std::size_t count = 0;    // synth: assets
  std::uint64_t seed = 0;   // synth: dataset seed
};

// "sweethome3d:DIR", "flightgear:DIR" or "synth:COUNT:SEED". Error(Usage) naming the spec
// otherwise (count 1..10^6).
SourceSpec parse_source(const std::string& spec);

// The catalog held out of every training set: generation figures report on it.
inline const char* const kHeldOutCatalog = "BlendSwap-CC-BY";

struct DatasetBuildOptions {
  std::vector<SourceSpec> sources;
  std::filesystem::path out;
  int views = 4;            // rendered views per asset (0..64)
  int image_size = 256;     // view size in pixels (16..4096)
  int synth_resolution = 64;    // mesher resolution of synth assets
  int closing_resolution = 128; // grid of the real models' closed surface (16..512)
  std::size_t max_faces = 60000;  // real closed surfaces are simplified to this (synth-sized)
  std::size_t limit = 0;    // at most this many models per real source (0 = all): smoke runs
  std::size_t max_source_faces = 2'000'000;  // real models above this are skipped
  // Catalogs never read. kHeldOutCatalog is always added: it cannot be trained on by mistake.
  std::vector<std::string> exclude_catalogs;
  // Build the evaluation set instead: kHeldOutCatalog alone, from the sweethome3d sources (other
  // source kinds are a usage error). Every record, and the build report, carries
  // "held_out": true, and the trainers refuse such a directory (model/training_shapes.h), so the
  // evaluation set cannot become training data by a mistyped --dataset.
  bool held_out = false;
  const condition::Lexicon* lexicon = nullptr;  // maps names to categories (null: nouns only)
  // Keep assets whose record an earlier run wrote (OUT/records/). Real records keep their closed
  // surface, views and colours, but their category and captions are redone with `lexicon`
  // (metadata.jsonl is the authority; the copy in the GLB's extras is the first run's).
  bool resume = false;
  int threads = 0;          // 0 = worker_threads()
  // Error(Usage) naming the field for a value out of range or no sources.
  void validate() const;
};

struct DatasetBuildReport {
  std::map<std::string, std::size_t> kept;                 // per source kind
  std::map<std::string, std::size_t> skipped;              // per reason
  std::map<std::string, std::size_t> categories;           // kept assets per category
  std::vector<double> closing_fscore;                      // F@0.01 of every kept real asset
  std::size_t closed_manifold = 0;                         // kept real assets checked watertight
  std::size_t vocabulary_before = 0;  // distinct caption words of the synth caption corpus
  std::size_t vocabulary_after = 0;   // ... plus every caption of this dataset
  std::size_t resumed = 0;
  bool held_out = false;  // the evaluation set (DatasetBuildOptions::held_out)
  double seconds = 0.0;
};

// Writes OUT/<id>.glb, OUT/<id>_view<k>.png, OUT/records/<id>.json (one record per asset, what
// --resume reads) and finally OUT/metadata.jsonl (every record, sources in the given order) and
// OUT/build_report.json. A real model that does not load, has no faces, is too large or does
// not close is skipped and counted under its reason; it never stops the build.
DatasetBuildReport build_dataset(const DatasetBuildOptions& options);

// The report as JSON (what OUT/build_report.json holds): counts, reasons, categories, the
// closing F-score distribution (min, quartiles, median, max) and the vocabulary sizes.
nlohmann::json describe(const DatasetBuildReport& report);

}  // namespace flexforge::dataset
