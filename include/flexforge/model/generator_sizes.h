// Sizes of the generator's networks: the CPU defaults (models/default/MODEL_CARD.md), or a JSON
// file {"structure_vae": {...args}, "structure_flow": {...}, "latent_flow": {...}, "image_prior": {...}, "text_prior": {...}} overriding
// any of them, so the same code trains a larger model on a GPU.
#pragma once

#include "flexforge/model/flow_models.h"
#include "flexforge/model/structure_prior.h"

#include <filesystem>

namespace flexforge::model {

// The tokenizer vocabulary shipped next to the generator's weights.
inline constexpr const char* kTokenizerFile = "tokenizer.json";

struct GeneratorSizes {
  StructureVaeOptions structure_vae;
  FlowOptions structure_flow;
  FlowOptions latent_flow;
  ImagePriorOptions image_prior;  // latent, image and token sizes of the priors follow the
  TextPriorOptions text_prior;    // structure stage's
};

// `vocabulary` is the tokenizer's size (both condition encoders use it).
GeneratorSizes generator_sizes(const std::filesystem::path& config, int64_t vocabulary);

}  // namespace flexforge::model
