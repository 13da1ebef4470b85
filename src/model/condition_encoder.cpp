#include "flexforge/model/condition_encoder.h"

#include "flexforge/core/error.h"

namespace flexforge::model {

ConditionEncoderOptions ConditionEncoderOptions::from_args(const nn::ModelConfig& c,
                                                           const std::string& prefix) {
  ConditionEncoderOptions o;
  o.vocabulary = c.get<int64_t>(prefix + "vocabulary");
  o.text_tokens = c.get<int64_t>(prefix + "text_tokens");
  o.image_size = c.get<int64_t>(prefix + "image_size");
  o.patch = c.get<int64_t>(prefix + "patch");
  o.channels = c.get<int64_t>(prefix + "channels");
  o.heads = c.get<int64_t>(prefix + "heads");
  o.layers = c.get<int64_t>(prefix + "layers");
  if (o.vocabulary < 4 || o.text_tokens < 1 || o.patch < 1 || o.image_size % o.patch != 0 ||
      o.channels % o.heads != 0) {
    c.fail("inconsistent condition encoder sizes (" + prefix + "*)");
  }
  return o;
}

void ConditionEncoderOptions::to_args(nlohmann::json& args, const std::string& prefix) const {
  args[prefix + "vocabulary"] = vocabulary;
  args[prefix + "text_tokens"] = text_tokens;
  args[prefix + "image_size"] = image_size;
  args[prefix + "patch"] = patch;
  args[prefix + "channels"] = channels;
  args[prefix + "heads"] = heads;
  args[prefix + "layers"] = layers;
}

TokenTransformerLayerImpl::TokenTransformerLayerImpl(int64_t channels, int64_t heads_)
    : heads(heads_) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
  qkv = register_module("qkv", torch::nn::Linear(channels, 3 * channels));
  out = register_module("out", torch::nn::Linear(channels, channels));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
  fc1 = register_module("fc1", torch::nn::Linear(channels, 4 * channels));
  fc2 = register_module("fc2", torch::nn::Linear(4 * channels, channels));
}

torch::Tensor TokenTransformerLayerImpl::forward(const torch::Tensor& x) {
  const auto b = x.size(0), l = x.size(1), c = x.size(2), d = c / heads;
  const auto parts = qkv->forward(norm1->forward(x)).view({b, l, 3, heads, d}).permute({2, 0, 3, 1, 4});
  const auto scores = torch::matmul(parts[0], parts[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
  const auto attended = torch::matmul(torch::softmax(scores, -1), parts[2]).permute({0, 2, 1, 3}).reshape({b, l, c});
  auto h = x + out->forward(attended);
  return h + fc2->forward(torch::gelu(fc1->forward(norm2->forward(h))));
}

ConditionEncoderImpl::ConditionEncoderImpl(const ConditionEncoderOptions& o) : options(o) {
  const auto c = o.channels;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(o.vocabulary, c));
  text_position = register_parameter("text_position", torch::randn({o.text_tokens, c}) * 0.02);
  image_position = register_parameter("image_position", torch::randn({o.image_tokens(), c}) * 0.02);
  modality = register_parameter("modality", torch::randn({2, c}) * 0.02);
  null_image = register_parameter("null_image", torch::randn({o.image_tokens(), c}) * 0.02);
  patch_embedding = register_module(
      "patch_embedding",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(3, c, o.patch).stride(o.patch)));
  text_layers = register_module("text_layers", torch::nn::ModuleList());
  image_layers = register_module("image_layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers; ++i) {
    text_layers->push_back(TokenTransformerLayer(c, o.heads));
    image_layers->push_back(TokenTransformerLayer(c, o.heads));
  }
  out_norm = register_module("out_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
}

torch::Tensor ConditionEncoderImpl::forward(const torch::Tensor& text_ids, const torch::Tensor& image,
                                            const torch::Tensor& image_present) {
  const auto b = text_ids.size(0);
  if (text_ids.dim() != 2 || text_ids.size(1) != options.text_tokens) {
    throw Error(ExitCode::StageFailed, "condition encoder: text ids must be [B, " +
                                           std::to_string(options.text_tokens) + "]");
  }
  auto text = token_embedding->forward(text_ids) + text_position.unsqueeze(0);
  for (const auto& layer : *text_layers) text = layer->as<TokenTransformerLayer>()->forward(text);
  text = text + modality[0];

  auto img = null_image.unsqueeze(0).expand({b, -1, -1});
  if (image.defined() && image_present.any().item<bool>()) {
    auto patches = patch_embedding->forward(image).flatten(2).transpose(1, 2) +
                   image_position.unsqueeze(0);
    for (const auto& layer : *image_layers) patches = layer->as<TokenTransformerLayer>()->forward(patches);
    img = torch::where(image_present.view({b, 1, 1}), patches, img);
  }
  img = img + modality[1];
  return out_norm->forward(torch::cat({text, img}, 1));
}

}  // namespace flexforge::model
