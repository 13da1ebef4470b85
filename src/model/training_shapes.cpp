#include "flexforge/model/training_shapes.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/io/import.h"
#include "flexforge/condition/image_input.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include <algorithm>

namespace flexforge::model {

Mesh normalize_mesh_for_field(const Mesh& mesh) {
  Mesh out = mesh;
  transform(out, extract::normalize_for_field(mesh, kFieldMargin).forward());
  return out;
}

namespace {

// One record of a synth-layout directory as a training shape.
TrainingShape read_record(const std::filesystem::path& dir, const nlohmann::json& record, int views) {
  TrainingShape s;
  s.id = record.at("id").get<std::string>();
  s.category = record.at("category").get<std::string>();
  s.captions = record.at("captions").get<std::vector<std::string>>();
  s.attributes = record.value("attributes", nlohmann::json::object());
  s.normalized = normalize_mesh_for_field(join_parts(io::load_scene(dir / record.at("files").at("glb").get<std::string>())));
  // Training conditions on the pixels only; the cameras stay in the record.
  const auto& files = record.at("files").at("views");
  for (std::size_t k = 0; k < files.size() && static_cast<int>(k) < views; ++k) {
    synth::SynthView view;
    view.image = condition::load_image(dir / files[k].get<std::string>());
    s.views.push_back(std::move(view));
  }
  return s;
}

[[noreturn]] void throw_held_out(const std::filesystem::path& dir) {
  throw Error(ExitCode::Usage, dir.string() + ": this is the held-out evaluation set, which is never trained on");
}

// Up front, before any synth asset is made: a held-out set's build report says so (the records
// say it too, and visit_dataset checks each of them).
void refuse_held_out_sets(const TrainingShapeOptions& o) {
  for (const auto& dir : o.datasets) {
    std::ifstream in(dir / "build_report.json");
    if (!in) continue;
    const auto report = nlohmann::json::parse(in, nullptr, false);
    if (report.is_object() && report.value("held_out", false)) throw_held_out(dir);
  }
}

void visit_dataset(const std::filesystem::path& dir, const TrainingShapeOptions& o,
                   const std::function<void(const TrainingShape&)>& visit) {
  const std::filesystem::path file = dir / "metadata.jsonl";
  std::ifstream in(file);
  if (!in) throw Error(ExitCode::InvalidInput, file.string() + ": cannot read (not a dataset directory?)");
  std::vector<nlohmann::json> records;
  std::size_t line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("files")) {
      throw Error(ExitCode::InvalidInput, file.string() + ":" + std::to_string(line_number) + ": not a dataset record");
    }
    if (record.value("held_out", false)) throw_held_out(dir);
    records.push_back(std::move(record));
  }
  const std::size_t batch = std::max<std::size_t>(1, worker_threads()) * 4;
  for (std::size_t first = 0; first < records.size(); first += batch) {
    const std::size_t n = std::min(batch, records.size() - first);
    std::vector<TrainingShape> shapes(n);
    parallel_for(n, [&](std::size_t i) {
      try {
        shapes[i] = read_record(dir, records[first + i], o.views);
      } catch (const nlohmann::json::exception& e) {
        throw Error(ExitCode::InvalidInput, file.string() + ":" + std::to_string(first + i + 1) +
                                                ": malformed record: " + e.what());
      }
    }, 0, 1);
    for (const auto& s : shapes) visit(s);
  }
}

}  // namespace

void for_each_training_shape(const TrainingShapeOptions& o,
                             const std::function<void(const TrainingShape&)>& visit) {
  refuse_held_out_sets(o);
  synth::SynthConfig config;
  config.resolution = o.synth_resolution;
  config.views = o.views;
  config.image_size = o.image_size;
  config.part_meshes = false;
  const std::size_t count = static_cast<std::size_t>(std::max(0, o.synth_count));
  const std::size_t batch = std::max<std::size_t>(1, worker_threads()) * 4;
  for (std::size_t first = 0; first < count; first += batch) {
    const std::size_t n = std::min(batch, count - first);
    std::vector<TrainingShape> shapes(n);
    parallel_for(
        n,
        [&](std::size_t i) {
          synth::SynthAsset asset = synth::generate_asset(config, o.synth_seed, first + i);
          TrainingShape& s = shapes[i];
          s.id = asset.id;
          s.category = asset.category;
          s.captions = asset.captions;
          s.views = std::move(asset.views);
          s.attributes = asset.attributes;
          s.normalized = normalize_mesh_for_field(asset.mesh);
        },
        0, 1);
    for (const auto& s : shapes) visit(s);
  }
  for (const auto& dir : o.datasets) visit_dataset(dir, o, visit);
  for (const auto& path : o.real_meshes) {
    TrainingShape s;
    s.id = path.stem().string();
    s.category = "real";
    s.normalized = normalize_mesh_for_field(join_parts(io::load_scene(path)));
    visit(s);
  }
}

}  // namespace flexforge::model
