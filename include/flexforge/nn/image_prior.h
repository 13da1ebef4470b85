// Image -> coarse structure latent, trained directly against the shape (not through the flow
// loss): a small CNN reads the prompt image and regresses the structure VAE's normalised latent
// [B, C_z, G, G, G] of the shape it shows, in the canonical frame the generator works in (so it
// also has to infer the camera's azimuth from the picture).
//
// Why: the flows see the image only through their condition encoders, which learn from the flow
// loss alone; image-only generation reproduced the depicted asset poorly (F@0.01 0.14 against
// 0.30 for its caption). The generator starts the structure flow from this prediction, re-noised
// to an intermediate time, so the flow keeps the picture's shape and only sharpens it (SDEdit).
//
//   image [B, 3, S, S] -> 5 stride-2 conv stages (GroupNorm, SiLU) -> [B, w4, S/32, S/32]
//   -> 1x1 conv -> flatten -> MLP -> [B, 64, G/4, G/4, G/4] -> 2 transposed 3D convs -> conv
//   -> [B, C_z, G, G, G]
#pragma once

#include "flexforge/nn/model_config.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::nn {

struct ImagePriorOptions {
  int64_t image_size = 128;
  int64_t latent_channels = 8;
  int64_t latent_resolution = 8;    // G: the structure VAE's latent grid
  std::vector<int64_t> widths = {32, 64, 128, 160, 160};
  int64_t hidden = 384;
  static ImagePriorOptions from_config(const ModelConfig& config);
  ModelConfig to_config() const;
};

class ImagePriorImpl : public torch::nn::Module {
 public:
  explicit ImagePriorImpl(const ImagePriorOptions& options);
  // image [B, 3, S, S] (condition::prepare_image's normalisation) -> normalised latent
  torch::Tensor forward(const torch::Tensor& image);
  ImagePriorOptions options;
  torch::nn::Sequential encoder{nullptr}, mlp{nullptr}, decoder{nullptr};
};
TORCH_MODULE(ImagePrior);

}  // namespace flexforge::nn
