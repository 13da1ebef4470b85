// `flexforge train structure|latent`: trains the two flow stages of the default model on synth
// assets (captions + rendered views + shapes), resumably, into a model directory that already
// holds the VAE (the latent stage encodes its targets with it).
//
// Held-out phrasing: every synth asset has the caption templates plain / colour-led / part
// inventory (/ pose); training never sees the colour-led one (caption index 1), so evaluation can
// prompt with phrasings the model never read.
#pragma once

#include "flexforge/condition/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flexforge::condition {
class Lexicon;
}

namespace flexforge::model {

// Caption index held out of training (see above).
constexpr int kHeldOutCaption = 1;

struct GeneratorTrainOptions {
  std::filesystem::path model_dir;       // read: vae + tokenizer; written: the stage's networks
  std::string stage;                     // "structure" or "latent"
  int steps = 2000;                      // flow steps
  int vae_steps = 600;                   // structure stage: occupancy VAE steps first
  int batch = 8;
  double learning_rate = 3e-4;           // flows
  // Structure stage: the occupancy VAE is a small conv net that still underfits at 3e-4 after
  // hundreds of steps (IoU 0.59 at 400), so it gets its own, higher rate.
  double vae_learning_rate = 1e-3;
  std::uint64_t seed = 1;
  int synth_count = 600;
  std::uint64_t synth_seed = 1;
  std::vector<std::filesystem::path> datasets;  // synth-layout directories (dataset build)
  int views = 2;
  int checkpoint_every = 200;
  double time_limit_minutes = 0.0;
  bool resume = false;
  std::filesystem::path config;          // optional JSON with network sizes
  // Prior and latent stages: start from these weights (e.g. the shipped network) instead of a
  // fresh initialisation, to continue training on more shapes with a fresh optimiser. Ignored
  // when --resume finds a checkpoint (that already holds newer weights). The latent stage then
  // keeps the latent statistics of model_dir's latent_flow entry, which the initial weights were
  // trained on, instead of measuring them anew on the new shapes.
  std::filesystem::path init_weights;
};

// The stages that train a structure prior.
inline bool is_prior_stage(const std::string& stage) {
  return stage == "image-prior" || stage == "text-prior";
}

// The stages that accept GeneratorTrainOptions::init_weights. Not the structure stage: it
// retrains the occupancy VAE whose latent its flow models, so old flow weights would not fit.
inline bool accepts_init_weights(const std::string& stage) { return is_prior_stage(stage) || stage == "latent"; }

struct GeneratorTrainReport {
  int steps_done = 0;
  double seconds = 0.0;
  double final_loss = 0.0;
  std::size_t shapes = 0;
  bool finished = false;
};

GeneratorTrainReport train_generator(const GeneratorTrainOptions& options);

// A training caption as the text encoders read it: encoded as a prompt is (through `lexicon`
// when there is one, so a real name like "Bookcase" trains on the concept token a user's prompt
// of that name gets), padded to `tokens`. nullopt when no word is known or the text is not
// UTF-8: such a caption would only teach "nothing" -> this shape.
std::optional<std::vector<condition::TokenId>> training_caption_ids(const condition::Tokenizer& tokenizer,
                                                                   const condition::Lexicon* lexicon,
                                                                   const std::string& caption, std::size_t tokens);

}  // namespace flexforge::model
