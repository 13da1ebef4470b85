#include "flexforge/nn/image_prior.h"

#include "flexforge/core/error.h"

namespace flexforge::nn {

namespace {

constexpr int64_t kSeedChannels = 64;  // channels of the MLP's coarse 3D grid

torch::nn::Conv2dOptions conv2d(int64_t in, int64_t out, int64_t stride) {
  return torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1);
}

torch::nn::GroupNorm group_norm(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(8, channels));
}

}  // namespace

ImagePriorOptions ImagePriorOptions::from_config(const ModelConfig& c) {
  ImagePriorOptions o;
  o.image_size = c.get<int64_t>("image_size");
  o.latent_channels = c.get<int64_t>("latent_channels");
  o.latent_resolution = c.get<int64_t>("latent_resolution");
  o.widths = c.get<std::vector<int64_t>>("widths");
  o.hidden = c.get<int64_t>("hidden");
  const int64_t stages = static_cast<int64_t>(o.widths.size());
  bool ok = stages >= 1 && o.hidden >= 1 && o.latent_channels >= 1 && o.latent_resolution >= 4 &&
            o.latent_resolution % 4 == 0 && o.image_size % (int64_t{1} << stages) == 0;
  for (const auto w : o.widths) ok = ok && w >= 8 && w % 8 == 0;
  if (!ok) c.fail("image prior: inconsistent sizes (image_size divisible by 2^stages, widths multiples of 8)");
  return o;
}

ModelConfig ImagePriorOptions::to_config() const {
  ModelConfig c;
  c.name = "ImagePrior";
  c.args = {{"image_size", image_size},     {"latent_channels", latent_channels},
            {"latent_resolution", latent_resolution}, {"widths", widths},
            {"hidden", hidden}};
  return c;
}

ImagePriorImpl::ImagePriorImpl(const ImagePriorOptions& o) : options(o) {
  encoder = register_module("encoder", torch::nn::Sequential());
  int64_t in = 3;
  for (size_t i = 0; i < o.widths.size(); ++i) {
    const int64_t w = o.widths[i];
    encoder->push_back(torch::nn::Conv2d(conv2d(in, w, 2)));
    encoder->push_back(group_norm(w));
    encoder->push_back(torch::nn::SiLU());
    // A second, stride-1 conv in the middle stages, where the feature maps are small enough to
    // afford it; the first (64^2) and last stages keep one.
    if (i > 0 && i + 1 < o.widths.size()) {
      encoder->push_back(torch::nn::Conv2d(conv2d(w, w, 1)));
      encoder->push_back(group_norm(w));
      encoder->push_back(torch::nn::SiLU());
    }
    in = w;
  }
  const int64_t side = o.image_size >> o.widths.size();
  encoder->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 64, 1)));
  const int64_t g = o.latent_resolution / 4;
  mlp = register_module(
      "mlp", torch::nn::Sequential(torch::nn::Linear(64 * side * side, o.hidden), torch::nn::SiLU(),
                                   torch::nn::Linear(o.hidden, kSeedChannels * g * g * g)));
  const auto up = [](int64_t a, int64_t b) {
    return torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(a, b, 4).stride(2).padding(1));
  };
  decoder = register_module(
      "decoder",
      torch::nn::Sequential(torch::nn::SiLU(), up(kSeedChannels, 64), torch::nn::SiLU(), up(64, 32),
                            torch::nn::SiLU(),
                            torch::nn::Conv3d(torch::nn::Conv3dOptions(32, o.latent_channels, 3).padding(1))));
}

torch::Tensor ImagePriorImpl::forward(const torch::Tensor& image) {
  if (image.dim() != 4 || image.size(1) != 3 || image.size(2) != options.image_size ||
      image.size(3) != options.image_size) {
    throw Error(ExitCode::StageFailed, "image prior: image must be [B, 3, " +
                                           std::to_string(options.image_size) + ", " +
                                           std::to_string(options.image_size) + "]");
  }
  const int64_t b = image.size(0), g = options.latent_resolution / 4;
  const auto features = encoder->forward(image).flatten(1);
  return decoder->forward(mlp->forward(features).view({b, kSeedChannels, g, g, g}));
}

}  // namespace flexforge::nn
