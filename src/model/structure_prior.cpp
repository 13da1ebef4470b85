#include "flexforge/model/structure_prior.h"

#include "flexforge/core/error.h"

namespace flexforge::model {

namespace {

constexpr int64_t kSeedChannels = 64;  // channels of the head's coarse 3D grid (G/4)^3

torch::nn::Conv2dOptions conv2d(int64_t in, int64_t out, int64_t stride) {
  return torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1);
}

torch::nn::GroupNorm group_norm(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(8, channels));
}

bool latent_grid_ok(int64_t channels, int64_t resolution) {
  return channels >= 1 && resolution >= 4 && resolution % 4 == 0;
}

}  // namespace

LatentGridHead::LatentGridHead(torch::nn::Module& owner, int64_t features, int64_t hidden,
                               int64_t latent_channels, int64_t latent_resolution)
    : grid_(latent_resolution / 4) {
  mlp_ = owner.register_module(
      "mlp", torch::nn::Sequential(torch::nn::Linear(features, hidden), torch::nn::SiLU(),
                                   torch::nn::Linear(hidden, kSeedChannels * grid_ * grid_ * grid_)));
  const auto up = [](int64_t a, int64_t b) {
    return torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(a, b, 4).stride(2).padding(1));
  };
  decoder_ = owner.register_module(
      "decoder",
      torch::nn::Sequential(torch::nn::SiLU(), up(kSeedChannels, 64), torch::nn::SiLU(), up(64, 32),
                            torch::nn::SiLU(),
                            torch::nn::Conv3d(torch::nn::Conv3dOptions(32, latent_channels, 3).padding(1))));
}

torch::Tensor LatentGridHead::forward(const torch::Tensor& features) {
  const int64_t b = features.size(0);
  return decoder_->forward(mlp_->forward(features).view({b, kSeedChannels, grid_, grid_, grid_}));
}

ImagePriorOptions ImagePriorOptions::from_config(const nn::ModelConfig& c) {
  ImagePriorOptions o;
  o.image_size = c.get<int64_t>("image_size");
  o.latent_channels = c.get<int64_t>("latent_channels");
  o.latent_resolution = c.get<int64_t>("latent_resolution");
  o.widths = c.get<std::vector<int64_t>>("widths");
  o.hidden = c.get<int64_t>("hidden");
  const int64_t stages = static_cast<int64_t>(o.widths.size());
  bool ok = stages >= 1 && o.hidden >= 1 && latent_grid_ok(o.latent_channels, o.latent_resolution) &&
            o.image_size % (int64_t{1} << stages) == 0;
  for (const auto w : o.widths) ok = ok && w >= 8 && w % 8 == 0;
  if (!ok) c.fail("image prior: inconsistent sizes (image_size divisible by 2^stages, widths multiples of 8)");
  return o;
}

nn::ModelConfig ImagePriorOptions::to_config() const {
  nn::ModelConfig c;
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
  head = LatentGridHead(*this, 64 * side * side, o.hidden, o.latent_channels, o.latent_resolution);
}

torch::Tensor ImagePriorImpl::forward(const torch::Tensor& image) {
  if (image.dim() != 4 || image.size(1) != 3 || image.size(2) != options.image_size ||
      image.size(3) != options.image_size) {
    throw Error(ExitCode::StageFailed, "image prior: image must be [B, 3, " +
                                           std::to_string(options.image_size) + ", " +
                                           std::to_string(options.image_size) + "]");
  }
  return head.forward(encoder->forward(image).flatten(1));
}

TextPriorOptions TextPriorOptions::from_config(const nn::ModelConfig& c) {
  TextPriorOptions o;
  o.vocabulary = c.get<int64_t>("vocabulary");
  o.text_tokens = c.get<int64_t>("text_tokens");
  o.channels = c.get<int64_t>("channels");
  o.heads = c.get<int64_t>("heads");
  o.layers = c.get<int64_t>("layers");
  o.hidden = c.get<int64_t>("hidden");
  o.latent_channels = c.get<int64_t>("latent_channels");
  o.latent_resolution = c.get<int64_t>("latent_resolution");
  if (o.vocabulary < 4 || o.text_tokens < 1 || o.heads < 1 || o.channels % o.heads != 0 ||
      o.layers < 0 || o.hidden < 1 || !latent_grid_ok(o.latent_channels, o.latent_resolution)) {
    c.fail("text prior: inconsistent sizes (channels divisible by heads, latent_resolution by 4)");
  }
  return o;
}

nn::ModelConfig TextPriorOptions::to_config() const {
  nn::ModelConfig c;
  c.name = "TextPrior";
  c.args = {{"vocabulary", vocabulary}, {"text_tokens", text_tokens},
            {"channels", channels},     {"heads", heads},
            {"layers", layers},         {"hidden", hidden},
            {"latent_channels", latent_channels}, {"latent_resolution", latent_resolution}};
  return c;
}

TextPriorImpl::TextPriorImpl(const TextPriorOptions& o) : options(o) {
  embedding = register_module("embedding", torch::nn::Embedding(o.vocabulary, o.channels));
  position = register_parameter("position", torch::randn({o.text_tokens, o.channels}) * 0.02);
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers; ++i) layers->push_back(TokenTransformerLayer(o.channels, o.heads));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.channels})));
  head = LatentGridHead(*this, o.channels, o.hidden, o.latent_channels, o.latent_resolution);
}

torch::Tensor TextPriorImpl::forward(const torch::Tensor& text_ids) {
  if (text_ids.dim() != 2 || text_ids.size(1) != options.text_tokens) {
    throw Error(ExitCode::StageFailed, "text prior: token ids must be [B, " +
                                           std::to_string(options.text_tokens) + "]");
  }
  auto x = embedding->forward(text_ids) + position.unsqueeze(0);
  for (const auto& layer : *layers) x = layer->as<TokenTransformerLayer>()->forward(x);
  // Mean over the real tokens: padding (id 0) carries no meaning of its own.
  const auto mask = (text_ids != 0).to(x.dtype()).unsqueeze(2);
  const auto pooled = (norm->forward(x) * mask).sum(1) / mask.sum(1).clamp_min(1.0);
  return head.forward(pooled);
}

}  // namespace flexforge::model
