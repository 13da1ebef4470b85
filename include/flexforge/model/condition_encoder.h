// Prompt encoder shared by both flow stages: text tokens, image patches, or both, as one sequence
// of condition tokens [B, text_tokens + image_tokens, C] for cross-attention.
//
//   text   token ids [B, Lt] -> embedding + learned position -> pre-LN transformer layers
//   image  [B, 3, S, S] -> patch embedding (conv, stride = patch) + learned position ->
//          pre-LN transformer layers -> (S / patch)^2 tokens
//   both   concatenated; each half carries a learned modality embedding
//
// An absent modality is its learned null sequence (text: the <null> token ids the tokenizer gives;
// image: a learned null token at every image position), so the layout is fixed and a condition
// with neither modality is the unconditional input classifier-free guidance needs. Training drops
// each modality independently to its null so every combination is learned.
#pragma once

#include "flexforge/nn/model_config.h"

#include <torch/torch.h>

namespace flexforge::model {

struct ConditionEncoderOptions {
  int64_t vocabulary = 0;
  int64_t text_tokens = 24;
  int64_t image_size = 128;
  int64_t patch = 16;
  int64_t channels = 128;
  int64_t heads = 4;
  int64_t layers = 2;

  static ConditionEncoderOptions from_args(const nn::ModelConfig& config, const std::string& prefix);
  void to_args(nlohmann::json& args, const std::string& prefix) const;
  int64_t image_tokens() const { return (image_size / patch) * (image_size / patch); }
  int64_t total_tokens() const { return text_tokens + image_tokens(); }
};

// Pre-LN transformer layer over dense [B, L, C] tokens (no mask: sequences have a fixed layout).
class TokenTransformerLayerImpl : public torch::nn::Module {
 public:
  TokenTransformerLayerImpl(int64_t channels, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t heads;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, out{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TokenTransformerLayer);

class ConditionEncoderImpl : public torch::nn::Module {
 public:
  explicit ConditionEncoderImpl(const ConditionEncoderOptions& options);

  // text_ids int64 [B, Lt] (already padded/null-filled by the tokenizer); image [B, 3, S, S]
  // normalised; image_present bool [B] (false rows use the null image tokens; `image` may be
  // undefined when no row has one). Returns [B, Lt + Li, C].
  torch::Tensor forward(const torch::Tensor& text_ids, const torch::Tensor& image,
                        const torch::Tensor& image_present);

  ConditionEncoderOptions options;
  torch::nn::Embedding token_embedding{nullptr};
  torch::Tensor text_position, image_position, modality, null_image;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::ModuleList text_layers{nullptr}, image_layers{nullptr};
  torch::nn::LayerNorm out_norm{nullptr};
};
TORCH_MODULE(ConditionEncoder);

}  // namespace flexforge::model
