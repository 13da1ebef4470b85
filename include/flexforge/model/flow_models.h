// The generator's networks (docs/generate.md, TRELLIS-style two stages):
//
//   StructureVae     dense occupancy of the active base voxels [B, 1, R, R, R] <-> a coarse latent
//                    [B, C_z, R/4, R/4, R/4] (two stride-2 convs each way). Decoding gives the
//                    active voxels (logit > 0).
//   StructureFlow    rectified-flow DiT over the coarse latent's cells as tokens (every cell active,
//                    full attention, sin/cos positions), AdaLN timestep modulation and
//                    cross-attention to the condition tokens.
//   LatentFlow       rectified-flow sparse DiT over the active base voxels: x2 sparse down-conv in,
//                    DiT blocks on the coarse tokens, x2 up-conv back onto the voxels plus a linear
//                    skip of the input, then a linear head to the VAE's latent channels.
//
// Each flow owns its condition encoder, so one safetensors file per stage holds the whole stage.
// Flow convention (rectified flow): x_t = (1 - t) x_0 + t eps, the network predicts v = eps - x_0
// from (x_t, 1000 t, condition); sampling integrates dx/dt = v from t = 1 to 0.
#pragma once

#include "flexforge/nn/blocks.h"
#include "flexforge/model/condition_encoder.h"
#include "flexforge/nn/model_config.h"
#include "flexforge/nn/position.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/flow_sampler.h"
#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::model {

struct StructureVaeOptions {
  int64_t resolution = 32;
  int64_t latent_channels = 8;
  // 64 rather than 32: at 32 channels the occupancy VAE plateaued near IoU 0.6 on its training
  // shells; 64 channels with 1500 steps at lr 1e-3 reach about 0.8 (model card).
  int64_t channels = 64;
  static StructureVaeOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config() const;
  int64_t latent_resolution() const { return resolution / 4; }
};

class StructureVaeImpl : public torch::nn::Module {
 public:
  explicit StructureVaeImpl(const StructureVaeOptions& options);
  // occupancy [B, 1, R, R, R] -> (mean, logvar) [B, C_z, R/4, R/4, R/4] each
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& occupancy);
  // latent -> occupancy logits [B, 1, R, R, R]
  torch::Tensor decode(const torch::Tensor& latent);
  StructureVaeOptions options;
  torch::nn::Sequential encoder{nullptr}, decoder{nullptr};
};
TORCH_MODULE(StructureVae);

struct FlowOptions {
  int64_t in_channels = 8;
  int64_t channels = 128;
  int64_t depth = 4;
  int64_t heads = 4;
  bool downsample = false;  // LatentFlow: x2 sparse down/up around the blocks
  ConditionEncoderOptions condition;
  static FlowOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config(const std::string& name) const;
};

// The transformer both stages share. Parameters "condition", "t_embedder", "input",
// ("down", "up", "skip" when downsampling), "blocks", "out_norm", "out".
class FlowTransformerImpl : public torch::nn::Module {
 public:
  explicit FlowTransformerImpl(const FlowOptions& options);
  // Condition tokens for a batch of prompts (see ConditionEncoder::forward).
  torch::Tensor encode_condition(const torch::Tensor& text_ids, const torch::Tensor& image,
                                 const torch::Tensor& image_present);
  // x_t: noisy tokens (features [N, in_channels]); t [B] in [0, 1]; context [B, L, C].
  // Returns the predicted velocity [N, in_channels].
  torch::Tensor forward(const nn::SparseTensor& x_t, const torch::Tensor& t, const torch::Tensor& context);

  FlowOptions options;
  ConditionEncoder condition{nullptr};
  nn::TimestepEmbedder t_embedder{nullptr};
  torch::nn::Linear input{nullptr}, skip{nullptr}, out{nullptr};
  nn::SparseDownConv3d down{nullptr};
  nn::SparseUpConv3d up{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm out_norm{nullptr};
};
TORCH_MODULE(FlowTransformer);

// All cells of a batch of dense grids as a SparseTensor: dense [B, C, G, G, G] -> features
// [B G^3, C] with coordinates in (b, x, y, z) order; and back.
nn::SparseTensor dense_to_tokens(const torch::Tensor& dense);
torch::Tensor tokens_to_dense(const torch::Tensor& features, int64_t batch, int64_t grid);

// The sampler's velocity callback (nn/flow_sampler.h) for a flow network.
inline nn::FlowVelocity velocity_of(FlowTransformerImpl& model) {
  return [&model](const nn::SparseTensor& x, const torch::Tensor& t, const torch::Tensor& context) {
    return model.forward(x, t, context);
  };
}

}  // namespace flexforge::model
