// Writing the procedural dataset to disk (`flexforge synth`): per asset
//   <id>.glb          the watertight asset, one node per part, skinned when articulated
//   <id>_parts.glb    every part as its own closed mesh
//   <id>_view<k>.png  rendered views (RGBA, transparent background)
// and metadata.jsonl with one line per asset in index order. All files are written atomically;
// bytes depend only on (config, seed, index range): no timestamps, no thread-order effects.
#pragma once

#include "flexforge/synth/synth.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace flexforge::synth {

struct DatasetOptions {
  SynthConfig config;
  std::uint64_t seed = 0;
  std::size_t start = 0;  // first asset index (shards: disjoint [start, start + count) ranges)
  std::size_t count = 0;
  std::filesystem::path out;
  int threads = 1;        // worker threads (>= 1); results do not depend on it
};

struct DatasetReport {
  std::size_t assets = 0;
  std::map<std::string, std::size_t> per_category;
  double seconds = 0.0;
};

// Creates `out` if needed. Throws Error(OutputFailed) when it cannot be written, Error(Usage)
// for bad options, and rethrows the first failure of any asset (by index) after the workers stop.
DatasetReport write_dataset(const DatasetOptions& options);

// Writes one asset's files into `dir` (the GLB, the parts GLB when it has complete parts, the
// views), each atomically. Error(OutputFailed) naming the file on failure.
void write_asset_files(const SynthAsset& asset, const std::filesystem::path& dir);

// The JSONL record of an asset with its file names (relative to the output directory).
nlohmann::json asset_record(const SynthAsset& asset);

// A contact sheet: one view of one asset per category of `config`, in a grid with the category
// name under each tile. Tiles are `tile` pixels square.
Image contact_sheet(const SynthConfig& config, std::uint64_t seed, int tile, int threads);

}  // namespace flexforge::synth
