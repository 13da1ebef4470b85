// Segmentation benchmark (scripts/bench.sh segment): flexforge's segment_mesh() against CGAL 5.5
// SDF segmentation (CGAL::sdf_values + CGAL::segmentation_from_sdf_values, its documented
// defaults: 25 rays in a 2pi/3 cone, 5 clusters, smoothing lambda 0.26), same shapes, same run.
//
//   segment_bench synth [--seed S] [--per-category K] [--resolution R] [--no-cgal] [tuning...]
//       procedural held-out assets (synth::generate_category_asset, every category, K each):
//       mean part IoU (Hungarian on face-area IoU, docs/metrics.md) per category and overall.
//   segment_bench real OUT_DIR MESH... : part counts, every-face check, a colour-by-part preview
//       PNG per mesh (three views side by side) in OUT_DIR, and both methods' times.
//   segment_bench time MESH : time on the mesh (best of 3) for both methods.
// Tuning flags (any mode): --scales a,b,c --core X --merge X --min-area X --parts N
//   --keep-small X --keep-floor X (small appendages kept), --tband X --tweight X --ttol X
//   (experimental thickness cue), --bend X --bend-sharp X (bent-limb split). synth also: --category NAME, --previews DIR; each JSON line
//   carries the per-ground-truth-part IoU ("gt_part_iou").
// Methods: --method all (default: geometric, learned and auto side by side, auto being the learned
// result where its confidence reaches the threshold and the geometric one elsewhere, exactly what
// segment_mesh(Auto) returns) | geometric | learned | auto; --model SPEC (part head, default
// "default"), --threshold X (auto's confidence threshold, default SegmentOptions'), learned-path
// knobs --smoothing N --ambiguity X --no-instance-split. real and
// time run --method (all = auto there); real also writes the learned result's preview.
// One JSON object per line on stdout, then a table on stderr.
//
// This is the only translation unit that includes CGAL's segmentation (slow to compile).
#include "flexforge/core/scene_ops.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/parallel.h"
#include "flexforge/io/import.h"
#include "flexforge/model/part_head.h"
#include "flexforge/segment/evaluate.h"
#include "flexforge/segment/segment.h"
#include "flexforge/synth/categories.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/synth.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Surface_mesh.h>
#include <CGAL/mesh_segmentation.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace flexforge;

namespace {

using Kernel = CGAL::Exact_predicates_inexact_constructions_kernel;
using SurfaceMesh = CGAL::Surface_mesh<Kernel::Point_3>;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct CgalResult {
  bool ok = false;
  std::vector<std::int32_t> face_part;  // per input face; faces CGAL could not take get -1
  int parts = 0;
  double seconds = 0.0;
  std::string error;
};

// CGAL SDF segmentation on a face-vertex mesh. Faces Surface_mesh refuses (non-manifold) are
// left out and reported as -1 (they then count against CGAL in the IoU).
CgalResult run_cgal_sdf(const Mesh& mesh) {
  CgalResult r;
  const auto t0 = std::chrono::steady_clock::now();
  SurfaceMesh sm;
  std::vector<SurfaceMesh::Vertex_index> vs;
  for (const Vec3& p : mesh.positions) vs.push_back(sm.add_vertex(Kernel::Point_3(p.x(), p.y(), p.z())));
  std::vector<std::int64_t> face_of(mesh.triangles.size(), -1);
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Triangle& t = mesh.triangles[f];
    const auto fi = sm.add_face(vs[t[0]], vs[t[1]], vs[t[2]]);
    if (fi != SurfaceMesh::null_face()) face_of[f] = static_cast<std::int64_t>(fi);
  }
  if (sm.number_of_faces() == 0) {
    r.error = "no faces accepted";
    return r;
  }
  try {
    auto sdf = sm.add_property_map<SurfaceMesh::Face_index, double>("f:sdf").first;
    CGAL::sdf_values(sm, sdf);
    auto seg = sm.add_property_map<SurfaceMesh::Face_index, std::size_t>("f:sid").first;
    r.parts = static_cast<int>(CGAL::segmentation_from_sdf_values(sm, sdf, seg));
    r.face_part.assign(mesh.triangles.size(), -1);
    for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
      if (face_of[f] >= 0) r.face_part[f] = static_cast<std::int32_t>(seg[SurfaceMesh::Face_index(face_of[f])]);
    }
    r.ok = true;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.seconds = seconds_since(t0);
  return r;
}

struct Args {
  std::string mode;
  std::vector<std::string> positional;
  std::uint64_t seed = 20250707;  // held-out: tuning used seed 1
  int per_category = 3;
  int resolution = 64;
  bool cgal = true;
  std::string previews;  // synth: write <id>.png (top: ground truth, bottom: ours) here
  std::string only;      // synth: only this category
  segment::SegmentOptions options;
  std::string method = "all";
  std::string model = "default";  // the part head's model (Auto / Learned)
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) throw Error(ExitCode::Usage, "usage: segment_bench synth|real|time ...");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(ExitCode::Usage, s + " needs a value");
      return argv[++i];
    };
    if (s == "--seed") a.seed = std::stoull(next());
    else if (s == "--per-category") a.per_category = std::stoi(next());
    else if (s == "--resolution") a.resolution = std::stoi(next());
    else if (s == "--no-cgal") a.cgal = false;
    else if (s == "--method") a.method = next();
    else if (s == "--model") a.model = next();
    else if (s == "--threshold") a.options.confidence_threshold = std::stod(next());
    else if (s == "--smoothing") a.options.learned_smoothing = std::stoi(next());
    else if (s == "--ambiguity") a.options.learned_ambiguity = std::stod(next());
    else if (s == "--no-instance-split") a.options.learned_instance_split = false;
    else if (s == "--previews") a.previews = next();
    else if (s == "--category") a.only = next();
    else if (s == "--core") a.options.core_threshold = std::stod(next());
    else if (s == "--merge") a.options.merge_threshold = std::stod(next());
    else if (s == "--min-area") a.options.min_part_area = std::stod(next());
    else if (s == "--parts") a.options.parts = std::stoi(next());
    else if (s == "--keep-small") a.options.keep_small_strength = std::stod(next());
    else if (s == "--keep-floor") a.options.keep_small_floor = std::stod(next());
    else if (s == "--tband") a.options.thickness_band = std::stod(next());
    else if (s == "--tweight") a.options.thickness_weight = std::stod(next());
    else if (s == "--bend") a.options.bend_degrees = std::stod(next());
    else if (s == "--bend-sharp") a.options.bend_sharpness = std::stod(next());
    else if (s == "--ttol") a.options.thickness_tolerance = std::stod(next());
    else if (s == "--scales") {
      a.options.scales.clear();
      std::stringstream ss(next());
      std::string tok;
      while (std::getline(ss, tok, ',')) a.options.scales.push_back(std::stod(tok));
    } else {
      a.positional.push_back(s);
    }
  }
  if (a.method != "all") a.options.method = segment::parse_segment_method(a.method);
  else a.options.method = segment::SegmentMethod::Auto;
  model::attach_part_head(a.options, a.model);
  return a;
}

// --- preview rendering (colour by part, reusing the synth rasterizer) ----------------------------

Vec3 part_color(int p) {
  static const float palette[][3] = {
      {0.90f, 0.10f, 0.10f}, {0.10f, 0.45f, 0.90f}, {0.15f, 0.75f, 0.20f}, {0.95f, 0.75f, 0.10f},
      {0.60f, 0.20f, 0.80f}, {0.10f, 0.80f, 0.80f}, {0.95f, 0.45f, 0.10f}, {0.85f, 0.30f, 0.60f},
      {0.50f, 0.50f, 0.10f}, {0.40f, 0.25f, 0.10f}, {0.55f, 0.85f, 0.55f}, {0.20f, 0.20f, 0.50f},
      {0.98f, 0.60f, 0.60f}, {0.50f, 0.70f, 0.95f}, {0.30f, 0.30f, 0.30f}, {0.95f, 0.95f, 0.55f}};
  const auto& c = palette[p % 16];
  return Vec3(c[0], c[1], c[2]).array().pow(2.2f);  // palette is sRGB; meshes store linear
}

render::Image preview(const Mesh& mesh, const std::vector<std::int32_t>& part, int size) {
  Mesh m;  // unshared corners so each face shows its own part colour
  for (std::size_t f = 0; f < mesh.triangles.size(); ++f) {
    const Vec3 c = part_color(part[f]);
    for (int k = 0; k < 3; ++k) {
      m.positions.push_back(mesh.positions[mesh.triangles[f][k]]);
      m.colors.push_back(Vec4(c.x(), c.y(), c.z(), 1.0f));
    }
    const std::uint32_t b = static_cast<std::uint32_t>(3 * f);
    m.triangles.push_back({b, b + 1, b + 2});
  }
  const std::vector<render::Camera> cams = render::orbit_cameras(bounding_box(mesh), 3, size, 20.0f, 30.0f);
  render::Image out;
  out.width = size * 3;
  out.height = size;
  out.rgba.assign(static_cast<std::size_t>(out.width) * out.height * 4, 255);
  for (int v = 0; v < 3; ++v) {
    const render::Image img = render::render(m, cams[v], 2);
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const std::uint8_t* s = &img.rgba[(static_cast<std::size_t>(y) * size + x) * 4];
        std::uint8_t* d = &out.rgba[(static_cast<std::size_t>(y) * out.width + v * size + x) * 4];
        const float a = s[3] / 255.0f;  // composite on white
        for (int k = 0; k < 3; ++k) d[k] = static_cast<std::uint8_t>(std::lround(s[k] * a + 255 * (1 - a)));
        d[3] = 255;
      }
    }
  }
  return out;
}

Mesh joined_mesh(const Scene& scene) { return join_parts(scene); }

// --- modes --------------------------------------------------------------------------------------

int run_synth(const Args& a) {
  synth::SynthConfig config;
  config.resolution = a.resolution;
  config.views = 0;
  config.part_meshes = false;
  // Which of our methods run: geometric and learned separately, auto derived from the two (the
  // same decision segment_mesh(Auto) takes, without running either path twice).
  const bool every = a.method == "all";
  const bool run_geo = every || a.method == "geometric" || a.method == "auto";
  const bool run_learned = every || a.method == "learned" || a.method == "auto";
  segment::SegmentOptions geo_options = a.options, learned_options = a.options;
  geo_options.method = segment::SegmentMethod::Geometric;
  learned_options.method = segment::SegmentMethod::Learned;
  struct Acc {
    double geo = 0, learned = 0, autom = 0, cgal = 0, conf = 0;
    double t_geo = 0, t_learned = 0, t_cgal = 0;
    int n = 0, parts_gt = 0, parts_geo = 0, parts_learned = 0, parts_cgal = 0, auto_learned = 0;
  };
  std::map<std::string, Acc> per;
  std::vector<std::string> order;
  if (!a.previews.empty()) std::filesystem::create_directories(a.previews);
  for (const synth::Category& cat : synth::all_categories()) {
    if (!a.only.empty() && cat.name != a.only) continue;
    order.push_back(cat.name);
    for (int k = 0; k < a.per_category; ++k) {
      const synth::SynthAsset asset = synth::generate_category_asset(config, cat.name, a.seed, k);
      const Mesh& mesh = asset.mesh;
      nlohmann::json j = {{"bench", "segment"}, {"mode", "synth"}, {"asset", asset.id},
                          {"category", cat.name}, {"seed", a.seed}, {"faces", mesh.triangles.size()}};
      Acc& acc = per[cat.name];
      segment::Segmentation geo, learned;
      segment::PartIou geo_iou, learned_iou;
      if (run_geo) {
        auto t0 = std::chrono::steady_clock::now();
        geo = segment::segment_mesh(mesh, geo_options);
        const double t = seconds_since(t0);
        geo_iou = segment::part_iou(mesh, geo.face_part, mesh.face_parts);
        j["geometric_parts"] = geo.part_count;
        j["geometric_miou"] = geo_iou.mean_iou;
        j["geometric_s"] = t;
        acc.geo += geo_iou.mean_iou;
        acc.t_geo += t;
        acc.parts_geo += geo.part_count;
        acc.parts_gt = acc.parts_gt + geo_iou.gt_parts;
      }
      if (run_learned) {
        auto t0 = std::chrono::steady_clock::now();
        learned = segment::segment_mesh(mesh, learned_options);
        const double t = seconds_since(t0);
        learned_iou = segment::part_iou(mesh, learned.face_part, mesh.face_parts);
        j["learned_parts"] = learned.part_count;
        j["learned_miou"] = learned_iou.mean_iou;
        j["learned_s"] = t;
        j["confidence"] = learned.confidence;
        acc.learned += learned_iou.mean_iou;
        acc.conf += learned.confidence;
        acc.t_learned += t;
        acc.parts_learned += learned.part_count;
        if (!run_geo) acc.parts_gt += learned_iou.gt_parts;
      }
      const bool pick_learned = run_learned && learned.confidence >= a.options.confidence_threshold;
      const segment::PartIou& auto_iou = pick_learned || !run_geo ? learned_iou : geo_iou;
      if (run_geo && run_learned) {
        j["auto_method"] = pick_learned ? "learned" : "geometric";
        j["auto_miou"] = auto_iou.mean_iou;
        acc.autom += auto_iou.mean_iou;
        acc.auto_learned += pick_learned ? 1 : 0;
      }
      {
        const segment::PartIou& shown = run_learned ? learned_iou : geo_iou;
        nlohmann::json per_part = nlohmann::json::object();
        for (std::size_t p = 0; p < shown.gt_iou.size() && p < asset.parts.size(); ++p) {
          per_part[std::to_string(p) + ":" + asset.parts[p].name] = shown.gt_iou[p];
        }
        j["gt_part_iou"] = per_part;
      }
      if (!a.previews.empty()) {
        // Rows: ground truth, geometric, learned (those that ran).
        render::Image both = preview(mesh, mesh.face_parts, 300);
        for (const segment::Segmentation* seg : {&geo, &learned}) {
          if (seg->face_part.empty()) continue;
          const render::Image row = preview(mesh, seg->face_part, 300);
          both.height += row.height;
          both.rgba.insert(both.rgba.end(), row.rgba.begin(), row.rgba.end());
        }
        const std::string bytes = render::encode_png(both);
        std::ofstream(std::filesystem::path(a.previews) / (asset.id + ".png"), std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      }
      if (a.cgal) {
        const CgalResult c = run_cgal_sdf(mesh);
        std::vector<std::int32_t> labels = c.face_part;
        if (!c.ok) labels.assign(mesh.triangles.size(), -1);
        // Faces CGAL could not take belong to no predicted part (IoU counts them as missed).
        int extra = c.parts;
        for (auto& l : labels) {
          if (l < 0) l = extra;  // one leftover bucket, matched like any other part
        }
        const segment::PartIou theirs = segment::part_iou(mesh, labels, mesh.face_parts);
        j["cgal_parts"] = c.parts;
        j["cgal_miou"] = theirs.mean_iou;
        j["cgal_s"] = c.seconds;
        if (!c.ok) j["cgal_error"] = c.error;
        acc.cgal += theirs.mean_iou;
        acc.t_cgal += c.seconds;
        acc.parts_cgal += c.parts;
      }
      ++acc.n;
      std::printf("%s\n", j.dump().c_str());
      std::fflush(stdout);
    }
  }
  std::fprintf(stderr, "\n%-12s %3s %6s %6s %6s %8s %8s %8s %8s %6s %5s %7s %7s %7s\n", "category", "n",
               "gt_prt", "geo_pt", "lrn_pt", "geo_mIoU", "lrn_mIoU", "auto", "cgal", "conf",
               "auto_l", "geo_s", "lrn_s", "cgal_s");
  Acc all;
  double cat_geo = 0, cat_learned = 0, cat_auto = 0, cat_cgal = 0;
  const auto row = [](const char* name, const Acc& c) {
    const double n = c.n;
    std::fprintf(stderr, "%-12s %3d %6.1f %6.1f %6.1f %8.3f %8.3f %8.3f %8.3f %6.3f %5d %7.3f %7.3f %7.3f\n",
                 name, c.n, c.parts_gt / n, c.parts_geo / n, c.parts_learned / n, c.geo / n,
                 c.learned / n, c.autom / n, c.cgal / n, c.conf / n, c.auto_learned, c.t_geo / n,
                 c.t_learned / n, c.t_cgal / n);
  };
  for (const std::string& name : order) {
    const Acc& c = per[name];
    if (c.n == 0) continue;
    row(name.c_str(), c);
    all.n += c.n;
    all.geo += c.geo;
    all.learned += c.learned;
    all.autom += c.autom;
    all.cgal += c.cgal;
    all.conf += c.conf;
    all.t_geo += c.t_geo;
    all.t_learned += c.t_learned;
    all.t_cgal += c.t_cgal;
    all.parts_gt += c.parts_gt;
    all.parts_geo += c.parts_geo;
    all.parts_learned += c.parts_learned;
    all.parts_cgal += c.parts_cgal;
    all.auto_learned += c.auto_learned;
    cat_geo += c.geo / c.n;
    cat_learned += c.learned / c.n;
    cat_auto += c.autom / c.n;
    cat_cgal += c.cgal / c.n;
  }
  const double nc = static_cast<double>(order.size());
  row("ALL(assets)", all);
  const double n = all.n;
  nlohmann::json summary = {{"bench", "segment"}, {"mode", "synth_summary"}, {"assets", all.n},
                            {"categories", order.size()}, {"seed", a.seed}, {"method", a.method},
                            {"confidence_threshold", a.options.confidence_threshold},
                            {"geometric_miou", all.geo / n}, {"learned_miou", all.learned / n},
                            {"auto_miou", all.autom / n}, {"cgal_miou", all.cgal / n},
                            {"auto_learned_assets", all.auto_learned},
                            {"geometric_miou_category_mean", cat_geo / nc},
                            {"learned_miou_category_mean", cat_learned / nc},
                            {"auto_miou_category_mean", cat_auto / nc},
                            {"cgal_miou_category_mean", cat_cgal / nc},
                            {"geometric_s_mean", all.t_geo / n}, {"learned_s_mean", all.t_learned / n},
                            {"cgal_s_mean", all.t_cgal / n}};
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

int run_real(const Args& a) {
  if (a.positional.size() < 2) throw Error(ExitCode::Usage, "real OUT_DIR MESH...");
  const std::filesystem::path out = a.positional[0];
  std::filesystem::create_directories(out);
  std::fprintf(stderr, "\n%-22s %7s %6s %6s %8s %8s %6s %9s %6s\n", "mesh", "faces", "parts", "cgal", "ours_s",
               "cgal_s", "all", "method", "conf");
  for (std::size_t i = 1; i < a.positional.size(); ++i) {
    const std::filesystem::path path = a.positional[i];
    const Mesh mesh = joined_mesh(io::load_scene(path));
    auto t0 = std::chrono::steady_clock::now();
    const segment::Segmentation seg = segment::segment_mesh(mesh, a.options);
    const double t_ours = seconds_since(t0);
    bool all_assigned = seg.face_part.size() == mesh.triangles.size();
    for (std::int32_t p : seg.face_part) all_assigned = all_assigned && p >= 0 && p < seg.part_count;
    const std::string png = (out / (path.stem().string() + "_segment.png")).string();
    {
      const std::string bytes = render::encode_png(preview(mesh, seg.face_part, 360));
      std::ofstream(png, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    nlohmann::json j = {{"bench", "segment"}, {"mode", "real"}, {"mesh", path.filename().string()},
                        {"faces", mesh.triangles.size()}, {"parts", seg.part_count},
                        {"regions", seg.regions_before_merge}, {"every_face_assigned", all_assigned},
                        {"ours_s", t_ours}, {"preview", png}, {"method", seg.method},
                        {"confidence", seg.confidence}, {"fallback", seg.fallback_reason}};
    if (a.options.method != segment::SegmentMethod::Geometric) {
      // What the learned head alone makes of it (auto may not have used it), for the previews.
      segment::SegmentOptions lo = a.options;
      lo.method = segment::SegmentMethod::Learned;
      lo.parts = 0;
      const segment::Segmentation learned = segment::segment_mesh(mesh, lo);
      const std::string lpng = (out / (path.stem().string() + "_learned.png")).string();
      const std::string bytes = render::encode_png(preview(mesh, learned.face_part, 360));
      std::ofstream(lpng, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      nlohmann::json names = nlohmann::json::array();
      for (const std::string& sname : learned.semantic) names.push_back(sname);
      j["learned_preview"] = lpng;
      j["learned_parts"] = learned.part_count;
      j["learned_semantic"] = names;
    }
    CgalResult c;
    if (a.cgal) {
      c = run_cgal_sdf(mesh);
      j["cgal_parts"] = c.parts;
      j["cgal_s"] = c.seconds;
      if (!c.ok) j["cgal_error"] = c.error;
      if (c.ok) {
        std::vector<std::int32_t> labels = c.face_part;
        for (auto& l : labels) l = std::max(l, 0);
        const std::string cpng = (out / (path.stem().string() + "_cgal_sdf.png")).string();
        const std::string bytes = render::encode_png(preview(mesh, labels, 360));
        std::ofstream(cpng, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        j["cgal_preview"] = cpng;
      }
    }
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "%-22s %7zu %6d %6d %8.3f %8.3f %6s %9s %6.3f\n", path.filename().string().c_str(),
                 mesh.triangles.size(), seg.part_count, c.parts, t_ours, c.seconds,
                 all_assigned ? "yes" : "NO", seg.method.c_str(), seg.confidence);
  }
  return 0;
}

int run_time(const Args& a) {
  if (a.positional.empty()) throw Error(ExitCode::Usage, "time MESH");
  const Mesh mesh = joined_mesh(io::load_scene(a.positional[0]));
  double best = 1e30, best_cgal = 1e30;
  int parts = 0;
  segment::Segmentation seg;
  for (int r = 0; r < 3; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    seg = segment::segment_mesh(mesh, a.options);
    parts = seg.part_count;
    best = std::min(best, seconds_since(t0));
  }
  if (a.cgal) best_cgal = run_cgal_sdf(mesh).seconds;  // one run: it is the slow one
  nlohmann::json j = {{"bench", "segment"}, {"mode", "time"}, {"mesh", a.positional[0]},
                      {"faces", mesh.triangles.size()}, {"parts", parts}, {"ours_s_best_of_3", best},
                      {"threads", worker_threads()}, {"method", seg.method},
                      {"requested", segment::segment_method_name(a.options.method)},
                      {"confidence", seg.confidence}};
  if (a.cgal) {
    j["cgal_s"] = best_cgal;
    j["cgal_over_ours"] = best_cgal / best;
  }
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    if (a.mode == "synth") return run_synth(a);
    if (a.mode == "real") return run_real(a);
    if (a.mode == "time") return run_time(a);
    throw Error(ExitCode::Usage, "unknown mode " + a.mode);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "segment_bench: %s\n", e.what());
    return 2;
  }
}
