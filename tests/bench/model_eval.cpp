// Quality figures of the default model (models/default/MODEL_CARD.md), on data it never trained on.
//
//   flexforge_bench_model vae MODEL [--synth N] [--real DIR]
//       Reconstructs N held-out synth assets (seed 20250707; training used seed 1) and the 10
//       held-out libcgal-demo meshes through the VAE, and extracts the same meshes directly from
//       their signed distance at the same resolution with no network. Chamfer-L1 (point to
//       point), F@0.01, F@0.005, normal consistency, 100k samples (docs/metrics.md).
//
//   flexforge_bench_model generate MODEL [--categories C] [--per-category K] [--images N]
//                                        [--multimodal M] [--steps S] [--seed DATA_SEED]
//                                        [--image-weight W[,W...]] [--sections text,attributes,image,closed]
//                                        [--structure-guidance G] [--latent-guidance G]
//                                        [--occupancy-threshold L] [--keep-logit L] [--heun 0|1]
//                                        [--candidates N] [--image-prior-noise T]
//                                        [--multimodal-prior-noise T] [--text-prior-noise T]
//                                        [--given-structure 0|1] [--watertight 0|1]
//                                        [--min-component-area SHARE]
//       Text: K held-out captions per category (the colour-led phrasing, never trained on) from
//       held-out assets; the generated mesh's nearest held-out shape (Chamfer, both normalised to
//       a unit bounding-box diagonal) must have the prompt's category. Attributes: "a tall X" vs
//       "a short X" for every category with that size word, same seed; the height ratio is taken
//       on the normalised shapes (height / horizontal extent), since every asset is scaled to the
//       unit cube. Image: N held-out renders -> F@0.01 against the source shape; multimodal: the
//       same assets with text only, image only, and both, and the image F per category.
//       --given-structure 1 gives the image and multimodal prompts their source shape's voxels
//       (model::Prompt::structure), skipping stage 1: what the latent stage reaches when the
//       structure is right, the ceiling of the structure stage's improvements. Closed: every
//       held asset's caption and render as prompts, raw output (no completion) checked as a closed
//       2-manifold with no component under 1% of the area (check_closed_surface). Timing: median
//       seconds per stage.
//
//   flexforge_bench_model profile MODEL [--prompt P] [--steps S]
//       One generation under libtorch's profiler: share of the wall time spent in GEMM
//       (mm/addmm/bmm) and attention softmax against everything else.
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/metrics.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/io/import.h"
#include "flexforge/model/generate.h"
#include "flexforge/model/generator_training.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/reconstruct.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/synth.h"

#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace flexforge;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kHeldOutSeed = 20250707;
const std::vector<std::string> kHeldOutReal = {"elephant", "cow",      "pig", "homer", "bunny00",
                                               "camel",    "armadillo", "man", "dino",  "bull"};

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string name;
  MeshDistance net, direct;
};

void print_rows(const char* title, const std::vector<Row>& rows) {
  double n[4] = {0, 0, 0, 0}, d[4] = {0, 0, 0, 0};
  std::printf("%s\n%-28s %9s %7s %7s %6s | %9s %7s %7s %6s\n", title, "shape", "CD", "F@.01",
              "F@.005", "NC", "CD dir", "F@.01", "F@.005", "NC");
  for (const auto& r : rows) {
    std::printf("%-28s %9.5f %7.4f %7.4f %6.3f | %9.5f %7.4f %7.4f %6.3f\n", r.name.c_str(),
                r.net.chamfer_l1, r.net.fscore[0], r.net.fscore[1], r.net.normal_consistency,
                r.direct.chamfer_l1, r.direct.fscore[0], r.direct.fscore[1],
                r.direct.normal_consistency);
    n[0] += r.net.chamfer_l1, n[1] += r.net.fscore[0], n[2] += r.net.fscore[1], n[3] += r.net.normal_consistency;
    d[0] += r.direct.chamfer_l1, d[1] += r.direct.fscore[0], d[2] += r.direct.fscore[1], d[3] += r.direct.normal_consistency;
  }
  const double k = std::max<std::size_t>(1, rows.size());
  std::printf("%-28s %9.5f %7.4f %7.4f %6.3f | %9.5f %7.4f %7.4f %6.3f   (n=%zu)\n\n", "MEAN",
              n[0] / k, n[1] / k, n[2] / k, n[3] / k, d[0] / k, d[1] / k, d[2] / k, d[3] / k,
              rows.size());
}

int run_vae(const std::string& model, int synth_count, const fs::path& real_dir) {
  model::ReconstructOptions net;
  net.model_dir = model;
  model::ReconstructOptions direct;
  direct.direct = true;
  MetricOptions metric;
  double net_seconds = 0;
  const auto evaluate = [&](const std::string& name, const Mesh& mesh) {
    Row r{name, {}, {}};
    const auto t0 = std::chrono::steady_clock::now();
    const auto a = model::reconstruct_mesh(mesh, net);
    net_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.net = compare_meshes(a.mesh, mesh, metric);
    r.direct = compare_meshes(model::reconstruct_mesh(mesh, direct).mesh, mesh, metric);
    return r;
  };
  // The direct reference runs at the network's own fine resolution.
  {
    const auto vae = model::open_model(model).network("vae");
    direct.resolution = static_cast<int>(vae.get<int64_t>("base_resolution") << vae.get<int64_t>("levels"));
    std::printf("resolution %d (fine grid of the VAE and of the direct extraction)\n", direct.resolution);
  }
  std::vector<Row> synth_rows, real_rows;
  synth::SynthConfig config;
  config.views = 0;
  config.part_meshes = false;
  for (int i = 0; i < synth_count; ++i) {
    const auto asset = synth::generate_asset(config, kHeldOutSeed, static_cast<std::size_t>(i));
    synth_rows.push_back(evaluate(asset.id, asset.mesh));
    std::fprintf(stderr, "\r%d/%d synth", i + 1, synth_count);
  }
  std::fprintf(stderr, "\n");
  for (const auto& name : kHeldOutReal) {
    const fs::path file = real_dir / (name + ".off");
    if (!fs::exists(file)) continue;
    real_rows.push_back(evaluate(name, join_parts(io::load_scene(file))));
  }
  print_rows("held-out synth (seed 20250707): VAE round trip | direct extraction, same resolution", synth_rows);
  print_rows("held-out real (libcgal-demo): VAE round trip | direct extraction, same resolution", real_rows);
  std::printf("VAE round trip: %.2f s per mesh on average\n",
              net_seconds / std::max<std::size_t>(1, synth_rows.size() + real_rows.size()));
  return 0;
}

Mesh unit_diagonal(const Mesh& m) {
  Mesh out = m;
  transform(out, normalize_to_unit_diagonal_transform(bounding_box(m)));
  return out;
}

// Height over horizontal extent (Y up), on a shape already scaled to the unit cube.
double aspect(const Mesh& m) {
  const Aabb b = bounding_box(m);
  const Vec3 e = b.max - b.min;
  return e.y() / std::max(1e-6f, std::max(e.x(), e.z()));
}

// `data_seed`: the synth seed of prompts and gallery (held-out 20250707 for reported figures; a
// tuning seed such as 2 for choosing inference settings). `image_weights`: the --image-weight
// values of the text+image prompts, each scored on the same assets (a comma list in the CLI).
// `sections`: which parts run ("text", "attributes", "image"; multimodal belongs to "image"), so a
// sweep of one inference setting need not pay for all of them.
struct EvalSettings {
  std::uint64_t data_seed = kHeldOutSeed;
  std::vector<double> image_weights = {model::kDefaultImageWeight};
  int categories = 0, per_category = 5, images = 50, multimodal = 25;
  bool given_structure = false;  // image section: prompts carry their source shape's voxels
  std::string sections = "text,attributes,image";
  model::GenerateOptions options;  // the sampler settings under test (defaults = shipped)
  bool runs(const char* section) const { return sections.find(section) != std::string::npos; }
};

int run_generate(const std::string& model_name, const EvalSettings& e) {
  model::Generator generator(model_name, "cpu");
  const model::GenerateOptions& options = e.options;
  const std::uint64_t data_seed = e.data_seed;
  const int categories_used = e.categories, per_category = e.per_category, images = e.images,
            multimodal = e.multimodal, steps = options.structure_steps;
  synth::SynthConfig config;
  config.views = 1;
  config.image_size = 256;
  config.part_meshes = false;
  auto categories = config.category_list();
  if (categories_used > 0 && categories_used < static_cast<int>(categories.size())) {
    // Spread over the registry (furniture ... creatures ... occlusion scenes).
    std::vector<std::string> picked;
    for (int i = 0; i < categories_used; ++i) picked.push_back(categories[i * categories.size() / categories_used]);
    categories = picked;
  }
  config.categories = categories;
  const fs::path tmp = fs::temp_directory_path() / "flexforge_model_eval";
  fs::create_directories(tmp);

  // Gallery of held-out shapes (retrieval targets) and prompts from the same held-out assets.
  struct HeldOut {
    std::string category;
    std::string caption;
    fs::path image;
    Mesh mesh;  // unit cube frame, as the generator outputs
  };
  std::vector<HeldOut> held;
  const std::size_t total = categories.size() * static_cast<std::size_t>(per_category);
  for (std::size_t i = 0; i < total; ++i) {
    auto asset = synth::generate_asset(config, data_seed, i);
    HeldOut h;
    h.category = asset.category;
    h.caption = asset.captions.at(model::kHeldOutCaption);
    h.image = tmp / (asset.id + ".png");
    std::ofstream(h.image, std::ios::binary) << render::encode_png(asset.views.at(0).image);
    h.mesh = model::normalize_mesh_for_field(asset.mesh);
    held.push_back(std::move(h));
  }
  std::vector<Mesh> gallery;
  for (const auto& h : held) gallery.push_back(unit_diagonal(h.mesh));
  MetricOptions quick;
  quick.samples = 5000;
  std::map<std::string, std::vector<double>> stage_seconds;
  const auto run = [&](const std::vector<model::Prompt>& prompts) {
    std::vector<model::GeneratedMesh> out;
    for (std::size_t i = 0; i < prompts.size(); i += 4) {
      std::vector<model::Prompt> chunk(prompts.begin() + i, prompts.begin() + std::min(prompts.size(), i + 4));
      for (auto& m : generator.generate(chunk, options)) {
        for (const auto& [stage, s] : m.seconds) stage_seconds[stage].push_back(s);
        out.push_back(std::move(m));
      }
      std::fprintf(stderr, "\r%zu/%zu", std::min(prompts.size(), i + 4), prompts.size());
    }
    std::fprintf(stderr, "\n");
    return out;
  };

  // Text -> category by nearest held-out shape.
  if (e.runs("text")) {
    std::vector<model::Prompt> text_prompts;
    for (std::size_t i = 0; i < held.size(); ++i) {
      text_prompts.push_back({held[i].caption, {}, 1.0, 1000 + i});
    }
    const auto text_out = run(text_prompts);
    std::map<std::string, std::pair<int, int>> per_cat;
    std::map<std::string, std::string> confused_with;  // category -> nearest categories of its misses
    int correct = 0;
    for (std::size_t i = 0; i < held.size(); ++i) {
      const Mesh g = unit_diagonal(text_out[i].mesh);
      double best = 1e9;
      std::size_t best_j = 0;
      for (std::size_t j = 0; j < gallery.size(); ++j) {
        if (g.triangles.empty()) break;
        const double d = compare_meshes(g, gallery[j], quick).chamfer_l1;
        if (d < best) best = d, best_j = j;
      }
      const bool ok = !g.triangles.empty() && held[best_j].category == held[i].category;
      correct += ok;
      auto& c = per_cat[held[i].category];
      c.first += ok;
      c.second += 1;
      if (!ok) confused_with[held[i].category] += " " + (g.triangles.empty() ? "(empty)" : held[best_j].category);
    }
    std::printf("TEXT: nearest held-out shape has the prompt's category: %d/%zu = %.1f%%\n", correct,
                held.size(), 100.0 * correct / std::max<std::size_t>(1, held.size()));
    for (const auto& [cat, c] : per_cat) {
      std::printf("  %-14s %d/%d%s%s\n", cat.c_str(), c.first, c.second, c.first < c.second ? "  misses ->" : "",
                  confused_with[cat].c_str());
    }
  }

  // Attributes: tall vs short, same seed.
  if (e.runs("attributes")) {
    const std::vector<std::string> sized = {"stool", "shelf", "lamp", "tree", "cactus", "tower",
                                            "mug",   "bottle", "vase", "bucket", "humanoid", "flower"};
    std::vector<model::Prompt> pairs;
    for (std::size_t i = 0; i < sized.size(); ++i) {
      pairs.push_back({"a tall " + sized[i], {}, 1.0, 500 + i});
      pairs.push_back({"a short " + sized[i], {}, 1.0, 500 + i});
    }
    const auto pair_out = run(pairs);
    int taller = 0;
    for (std::size_t i = 0; i < sized.size(); ++i) {
      const double ratio = aspect(pair_out[2 * i].mesh) / std::max(1e-6, aspect(pair_out[2 * i + 1].mesh));
      taller += ratio > 1.2;
      std::printf("  tall/short %-10s height ratio %.2f\n", sized[i].c_str(), ratio);
    }
    std::printf("ATTRIBUTES: tall/short height ratio > 1.2 in %d/%zu pairs = %.1f%%\n", taller,
                sized.size(), 100.0 * taller / sized.size());
  }

  // Image on N held-out renders; text only and text+image on the first M of the same assets.
  if (e.runs("image")) {
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(images), held.size());
    const std::size_t m = std::min<std::size_t>(static_cast<std::size_t>(multimodal), n);
    const auto asset_of = [&](std::size_t i) { return i * held.size() / n; };  // spread over categories
    std::vector<model::Prompt> image_prompts, text_only;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = asset_of(i);
      image_prompts.push_back({"", held[k].image, 1.0, 2000 + i});
      if (i < m) text_only.push_back({held[k].caption, {}, 1.0, 2000 + i});
    }
    const auto give_structure = [&](std::vector<model::Prompt>& prompts) {
      if (!e.given_structure) return;
      for (std::size_t i = 0; i < prompts.size(); ++i) prompts[i].structure = held[asset_of(i)].mesh;
    };
    give_structure(image_prompts);
    give_structure(text_only);
    MetricOptions metric;
    const auto scores = [&](const std::vector<model::GeneratedMesh>& out) {
      std::vector<double> f;
      for (std::size_t i = 0; i < out.size(); ++i) {
        const auto& mesh = out[i].mesh;
        f.push_back(mesh.triangles.empty() ? 0.0 : compare_meshes(mesh, held[asset_of(i)].mesh, metric).fscore[0]);
      }
      return f;
    };
    const auto mean_of = [](const std::vector<double>& v, std::size_t count) {
      double sum = 0;
      for (std::size_t i = 0; i < count && i < v.size(); ++i) sum += v[i];
      return sum / std::max<std::size_t>(1, std::min(count, v.size()));
    };
    const auto f_image = scores(run(image_prompts));
    const auto f_text = scores(run(text_only));
    std::printf("IMAGE: mean F@0.01 vs the source shape over %zu held-out renders%s: %.3f\n", n,
                e.given_structure ? " (source structure given)" : "", mean_of(f_image, n));
    std::map<std::string, std::vector<double>> per_category;
    for (std::size_t i = 0; i < f_image.size(); ++i) per_category[held[asset_of(i)].category].push_back(f_image[i]);
    for (const auto& [cat, f] : per_category) {
      std::printf("  %-14s F@0.01 %.3f over %zu\n", cat.c_str(), mean_of(f, f.size()), f.size());
    }
    for (const double w : m > 0 ? e.image_weights : std::vector<double>{}) {
      std::vector<model::Prompt> both;
      for (std::size_t i = 0; i < m; ++i) both.push_back({held[asset_of(i)].caption, held[asset_of(i)].image, w, 2000 + i});
      give_structure(both);
      const auto f_both = scores(run(both));
      std::printf("MULTIMODAL (first %zu of those assets, image weight %.2f): text %.3f, image %.3f, text+image %.3f\n",
                  m, w, mean_of(f_text, m), mean_of(f_image, m), mean_of(f_both, m));
    }
  }
  // Closed by construction: raw generated meshes (no completion), text prompts from every held
  // asset's caption and image prompts from every held asset's render.
  if (e.runs("closed")) {
    std::vector<model::Prompt> prompts;
    for (std::size_t i = 0; i < held.size(); ++i) {
      prompts.push_back({held[i].caption, {}, 1.0, 3000 + i});
      prompts.push_back({"", held[i].image, 1.0, 3000 + i});
    }
    const auto out = run(prompts);
    std::size_t watertight = 0, oriented = 0, one = 0, no_small = 0, closed = 0;
    std::map<std::string, std::pair<int, int>> per_cat;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const ClosedSurfaceCheck c = check_closed_surface(out[i].mesh);
      watertight += c.watertight;
      oriented += c.oriented;
      one += c.components == 1;
      no_small += c.components > 0 && c.smallest_share >= 0.01;
      closed += c.closed();
      auto& pc = per_cat[held[i / 2].category];
      pc.first += c.closed();
      pc.second += 1;
    }
    const double n = static_cast<double>(std::max<std::size_t>(1, out.size()));
    std::printf("CLOSED: raw meshes that are closed 2-manifolds with no component under 1%% of the area: "
                "%zu/%zu = %.1f%% (watertight %.1f%%, oriented %.1f%%, one component %.1f%%, no small component %.1f%%)\n",
                closed, out.size(), 100.0 * closed / n, 100.0 * watertight / n, 100.0 * oriented / n,
                100.0 * one / n, 100.0 * no_small / n);
    for (const auto& [cat, c] : per_cat) {
      if (c.first < c.second) std::printf("  %-14s %d/%d closed\n", cat.c_str(), c.first, c.second);
    }
  }
  std::printf("TIMING (median s per asset, batches of 4, steps %d):", steps);
  double total_median = 0;
  for (const auto& [stage, v] : stage_seconds) {
    std::printf(" %s %.2f", stage.c_str(), median(v));
    total_median += median(v);
  }
  std::printf(" | sum %.2f\n", total_median);
  return 0;
}

// Where the time of one generation goes: the libtorch profiler's leaf matrix-multiply and
// softmax kernels (the GEMM/attention arithmetic) against the wall time of the whole call.
int run_profile(const std::string& model_name, const std::string& prompt, int steps) {
  model::Generator generator(model_name, "cpu");
  model::GenerateOptions options;
  options.structure_steps = options.latent_steps = steps;
  generator.generate({{prompt, {}, 1.0, 1}}, options);  // warm-up (allocations, kernel maps)
  const fs::path trace = fs::temp_directory_path() / "flexforge_generate_trace.json";
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<model::GeneratedMesh> out;
  {
    torch::autograd::profiler::RecordProfile guard(trace.string());
    out = generator.generate({{prompt, {}, 1.0, 1}}, options);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ifstream in(trace);
  const auto j = nlohmann::json::parse(in);
  const auto& events = j.is_array() ? j : j["traceEvents"];
  std::map<std::string, double> leaf;
  const std::set<std::string> gemm = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm",
                                      "aten::addmm_", "aten::_softmax"};
  double gemm_seconds = 0;
  for (const auto& e : events) {
    if (e.value("ph", "") != "X") continue;
    const std::string name = e.value("name", "");
    if (!gemm.count(name)) continue;
    const double s = e.value("dur", 0.0) * 1e-6;
    leaf[name] += s;
    gemm_seconds += s;
  }
  std::printf("PROFILE \"%s\" steps %d: wall %.2f s (with profiler overhead)\n", prompt.c_str(), steps, wall);
  for (const auto& [stage, sec] : out.front().seconds) std::printf("  stage %-10s %.2f s\n", stage.c_str(), sec);
  for (const auto& [name, sec] : leaf) std::printf("  %-16s %.2f s\n", name.c_str(), sec);
  std::printf("  GEMM + attention softmax: %.2f s = %.1f%% of the wall time; everything else %.1f%%\n",
              gemm_seconds, 100.0 * gemm_seconds / wall, 100.0 * (1.0 - gemm_seconds / wall));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 3) {
      std::fprintf(stderr, "usage: %s vae|generate MODEL [options]\n", argv[0]);
      return 2;
    }
    const std::string mode = argv[1], model = argv[2];
    std::map<std::string, std::string> opt;
    for (int i = 3; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
    const auto get = [&](const char* k, const std::string& d) { return opt.count(k) ? opt[k] : d; };
    if (mode == "vae") {
      return run_vae(model, std::stoi(get("--synth", "50")), get("--real", ".cache/cgal-data/meshes"));
    }
    if (mode == "generate") {
      EvalSettings e;
      const auto number = [&](const char* k, double d) { return opt.count(k) ? std::stod(opt[k]) : d; };
      e.data_seed = std::stoull(get("--seed", std::to_string(kHeldOutSeed)));
      if (opt.count("--image-weight")) {
        e.image_weights.clear();
        std::stringstream list(opt["--image-weight"]);
        for (std::string w; std::getline(list, w, ',');) e.image_weights.push_back(std::stod(w));
      }
      e.categories = static_cast<int>(number("--categories", 0));
      e.per_category = static_cast<int>(number("--per-category", 5));
      e.images = static_cast<int>(number("--images", 50));
      e.multimodal = static_cast<int>(number("--multimodal", 25));
      e.sections = get("--sections", e.sections);
      e.given_structure = number("--given-structure", 0) != 0;
      auto& o = e.options;
      o.structure_steps = o.latent_steps = static_cast<int>(number("--steps", o.structure_steps));
      o.structure_guidance = number("--structure-guidance", o.structure_guidance);
      o.latent_guidance = number("--latent-guidance", o.latent_guidance);
      o.occupancy_threshold = number("--occupancy-threshold", o.occupancy_threshold);
      o.keep_logit = number("--keep-logit", o.keep_logit);
      o.heun = number("--heun", 0) != 0;
      o.watertight = number("--watertight", o.watertight ? 1 : 0) != 0;
      o.min_component_share = number("--min-component-area", o.min_component_share);
      o.image_candidates = static_cast<int>(number("--candidates", o.image_candidates));
      o.image_prior_noise = number("--image-prior-noise", o.image_prior_noise);
      o.multimodal_prior_noise = number("--multimodal-prior-noise", o.multimodal_prior_noise);
      o.text_prior_noise = number("--text-prior-noise", o.text_prior_noise);
      o.validate();
      return run_generate(model, e);
    }
    if (mode == "profile") {
      return run_profile(model, get("--prompt", "a wooden chair with armrests"), std::stoi(get("--steps", "12")));
    }
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
