// Network blocks the models are assembled from. All take and return SparseTensors (features
// [N, C]); per-sample inputs (timestep embedding [B, C], condition tokens [B, L, C_ctx]) are
// indexed by the tokens' batch column.
//
//   SparseTransformerBlock  pre-LayerNorm: x += attn(LN(x)); x += mlp(LN(x))
//                           (full attention per sample, or shifted windows)
//   SparseDiTBlock          AdaLN-modulated (DiT / TRELLIS structured-latent flow):
//                             shift/scale/gate x 2 = Linear(SiLU(c)) with c = timestep embedding;
//                             x += gate1 * attn(LN(x) * (1 + scale1) + shift1)
//                             x += cross_attn(LN_affine(x), context)
//                             x += gate2 * mlp(LN(x) * (1 + scale2) + shift2)
//                           The modulation Linear is zero-initialised, so a fresh block is the
//                           identity on its self-attention and MLP paths.
//   SparseResBlock          GN-SiLU-[resample]-conv3-GN-SiLU-conv3(zero init) + skip([resample] x)
//                           resample: none, x2 down (mean pooling), x2 up (nearest, onto a given
//                           fine tensor or all 8 children); 1x1 linear skip when C changes.
//   SparseSubdivideBlock    SparseFlex decoder step: GN-SiLU-subdivide-conv3-GN-SiLU-conv3(zero
//                           init) + linear skip of the subdivided input, and a pruning head giving
//                           one logit per child (children with logit < 0 are dropped).
#pragma once

#include "flexforge/nn/attention.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_norm.h"
#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

namespace flexforge::nn {

// Linear(C, ratio C) - GELU(tanh) - Linear(ratio C, C). Parameters "mlp.0", "mlp.2".
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t channels, double ratio = 4.0);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(FeedForward);

struct TransformerBlockOptions {
  int64_t channels = 0;
  int64_t heads = 1;
  double mlp_ratio = 4.0;
  AttentionMode mode = AttentionMode::Full;
  int window = 8;
  int shift = 0;
  bool qk_rms_norm = false;
  bool rope = false;
  AttentionOptions attention;
};

// Parameters: "norm1", "attn", "norm2", "mlp".
class SparseTransformerBlockImpl : public torch::nn::Module {
 public:
  explicit SparseTransformerBlockImpl(const TransformerBlockOptions& options);
  SparseTensor forward(const SparseTensor& x);
  SparseLayerNorm norm1{nullptr}, norm2{nullptr};
  SparseSelfAttention attn{nullptr};
  FeedForward mlp{nullptr};
};
TORCH_MODULE(SparseTransformerBlock);

struct DiTBlockOptions : TransformerBlockOptions {
  int64_t context_channels = 0;  // 0: no cross-attention
};

// Parameters: "adaLN_modulation.1" Linear(C, 6C), "norm1", "self_attn", "norm2", "cross_attn",
// "norm3", "mlp".
class SparseDiTBlockImpl : public torch::nn::Module {
 public:
  explicit SparseDiTBlockImpl(const DiTBlockOptions& options);
  // x: tokens; cond [B, C] (timestep embedding); context [B, L, C_ctx] (ignored when the block
  // has no cross-attention).
  SparseTensor forward(const SparseTensor& x, const torch::Tensor& cond,
                       const torch::Tensor& context = {});
  torch::nn::Sequential adaLN_modulation{nullptr};
  SparseLayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  SparseSelfAttention self_attn{nullptr};
  CrossAttention cross_attn{nullptr};
  FeedForward mlp{nullptr};
};
TORCH_MODULE(SparseDiTBlock);

enum class Resample { None, Down, Up };

struct ResBlockOptions {
  int64_t in_channels = 0;
  int64_t out_channels = 0;  // 0: same as in
  int64_t groups = 32;       // clamped to a divisor of the channel counts
  Resample resample = Resample::None;
};

// Parameters: "norm1", "conv1", "norm2", "conv2", and "skip" (Linear) when C changes.
class SparseResBlockImpl : public torch::nn::Module {
 public:
  explicit SparseResBlockImpl(const ResBlockOptions& options);
  // Up: onto `target`'s coordinates when given, else all children.
  SparseTensor forward(const SparseTensor& x, const SparseTensor* target = nullptr);
  ResBlockOptions options;
  SparseGroupNorm norm1{nullptr}, norm2{nullptr};
  SubMConv3d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear skip{nullptr};
};
TORCH_MODULE(SparseResBlock);

struct SubdivideOutput {
  SparseTensor x;        // all 8 children of every input voxel
  torch::Tensor logits;  // [8N] pruning logit per child (keep when > 0)
};

// Parameters: "norm1", "conv1", "norm2", "conv2", "skip" (when C changes), "prune_head".
class SparseSubdivideBlockImpl : public torch::nn::Module {
 public:
  SparseSubdivideBlockImpl(int64_t in_channels, int64_t out_channels, int64_t groups = 32);
  SubdivideOutput forward(const SparseTensor& x);
  SparseGroupNorm norm1{nullptr}, norm2{nullptr};
  SubMConv3d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear skip{nullptr}, prune_head{nullptr};
};
TORCH_MODULE(SparseSubdivideBlock);

// Children whose logit is > 0 (inference-time pruning after a subdivide block).
SparseTensor prune_by_logits(const SubdivideOutput& out);

// Largest divisor of `channels` that is <= `groups` (GroupNorm group count for any width).
int64_t fit_groups(int64_t groups, int64_t channels);

}  // namespace flexforge::nn
