// The build: one job per asset (real model or synth index), run in parallel, each writing its
// own files and its record under OUT/records/ atomically, so an interrupted build resumes where
// it stopped (--resume) and metadata.jsonl, written last, only ever lists finished assets.
#include "flexforge/dataset/dataset_build.h"

#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/atomic_file.h"
#include "flexforge/core/error.h"
#include "flexforge/core/hash.h"
#include "flexforge/core/metrics.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/core/progress.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/dataset/closed_surface.h"
#include "flexforge/dataset/real_captions.h"
#include "flexforge/dataset/real_sources.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/caption_corpus.h"
#include "flexforge/synth/categories.h"
#include "flexforge/synth/dataset.h"
#include "flexforge/synth/rng.h"
#include "flexforge/synth/synth.h"

#include <Eigen/Geometry>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;
using nlohmann::json;

namespace flexforge::dataset {

namespace {

// Same margin as the model's field frame (model/training_shapes.h), so the closing grid sees the
// shape at the size the VAE will.
constexpr double kNormalizeMargin = 0.04;

struct Job {
  const SourceSpec* source = nullptr;
  const RealModel* real = nullptr;
  std::size_t synth_index = 0;
  std::string id;
};

struct JobResult {
  std::string record;       // JSONL line; empty when skipped
  std::string skip_reason;  // why, when skipped
  std::string category;
  double fscore = -1.0;     // real assets
  bool watertight = false;
  bool resumed = false;
};

std::string synth_id(const synth::SynthConfig& config, std::size_t index) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%06zu", index);
  return synth::category_for_index(config, index) + "_" + digits;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Bare nouns as captions too, so that "lamp" and "a lamp" are prompts the model has seen.
void add_bare_noun_captions(synth::SynthAsset& asset) {
  const synth::Category* category = synth::find_category(asset.category);
  if (category == nullptr) return;
  const std::string noun = category->synonyms.front();
  for (const std::string& c : {noun, with_article(noun)}) {
    if (std::find(asset.captions.begin(), asset.captions.end(), c) == asset.captions.end()) {
      asset.captions.push_back(c);
    }
  }
}

JobResult run_synth(const Job& job, const synth::SynthConfig& config, const fs::path& out) {
  synth::SynthAsset asset = synth::generate_asset(config, job.source->seed, job.synth_index);
  add_bare_noun_captions(asset);
  synth::write_asset_files(asset, out);
  json record = synth::asset_record(asset);
  record["source"] = "synth";
  JobResult r;
  r.category = asset.category;
  r.record = record.dump();
  return r;
}

Mesh joined_with_parts(const Scene& scene) {
  Mesh mesh = join_parts(scene);
  mesh.face_parts.clear();
  for (std::size_t p = 0; p < scene.parts.size(); ++p) {
    mesh.face_parts.insert(mesh.face_parts.end(), scene.parts[p].mesh.triangles.size(),
                           static_cast<std::int32_t>(p));
  }
  return mesh;
}

std::string part_slug(const std::string& name, std::size_t index) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  if (out.empty()) out = "part";
  return out + "_" + std::to_string(index);
}

// Parts of the closed mesh (those whose faces survived closing), colours by area.
void fill_real_parts(synth::SynthAsset& asset, const Scene& scene, std::vector<std::string>& colors_by_area) {
  Mesh& mesh = asset.mesh;
  const std::size_t n = scene.parts.size();
  std::vector<double> area(n, 0.0);
  std::vector<Vec3> color_sum(n, Vec3::Zero());
  std::vector<std::size_t> faces(n, 0);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const std::size_t p = static_cast<std::size_t>(mesh.face_parts[f]);
    const double a = 0.5 * (mesh.positions[t[1]] - mesh.positions[t[0]])
                               .cross(mesh.positions[t[2]] - mesh.positions[t[0]]).norm();
    area[p] += a;
    ++faces[p];
    if (!mesh.colors.empty()) {
      for (int k = 0; k < 3; ++k) color_sum[p] += static_cast<float>(a / 3.0) * mesh.colors[t[k]].head<3>();
    }
  }
  std::vector<std::int32_t> remap(n, -1);
  std::map<std::string, double> area_by_color;
  for (std::size_t p = 0; p < n; ++p) {
    if (faces[p] == 0) continue;
    remap[p] = static_cast<std::int32_t>(asset.parts.size());
    synth::SynthPart part;
    part.name = part_slug(scene.parts[p].name, asset.parts.size());
    part.rgb = area[p] > 0 ? Vec3(color_sum[p] / static_cast<float>(area[p])) : Vec3(0.8f, 0.8f, 0.8f);
    part.color = nearest_palette_color(part.rgb);
    part.surface_faces = faces[p];
    part.surface_area = area[p];
    area_by_color[part.color] += area[p];
    asset.parts.push_back(std::move(part));
  }
  for (auto& fp : mesh.face_parts) fp = remap[static_cast<std::size_t>(fp)];
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [c, a] : area_by_color) order.emplace_back(-a, c);
  std::sort(order.begin(), order.end());
  for (const auto& entry : order) colors_by_area.push_back(entry.second);
}

JobResult run_real(const Job& job, std::size_t index, const DatasetBuildOptions& o, const fs::path& scratch) {
  const RealModel& model = *job.real;
  JobResult r;
  io::ImportReport import_report;
  Scene scene;
  try {
    scene = load_real_model(model, scratch, &import_report);
  } catch (const Error& e) {
    spdlog::debug("{}: {}", model.id, e.what());
    r.skip_reason = "does not load";
    return r;
  }
  Mesh source = joined_with_parts(scene);
  if (source.triangles.empty()) {
    r.skip_reason = "no faces";
    return r;
  }
  if (source.triangles.size() > o.max_source_faces) {
    r.skip_reason = "over " + std::to_string(o.max_source_faces) + " faces";
    return r;
  }
  const Aabb box = bounding_box(source);
  if (!box.valid() || box.extent().maxCoeff() <= 0.0f) {
    r.skip_reason = "zero size";
    return r;
  }
  const extract::NormalizeTransform frame = extract::normalize_for_field(source, kNormalizeMargin);
  Mesh normalized = source;
  transform(normalized, frame.forward());
  ClosedSurface closed;
  try {
    ClosingOptions closing;
    closing.resolution = o.closing_resolution;
    closing.max_faces = o.max_faces;
    closing.threads = 1;
    closed = close_surface(normalized, closing);
  } catch (const Error& e) {
    spdlog::debug("{}: {}", model.id, e.what());
    r.skip_reason = "does not close";
    return r;
  }
  const TopologyReport topology = analyze_topology(closed.mesh);
  if (!topology.watertight || !topology.oriented) {
    r.skip_reason = "closed surface is not a 2-manifold";
    return r;
  }
  r.watertight = true;
  if (!closed.visible_source.triangles.empty()) {
    MetricOptions metric;
    metric.samples = 20000;
    metric.seed = fnv1a64(model.id);
    metric.taus = {0.01f};
    metric.point_to_surface = true;
    metric.threads = 1;
    r.fscore = compare_meshes(closed.mesh, closed.visible_source, metric).fscore[0];
  }

  // Back to the model's frame, in metres (synth assets are metre-scale too).
  synth::SynthAsset asset;
  asset.mesh = std::move(closed.mesh);
  Mat4 to_metres = Mat4::Identity();
  to_metres.topLeftCorner<3, 3>() *= 0.01f;
  transform(asset.mesh, to_metres * frame.inverse());
  compute_vertex_normals(asset.mesh);
  const Vec3 size_cm = model.size_cm ? *model.size_cm : Vec3(box.extent());

  asset.id = model.id;
  asset.category = name_category(model.name, o.lexicon);
  if (asset.category.empty()) asset.category = "other";
  asset.family = "real";
  asset.index = index;
  asset.pose = "static";
  std::vector<std::string> colors_by_area;
  fill_real_parts(asset, scene, colors_by_area);
  CaptionFacts facts;
  facts.model = &model;
  facts.category = asset.category == "other" ? "" : asset.category;
  facts.colors = colors_by_area;
  facts.materials = material_words(model, import_report.part_materials);
  facts.size_cm = size_cm;
  asset.captions = real_captions(facts);
  asset.attributes = {
      {"real",
       {{"source", model.source},
        {"catalog", model.catalog},
        {"name", model.name},
        {"catalog_category", model.category},
        {"tags", model.tags},
        {"size_cm", {size_cm.x(), size_cm.y(), size_cm.z()}},
        {"colors", colors_by_area},
        {"materials", facts.materials},
        {"source_parts", scene.parts.size()},
        {"textures_read", import_report.textures_read},
        {"textures_missing", import_report.textures_missing}}},
      {"closing",
       {{"resolution", o.closing_resolution},
        {"fscore_visible@0.01", r.fscore},
        {"source_faces", source.triangles.size()},
        {"visible_source_faces", closed.visible_source.triangles.size()},
        {"enclosed_nodes", closed.enclosed_nodes}}}};
  if (o.views > 0) {
    synth::Rng rng(fnv1a64(model.id));
    const float azimuth0 = rng.range(0.0f, 360.0f);
    const float elevation = rng.range(12.0f, 30.0f);
    for (const render::Camera& cam :
         render::orbit_cameras(bounding_box(asset.mesh), o.views, o.image_size, elevation, azimuth0)) {
      asset.views.push_back({cam, render::render(asset.mesh, cam)});
    }
  }
  synth::write_asset_files(asset, o.out);
  json record = synth::asset_record(asset);
  record["source"] = model.source;
  if (o.held_out) record["held_out"] = true;
  r.category = asset.category;
  r.record = record.dump();
  return r;
}

// A resumed real record keeps its closed surface and views but takes its category and captions
// from the current lexicon, so a lexicon fix does not need the closing work redone.
void relabel_real_record(json& record, const condition::Lexicon* lexicon) {
  const json& real = record.at("attributes").at("real");
  RealModel model;
  model.source = real.value("source", "");
  model.catalog = real.value("catalog", "");
  model.name = real.value("name", "");
  model.category = real.value("catalog_category", "");
  model.tags = real.value("tags", std::vector<std::string>{});
  std::string category = name_category(model.name, lexicon);
  CaptionFacts facts;
  facts.model = &model;
  facts.category = category;
  facts.colors = real.value("colors", std::vector<std::string>{});
  facts.materials = real.value("materials", std::vector<std::string>{});
  const auto size = real.value("size_cm", std::vector<float>{});
  if (size.size() == 3) facts.size_cm = Vec3(size[0], size[1], size[2]);
  record["category"] = category.empty() ? "other" : category;
  record["captions"] = real_captions(facts);
}

std::size_t distinct_words(const std::vector<std::string>& texts, std::set<std::string>& words) {
  for (const std::string& t : texts) {
    try {
      for (const std::string& w : condition::normalize_words(t)) words.insert(w);
    } catch (const std::exception&) {
    }
  }
  return words.size();
}

}  // namespace

SourceSpec parse_source(const std::string& spec) {
  const std::size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto bad = [&](const std::string& why) {
    return Error(ExitCode::Usage, "source '" + spec + "': " + why +
                                      " (expected sweethome3d:DIR, flightgear:DIR or synth:COUNT:SEED)");
  };
  SourceSpec s;
  s.kind = kind;
  if (kind == "sweethome3d" || kind == "flightgear") {
    if (rest.empty()) throw bad("no directory");
    s.dir = rest;
    return s;
  }
  if (kind != "synth") throw bad("unknown kind '" + kind + "'");
  const std::size_t second = rest.find(':');
  if (second == std::string::npos) throw bad("no seed");
  try {
    std::size_t used = 0;
    const long long count = std::stoll(rest.substr(0, second), &used);
    if (used != second || count < 1 || count > 1'000'000) throw bad("count must be 1..1000000");
    const std::string seed = rest.substr(second + 1);
    const unsigned long long value = std::stoull(seed, &used);
    if (used != seed.size() || seed.empty() || seed[0] == '-') throw bad("seed must be a non-negative integer");
    s.count = static_cast<std::size_t>(count);
    s.seed = value;
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
    throw bad("count and seed must be integers");
  }
  return s;
}

void DatasetBuildOptions::validate() const {
  if (sources.empty()) throw Error(ExitCode::Usage, "sources: at least one source is required");
  if (out.empty()) throw Error(ExitCode::Usage, "out: an output directory is required");
  if (views < 0 || views > 64) throw Error(ExitCode::Usage, "views: must be in 0..64");
  if (image_size < 16 || image_size > 4096) throw Error(ExitCode::Usage, "image_size: must be in 16..4096");
  if (closing_resolution < 16 || closing_resolution > 512) {
    throw Error(ExitCode::Usage, "closing_resolution: must be in 16..512");
  }
  if (synth_resolution < 16 || synth_resolution > 512) {
    throw Error(ExitCode::Usage, "synth_resolution: must be in 16..512");
  }
  if (max_source_faces == 0) throw Error(ExitCode::Usage, "max_source_faces: must be positive");
  if (held_out) {
    for (const SourceSpec& s : sources) {
      if (s.kind != "sweethome3d") {
        throw Error(ExitCode::Usage, std::string("held_out: the evaluation set is the Sweet Home 3D catalog ") +
                                         kHeldOutCatalog + " alone; a " + s.kind + " source cannot join it");
      }
    }
  }
}

DatasetBuildReport build_dataset(const DatasetBuildOptions& o) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::string> exclude = o.exclude_catalogs;
  exclude.emplace_back(kHeldOutCatalog);
  synth::SynthConfig config;
  config.resolution = o.synth_resolution;
  config.views = o.views;
  config.image_size = o.image_size;
  config.part_meshes = false;

  // Listing first: a source that does not list is a usage error before any work starts.
  std::vector<std::vector<RealModel>> listed(o.sources.size());
  std::vector<Job> jobs;
  std::set<std::string> ids;
  for (std::size_t s = 0; s < o.sources.size(); ++s) {
    const SourceSpec& spec = o.sources[s];
    if (spec.kind == "synth") {
      for (std::size_t i = 0; i < spec.count; ++i) jobs.push_back({&spec, nullptr, i, synth_id(config, i)});
      continue;
    }
    listed[s] = spec.kind != "sweethome3d" ? list_flightgear(spec.dir)
                : o.held_out                  ? list_sweethome3d(spec.dir, o.exclude_catalogs, kHeldOutCatalog)
                                              : list_sweethome3d(spec.dir, exclude);
    if (o.held_out && listed[s].empty()) {
      throw Error(ExitCode::InvalidInput, spec.dir.string() + ": no " + kHeldOutCatalog + ".sh3f catalog to evaluate on");
    }
    if (o.limit > 0 && listed[s].size() > o.limit) listed[s].resize(o.limit);
    for (const RealModel& m : listed[s]) jobs.push_back({&spec, &m, 0, m.id});
  }
  for (const Job& job : jobs) {
    if (!ids.insert(job.id).second) {
      throw Error(ExitCode::Usage, "asset id '" + job.id + "' occurs twice: two synth sources give the same ids");
    }
  }

  // The output directory only once every source has listed: a bad source leaves nothing behind.
  std::error_code ec;
  fs::create_directories(o.out / "records", ec);
  if (ec || !fs::is_directory(o.out / "records")) {
    throw Error(ExitCode::OutputFailed, o.out.string() + ": cannot create output directory" +
                                            (ec ? ": " + ec.message() : std::string()));
  }
  require_writable_parent(o.out / "metadata.jsonl");
  const fs::path scratch = o.out / ".scratch";

  std::vector<JobResult> results(jobs.size());
  Progress progress("dataset", jobs.size());
  parallel_for(jobs.size(), [&](std::size_t i) {
    const Job& job = jobs[i];
    const fs::path record_file = o.out / "records" / (job.id + ".json");
    JobResult& r = results[i];
    if (o.resume && fs::exists(record_file)) {
      const json saved = json::parse(read_text(record_file), nullptr, false);
      if (!saved.is_discarded() && saved.contains("record") && saved.contains("result")) {
        json record = saved["record"];
        r.skip_reason = saved["result"].value("skip_reason", "");
        r.category = saved["result"].value("category", "");
        if (job.real && !record.is_null()) {
          relabel_real_record(record, o.lexicon);
          r.category = record["category"].get<std::string>();
        }
        r.record = record.is_null() ? "" : record.dump();
        r.fscore = saved["result"].value("fscore", -1.0);
        r.watertight = saved["result"].value("watertight", false);
        r.resumed = true;
        progress.advance();
        return;
      }
    }
    r = job.real ? run_real(job, i, o, scratch) : run_synth(job, config, o.out);
    const json saved = {{"record", r.record.empty() ? json(nullptr) : json::parse(r.record)},
                        {"result",
                         {{"skip_reason", r.skip_reason},
                          {"category", r.category},
                          {"fscore", r.fscore},
                          {"watertight", r.watertight}}}};
    write_file_atomic(record_file, saved.dump());
    progress.advance();
  }, static_cast<unsigned>(std::max(0, o.threads)), 1);
  progress.finish();
  fs::remove_all(scratch, ec);

  DatasetBuildReport report;
  report.held_out = o.held_out;
  std::string jsonl;
  std::vector<std::string> captions;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const JobResult& r = results[i];
    report.resumed += r.resumed ? 1 : 0;
    if (r.record.empty()) {
      ++report.skipped[jobs[i].source->kind + ": " + r.skip_reason];
      continue;
    }
    ++report.kept[jobs[i].source->kind];
    ++report.categories[r.category];
    if (jobs[i].real) {
      if (r.fscore >= 0.0) report.closing_fscore.push_back(r.fscore);
      report.closed_manifold += r.watertight ? 1 : 0;
    }
    const json record = json::parse(r.record);
    for (const auto& c : record["captions"]) captions.push_back(c.get<std::string>());
    jsonl += r.record + "\n";
  }
  std::set<std::string> words;
  report.vocabulary_before = distinct_words(synth::caption_corpus(), words);
  report.vocabulary_after = distinct_words(captions, words);
  write_file_atomic(o.out / "metadata.jsonl", jsonl);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_file_atomic(o.out / "build_report.json", describe(report).dump(2) + "\n");
  return report;
}

json describe(const DatasetBuildReport& r) {
  std::vector<double> f = r.closing_fscore;
  std::sort(f.begin(), f.end());
  auto quantile = [&](double q) {
    return f.empty() ? json(nullptr) : json(f[static_cast<std::size_t>(q * static_cast<double>(f.size() - 1) + 0.5)]);
  };
  std::size_t kept = 0, skipped = 0;
  for (const auto& [k, n] : r.kept) kept += n;
  for (const auto& [k, n] : r.skipped) skipped += n;
  return {{"kept", kept},
          {"kept_per_source", r.kept},
          {"skipped", skipped},
          {"skipped_per_reason", r.skipped},
          {"categories", r.categories},
          {"real_closed_manifold", r.closed_manifold},
          {"closing_fscore@0.01",
           {{"count", f.size()},
            {"min", quantile(0.0)},
            {"p10", quantile(0.1)},
            {"p25", quantile(0.25)},
            {"median", quantile(0.5)},
            {"p75", quantile(0.75)},
            {"max", quantile(1.0)},
            {"below_0.9", std::count_if(f.begin(), f.end(), [](double x) { return x < 0.9; })}}},
          {"vocabulary_before", r.vocabulary_before},
          {"vocabulary_after", r.vocabulary_after},
          {"resumed", r.resumed},
          {"held_out", r.held_out},
          {"seconds", r.seconds}};
}

}  // namespace flexforge::dataset
