// Writing the dataset: workers pull asset indices from an atomic counter; each asset's files are
// written by the worker that made it (atomic renames), its JSONL record kept in its index slot,
// and metadata.jsonl written last in index order. Which thread made an asset never shows in the
// bytes: an asset is a pure function of (config, seed, index).
#include "flexforge/synth/dataset.h"

#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/parallel.h"
#include "flexforge/core/progress.h"
#include "flexforge/io/gltf_writer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <system_error>
#include <thread>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define STB_EASY_FONT_IMPLEMENTATION
#include <stb/stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace fs = std::filesystem;

namespace flexforge::synth {

namespace {

std::string view_file(const SynthAsset& asset, std::size_t k) {
  return asset.id + "_view" + std::to_string(k) + ".png";
}

void fill_rect(Image& img, int x0, int y0, int x1, int y1, const std::uint8_t rgba[4]) {
  for (int y = std::max(0, y0); y < std::min(img.height, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(img.width, x1); ++x)
      std::copy(rgba, rgba + 4, &img.rgba[(static_cast<std::size_t>(y) * img.width + x) * 4]);
}

// Text with stb_easy_font's quads, scaled by an integer factor.
void draw_text(Image& img, int x, int y, const std::string& text, int scale) {
  std::vector<char> buffer(text.size() * 300 + 64);
  const int quads = stb_easy_font_print(0.0f, 0.0f, const_cast<char*>(text.c_str()), nullptr,
                                        buffer.data(), static_cast<int>(buffer.size()));
  const std::uint8_t ink[4] = {20, 20, 20, 255};
  const float* v = reinterpret_cast<const float*>(buffer.data());
  for (int q = 0; q < quads; ++q) {
    // 4 vertices of 16 bytes (x, y, z, rgba) per quad; axis-aligned rectangles.
    const float* quad = v + q * 16;
    const float qx0 = quad[0], qy0 = quad[1], qx1 = quad[8], qy1 = quad[9];
    fill_rect(img, x + static_cast<int>(qx0 * scale), y + static_cast<int>(qy0 * scale),
              x + static_cast<int>(qx1 * scale), y + static_cast<int>(qy1 * scale), ink);
  }
}

}  // namespace

void write_asset_files(const SynthAsset& asset, const fs::path& dir) {
  write_file_atomic(dir / (asset.id + ".glb"), io::encode_glb(asset.scene()));
  const Scene parts = asset.parts_scene();
  if (!parts.parts.empty()) write_file_atomic(dir / (asset.id + "_parts.glb"), io::encode_glb(parts));
  for (std::size_t k = 0; k < asset.views.size(); ++k) {
    write_file_atomic(dir / view_file(asset, k), render::encode_png(asset.views[k].image));
  }
}

nlohmann::json asset_record(const SynthAsset& asset) {
  nlohmann::json record = asset.metadata();
  nlohmann::json views = nlohmann::json::array();
  for (std::size_t k = 0; k < asset.views.size(); ++k) {
    views.push_back(view_file(asset, k));
    record["cameras"][k]["file"] = view_file(asset, k);
  }
  record["files"] = {{"glb", asset.id + ".glb"},
                     {"parts_glb", asset.parts_scene().parts.empty() ? nlohmann::json(nullptr)
                                                                     : nlohmann::json(asset.id + "_parts.glb")},
                     {"views", views}};
  return record;
}

DatasetReport write_dataset(const DatasetOptions& options) {
  options.config.validate();
  if (options.count == 0 || options.count > 10'000'000) {
    throw Error(ExitCode::Usage, "count: must be in 1..10000000, got " +
                                     std::to_string(options.count));
  }
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec || !fs::is_directory(options.out)) {
    throw Error(ExitCode::OutputFailed,
                options.out.string() + ": cannot create output directory" +
                    (ec ? ": " + ec.message() : std::string()));
  }
  require_writable_parent(options.out / "metadata.jsonl");

  const auto start_time = std::chrono::steady_clock::now();
  std::vector<std::string> lines(options.count);
  std::vector<std::string> categories(options.count);
  Progress progress("synth", options.count);
  parallel_for(options.count, [&](std::size_t i) {
    const SynthAsset asset = generate_asset(options.config, options.seed, options.start + i);
    write_asset_files(asset, options.out);
    lines[i] = asset_record(asset).dump();
    categories[i] = asset.category;
    progress.advance();
  }, static_cast<unsigned>(std::max(1, options.threads)), 1);
  progress.finish();

  std::string jsonl;
  for (const std::string& line : lines) jsonl += line + "\n";
  write_file_atomic(options.out / "metadata.jsonl", jsonl);

  DatasetReport report;
  report.assets = options.count;
  for (const std::string& c : categories) ++report.per_category[c];
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return report;
}

Image contact_sheet(const SynthConfig& config, std::uint64_t seed, int tile, int threads) {
  SynthConfig cfg = config;
  cfg.views = 0;
  cfg.part_meshes = false;
  cfg.validate();
  const std::vector<std::string> names = cfg.category_list();
  std::vector<Image> tiles(names.size());
  parallel_for(names.size(), [&](std::size_t i) {
    const SynthAsset asset = generate_category_asset(cfg, names[i], seed, i);
    const Camera cam = render::orbit_cameras(bounding_box(asset.mesh), 1, tile, 20.0f, 35.0f)[0];
    tiles[i] = render::render(asset.mesh, cam);
  }, static_cast<unsigned>(std::max(1, threads)), 1);
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(names.size()))));
  const int rows = static_cast<int>((names.size() + cols - 1) / cols);
  const int label = 22;
  Image sheet;
  sheet.width = cols * tile;
  sheet.height = rows * (tile + label);
  sheet.rgba.assign(static_cast<std::size_t>(sheet.width) * sheet.height * 4, 255);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const int ox = static_cast<int>(i % cols) * tile;
    const int oy = static_cast<int>(i / cols) * (tile + label);
    // Alpha-composite the view over white.
    for (int y = 0; y < tile; ++y)
      for (int x = 0; x < tile; ++x) {
        const std::uint8_t* s = &tiles[i].rgba[(static_cast<std::size_t>(y) * tile + x) * 4];
        std::uint8_t* d = &sheet.rgba[(static_cast<std::size_t>(oy + y) * sheet.width + ox + x) * 4];
        for (int c = 0; c < 3; ++c) d[c] = static_cast<std::uint8_t>((s[c] * s[3] + 255 * (255 - s[3])) / 255);
      }
    draw_text(sheet, ox + 6, oy + tile + 3, names[i], 2);
    const std::uint8_t line[4] = {200, 200, 200, 255};
    fill_rect(sheet, ox, oy, ox + 1, oy + tile + label, line);
    fill_rect(sheet, ox, oy, ox + tile, oy + 1, line);
  }
  return sheet;
}

}  // namespace flexforge::synth
