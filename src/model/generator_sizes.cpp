#include "flexforge/model/generator_sizes.h"

#include "flexforge/core/error.h"

#include <fstream>

namespace flexforge::model {

GeneratorSizes generator_sizes(const std::filesystem::path& config, int64_t vocabulary) {
  GeneratorSizes s;
  s.structure_flow.in_channels = s.structure_vae.latent_channels;
  s.structure_flow.channels = 128;
  s.structure_flow.depth = 4;
  s.structure_flow.heads = 4;
  s.latent_flow = s.structure_flow;
  s.latent_flow.downsample = true;
  s.structure_flow.condition.vocabulary = vocabulary;
  s.latent_flow.condition.vocabulary = vocabulary;
  if (config.empty()) return s;

  std::ifstream in(config);
  if (!in) throw Error(ExitCode::InvalidInput, config.string() + ": cannot be read");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(ExitCode::InvalidInput, config.string() + ": not a JSON object");
  }
  const auto merged = [&](const char* key, const nn::ModelConfig& base) {
    nn::ModelConfig c = base;
    c.source = config;
    if (j.contains(key)) c.args.update(j[key]);
    return c;
  };
  s.structure_vae = StructureVaeOptions::from_config(merged("structure_vae", s.structure_vae.to_config()));
  s.structure_flow = FlowOptions::from_config(merged("structure_flow", s.structure_flow.to_config("StructureFlow")));
  s.latent_flow = FlowOptions::from_config(merged("latent_flow", s.latent_flow.to_config("LatentFlow")));
  s.image_prior = ImagePriorOptions::from_config(merged("image_prior", s.image_prior.to_config()));
  auto text_defaults = s.text_prior;
  text_defaults.vocabulary = std::max<int64_t>(vocabulary, 4);  // the trainer sets the tokenizer's
  s.text_prior = TextPriorOptions::from_config(merged("text_prior", text_defaults.to_config()));
  s.structure_flow.in_channels = s.structure_vae.latent_channels;
  s.structure_flow.condition.vocabulary = vocabulary;
  s.latent_flow.condition.vocabulary = vocabulary;
  return s;
}

}  // namespace flexforge::model
