// Prompt -> coarse structure latent, trained directly against the shape (not through the flow
// loss): small networks that regress the structure VAE's normalised latent [B, C_z, G, G, G] of
// the asset a prompt describes, in the canonical frame the generator works in.
//
// Why: the flows see the prompt only through their condition encoders, which learn from the flow
// loss alone; image-only generation reproduced the depicted asset poorly (F@0.01 0.14 against
// 0.30 for its caption). The generator starts the structure flow from a prior's estimate,
// re-noised to an intermediate time, so the flow keeps the prompt's shape and only sharpens it
// (SDEdit).
//
//   ImagePrior  image [B, 3, S, S] -> 5 stride-2 conv stages (GroupNorm, SiLU) -> 1x1 conv ->
//               flatten (it also has to infer the camera's azimuth from the picture)
//   TextPrior   token ids [B, L] -> embedding + position -> pre-LN transformer layers -> mean
//               over the non-padding tokens
//   both then   MLP -> [B, 64, G/4, G/4, G/4] -> 2 transposed 3D convs -> conv -> [B, C_z, G, G, G]
#pragma once

#include "flexforge/model/condition_encoder.h"
#include "flexforge/nn/model_config.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::model {

// The part both priors share: prompt features [B, F] -> latent grid [B, C_z, G, G, G].
// Parameters "mlp" and "decoder" of the owning module.
class LatentGridHead {
 public:
  LatentGridHead() = default;
  LatentGridHead(torch::nn::Module& owner, int64_t features, int64_t hidden, int64_t latent_channels,
                 int64_t latent_resolution);
  torch::Tensor forward(const torch::Tensor& features);

 private:
  int64_t grid_ = 0;
  torch::nn::Sequential mlp_{nullptr}, decoder_{nullptr};
};

struct ImagePriorOptions {
  int64_t image_size = 128;
  int64_t latent_channels = 8;
  int64_t latent_resolution = 8;    // G: the structure VAE's latent grid
  std::vector<int64_t> widths = {32, 64, 128, 160, 160};
  int64_t hidden = 384;
  static ImagePriorOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config() const;
};

class ImagePriorImpl : public torch::nn::Module {
 public:
  explicit ImagePriorImpl(const ImagePriorOptions& options);
  // image [B, 3, S, S] (condition::prepare_image's normalisation) -> normalised latent
  torch::Tensor forward(const torch::Tensor& image);
  ImagePriorOptions options;
  torch::nn::Sequential encoder{nullptr};
  LatentGridHead head;
};
TORCH_MODULE(ImagePrior);

struct TextPriorOptions {
  int64_t vocabulary = 0;
  int64_t text_tokens = 24;
  int64_t channels = 128;
  int64_t heads = 4;
  int64_t layers = 2;
  int64_t hidden = 384;
  int64_t latent_channels = 8;
  int64_t latent_resolution = 8;
  static TextPriorOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config() const;
};

class TextPriorImpl : public torch::nn::Module {
 public:
  explicit TextPriorImpl(const TextPriorOptions& options);
  // token ids int64 [B, text_tokens], padded with Tokenizer::kPad (0) -> normalised latent
  torch::Tensor forward(const torch::Tensor& text_ids);
  TextPriorOptions options;
  torch::nn::Embedding embedding{nullptr};
  torch::Tensor position;
  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  LatentGridHead head;
};
TORCH_MODULE(TextPrior);

}  // namespace flexforge::model
