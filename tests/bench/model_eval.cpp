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
//                                        [--image-weight W[,W...]] [--sections text,attributes,image,closed,real,distinct]
//                                        [--structure-guidance G] [--latent-guidance G]
//                                        [--occupancy-threshold L] [--keep-logit L] [--heun 0|1]
//                                        [--candidates N] [--image-prior-noise T]
//                                        [--multimodal-prior-noise T] [--text-prior-noise T]
//                                        [--given-structure 0|1] [--watertight 0|1]
//                                        [--min-component-area SHARE]
//                                        [--real-set DIR] [--real-limit N] [--per-asset 0|1]
//                                        [--contact-sheet PNG]
//       Text: K held-out captions per category (the colour-led phrasing, never trained on) from
//       held-out assets, and the category's bare noun ("a lamp") with the same seeds; the
//       generated mesh's nearest held-out shape (Chamfer, both normalised to a unit bounding-box
//       diagonal) must have the prompt's category. Attributes: "a tall X" vs
//       "a short X" for every category with that size word, same seed; the height ratio is taken
//       on the normalised shapes (height / horizontal extent), since every asset is scaled to the
//       unit cube. Image: N held-out renders -> F@0.01 against the source shape; multimodal: the
//       same assets with text only, image only, and both, and the image F per category.
//       --given-structure 1 gives the image and multimodal prompts their source shape's voxels
//       (model::Prompt::structure), skipping stage 1: what the latent stage reaches when the
//       structure is right, the ceiling of the structure stage's improvements. Closed: every
//       held asset's caption and render as prompts, raw output (no completion) checked as a closed
//       2-manifold with no component under 1% of the area (check_closed_surface). Real (not in
//       the default sections): the held-out catalog BlendSwap-CC-BY as `flexforge dataset build
//       --held-out` writes it (--real-set); each asset's first view (synth framing) as an image
//       prompt, F@0.01 against its closed surface, per category; each name that maps to a
//       concept as a text prompt, right when the nearest held-out real shape has its category;
//       --contact-sheet writes 40 of the renders beside a render of their raw output.
//       Distinct: ten words the model does not know, mapped to ten concepts ("a mastiff", "a
//       limousine", ...), two seeds each; word pairs further apart (Chamfer) than the median spread
//       between two seeds of one word. Timing: median seconds per stage.
//
//   flexforge_bench_model profile MODEL [--prompt P] [--steps S]
//       One generation under libtorch's profiler: share of the wall time spent in GEMM
//       (mm/addmm/bmm) and attention softmax against everything else.
#include "flexforge/condition/image_input.h"
#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/core/metrics.h"
#include "flexforge/core/scene_ops.h"
#include "flexforge/dataset/dataset_build.h"
#include "flexforge/dataset/real_captions.h"
#include "flexforge/io/import.h"
#include "flexforge/model/generate.h"
#include "flexforge/model/generator_training.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/reconstruct.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/render/rasterizer.h"
#include "flexforge/synth/categories.h"
#include "flexforge/synth/synth.h"

#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
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

// Contact sheet: pairs of (input view, output render) tiles, `columns` pairs per row, composited
// on white. Tiles are box-filtered down from the input and rendered at tile size for the output.
void paste_tile(render::Image& sheet, const render::Image& tile, int x0, int y0, int size) {
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      // Box filter over the source pixels this tile pixel covers.
      const int sx0 = x * tile.width / size, sx1 = std::max(sx0 + 1, (x + 1) * tile.width / size);
      const int sy0 = y * tile.height / size, sy1 = std::max(sy0 + 1, (y + 1) * tile.height / size);
      double rgb[3] = {0, 0, 0};
      int n = 0;
      for (int sy = sy0; sy < sy1; ++sy) {
        for (int sx = sx0; sx < sx1; ++sx) {
          const std::uint8_t* p = &tile.rgba[4 * (static_cast<std::size_t>(sy) * tile.width + sx)];
          const double a = p[3] / 255.0;
          for (int c = 0; c < 3; ++c) rgb[c] += a * p[c] + (1 - a) * 255.0;
          ++n;
        }
      }
      std::uint8_t* q = &sheet.rgba[4 * (static_cast<std::size_t>(y0 + y) * sheet.width + x0 + x)];
      for (int c = 0; c < 3; ++c) q[c] = static_cast<std::uint8_t>(std::lround(rgb[c] / n));
      q[3] = 255;
    }
  }
}

void write_contact_sheet(const fs::path& file, const std::vector<std::pair<render::Image, Mesh>>& pairs, int tile,
                         int columns) {
  render::Image sheet;
  const int rows = static_cast<int>((pairs.size() + columns - 1) / columns);
  const int gap = tile / 8;
  sheet.width = columns * (2 * tile + gap);
  sheet.height = rows * tile;
  sheet.rgba.assign(static_cast<std::size_t>(sheet.width) * sheet.height * 4, 255);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const int x0 = static_cast<int>(i % columns) * (2 * tile + gap), y0 = static_cast<int>(i / columns) * tile;
    paste_tile(sheet, pairs[i].first, x0, y0, tile);
    const Mesh& mesh = pairs[i].second;
    if (mesh.triangles.empty()) continue;
    const auto camera = render::orbit_cameras(bounding_box(mesh), 1, 2 * tile, 20.0f, 35.0f).front();
    paste_tile(sheet, render::render(mesh, camera), x0 + tile, y0, tile);
  }
  std::ofstream(file, std::ios::binary) << render::encode_png(sheet);
  std::printf("wrote %s (%zu input/output pairs)\n", file.string().c_str(), pairs.size());
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
  bool given_structure = false;  // image and real sections: prompts carry their source shape's voxels
  std::string sections = "text,attributes,image";
  model::GenerateOptions options;  // the sampler settings under test (defaults = shipped)
  bool runs(const char* section) const { return sections.find(section) != std::string::npos; }
  fs::path real_set;       // section "real": a dataset build --held-out directory
  int real_limit = 0;      // at most this many of its assets (0 = all), spaced through it
  bool per_asset = false;  // print every real asset's F-score
  fs::path contact_sheet;  // section "real": 40 input/output pairs as one PNG
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

  // Nearest gallery shape (Chamfer) of each generated mesh: its index, or none for an empty mesh.
  const auto nearest = [&](const Mesh& generated, const std::vector<Mesh>& shapes) -> std::optional<std::size_t> {
    const Mesh g = unit_diagonal(generated);
    if (g.triangles.empty()) return std::nullopt;
    double best = 1e9;
    std::size_t best_j = 0;
    for (std::size_t j = 0; j < shapes.size(); ++j) {
      const double d = compare_meshes(g, shapes[j], quick).chamfer_l1;
      if (d < best) best = d, best_j = j;
    }
    return best_j;
  };
  // Text -> category by nearest held-out shape, as a table per category with what the misses
  // came out nearest to.
  const auto retrieval = [&](const char* title, const std::vector<model::GeneratedMesh>& out,
                             const std::vector<std::string>& wanted, const std::vector<Mesh>& shapes,
                             const std::vector<std::string>& shape_category) {
    std::map<std::string, std::pair<int, int>> per_cat;
    std::map<std::string, std::string> confused_with;
    int correct = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto j = nearest(out[i].mesh, shapes);
      const bool ok = j && shape_category[*j] == wanted[i];
      correct += ok;
      auto& c = per_cat[wanted[i]];
      c.first += ok;
      c.second += 1;
      if (!ok) confused_with[wanted[i]] += " " + (j ? shape_category[*j] : std::string("(empty)"));
    }
    std::printf("%s: nearest held-out shape has the prompt's category: %d/%zu = %.1f%%\n", title, correct,
                out.size(), 100.0 * correct / std::max<std::size_t>(1, out.size()));
    for (const auto& [cat, c] : per_cat) {
      std::printf("  %-14s %d/%d%s%s\n", cat.c_str(), c.first, c.second, c.first < c.second ? "  misses ->" : "",
                  confused_with[cat].c_str());
    }
  };
  if (e.runs("text")) {
    std::vector<model::Prompt> caption_prompts, noun_prompts;
    std::vector<std::string> wanted, gallery_category;
    for (std::size_t i = 0; i < held.size(); ++i) {
      caption_prompts.push_back({held[i].caption, {}, 1.0, 1000 + i});
      // The bare noun of the category ("a lamp"): the short prompts users type most.
      const synth::Category* category = synth::find_category(held[i].category);
      const std::string noun = category ? category->synonyms.front() : held[i].category;
      noun_prompts.push_back({dataset::with_article(noun), {}, 1.0, 1000 + i});
      wanted.push_back(held[i].category);
    }
    for (const auto& h : held) gallery_category.push_back(h.category);
    retrieval("TEXT (captions)", run(caption_prompts), wanted, gallery, gallery_category);
    retrieval("TEXT (bare nouns)", run(noun_prompts), wanted, gallery, gallery_category);
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
  // Ten unrelated words the model does not know, each mapped by the lexicon to a different
  // concept: their outputs must differ from each other by more than two samples of the same word
  // differ (the same-word spread: Chamfer between seeds 0 and 1 of each word).
  if (e.runs("distinct")) {
    const std::vector<std::string> words = {"mastiff", "mare",  "armchair", "limousine", "trashcan",
                                            "tulip",   "pine",  "canoe",    "female",    "skyscraper"};
    std::vector<model::Prompt> prompts;
    for (std::size_t i = 0; i < words.size(); ++i) {
      prompts.push_back({"a " + words[i], {}, 1.0, 5000});
      prompts.push_back({"a " + words[i], {}, 1.0, 5001});
    }
    const auto out = run(prompts);
    std::vector<Mesh> shapes;
    for (const auto& m : out) shapes.push_back(unit_diagonal(m.mesh));
    const auto chamfer = [&](std::size_t a, std::size_t b) {
      return shapes[a].triangles.empty() || shapes[b].triangles.empty() ? 0.0 : compare_meshes(shapes[a], shapes[b], quick).chamfer_l1;
    };
    std::vector<double> spread;
    for (std::size_t i = 0; i < words.size(); ++i) {
      spread.push_back(chamfer(2 * i, 2 * i + 1));
      std::printf("  %-11s -> %s; same-word spread %.4f\n", words[i].c_str(),
                  out[2 * i].prompt_mappings.empty() ? "(no mapping)" : out[2 * i].prompt_mappings.front().c_str(), spread.back());
    }
    const double same = median(spread);
    int above = 0, pairs = 0;
    double closest = 1e9;
    std::string closest_pair;
    for (std::size_t i = 0; i < words.size(); ++i) {
      for (std::size_t j = i + 1; j < words.size(); ++j) {
        const double d = chamfer(2 * i, 2 * j);
        above += d > same;
        ++pairs;
        if (d < closest) closest = d, closest_pair = words[i] + " / " + words[j];
      }
    }
    std::printf("DISTINCT: %d/%d word pairs further apart than the median same-word spread %.4f (closest pair %s, %.4f)\n",
                above, pairs, same, closest_pair.c_str(), closest);
  }

  // The held-out real catalog (dataset build --held-out): its first view as the image prompt,
  // F@0.01 against the asset's closed surface, per category; and its English name as a text
  // prompt, scored by whether the nearest held-out real shape has the name's category.
  if (e.runs("real")) {
    if (e.real_set.empty()) throw Error(ExitCode::Usage, "section real needs --real-set DIR (dataset build --held-out)");
    struct Real {
      std::string id, category, name;
      fs::path image;
      Mesh mesh;
    };
    std::vector<Real> reals;
    std::ifstream in(e.real_set / "metadata.jsonl");
    if (!in) throw Error(ExitCode::InvalidInput, (e.real_set / "metadata.jsonl").string() + ": cannot read");
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto record = nlohmann::json::parse(line);
      if (!record.value("held_out", false)) {
        throw Error(ExitCode::InvalidInput, e.real_set.string() + ": not the held-out set (dataset build --held-out)");
      }
      Real r;
      r.id = record.at("id").get<std::string>();
      r.category = record.at("category").get<std::string>();
      r.name = record.at("attributes").at("real").value("name", "");
      r.image = e.real_set / record.at("files").at("views").at(0).get<std::string>();
      r.mesh = model::normalize_mesh_for_field(join_parts(io::load_scene(e.real_set / record.at("files").at("glb").get<std::string>())));
      reals.push_back(std::move(r));
    }
    if (e.real_limit > 0 && reals.size() > static_cast<std::size_t>(e.real_limit)) {
      std::vector<Real> spread;  // spaced through the catalog, which is ordered by piece
      for (int i = 0; i < e.real_limit; ++i) spread.push_back(std::move(reals[i * reals.size() / e.real_limit]));
      reals = std::move(spread);
    }
    std::vector<model::Prompt> image_prompts;
    for (std::size_t i = 0; i < reals.size(); ++i) image_prompts.push_back({"", reals[i].image, 1.0, 4000 + i});
    // --given-structure 1: the piece's own voxels replace the structure stage, so the figure
    // bounds what the latent flow and the decoder make of a right structure.
    if (e.given_structure)
      for (std::size_t i = 0; i < reals.size(); ++i) image_prompts[i].structure = reals[i].mesh;
    const auto out = run(image_prompts);
    MetricOptions metric;
    std::map<std::string, std::vector<double>> per_category;
    double sum = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double f = out[i].mesh.triangles.empty() ? 0.0 : compare_meshes(out[i].mesh, reals[i].mesh, metric).fscore[0];
      per_category[reals[i].category].push_back(f);
      sum += f;
      if (e.per_asset) std::printf("  real %-28s %-10s F@0.01 %.3f  %s\n", reals[i].id.c_str(), reals[i].category.c_str(), f, reals[i].name.c_str());
    }
    std::printf("REAL IMAGE%s: mean F@0.01 vs the closed surface over %zu held-out real renders (%s): %.3f\n",
                e.given_structure ? " (source structure given)" : "", out.size(), dataset::kHeldOutCatalog,
                sum / std::max<std::size_t>(1, out.size()));
    for (const auto& [cat, f] : per_category) {
      double s = 0;
      for (double x : f) s += x;
      std::printf("  %-14s F@0.01 %.3f over %zu\n", cat.c_str(), s / f.size(), f.size());
    }
    // Names whose head noun reaches a concept (the rest have no category to retrieve).
    std::vector<model::Prompt> name_prompts;
    std::vector<std::string> wanted, real_category;
    std::vector<Mesh> real_gallery;
    for (const auto& r : reals) {
      real_gallery.push_back(unit_diagonal(r.mesh));
      real_category.push_back(r.category);
    }
    std::vector<std::size_t> named;
    for (std::size_t i = 0; i < reals.size(); ++i) {
      if (reals[i].category == "other" || reals[i].name.empty()) continue;
      name_prompts.push_back({reals[i].name, {}, 1.0, 4000 + i});
      wanted.push_back(reals[i].category);
    }
    retrieval("REAL TEXT (catalog names)", run(name_prompts), wanted, real_gallery, real_category);
    if (!e.contact_sheet.empty()) {
      std::vector<std::pair<render::Image, Mesh>> pairs;
      const std::size_t shown = std::min<std::size_t>(40, reals.size());
      for (std::size_t k = 0; k < shown; ++k) {
        const std::size_t i = k * reals.size() / shown;
        pairs.emplace_back(condition::load_image(reals[i].image), out[i].mesh);
      }
      write_contact_sheet(e.contact_sheet, pairs, 96, 5);
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
      e.real_set = get("--real-set", "");
      e.real_limit = static_cast<int>(number("--real-limit", 0));
      e.per_asset = number("--per-asset", 0) != 0;
      e.contact_sheet = get("--contact-sheet", "");
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
