// Training of the two flow stages (see flexforge/model/generator_training.h).
//
// Data: synth assets, each with its training captions (tokenised once), its rendered views
// (prepared by the same condition::prepare_image the CLI uses) and its active base voxels; the
// latent stage also encodes every asset with the trained VAE once (posterior means).
// Objective: rectified flow, x_t = (1 - t) x0 + t eps, MSE to v = eps - x0, t = sigmoid(N(1, 1))
// (TRELLIS's logit-normal, weighted towards noise); each modality is dropped to its null
// condition independently so text-only, image-only, both and unconditional are all learned.
#include "flexforge/model/generator_training.h"

#include "flexforge/condition/image_input.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/error.h"
#include "flexforge/synth/caption_corpus.h"
#include "flexforge/model/generator_sizes.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/prompt_lexicon.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/model/vae_sample.h"
#include "flexforge/model/flow_models.h"
#include "flexforge/model/structure_prior.h"
#include "flexforge/model/sparseflex_vae.h"
#include "flexforge/nn/training_run.h"
#include "flexforge/model/vae_batch.h"
#include "flexforge/nn/weights.h"

#include <spdlog/spdlog.h>

#include <random>
#include <tuple>

namespace flexforge::model {

namespace fs = std::filesystem;
using condition::Tokenizer;

namespace {

struct ShapeRecord {
  std::string category;
  std::vector<std::vector<condition::TokenId>> captions;  // padded to text_tokens
  // [3, S, S], stored as F16: halves the set's memory (10000 shapes x 6 views at 128^2 take
  // 3.5 GB instead of 7), and the rounding (~1e-3 relative) is far below the render's own noise.
  std::vector<torch::Tensor> views;
  torch::Tensor coords;                                   // int32 [N0, 3] base voxels
  torch::Tensor latent;                                   // [N0, C] (latent stage)
};

struct Conditions {
  torch::Tensor text;     // int64 [B, Lt]
  torch::Tensor image;    // [B, 3, S, S]
  torch::Tensor present;  // bool [B]
};

// One training condition per shape: a random training caption and view, each modality dropped
// to its null with probability 0.3 (both dropped together 0.1 of the time).
Conditions draw_conditions(const std::vector<const ShapeRecord*>& shapes, int64_t text_tokens,
                           int64_t image_size, std::mt19937_64& rng) {
  const int64_t b = static_cast<int64_t>(shapes.size());
  Conditions c;
  c.text = torch::empty({b, text_tokens}, torch::kLong);
  c.image = torch::zeros({b, 3, image_size, image_size});
  c.present = torch::zeros({b}, torch::kBool);
  const auto null_text = Tokenizer::pad(Tokenizer::null_ids(), static_cast<size_t>(text_tokens));
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t i = 0; i < b; ++i) {
    const ShapeRecord& s = *shapes[static_cast<size_t>(i)];
    const double r = u(rng);
    const bool drop_both = r < 0.1;
    const bool keep_text = !drop_both && !(r >= 0.1 && r < 0.4);
    const bool keep_image = !drop_both && !(r >= 0.4 && r < 0.7) && !s.views.empty();
    const auto& ids = keep_text && !s.captions.empty() ? s.captions[rng() % s.captions.size()] : null_text;
    for (int64_t k = 0; k < text_tokens; ++k) c.text[i][k] = ids[static_cast<size_t>(k)];
    if (keep_image) {
      c.image[i] = s.views[rng() % s.views.size()];
      c.present[i] = true;
    }
  }
  return c;
}

torch::Tensor sample_flow_time(int64_t b, std::mt19937_64& rng) {
  std::normal_distribution<double> n(1.0, 1.0);
  auto t = torch::empty({b});
  for (int64_t i = 0; i < b; ++i) t[i] = 1.0 / (1.0 + std::exp(-n(rng)));
  return t;
}

std::vector<ShapeRecord> load_shapes(const GeneratorTrainOptions& o, const Tokenizer& tokenizer,
                                     const ConditionEncoderOptions& cond, int base_resolution,
                                     SparseFlexVaeImpl* vae) {
  TrainingShapeOptions so;
  so.synth_count = o.synth_count;
  so.synth_seed = o.synth_seed;
  so.datasets = o.datasets;
  so.views = o.views;
  so.image_size = static_cast<int>(cond.image_size);
  condition::ImageOptions image_options;
  image_options.size = static_cast<int>(cond.image_size);
  // Captions go through the model's lexicon (training_caption_ids); captions with no known word
  // are left out, as condition dropout already trains the null text.
  const auto lexicon = load_model_lexicon(o.model_dir, tokenizer);
  std::size_t unknown_captions = 0;
  std::vector<ShapeRecord> shapes;
  for_each_training_shape(so, [&](const TrainingShape& shape) {
    ShapeRecord r;
    r.category = shape.category;
    const bool real = shape.attributes.contains("real");
    for (size_t i = 0; i < shape.captions.size(); ++i) {
      // The held-out phrasing exists only in synth captions; real captions are all trained on.
      if (!real && static_cast<int>(i) == kHeldOutCaption) continue;
      auto ids = training_caption_ids(tokenizer, lexicon ? &*lexicon : nullptr, shape.captions[i],
                                      static_cast<size_t>(cond.text_tokens));
      if (!ids) {
        ++unknown_captions;
        continue;
      }
      r.captions.push_back(std::move(*ids));
    }
    for (const auto& view : shape.views) {
      const auto prepared = condition::prepare_image(view.image, image_options);
      r.views.push_back(torch::from_blob(const_cast<float*>(prepared.pixels.data()),
                                         {3, prepared.size, prepared.size}, torch::kFloat)
                            .to(torch::kHalf));
    }
    const VaeSample sample = make_vae_sample(shape.normalized, base_resolution,
                                             vae ? static_cast<int>(vae->options.levels) : 0,
                                             vae ? 60000 : 20000, shapes.size(), false);
    const auto batch = collate_vae_samples({&sample});
    r.coords = batch.base_coords.slice(1, 1, 4).clone();
    if (vae) {
      torch::NoGradGuard guard;
      const auto posterior = vae->encode(batch.points, batch.base_coords);
      // encode() keeps base_coords' row order, so latent rows line up with r.coords.
      r.latent = posterior.mean.features().clone();
    }
    shapes.push_back(std::move(r));
  });
  if (shapes.empty()) throw Error(ExitCode::InvalidInput, "train: no training shapes");
  if (unknown_captions > 0) spdlog::info("train: {} captions with no known word left out", unknown_captions);
  return shapes;
}

Tokenizer tokenizer_for(const fs::path& model_dir) {
  const fs::path file = model_dir / kTokenizerFile;
  if (fs::exists(file)) return Tokenizer::load(file);
  Tokenizer t = Tokenizer::build(synth::caption_corpus());
  fs::create_directories(model_dir);
  t.save(file);
  spdlog::info("train: built a {}-token vocabulary from the synth caption corpus -> {}", t.size(),
               file.string());
  return t;
}

// Per-channel mean/std of latents [N, C] (channels last), as the normalisation kept in the config.
std::pair<std::vector<double>, std::vector<double>> channel_stats(const torch::Tensor& x) {
  const auto mean = x.mean(0).to(torch::kDouble).contiguous();
  const auto stdev = x.std(0).clamp_min(1e-4).to(torch::kDouble).contiguous();
  return {std::vector<double>(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel()),
          std::vector<double>(stdev.data_ptr<double>(), stdev.data_ptr<double>() + stdev.numel())};
}

// One flow-matching step on tokens x0 (features [N, C] on their coordinates).
torch::Tensor flow_loss(FlowTransformerImpl& flow, const nn::SparseTensor& x0,
                        const Conditions& c, std::mt19937_64& rng) {
  const auto t = sample_flow_time(x0.batch_size(), rng);
  const auto t_token = t.index_select(0, x0.batch_index()).unsqueeze(1);
  const auto eps = torch::randn_like(x0.features());
  const auto xt = (1 - t_token) * x0.features() + t_token * eps;
  const auto context = flow.encode_condition(c.text, c.image, c.present);
  const auto v = flow.forward(x0.with_features(xt), t, context);
  return torch::mse_loss(v, eps - x0.features());
}

// Last checkpoint, the network's config entry in config.json, and the report.
GeneratorTrainReport finish_network(const GeneratorTrainOptions& o, nn::TrainingRun& run, int step,
                                    const nn::ModelConfig& config, const std::string& key,
                                    std::size_t shapes) {
  run.finish(step);
  register_network(o.model_dir, key, config, key + ".safetensors");
  GeneratorTrainReport report;
  report.steps_done = step;
  report.finished = step >= o.steps;
  report.seconds = run.seconds();
  report.final_loss = run.smoothed_loss();
  report.shapes = shapes;
  return report;
}

// Last checkpoint, the flow's config entry (with the latent statistics it was trained on) in
// config.json, and the report.
GeneratorTrainReport finish_flow(const GeneratorTrainOptions& o, nn::TrainingRun& run, int step,
                                 nn::ModelConfig config, const std::string& key,
                                 const std::vector<double>& mean, const std::vector<double>& stdev,
                                 std::size_t shapes) {
  config.args["latent_mean"] = mean;
  config.args["latent_std"] = stdev;
  return finish_network(o, run, step, config, key, shapes);
}

// Dense occupancy [N, 1, R, R, R] of every shape's active base voxels.
torch::Tensor occupancy_grids(const std::vector<ShapeRecord>& shapes, int64_t r) {
  auto occupancy = torch::zeros({static_cast<int64_t>(shapes.size()), 1, r, r, r});
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto c = shapes[i].coords.to(torch::kLong);
    occupancy[static_cast<int64_t>(i)][0].index_put_({c.select(1, 0), c.select(1, 1), c.select(1, 2)},
                                                      torch::ones({c.size(0)}));
  }
  return occupancy;
}

// Posterior means of the occupancy VAE for every shape, in chunks: encoding thousands of 32^3
// grids at once holds gigabytes of activations (3000 shapes ran out of 24 GB).
torch::Tensor encode_structure(StructureVaeImpl& svae, const torch::Tensor& occupancy) {
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < occupancy.size(0); first += 64) {
    parts.push_back(svae.encode(occupancy.slice(0, first, std::min(occupancy.size(0), first + 64))).first);
  }
  return torch::cat(parts);
}

GeneratorTrainReport train_structure(const GeneratorTrainOptions& o, const Tokenizer& tokenizer,
                                     const GeneratorSizes& sizes) {
  auto shapes = load_shapes(o, tokenizer, sizes.structure_flow.condition,
                            static_cast<int>(sizes.structure_vae.resolution), nullptr);
  const int64_t r = sizes.structure_vae.resolution;
  const auto occupancy = occupancy_grids(shapes, r);
  spdlog::info("train structure: {} shapes, occupancy {:.2f}% of {}^3", shapes.size(),
               100.0 * occupancy.mean().item<double>(), r);
  std::mt19937_64 rng(o.seed);

  // 1. The occupancy VAE.
  torch::manual_seed(o.seed);
  StructureVae svae(sizes.structure_vae);
  {
    nn::TrainingRun run(*svae, nn::training_run_options(o, "structure_vae", o.model_dir, o.vae_steps,
                                                        o.vae_learning_rate));
    int step = run.start_step();
    const double pos_weight = 3.0;
    for (; run.keep_going(step); ++step) {
      rng.seed(o.seed * 7 + static_cast<uint64_t>(step));
      std::vector<int64_t> pick;
      for (int b = 0; b < o.batch; ++b) pick.push_back(static_cast<int64_t>(rng() % shapes.size()));
      const auto occ = occupancy.index_select(0, torch::tensor(pick));
      run.begin_step(step);
      const auto [mean, logvar] = svae->encode(occ);
      const auto z = mean + torch::randn_like(mean) * torch::exp(0.5 * logvar);
      const auto logits = svae->decode(z);
      const auto bce = torch::binary_cross_entropy_with_logits(
          logits, occ, {}, torch::full({1}, pos_weight), at::Reduction::Mean);
      const auto kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean();
      const auto loss = bce + 1e-3 * kl;
      loss.backward();
      const auto predicted = logits > 0;
      const auto truth = occ > 0.5;
      const double iou = (predicted & truth).sum().item<double>() /
                         std::max(1.0, (predicted | truth).sum().item<double>());
      run.end_step(step, loss.item<double>(), fmt::format("(bce {:.4f} kl {:.3f} iou {:.3f})",
                                                          bce.item<double>(), kl.item<double>(), iou));
    }
    run.finish(step);
    if (step < o.vae_steps) {
      GeneratorTrainReport report;
      report.steps_done = step;
      report.seconds = run.seconds();
      report.shapes = shapes.size();
      return report;  // time limit inside the VAE phase: resume continues it
    }
  }
  svae->eval();
  register_network(o.model_dir, "structure_vae", sizes.structure_vae.to_config(),
                   "structure_vae.safetensors");

  // 2. Latents of every shape and their channel statistics.
  torch::Tensor latents = encode_structure(*svae, occupancy);  // [N, C, G, G, G]
  const auto flat = latents.permute({0, 2, 3, 4, 1}).reshape({-1, latents.size(1)});
  const auto [mean, stdev] = channel_stats(flat);
  const auto mean_t = torch::tensor(mean, torch::kFloat).view({1, -1, 1, 1, 1});
  const auto std_t = torch::tensor(stdev, torch::kFloat).view({1, -1, 1, 1, 1});
  latents = (latents - mean_t) / std_t;

  // 3. The flow over the coarse latent.
  torch::manual_seed(o.seed + 1);
  FlowTransformer flow(sizes.structure_flow);
  nn::TrainingRun run(
      *flow, nn::training_run_options(o, "structure_flow", o.model_dir, o.steps, o.learning_rate));
  int step = run.start_step();
  for (; run.keep_going(step); ++step) {
    rng.seed(o.seed * 11 + static_cast<uint64_t>(step));
    std::vector<int64_t> pick;
    std::vector<const ShapeRecord*> picked;
    for (int b = 0; b < o.batch; ++b) {
      pick.push_back(static_cast<int64_t>(rng() % shapes.size()));
      picked.push_back(&shapes[static_cast<size_t>(pick.back())]);
    }
    const auto x0 = dense_to_tokens(latents.index_select(0, torch::tensor(pick)));
    const auto c = draw_conditions(picked, sizes.structure_flow.condition.text_tokens,
                                   sizes.structure_flow.condition.image_size, rng);
    run.begin_step(step);
    const auto loss = flow_loss(*flow, x0, c, rng);
    loss.backward();
    run.end_step(step, loss.item<double>());
  }
  return finish_flow(o, run, step, sizes.structure_flow.to_config("StructureFlow"), "structure_flow", mean, stdev,
                     shapes.size());
}

GeneratorTrainReport train_latent(const GeneratorTrainOptions& o, const Tokenizer& tokenizer,
                                  const GeneratorSizes& sizes) {
  const ModelDirectory model = open_model(o.model_dir.string());
  const auto vae_sizes = SparseFlexVaeOptions::from_config(model.network("vae"));
  SparseFlexVae vae(vae_sizes);
  nn::load_weights(*vae, model.weights("vae"));
  vae->eval();
  auto shapes = load_shapes(o, tokenizer, sizes.latent_flow.condition,
                            static_cast<int>(vae_sizes.base_resolution), vae.get());
  std::vector<double> mean, stdev;
  if (o.init_weights.empty()) {
    std::vector<torch::Tensor> all;
    for (const auto& s : shapes) all.push_back(s.latent);
    std::tie(mean, stdev) = channel_stats(torch::cat(all));
  } else {
    // The initial weights model latents normalised by the statistics they were trained with.
    const nn::ModelConfig previous = model.network("latent_flow");
    for (const char* name : {"latent_mean", "latent_std"}) {
      if (!previous.args.contains(name) || !previous.args[name].is_array() ||
          previous.args[name].size() != static_cast<std::size_t>(vae_sizes.latent_channels)) {
        throw Error(ExitCode::Model, "train latent: init_weights needs " + (o.model_dir / "config.json").string() +
                                         "'s latent_flow entry with its " + name + " (" +
                                         std::to_string(vae_sizes.latent_channels) + " values)");
      }
    }
    mean = previous.args["latent_mean"].get<std::vector<double>>();
    stdev = previous.args["latent_std"].get<std::vector<double>>();
  }
  const auto mean_t = torch::tensor(mean, torch::kFloat).view({1, -1});
  const auto std_t = torch::tensor(stdev, torch::kFloat).view({1, -1});
  spdlog::info("train latent: {} shapes encoded", shapes.size());

  std::mt19937_64 rng(o.seed);
  torch::manual_seed(o.seed + 2);
  FlowTransformer flow(sizes.latent_flow);
  nn::TrainingRun run(
      *flow, nn::training_run_options(o, "latent_flow", o.model_dir, o.steps, o.learning_rate));
  int step = run.start_step();
  if (!o.init_weights.empty() && step == 0) {
    nn::load_weights(*flow, o.init_weights);
    spdlog::info("train latent: starting from {}", o.init_weights.string());
  }
  for (; run.keep_going(step); ++step) {
    rng.seed(o.seed * 13 + static_cast<uint64_t>(step));
    std::vector<const ShapeRecord*> picked;
    std::vector<torch::Tensor> coords, features;
    for (int b = 0; b < o.batch; ++b) {
      const ShapeRecord& s = shapes[rng() % shapes.size()];
      picked.push_back(&s);
      coords.push_back(torch::cat({torch::full({s.coords.size(0), 1}, b, torch::kInt), s.coords}, 1));
      features.push_back((s.latent - mean_t) / std_t);
    }
    const nn::SparseTensor x0(torch::cat(coords), torch::cat(features), o.batch);
    const auto c = draw_conditions(picked, sizes.latent_flow.condition.text_tokens,
                                   sizes.latent_flow.condition.image_size, rng);
    run.begin_step(step);
    const auto loss = flow_loss(*flow, x0, c, rng);
    loss.backward();
    run.end_step(step, loss.item<double>());
  }
  return finish_flow(o, run, step, sizes.latent_flow.to_config("LatentFlow"), "latent_flow", mean, stdev,
                     shapes.size());
}

constexpr int64_t kViewJitter = 4;  // pixels, image prior training (of 128)

// The structure priors (flexforge/model/structure_prior.h): regress the trained structure VAE's
// normalised latent of each shape from one of its rendered views (image prior) or one of its
// training captions (text prior), MSE. Needs the structure stage in model_dir (its VAE encodes
// the targets; the structure flow's statistics normalise them, so the estimate lives where the
// flow's samples do).
GeneratorTrainReport train_prior(const GeneratorTrainOptions& o, const Tokenizer& tokenizer,
                                 const GeneratorSizes& sizes) {
  const bool text = o.stage == "text-prior";
  const ModelDirectory model = open_model(o.model_dir.string());
  for (const char* key : {"structure_vae", "structure_flow"}) {
    if (!model.has_network(key)) {
      throw Error(ExitCode::Model, "train " + o.stage + ": " + o.model_dir.string() + " has no '" +
                                       key + "' network (train structure first)");
    }
  }
  const auto sv = StructureVaeOptions::from_config(model.network("structure_vae"));
  StructureVae svae(sv);
  nn::load_weights(*svae, model.weights("structure_vae"));
  svae->eval();
  const auto flow_config = model.network("structure_flow");
  const auto stat = [&](const char* key) {
    return torch::tensor(flow_config.get<std::vector<double>>(key), torch::kFloat).view({1, -1, 1, 1, 1});
  };
  const auto& cond = sizes.structure_flow.condition;
  auto shapes = load_shapes(o, tokenizer, cond, static_cast<int>(sv.resolution), nullptr);
  const auto targets = (encode_structure(*svae, occupancy_grids(shapes, sv.resolution)) -
                        stat("latent_mean")) / stat("latent_std");
  std::vector<std::pair<size_t, size_t>> pairs;  // (shape, view or caption)
  for (size_t i = 0; i < shapes.size(); ++i) {
    const size_t inputs = text ? shapes[i].captions.size() : shapes[i].views.size();
    for (size_t k = 0; k < inputs; ++k) pairs.emplace_back(i, k);
  }
  if (pairs.empty()) {
    throw Error(ExitCode::Usage, text ? "train text-prior: the shapes have no training captions"
                                      : "train image-prior: needs rendered views (views >= 1)");
  }
  spdlog::info("train {}: {} shapes, {} {}", o.stage, shapes.size(), pairs.size(), text ? "captions" : "views");

  std::mt19937_64 rng(o.seed);
  torch::manual_seed(o.seed + 3);
  ImagePrior image_prior{nullptr};
  TextPrior text_prior{nullptr};
  nn::ModelConfig config;
  if (text) {
    TextPriorOptions po = sizes.text_prior;
    po.vocabulary = cond.vocabulary;
    po.text_tokens = cond.text_tokens;
    po.latent_channels = sv.latent_channels;
    po.latent_resolution = sv.latent_resolution();
    text_prior = TextPrior(po);
    config = po.to_config();
  } else {
    ImagePriorOptions po = sizes.image_prior;
    po.latent_channels = sv.latent_channels;
    po.latent_resolution = sv.latent_resolution();
    po.image_size = cond.image_size;
    image_prior = ImagePrior(po);
    config = po.to_config();
  }
  torch::nn::Module& net = text ? static_cast<torch::nn::Module&>(*text_prior) : *image_prior;
  const std::string key = text ? "text_prior" : "image_prior";
  nn::TrainingRun run(net, nn::training_run_options(o, key, o.model_dir, o.steps, o.learning_rate));
  int step = run.start_step();
  if (!o.init_weights.empty() && step == 0) {
    nn::load_weights(net, o.init_weights);
    spdlog::info("train {}: starting from {}", o.stage, o.init_weights.string());
  }
  for (; run.keep_going(step); ++step) {
    rng.seed(o.seed * 17 + static_cast<uint64_t>(step));
    std::vector<torch::Tensor> inputs;
    std::vector<int64_t> which;
    for (int b = 0; b < o.batch; ++b) {
      const auto& [shape, k] = pairs[rng() % pairs.size()];
      const ShapeRecord& s = shapes[shape];
      if (text) {
        inputs.push_back(torch::tensor(std::vector<int64_t>(s.captions[k].begin(), s.captions[k].end())));
      } else {
        // Shift the framed view by up to kViewJitter pixels (the crop's margin is background, so
        // rolling only moves background across the border): the shape's latent does not depend
        // on where the crop put it, and this keeps the prior from keying on exact pixel positions
        // of the few views it sees per shape.
        const auto shift = [&] { return static_cast<int64_t>(rng() % (2 * kViewJitter + 1)) - kViewJitter; };
        inputs.push_back(torch::roll(s.views[k].to(torch::kFloat), {shift(), shift()}, {1, 2}));
      }
      which.push_back(static_cast<int64_t>(shape));
    }
    run.begin_step(step);
    const auto batch = torch::stack(inputs);
    const auto predicted = text ? text_prior->forward(batch) : image_prior->forward(batch);
    const auto loss = torch::mse_loss(predicted, targets.index_select(0, torch::tensor(which)));
    loss.backward();
    run.end_step(step, loss.item<double>());
  }
  return finish_network(o, run, step, config, key, shapes.size());
}

}  // namespace

GeneratorTrainReport train_generator(const GeneratorTrainOptions& o) {
  if (o.stage != "structure" && o.stage != "latent" && o.stage != "image-prior" &&
      o.stage != "text-prior") {
    throw Error(ExitCode::Usage, "train: stage must be 'structure', 'latent', 'image-prior' or 'text-prior'");
  }
  if (o.batch < 1 || o.batch > 256 || o.steps < 1 || o.synth_count < 1) {
    throw Error(ExitCode::Usage, "train: batch 1..256, steps >= 1, synth_count >= 1");
  }
  if (!o.init_weights.empty() && !accepts_init_weights(o.stage)) {
    throw Error(ExitCode::Usage, "train " + o.stage + ": init_weights applies to image-prior, text-prior and latent");
  }
  if (!o.init_weights.empty() && !fs::exists(o.init_weights)) {
    throw Error(ExitCode::InvalidInput, "train " + o.stage + ": init_weights " + o.init_weights.string() + ": file not found");
  }
  const Tokenizer tokenizer = tokenizer_for(o.model_dir);
  const GeneratorSizes sizes = generator_sizes(o.config, static_cast<int64_t>(tokenizer.size()));
  if (is_prior_stage(o.stage)) return train_prior(o, tokenizer, sizes);
  return o.stage == "structure" ? train_structure(o, tokenizer, sizes)
                                : train_latent(o, tokenizer, sizes);
}

std::optional<std::vector<condition::TokenId>> training_caption_ids(const Tokenizer& tokenizer,
                                                                   const condition::Lexicon* lexicon,
                                                                   const std::string& caption, std::size_t tokens) {
  condition::EncodeResult encoded;
  try {
    encoded = tokenizer.encode(caption, tokens, lexicon);
  } catch (const Error&) {
    return std::nullopt;  // not UTF-8, or no words at all
  }
  if (encoded.all_unknown || encoded.ids.empty()) return std::nullopt;
  return Tokenizer::pad(encoded.ids, tokens);
}

}  // namespace flexforge::model
