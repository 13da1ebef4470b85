// Part-completion benchmark (scripts/bench.sh complete; figures in docs/complete.md).
//
//   complete_bench [--seed S] [--per-category K] [--resolution R] [--samples N]
//                  [--category NAME]... [--continuity C] [--jsonl]
//
// Occlusion set: synth assets of held-out seeds (default 20250707; tuning never used it) from the
// categories where parts hide or cut each other (held objects, leg-into-seat joints, handles).
// For every part whose faces in the asset mesh do not close on their own (it touches another
// part), the incomplete input is exactly those faces (segmentation with perfect labels), and the
// ground truth is the part's complete mesh from the synth generator. Three results per part:
//   as_is  the incomplete part unchanged
//   flat   plain hole filling: min-area / min-dihedral triangulation of each hole, no refinement,
//          no fairing, no self-intersection check (CompleteOptions::check_result = false)
//   ours   complete_mesh() with its defaults
// Metrics (docs/metrics.md; both meshes normalised by the ground truth's diagonal):
// Chamfer-L1 and F-score@0.01 / @0.005, point-to-surface with N samples per mesh (default
// 20000; point-to-surface has no sampling floor, so fewer samples than 100k only add noise),
// watertight rate (analyze_topology: closed, 2-manifold, oriented) and the visible-surface
// deviation (max over the kept faces, fraction of the part's diagonal). Tables on stdout:
// per category, held objects only, overall; plus time per part and per asset.
#include "flexforge/complete/complete.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/metrics.h"
#include "flexforge/synth/synth.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace flexforge;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Stats {
  std::size_t n = 0;
  double cd = 0, f1 = 0, f05 = 0;
  std::size_t watertight = 0;
  void add(const MeshDistance& d, bool tight) {
    ++n;
    cd += d.chamfer_l1;
    f1 += d.fscore[0];
    f05 += d.fscore[1];
    watertight += tight ? 1 : 0;
  }
};

struct Row {
  Stats as_is, flat, ours;
  double max_dev = 0;
  double seconds = 0;
  std::map<std::string, std::size_t> closed_by;
};

bool watertight(const Mesh& m) {
  const TopologyReport t = analyze_topology(m);
  return t.watertight && t.oriented;
}

void print_row(const std::string& name, const Row& r) {
  auto cell = [](const Stats& s) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%7.4f %6.3f %6.3f %5.0f%%", s.n ? s.cd / s.n : 0.0,
                  s.n ? s.f1 / s.n : 0.0, s.n ? s.f05 / s.n : 0.0,
                  s.n ? 100.0 * s.watertight / s.n : 0.0);
    return std::string(buf);
  };
  std::printf("%-14s %4zu | %s | %s | %s | %7.4f %6.3f\n", name.c_str(), r.ours.n,
              cell(r.as_is).c_str(), cell(r.flat).c_str(), cell(r.ours).c_str(), r.max_dev,
              r.ours.n ? r.seconds / r.ours.n : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::uint64_t seed = 20250707;
    int per_category = 4, resolution = 64, continuity = 1;
    std::size_t samples = 20000;
    bool jsonl = false;
    std::vector<std::string> categories;
    for (int i = 1; i < argc; ++i) {
      const std::string s = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw Error(ExitCode::Usage, s + " needs a value");
        return argv[++i];
      };
      if (s == "--seed") seed = std::stoull(next());
      else if (s == "--per-category") per_category = std::stoi(next());
      else if (s == "--resolution") resolution = std::stoi(next());
      else if (s == "--samples") samples = std::stoul(next());
      else if (s == "--category") categories.push_back(next());
      else if (s == "--continuity") continuity = std::stoi(next());
      else if (s == "--jsonl") jsonl = true;
      else if (s == "--debug") spdlog::set_level(spdlog::level::debug);
      else throw Error(ExitCode::Usage, "unknown argument '" + s + "'");
    }
    if (categories.empty()) {
      categories = {"hand_bottle", "hand_cup", "figure_sword", "chair", "stool",
                    "table",       "mug",      "bucket",       "axe",   "hammer"};
    }
    // Parts that are held (hidden under a hand), reported on their own as well.
    const std::map<std::string, std::vector<std::string>> held = {
        {"hand_bottle", {"bottle", "bottle_neck", "cap"}},
        {"hand_cup", {"cup"}},
        {"figure_sword", {"grip", "guard", "blade", "pommel"}}};

    synth::SynthConfig config;
    config.resolution = resolution;
    config.views = 0;
    config.part_meshes = true;
    complete::CompleteOptions ours;
    ours.fairing_continuity = continuity;
    complete::CompleteOptions flat;
    flat.method = complete::FillMethod::Flat;
    flat.check_result = false;
    MetricOptions metric;
    metric.samples = samples;
    metric.point_to_surface = true;

    std::map<std::string, Row> rows;
    Row all, held_row;
    double asset_seconds = 0;
    std::size_t assets = 0;
    for (const std::string& category : categories) {
      for (int k = 0; k < per_category; ++k) {
        const synth::SynthAsset asset =
            synth::generate_category_asset(config, category, seed, static_cast<std::size_t>(k));
        ++assets;
        const auto t_asset = std::chrono::steady_clock::now();
        for (std::size_t p = 0; p < asset.parts.size(); ++p) {
          const synth::SynthPart& part = asset.parts[p];
          if (part.surface_faces == 0 || part.complete.empty()) continue;
          const Mesh incomplete = asset.part_surface(p);
          if (analyze_topology(incomplete).boundary_edges == 0) continue;  // nothing hidden
          const auto t0 = std::chrono::steady_clock::now();
          complete::PartReport report;
          const Mesh done = complete::complete_mesh(incomplete, ours, &report);
          const double secs = seconds_since(t0);
          const Mesh plain = complete::complete_mesh(incomplete, flat);
          const MeshDistance d_as_is = compare_meshes(incomplete, part.complete, metric);
          const MeshDistance d_flat = compare_meshes(plain, part.complete, metric);
          const MeshDistance d_ours = compare_meshes(done, part.complete, metric);
          const double dev = complete::visible_deviation(incomplete, done);
          const bool tight = watertight(done);
          const bool is_held = held.count(category) &&
                               std::count(held.at(category).begin(), held.at(category).end(),
                                          part.semantic) > 0;
          for (Row* r : {&rows[category], &all, is_held ? &held_row : nullptr}) {
            if (!r) continue;
            r->as_is.add(d_as_is, watertight(incomplete));
            r->flat.add(d_flat, watertight(plain));
            r->ours.add(d_ours, tight);
            r->max_dev = std::max(r->max_dev, dev);
            r->seconds += secs;
            ++r->closed_by[report.closed_by];
          }
          if (jsonl) {
            nlohmann::json j = {{"asset", asset.id},        {"part", part.name},
                                {"semantic", part.semantic}, {"faces", incomplete.face_count()},
                                {"holes", report.holes},     {"closed_by", report.closed_by},
                                {"input_crossings", report.input_self_intersections},
                                {"trimmed", report.trimmed_faces},
                                {"seconds", secs},           {"deviation", dev},
                                {"watertight", tight},
                                {"f1", {d_as_is.fscore[0], d_flat.fscore[0], d_ours.fscore[0]}},
                                {"cd", {d_as_is.chamfer_l1, d_flat.chamfer_l1, d_ours.chamfer_l1}}};
            std::cerr << j.dump() << "\n";
          }
        }
        asset_seconds += seconds_since(t_asset);
      }
    }
    std::printf("complete_bench seed %llu, %d per category, resolution %d, %zu samples "
                "point-to-surface\n",
                static_cast<unsigned long long>(seed), per_category, resolution, samples);
    std::printf("%-14s %4s | %-28s | %-28s | %-28s | %7s %6s\n", "category", "n",
                "as is: CD-L1 F@.01 F@.005 wt", "flat fill: CD-L1 F@.01 F@.005 wt",
                "ours: CD-L1 F@.01 F@.005 wt", "max dev", "s/part");
    for (const auto& [name, row] : rows) print_row(name, row);
    print_row("held objects", held_row);
    print_row("overall", all);
    std::printf("closed by:");
    for (const auto& [how, n] : all.closed_by) std::printf(" %s %zu", how.c_str(), n);
    std::printf("\ntime (ours, completion only, parts one after another): %.3f s per part, %.3f s "
                "per asset (%zu assets); asset time includes the baselines' fills and metrics: "
                "%.2f s per asset\n",
                all.ours.n ? all.seconds / all.ours.n : 0.0, assets ? all.seconds / assets : 0.0,
                assets, assets ? asset_seconds / assets : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "complete_bench: %s\n", e.what());
    return 1;
  }
}
