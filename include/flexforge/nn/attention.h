// Multi-head attention over variable-length sequences, written with matmul + softmax (libtorch
// 1.13 has no fused scaled_dot_product_attention).
//
// Tokens are packed without padding: sequence s owns rows [offsets[s], offsets[s+1]) of q (and
// its own range of k/v), and attention is block-diagonal — each sequence only sees itself. Each
// sequence is computed at its own length, in chunks of queries sized so that one chunk's score
// matrix stays under AttentionOptions::max_score_elements; memory is bounded by that, not by the
// sequence length squared (during training autograd keeps every chunk's probabilities).
//
// Shapes: q [Tq, H, D], k [Tk, H, D], v [Tk, H, Dv] -> [Tq, H, Dv]. fp32/bf16 on CPU (fp16 is
// computed in fp32 there), any float type on CUDA; softmax always runs in fp32.
#pragma once

#include "flexforge/nn/position.h"
#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::nn {

struct AttentionOptions {
  double scale = 0.0;                          // 0: 1 / sqrt(D)
  int64_t max_score_elements = int64_t{1} << 24;  // per query chunk: H * chunk * L_k
};

torch::Tensor varlen_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const std::vector<int64_t>& q_offsets,
                               const std::vector<int64_t>& k_offsets,
                               const AttentionOptions& options = {});

// Self-attention within the sequences of `layout` (batch elements or windows) for tokens given
// in row order: gathers rows into sequence order, attends, and scatters back.
torch::Tensor layout_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const SequenceLayout& layout,
                               const AttentionOptions& options = {});

// Per-head RMS normalisation of queries/keys ("QK RMS-norm"): x [T, H, D] ->
// x / rms(x over D) * gamma[H, D]. Parameter "gamma" [H, D], initialised to ones.
class MultiHeadRMSNormImpl : public torch::nn::Module {
 public:
  MultiHeadRMSNormImpl(int64_t heads, int64_t head_dim, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor gamma;
  double eps;
};
TORCH_MODULE(MultiHeadRMSNorm);

enum class AttentionMode { Full, Window };

struct SelfAttentionOptions {
  int64_t channels = 0;
  int64_t heads = 1;
  AttentionMode mode = AttentionMode::Full;  // Full: per batch element; Window: shifted windows
  int window = 8;
  int shift = 0;  // 0 or window / 2 in alternating blocks
  bool qk_rms_norm = false;
  bool rope = false;  // 3D RoPE from the voxel coordinates (head_dim must be >= 6)
  double rope_base = 10000.0;
  AttentionOptions attention;
};

// Self-attention over a SparseTensor's voxels. Parameters: "to_qkv" Linear(C, 3C), "to_out"
// Linear(C, C), and with qk_rms_norm "q_norm"/"k_norm" MultiHeadRMSNorm(H, C / H).
class SparseSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit SparseSelfAttentionImpl(const SelfAttentionOptions& options);
  // features [N, C] -> [N, C] with the sequences / positions taken from x.
  SparseTensor forward(const SparseTensor& x);
  // Plain token sequences: x [T, C], layout splits them; positions [T, 3] only when rope.
  torch::Tensor forward(const torch::Tensor& x, const SequenceLayout& layout,
                        const torch::Tensor& positions = {});

  SelfAttentionOptions options;
  torch::nn::Linear to_qkv{nullptr}, to_out{nullptr};
  MultiHeadRMSNorm q_norm{nullptr}, k_norm{nullptr};
};
TORCH_MODULE(SparseSelfAttention);

// Cross-attention from tokens to condition tokens. Parameters: "to_q" Linear(C, C), "to_kv"
// Linear(C_ctx, 2C), "to_out" Linear(C, C), optional "q_norm"/"k_norm".
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t channels, int64_t context_channels, int64_t heads,
                     bool qk_rms_norm = false, AttentionOptions attention = {});
  // x: a SparseTensor whose batch element b attends to context[b] ([B, L, C_ctx]).
  SparseTensor forward(const SparseTensor& x, const torch::Tensor& context);
  // General form: x [T, C] split by q_layout, context [Tc, C_ctx] split by k_offsets.
  torch::Tensor forward(const torch::Tensor& x, const SequenceLayout& q_layout,
                        const torch::Tensor& context, const std::vector<int64_t>& k_offsets);

  int64_t heads;
  AttentionOptions attention;
  torch::nn::Linear to_q{nullptr}, to_kv{nullptr}, to_out{nullptr};
  MultiHeadRMSNorm q_norm{nullptr}, k_norm{nullptr};
};
TORCH_MODULE(CrossAttention);

}  // namespace flexforge::nn
