// Prompt -> mesh with the default model (docs/generate.md): condition encoding, stage 1
// (structure flow -> occupancy VAE decoder -> active base voxels), stage 2 (latent flow on those
// voxels), SparseFlex VAE decoder, sparse FlexiCubes. Plain interface (no torch).
//
// A Generator loads the model once and generates any number of prompts, several at a time in one
// batched sampler pass (batch), which is how `batch` amortises the model over many jobs.
#pragma once

#include "flexforge/condition/tokenizer.h"  // WordMapping
#include "flexforge/core/mesh.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace flexforge::model {

// Default text+image mix (v = v_text + W (v_both - v_text); 0 = text only, 1 = the joint
// condition, 2 = image emphasised). 0.5 was chosen on synth tuning seed 2 (25 assets, text+image
// F@0.01 0.215 / 0.220 / 0.213 / 0.208 at W 0.25 / 0.5 / 0.75 / 1, text alone 0.214): the
// default model's image encoder is weaker than its text encoder, so the full joint condition
// (1) scored below text alone.
constexpr double kDefaultImageWeight = 0.5;

// Default classifier-free guidance of the structure stage (the latent stage takes 0.4x). 5 rather
// than the reference 7.5: on synth tuning seed 2 it raised text -> category retrieval from 82% to
// 85% (100 prompts) and text / text+image F@0.01 from 0.258 / 0.261 to 0.274 / 0.276 (40 assets),
// image-only F@0.01 unchanged (0.138 / 0.137).
constexpr double kDefaultGuidance = 5.0;

// Default noise levels the structure priors' estimates are refined from (GenerateOptions::
// image_prior_noise / multimodal_prior_noise / text_prior_noise), chosen on synth tuning seed 2.
// Image (40 renders, 25 with their captions, 5000-step prior): image-only F@0.01 0.611 / 0.615 /
// 0.612 / 0.583 at 0 / 0.15 / 0.3 / 0.5 (0.137 without the prior), text+image 0.617 / 0.640 /
// 0.609 / 0.547: a little noise lets the text reshape the estimate, more loses the picture. With
// the image alone the flow has nothing to add (it sees the same image through a weaker encoder):
// with the later priors image-only read 0.638 vs 0.624 and 0.637 vs 0.629 at T = 0 vs 0.15, and
// T = 0 skips the structure sampling. Text (60 prompts, category retrieval): 80% without the
// prior, 83% / 85% / 85% at 0.4 / 0.6 / 0.8.
constexpr double kDefaultImagePriorNoise = 0.0;
constexpr double kDefaultMultimodalPriorNoise = 0.15;
constexpr double kDefaultTextPriorNoise = 0.6;

struct Prompt {
  std::string text;                  // may be empty when an image is given
  std::filesystem::path image;       // PNG/JPEG; empty = none
  double image_weight = kDefaultImageWeight;  // used only when both text and image are given
  std::uint64_t seed = 0;
  // Optional coarse shape (any frame; scaled into the generation frame like a training asset):
  // its occupied 32^3 voxels replace the structure stage, and the prompt generates the surface
  // on them. Empty = none. Also how `flexforge_bench_model --given-structure` measures what the
  // latent stage achieves when the structure is right.
  Mesh structure;
};

struct GenerateOptions {
  int structure_steps = 12;
  int latent_steps = 12;
  double structure_guidance = kDefaultGuidance;
  double latent_guidance = 0.4 * kDefaultGuidance;
  double guidance_low = 0.1;   // guidance interval in t
  double guidance_high = 0.9;
  bool heun = false;
  // Closed surfaces by construction: extraction closes the decoded band (extract::ExtractOptions::
  // watertight: holes are capped, open rims closed) and components of the result below
  // `min_component_share` of its surface area (debris of stray structure voxels) are removed, so
  // the raw output is a closed, oriented 2-manifold without specks, with or without the complete
  // stage. Measured by `flexforge_bench_model generate --sections closed` (docs/generate.md).
  bool watertight = true;
  double min_component_share = 0.01;  // 0 keeps every component
  double occupancy_threshold = 0.0;  // structure decoder logit above which a voxel is active
  // VAE pruning: fine voxels with a logit above this are kept. Sampled latents are noisier than
  // encoded ones, and the trained boundary (0) then drops surface voxels and leaves holes; -2
  // left visibly fewer holes on the previews of a few prompts (a judgement, not a measurement).
  double keep_logit = -2.0;
  // Prompts with an image: sample this many candidates (the prompt's seed, then seeds derived
  // from it) and keep the one whose silhouette best matches the image (silhouette_match.h).
  // Text-only prompts always take one sample. Off (1) by default: on synth tuning seed 2 (20
  // renders) 4 candidates moved image-only F@0.01 from 0.113 to 0.117 and text+image from 0.204
  // to 0.198, noise-level changes for 4x the sampling time; F@0.01 is bound by the surface, which
  // a better silhouette does not fix.
  int image_candidates = 1;
  // Image-only prompts, on a model with an image prior (model/structure_prior.h): the structure flow
  // starts from the prior's latent for the image, noised to this time (0 = the prior as it is,
  // no structure sampling; 1 = ignore the prior, sample from pure noise).
  double image_prior_noise = kDefaultImagePriorNoise;
  // Text+image prompts: the same, from the image prior's latent, with the text guiding the flow.
  double multimodal_prior_noise = kDefaultMultimodalPriorNoise;
  // Text-only prompts, on a model with a text prior: the same, from the caption's estimate.
  double text_prior_noise = kDefaultTextPriorNoise;
  std::int64_t max_fine_voxels = 4000000;
  std::int64_t chunk_voxels = 1000000;  // decode in spatial chunks beyond this many fine voxels
  // Called after every sampler step: (stage name, step, steps).
  std::function<void(const std::string&, int, int)> on_step;
  void validate() const;  // Error(Usage) naming the option
};

struct GeneratedMesh {
  Mesh mesh;                                            // about [-0.5, 0.5]^3, +Y up
  std::uint64_t seed = 0;
  std::vector<std::string> warnings;                    // unknown words, truncation, ...
  std::vector<std::string> prompt_mappings;             // lexicon mappings: "kitten" -> "cat" via ...
  std::vector<condition::WordMapping> prompt_attributes;  // colour, material and size words
  std::vector<std::pair<std::string, double>> seconds;  // per stage (shared stages: the batch's)
  std::size_t active_voxels = 0;
  std::size_t dropped_components = 0;  // debris removed (GenerateOptions::min_component_share)
  // Image prompts sampled as several candidates: how many, and the kept one's silhouette IoU
  // against the image (-1 when there was no ranking).
  int candidates = 1;
  double silhouette_iou = -1.0;
};

// Seed of an image prompt's k-th candidate: k = 0 is the prompt's own seed (one candidate is a
// plain sample); the odd multiplier keeps the candidates of seeds S and S + 1 (`--num`) apart.
std::uint64_t image_candidate_seed(std::uint64_t seed, int k);

class Generator {
 public:
  // `model` = directory or installed name; device "cpu" or "cuda[:N]". Error(Model) for missing
  // or corrupt weights (strict key and shape checks).
  Generator(const std::string& model, const std::string& device);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // One mesh per prompt, sampled together. Bad prompts (empty, non-UTF-8, unreadable image) throw
  // before any sampling; use generate_each() to isolate failures per prompt.
  std::vector<GeneratedMesh> generate(const std::vector<Prompt>& prompts,
                                      const GenerateOptions& options);

  // Validates every prompt on its own first; prompts that fail get their Error in `errors`
  // (same index) and the rest are generated together.
  std::vector<GeneratedMesh> generate_each(const std::vector<Prompt>& prompts,
                                           const GenerateOptions& options,
                                           std::vector<std::string>* errors);

  std::string model_hash() const;  // FNV-1a of the weight files, hex
  const std::filesystem::path& directory() const;

 private:
  std::vector<GeneratedMesh> generate_best_of(const std::vector<Prompt>& prompts,
                                              const GenerateOptions& options);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace flexforge::model
