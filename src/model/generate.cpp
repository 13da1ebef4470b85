#include "flexforge/model/generate.h"
#include "flexforge/model/prompt_lexicon.h"

#include "flexforge/condition/image_input.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/crash_guard.h"
#include "flexforge/core/error.h"
#include "flexforge/core/hash.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/extract/flexicubes.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/silhouette_match.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/model/vae_sample.h"
#include "flexforge/nn/flow_sampler.h"
#include "flexforge/model/generator_sizes.h"
#include "flexforge/model/structure_prior.h"
#include "flexforge/model/sparseflex_field.h"
#include "flexforge/model/sparseflex_vae.h"
#include "flexforge/nn/weights.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <optional>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace flexforge::model {

namespace fs = std::filesystem;
using condition::Tokenizer;

namespace {

class StageClock {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

torch::Tensor stats_tensor(const nn::ModelConfig& c, const char* key) {
  const auto v = c.get<std::vector<double>>(key);
  return torch::tensor(v, torch::kFloat);
}

// Where the structure flow starts: pure noise, or a prior's estimate (structure_prior.h: the
// image prior for image and text+image prompts, each with its own noise level, the text prior for
// text-only ones); Given: the prompt brings its own structure and stage 1 is skipped.
enum class Start { Noise, ImagePrior, MultimodalPrior, TextPrior, Given };

// A prompt turned into encoder inputs, with the warnings it raised.
struct EncodedPrompt {
  std::vector<condition::TokenId> text;  // padded
  bool has_text = false;
  torch::Tensor image;                   // [3, S, S] or undefined
  torch::Tensor voxels;                  // [N, 3] int: the given structure's base voxels, or undefined
  std::vector<std::string> warnings;
  std::vector<std::string> mappings;  // lexicon mappings, described (prompt_lexicon.h)
  std::vector<condition::WordMapping> attributes;
};

// The noise level a prior start is refined from.
double prior_noise(Start start, const GenerateOptions& o) {
  switch (start) {
    case Start::ImagePrior: return o.image_prior_noise;
    case Start::MultimodalPrior: return o.multimodal_prior_noise;
    case Start::TextPrior: return o.text_prior_noise;
    default: return 1.0;
  }
}

// One group of prompts sampled together: their conditions batched on the device, and the
// guidance contexts and seeded noise the flows sample from.
struct GroupBatch {
  const std::vector<Prompt>* prompts = nullptr;
  const std::vector<size_t>* members = nullptr;
  torch::Device device{torch::kCPU};
  int64_t b = 0;
  double image_weight = 1.0;
  torch::Tensor text, null_text, image, present, text_only_image;

  GroupBatch(const std::vector<Prompt>& all, const std::vector<size_t>& group,
             const std::vector<EncodedPrompt>& encoded, const ConditionEncoderOptions& cond_opts,
             torch::Device on, double weight)
      : prompts(&all), members(&group), device(on), b(static_cast<int64_t>(group.size())),
        image_weight(weight) {
    text = torch::empty({b, cond_opts.text_tokens}, torch::kLong);
    text_only_image = torch::zeros({b}, torch::kBool);
    image = torch::zeros({b, 3, cond_opts.image_size, cond_opts.image_size});
    present = torch::zeros({b}, torch::kBool);
    const auto null_ids = Tokenizer::pad(Tokenizer::null_ids(), static_cast<size_t>(cond_opts.text_tokens));
    null_text = torch::empty({b, cond_opts.text_tokens}, torch::kLong);
    for (int64_t i = 0; i < b; ++i) {
      const auto& e = encoded[group[static_cast<size_t>(i)]];
      for (int64_t k = 0; k < cond_opts.text_tokens; ++k) {
        text[i][k] = e.text[static_cast<size_t>(k)];
        null_text[i][k] = null_ids[static_cast<size_t>(k)];
      }
      if (e.image.defined()) {
        image[i] = e.image;
        present[i] = true;
      }
    }
    text = text.to(device);
    null_text = null_text.to(device);
    image = image.to(device);
    present = present.to(device);
  }

  size_t member(int64_t i) const { return (*members)[static_cast<size_t>(i)]; }

  nn::GuidedContexts contexts(FlowTransformerImpl& flow, double w) const {
    const bool mix = image_weight != 1.0;
    const auto cond = flow.encode_condition(text, image, present);
    const auto null = flow.encode_condition(null_text, image, torch::zeros_like(present));
    if (!mix) return nn::guidance_weights(cond, null, w);
    const auto text_only = flow.encode_condition(text, image, text_only_image.to(device));
    return nn::guidance_weights(cond, text_only, null, w, image_weight);
  }

  // Per prompt, noise from its own seed (stream 0: structure, 1: latent), `rows[i]` rows each
  // when given; concatenated on the device.
  torch::Tensor seeded_noise(std::vector<int64_t> shape, uint64_t stream, const std::vector<int64_t>& rows) const {
    std::vector<torch::Tensor> parts;
    for (int64_t i = 0; i < b; ++i) {
      auto gen = at::detail::createCPUGenerator((*prompts)[member(i)].seed * 2 + stream);
      auto sh = shape;
      if (!rows.empty()) sh[0] = rows[static_cast<size_t>(i)];
      parts.push_back(torch::randn(sh, gen, torch::kFloat));
    }
    return torch::cat(parts, 0).to(device);
  }
};

}  // namespace

void GenerateOptions::validate() const {
  const auto steps_ok = [](int s) { return s >= 1 && s <= 1000; };
  if (!steps_ok(structure_steps) || !steps_ok(latent_steps)) {
    throw Error(ExitCode::Usage, "structure_steps and latent_steps must be in 1..1000");
  }
  const auto guidance_ok = [](double g) { return std::isfinite(g) && g >= 0 && g <= 100; };
  if (!guidance_ok(structure_guidance) || !guidance_ok(latent_guidance)) {
    throw Error(ExitCode::Usage, "structure_guidance and latent_guidance must be in 0..100");
  }
  if (!(guidance_low >= 0 && guidance_low <= guidance_high && guidance_high <= 1)) {
    throw Error(ExitCode::Usage, "guidance interval must satisfy 0 <= low <= high <= 1");
  }
  if (max_fine_voxels < 1000) throw Error(ExitCode::Usage, "max fine voxels must be >= 1000");
  if (!(image_prior_noise >= 0 && image_prior_noise <= 1)) {
    throw Error(ExitCode::Usage, "image_prior_noise must be in 0..1");
  }
  if (!(multimodal_prior_noise >= 0 && multimodal_prior_noise <= 1)) {
    throw Error(ExitCode::Usage, "multimodal_prior_noise must be in 0..1");
  }
  if (!(text_prior_noise >= 0 && text_prior_noise <= 1)) {
    throw Error(ExitCode::Usage, "text_prior_noise must be in 0..1");
  }
  if (image_candidates < 1 || image_candidates > 16) {
    throw Error(ExitCode::Usage, "image_candidates must be in 1..16");
  }
  if (!(min_component_share >= 0 && min_component_share < 0.5)) {
    throw Error(ExitCode::Usage, "min_component_share must be in [0, 0.5)");
  }
}

struct Generator::State {
  ModelDirectory model;
  torch::Device device{torch::kCPU};
  Tokenizer tokenizer;
  std::optional<condition::Lexicon> lexicon;  // models/<name>/lexicon.tsv, when the model ships one
  GeneratorSizes sizes;
  StructureVae structure_vae{nullptr};
  FlowTransformer structure_flow{nullptr}, latent_flow{nullptr};
  SparseFlexVae vae{nullptr};
  ImagePrior image_prior{nullptr};  // optional networks
  TextPrior text_prior{nullptr};
  torch::Tensor structure_mean, structure_std, latent_mean, latent_std;
  std::string hash;

  EncodedPrompt encode(const Prompt& p) const {
    EncodedPrompt e;
    const auto length = static_cast<size_t>(sizes.structure_flow.condition.text_tokens);
    const bool text_given = !p.text.empty();
    if (!text_given && p.image.empty()) {
      throw Error(ExitCode::Usage, "prompt is empty: give text, an image, or both");
    }
    e.text = Tokenizer::pad(Tokenizer::null_ids(), length);
    if (text_given) {
      const auto r = tokenizer.encode(p.text, length, lexicon ? &*lexicon : nullptr);
      for (const auto& m : r.mappings) e.mappings.push_back(describe_mapping(m));
      e.attributes = r.attributes;
      if (r.all_unknown) {
        const std::string words = r.unknown_words.empty() ? p.text : fmt::format("{}", fmt::join(r.unknown_words, ", "));
        if (p.image.empty()) {
          throw Error(ExitCode::InvalidInput, "no word of the prompt is known to the model (" +
                                                  words + ") and there is no image to go on");
        }
        e.warnings.push_back("no word of the prompt is known to the model (" + words +
                             "); generating from the image alone");
      } else {
        if (!r.unknown_words.empty()) {
          e.warnings.push_back("unknown words ignored: " +
                               fmt::format("{}", fmt::join(r.unknown_words, ", ")));
        }
        if (r.truncated) {
          e.warnings.push_back("prompt longer than " + std::to_string(length) +
                               " tokens: the rest was ignored");
        }
        e.text = Tokenizer::pad(r.ids, length);
        e.has_text = true;
      }
    }
    if (!p.image.empty()) {
      condition::ImageOptions io;
      io.size = static_cast<int>(sizes.structure_flow.condition.image_size);
      const auto prepared = condition::prepare_image_file(p.image, io);
      if (prepared.source == condition::ForegroundSource::Whole) {
        e.warnings.push_back("image background is not uniform: the whole image was used");
      }
      e.image = torch::from_blob(const_cast<float*>(prepared.pixels.data()),
                                 {3, prepared.size, prepared.size}, torch::kFloat)
                    .clone();
    }
    if (!std::isfinite(p.image_weight) || p.image_weight < 0 || p.image_weight > 2) {
      throw Error(ExitCode::Usage, "image_weight must be in 0..2");
    }
    if (!p.structure.triangles.empty()) e.voxels = structure_voxels(p.structure);
    return e;
  }

  // Stage 1: sparse structure -> each asset's active base voxels [N, 3], from the structure
  // flow (started from noise or a prior's estimate) decoded by the structure VAE.
  std::vector<torch::Tensor> sample_structure(const GroupBatch& batch, Start start, const GenerateOptions& o,
                                              nn::SamplerOptions& sampler, std::vector<GeneratedMesh>& out) {
    const int64_t b = batch.b;
    std::vector<torch::Tensor> active(static_cast<size_t>(b));
    const auto& sv = sizes.structure_vae;
    const int64_t g = sv.latent_resolution();
    auto noise1 = batch.seeded_noise({1, sv.latent_channels, g, g, g}, 0, {});
    sampler.steps = o.structure_steps;
    sampler.guidance = o.structure_guidance;
    torch::Tensor latent1;
    if (start != Start::Noise) {
      // The prior's estimate, re-noised to its noise level and refined by the flow.
      const bool from_image = start != Start::TextPrior;
      const double t0 = prior_noise(start, o);
      const auto estimate = from_image ? image_prior->forward(batch.image) : text_prior->forward(batch.text);
      if (t0 == 0.0) {
        latent1 = estimate;
      } else {
        sampler.start_time = t0;
        const auto x1 = nn::sample_flow(velocity_of(*structure_flow), dense_to_tokens((1 - t0) * estimate + t0 * noise1),
                                        batch.contexts(*structure_flow, o.structure_guidance), sampler,
                                        [&](int i, int n) { if (o.on_step) o.on_step("structure", i, n); });
        latent1 = tokens_to_dense(x1.features(), b, g);
        sampler.start_time = 1.0;
      }
    } else {
      const auto x1 = nn::sample_flow(velocity_of(*structure_flow), dense_to_tokens(noise1),
                                      batch.contexts(*structure_flow, o.structure_guidance), sampler,
                                      [&](int i, int n) { if (o.on_step) o.on_step("structure", i, n); });
      latent1 = tokens_to_dense(x1.features(), b, g);
    }
    latent1 = latent1 * structure_std.view({1, -1, 1, 1, 1}) + structure_mean.view({1, -1, 1, 1, 1});
    const auto logits = structure_vae->decode(latent1);  // [B, 1, R, R, R]
    for (int64_t i = 0; i < b; ++i) {
      auto& a = active[static_cast<size_t>(i)];
      a = torch::nonzero(logits[i][0] > o.occupancy_threshold);
      if (a.size(0) < 8) {
        // Degenerate structure: keep the most likely voxels so the asset is not empty.
        out[batch.member(i)].warnings.push_back(
            "the structure stage produced almost no voxels; kept the 64 most likely ones");
        const auto flat = logits[i][0].flatten();
        const auto top = std::get<1>(flat.topk(64));
        const int64_t r = sv.resolution;
        a = torch::stack({top.div(r * r, "floor"), top.div(r, "floor").remainder(r), top.remainder(r)}, 1);
      }
    }
    return active;
  }

  // SparseFlex decoding and extraction, one asset at a time (bounded memory), into `out` with
  // the seed, voxel count, prompt warnings and mappings, and the stage timings (`shared`: the
  // group's prompt, structure and latent seconds).
  void decode_group(const GroupBatch& batch, const nn::SparseTensor& latents, const std::vector<int64_t>& counts,
                    const std::vector<EncodedPrompt>& encoded, const GenerateOptions& o,
                    const std::array<double, 3>& shared, std::vector<GeneratedMesh>& out) {
    const auto vae_res = vae->options.fine_resolution();
    for (int64_t i = 0; i < batch.b; ++i) {
      GeneratedMesh& m = out[batch.member(i)];
      const auto rows = torch::nonzero(latents.coords().select(1, 0) == i).squeeze(1);
      auto c = latents.coords().index_select(0, rows).clone();
      c.select(1, 0).zero_();
      const nn::SparseTensor one(c, latents.features().index_select(0, rows), 1);
      StageClock own;
      const auto decoded = decode_chunked(
          *vae, one, auto_chunk(vae->options, one.size(), o.chunk_voxels), o.max_fine_voxels,
          o.keep_logit);
      const double decode_seconds = own.lap();
      extract::ExtractOptions eo;
      eo.watertight = o.watertight;
      m.mesh = extract::extract_flexicubes(to_sparse_field(decoded.fine, static_cast<int>(vae_res)), eo);
      if (o.min_component_share > 0) m.dropped_components = drop_small_components(m.mesh, o.min_component_share);
      compute_vertex_normals(m.mesh);
      const double extract_seconds = own.lap();
      m.seed = (*batch.prompts)[batch.member(i)].seed;
      m.active_voxels = static_cast<size_t>(counts[static_cast<size_t>(i)]);
      const auto& e = encoded[batch.member(i)];
      m.warnings.insert(m.warnings.begin(), e.warnings.begin(), e.warnings.end());
      m.prompt_mappings = e.mappings;
      m.prompt_attributes = e.attributes;
      m.seconds = {{"prompt", shared[0]},
                   {"structure", shared[1]},
                   {"latent", shared[2]},
                   {"decode", decode_seconds},
                   {"extract", extract_seconds}};
    }
  }

  // The base voxels a mesh occupies once scaled into the generation frame: the same voxels the
  // latent flow was trained on for a training asset.
  torch::Tensor structure_voxels(const Mesh& mesh) const {
    const float diagonal = bounding_box(mesh).diagonal();
    if (!std::isfinite(diagonal) || diagonal <= 0) {
      throw Error(ExitCode::InvalidInput, "structure mesh has no finite extent");
    }
    const auto r = static_cast<int>(sizes.structure_vae.resolution);
    const VaeSample sample = make_vae_sample(normalize_mesh_for_field(mesh), r, 0, 20000, 0, false);
    const auto& list = sample.level_voxels.front();
    auto voxels = torch::empty({static_cast<int64_t>(list.size()), 3}, torch::kInt);
    auto a = voxels.accessor<int32_t, 2>();
    for (size_t i = 0; i < list.size(); ++i) {
      for (int k = 0; k < 3; ++k) a[static_cast<int64_t>(i)][k] = list[i][static_cast<size_t>(k)];
    }
    return voxels;
  }
};

Generator::Generator(const std::string& model, const std::string& device)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.model = open_model(model);
  s.device = torch::Device(device);
  for (const char* key : {"vae", "structure_vae", "structure_flow", "latent_flow"}) {
    if (!s.model.has_network(key)) {
      throw Error(ExitCode::Model, (s.model.directory / "config.json").string() +
                                       ": the model has no '" + key +
                                       "' network (train it: flexforge train ...)");
    }
  }
  s.tokenizer = Tokenizer::load(s.model.directory / kTokenizerFile);
  s.lexicon = load_model_lexicon(s.model.directory, s.tokenizer);
  const auto sflow_config = s.model.network("structure_flow");
  const auto lflow_config = s.model.network("latent_flow");
  s.sizes.structure_vae = StructureVaeOptions::from_config(s.model.network("structure_vae"));
  s.sizes.structure_flow = FlowOptions::from_config(sflow_config);
  s.sizes.latent_flow = FlowOptions::from_config(lflow_config);
  if (s.sizes.structure_flow.condition.vocabulary != static_cast<int64_t>(s.tokenizer.size())) {
    throw Error(ExitCode::Model, "tokenizer.json has " + std::to_string(s.tokenizer.size()) +
                                     " tokens but the model was trained with " +
                                     std::to_string(s.sizes.structure_flow.condition.vocabulary));
  }
  s.structure_mean = stats_tensor(sflow_config, "latent_mean").to(s.device);
  s.structure_std = stats_tensor(sflow_config, "latent_std").to(s.device);
  s.latent_mean = stats_tensor(lflow_config, "latent_mean").to(s.device);
  s.latent_std = stats_tensor(lflow_config, "latent_std").to(s.device);

  s.structure_vae = StructureVae(s.sizes.structure_vae);
  s.structure_flow = FlowTransformer(s.sizes.structure_flow);
  s.latent_flow = FlowTransformer(s.sizes.latent_flow);
  s.vae = SparseFlexVae(SparseFlexVaeOptions::from_config(s.model.network("vae")));
  std::string bytes;
  const auto load = [&](torch::nn::Module& m, const char* key) {
    const fs::path file = s.model.weights(key);
    nn::load_weights(m, file);
    m.to(s.device);
    m.eval();
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes += ss.str();
  };
  load(*s.vae, "vae");
  load(*s.structure_vae, "structure_vae");
  load(*s.structure_flow, "structure_flow");
  load(*s.latent_flow, "latent_flow");
  if (s.model.has_network("image_prior")) {
    auto po = ImagePriorOptions::from_config(s.model.network("image_prior"));
    if (po.latent_channels != s.sizes.structure_vae.latent_channels ||
        po.latent_resolution != s.sizes.structure_vae.latent_resolution() ||
        po.image_size != s.sizes.structure_flow.condition.image_size) {
      throw Error(ExitCode::Model, (s.model.directory / "config.json").string() +
                                       ": image_prior sizes do not match the structure stage");
    }
    s.image_prior = ImagePrior(po);
    load(*s.image_prior, "image_prior");
  }
  if (s.model.has_network("text_prior")) {
    auto po = TextPriorOptions::from_config(s.model.network("text_prior"));
    if (po.vocabulary != s.sizes.structure_flow.condition.vocabulary ||
        po.text_tokens != s.sizes.structure_flow.condition.text_tokens ||
        po.latent_channels != s.sizes.structure_vae.latent_channels ||
        po.latent_resolution != s.sizes.structure_vae.latent_resolution()) {
      throw Error(ExitCode::Model, (s.model.directory / "config.json").string() +
                                       ": text_prior sizes do not match the structure stage");
    }
    s.text_prior = TextPrior(po);
    load(*s.text_prior, "text_prior");
  }
  s.hash = fmt::format("{:016x}", fnv1a64(bytes));
}

Generator::~Generator() = default;

std::string Generator::model_hash() const { return state_->hash; }
const fs::path& Generator::directory() const { return state_->model.directory; }

std::uint64_t image_candidate_seed(std::uint64_t seed, int k) {
  return seed + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
}

std::vector<GeneratedMesh> Generator::generate(const std::vector<Prompt>& prompts,
                                               const GenerateOptions& o) {
  o.validate();
  const StageScope scope("generate");
  const bool any_image = std::any_of(prompts.begin(), prompts.end(), [](const Prompt& p) { return !p.image.empty(); });
  if (o.image_candidates > 1 && any_image) return generate_best_of(prompts, o);
  State& s = *state_;
  torch::NoGradGuard no_grad;
  std::vector<GeneratedMesh> out(prompts.size());
  if (prompts.empty()) return out;
  StageClock clock;
  std::vector<EncodedPrompt> encoded;
  for (const auto& p : prompts) encoded.push_back(s.encode(p));

  // Prompts are sampled together when they share the guidance form (the text+image mix of
  // --image-weight changes the set of conditions the sampler combines) and the structure
  // stage's start: prompts with an image start from the image prior, text-only prompts from the
  // text prior, when the model has them and their noise level is below 1.
  const auto start_of = [&](const EncodedPrompt& e) {
    if (e.voxels.defined()) return Start::Given;
    if (e.image.defined()) {
      const Start prior = e.has_text ? Start::MultimodalPrior : Start::ImagePrior;
      return s.image_prior && prior_noise(prior, o) < 1.0 ? prior : Start::Noise;
    }
    return s.text_prior && e.has_text && o.text_prior_noise < 1.0 ? Start::TextPrior : Start::Noise;
  };
  std::map<std::pair<double, Start>, std::vector<size_t>> groups;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const bool both = encoded[i].has_text && encoded[i].image.defined();
    groups[{both ? prompts[i].image_weight : 1.0, start_of(encoded[i])}].push_back(i);
  }
  const double prompt_seconds = clock.lap();

  for (const auto& [group, members] : groups) {
    const auto [image_weight, start] = group;
    const GroupBatch batch(prompts, members, encoded, s.sizes.structure_flow.condition, s.device, image_weight);
    const int64_t b = batch.b;
    nn::SamplerOptions sampler;
    sampler.heun = o.heun;
    sampler.interval_low = o.guidance_low;
    sampler.interval_high = o.guidance_high;

    // Stage 1: sparse structure -> each asset's active base voxels [N, 3].
    std::vector<torch::Tensor> active(static_cast<size_t>(b));
    if (start == Start::Given) {
      for (int64_t i = 0; i < b; ++i) {
        active[static_cast<size_t>(i)] = encoded[members[static_cast<size_t>(i)]].voxels.to(torch::kLong);
      }
    } else {
      active = s.sample_structure(batch, start, o, sampler, out);
    }
    std::vector<torch::Tensor> coords;
    std::vector<int64_t> counts;
    for (int64_t i = 0; i < b; ++i) {
      const auto& a = active[static_cast<size_t>(i)];
      coords.push_back(torch::cat({torch::full({a.size(0), 1}, i, a.options()), a}, 1).to(torch::kInt));
      counts.push_back(a.size(0));
    }
    const double structure_seconds = clock.lap();

    // Stage 2: structured latent on the active voxels.
    const auto all_coords = torch::cat(coords);
    const int64_t lc = s.sizes.latent_flow.in_channels;
    auto noise2 = batch.seeded_noise({0, lc}, 1, counts);
    sampler.steps = o.latent_steps;
    sampler.guidance = o.latent_guidance;
    const nn::SparseTensor x2_noise(all_coords.to(s.device), noise2, b);
    auto x2 = nn::sample_flow(velocity_of(*s.latent_flow), x2_noise, batch.contexts(*s.latent_flow, o.latent_guidance),
                              sampler, [&](int i, int n) { if (o.on_step) o.on_step("latent", i, n); });
    const auto latents = x2.with_features(x2.features() * s.latent_std + s.latent_mean);
    const double latent_seconds = clock.lap();

    s.decode_group(batch, latents, counts, encoded, o, {prompt_seconds, structure_seconds, latent_seconds}, out);
    clock.lap();
  }
  return out;
}

// Every image prompt as `image_candidates` samples in one batched pass; each keeps the candidate
// whose silhouette matches its image best (ties: the earliest, so the result is deterministic).
std::vector<GeneratedMesh> Generator::generate_best_of(const std::vector<Prompt>& prompts,
                                                       const GenerateOptions& o) {
  GenerateOptions single = o;
  single.image_candidates = 1;
  std::vector<Prompt> expanded;
  std::vector<std::pair<size_t, size_t>> range;  // [first, end) of each prompt's candidates
  for (const auto& p : prompts) {
    const int n = p.image.empty() ? 1 : o.image_candidates;
    range.emplace_back(expanded.size(), expanded.size() + static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) {
      Prompt c = p;
      c.seed = image_candidate_seed(p.seed, k);
      expanded.push_back(c);
    }
  }
  auto all = generate(expanded, single);
  std::vector<GeneratedMesh> out;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto [first, end] = range[i];
    if (end - first == 1) {
      out.push_back(std::move(all[first]));
      continue;
    }
    StageClock clock;
    const auto target = prompt_silhouette(prompts[i].image);
    size_t best = first;
    double best_iou = -1.0;
    for (size_t k = first; k < end; ++k) {
      const double iou = best_silhouette_match(all[k].mesh, target).iou;
      if (iou > best_iou) best_iou = iou, best = k;
    }
    GeneratedMesh m = std::move(all[best]);
    m.seed = prompts[i].seed;  // the user's seed: with the same candidates it reproduces this result
    m.candidates = static_cast<int>(end - first);
    m.silhouette_iou = best_iou;
    m.seconds.emplace_back("rank", clock.lap());
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<GeneratedMesh> Generator::generate_each(const std::vector<Prompt>& prompts,
                                                    const GenerateOptions& o,
                                                    std::vector<std::string>* errors) {
  std::vector<size_t> good;
  std::vector<Prompt> valid;
  if (errors) errors->assign(prompts.size(), "");
  for (size_t i = 0; i < prompts.size(); ++i) {
    try {
      state_->encode(prompts[i]);
      good.push_back(i);
      valid.push_back(prompts[i]);
    } catch (const Error& e) {
      if (!errors) throw;
      (*errors)[i] = e.what();
    }
  }
  std::vector<GeneratedMesh> out(prompts.size());
  const auto made = generate(valid, o);
  for (size_t k = 0; k < good.size(); ++k) out[good[k]] = made[k];
  return out;
}

}  // namespace flexforge::model
