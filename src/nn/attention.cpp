// Chunked variable-length attention and the attention modules built on it. The loop over
// sequences and query chunks runs on the host over a handful of offsets; every chunk is two
// batched GEMMs over the heads and one softmax on the tensors' device.
#include "flexforge/nn/attention.h"

#include "flexforge/core/error.h"

#include <cmath>

namespace flexforge::nn {

namespace {

// libtorch 1.13 has no CPU fp16 GEMM kernel: compute it in fp32 there.
torch::ScalarType compute_type(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kHalf && t.device().is_cpu()) return torch::kFloat;
  return t.scalar_type();
}

void check_offsets(const std::vector<int64_t>& offsets, int64_t rows, const char* what) {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != rows) {
    throw Error(ExitCode::StageFailed, std::string("varlen_attention: ") + what +
                                           " offsets must start at 0 and end at the row count");
  }
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) {
      throw Error(ExitCode::StageFailed, "varlen_attention: offsets must be non-decreasing");
    }
  }
}

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& order) {
  return order.defined() ? x.index_select(0, order) : x;
}

}  // namespace

torch::Tensor varlen_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const std::vector<int64_t>& q_offsets,
                               const std::vector<int64_t>& k_offsets,
                               const AttentionOptions& options) {
  if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || q.size(1) != k.size(1) ||
      k.size(1) != v.size(1) || q.size(2) != k.size(2) || k.size(0) != v.size(0)) {
    throw Error(ExitCode::StageFailed,
                "varlen_attention: expected q [Tq, H, D], k [Tk, H, D], v [Tk, H, Dv]");
  }
  if (q_offsets.size() != k_offsets.size()) {
    throw Error(ExitCode::StageFailed, "varlen_attention: q and k have different sequence counts");
  }
  check_offsets(q_offsets, q.size(0), "query");
  check_offsets(k_offsets, k.size(0), "key");
  const int64_t heads = q.size(1);
  const double scale = options.scale > 0 ? options.scale : 1.0 / std::sqrt(double(q.size(2)));
  const auto out_type = q.scalar_type();
  const auto type = compute_type(q);
  // Heads first so each chunk is a batched GEMM over heads: [H, T, D].
  const auto qh = (q.to(type) * scale).transpose(0, 1);
  const auto kh = k.to(type).transpose(0, 1);
  const auto vh = v.to(type).transpose(0, 1);

  std::vector<torch::Tensor> pieces;
  for (size_t s = 0; s + 1 < q_offsets.size(); ++s) {
    const int64_t q0 = q_offsets[s];
    const int64_t lq = q_offsets[s + 1] - q0;
    const int64_t k0 = k_offsets[s];
    const int64_t lk = k_offsets[s + 1] - k0;
    if (lq == 0) continue;
    if (lk == 0) {  // nothing to attend to: the output is zero
      pieces.push_back(torch::zeros({heads, lq, v.size(2)}, vh.options()));
      continue;
    }
    const auto ks = kh.narrow(1, k0, lk).transpose(1, 2);  // [H, D, Lk]
    const auto vs = vh.narrow(1, k0, lk);                  // [H, Lk, Dv]
    const int64_t chunk =
        std::max<int64_t>(1, options.max_score_elements / std::max<int64_t>(1, heads * lk));
    for (int64_t c0 = 0; c0 < lq; c0 += chunk) {
      const int64_t lc = std::min(chunk, lq - c0);
      const auto scores = torch::matmul(qh.narrow(1, q0 + c0, lc), ks);  // [H, lc, Lk]
      const auto probs = torch::softmax(scores, -1, torch::kFloat).to(type);
      pieces.push_back(torch::matmul(probs, vs));  // [H, lc, Dv]
    }
  }
  if (pieces.empty()) return torch::zeros({0, heads, v.size(2)}, v.options().dtype(out_type));
  return torch::cat(pieces, 1).transpose(0, 1).to(out_type);
}

torch::Tensor layout_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const SequenceLayout& layout,
                               const AttentionOptions& options) {
  const auto out = varlen_attention(gather_rows(q, layout.order), gather_rows(k, layout.order),
                                    gather_rows(v, layout.order), layout.offsets, layout.offsets,
                                    options);
  return gather_rows(out, layout.inverse);
}

MultiHeadRMSNormImpl::MultiHeadRMSNormImpl(int64_t heads, int64_t head_dim, double eps_)
    : eps(eps_) {
  gamma = register_parameter("gamma", torch::ones({heads, head_dim}));
}

torch::Tensor MultiHeadRMSNormImpl::forward(const torch::Tensor& x) {
  const auto xf = x.to(torch::kFloat);
  const auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps) * gamma.to(torch::kFloat);
  return normed.to(x.scalar_type());
}

SparseSelfAttentionImpl::SparseSelfAttentionImpl(const SelfAttentionOptions& options_)
    : options(options_) {
  const int64_t c = options.channels;
  if (c <= 0 || options.heads <= 0 || c % options.heads != 0) {
    throw Error(ExitCode::Model, "self-attention: channels " + std::to_string(c) +
                                     " must be a positive multiple of heads " +
                                     std::to_string(options.heads));
  }
  to_qkv = register_module("to_qkv", torch::nn::Linear(c, 3 * c));
  to_out = register_module("to_out", torch::nn::Linear(c, c));
  if (options.qk_rms_norm) {
    q_norm = register_module("q_norm", MultiHeadRMSNorm(options.heads, c / options.heads));
    k_norm = register_module("k_norm", MultiHeadRMSNorm(options.heads, c / options.heads));
  }
}

torch::Tensor SparseSelfAttentionImpl::forward(const torch::Tensor& x, const SequenceLayout& layout,
                                               const torch::Tensor& positions) {
  const int64_t t = x.size(0);
  const int64_t h = options.heads;
  const auto qkv = to_qkv(x).view({t, 3, h, -1});
  auto q = qkv.select(1, 0);
  auto k = qkv.select(1, 1);
  const auto v = qkv.select(1, 2);
  if (options.qk_rms_norm) {
    q = q_norm(q);
    k = k_norm(k);
  }
  if (options.rope) {
    if (!positions.defined()) {
      throw Error(ExitCode::StageFailed, "self-attention with RoPE needs token positions");
    }
    q = apply_rope_3d(q, positions, options.rope_base);
    k = apply_rope_3d(k, positions, options.rope_base);
  }
  const auto out = layout_attention(q, k, v, layout, options.attention);
  return to_out(out.reshape({t, -1}));
}

SparseTensor SparseSelfAttentionImpl::forward(const SparseTensor& x) {
  const SequenceLayout& layout = options.mode == AttentionMode::Full
                                     ? x.batch_layout()
                                     : x.window_layout(options.window, options.shift);
  torch::Tensor positions;
  if (options.rope) positions = x.coords().narrow(1, 1, 3).to(torch::kFloat);
  return x.with_features(forward(x.features(), layout, positions));
}

CrossAttentionImpl::CrossAttentionImpl(int64_t channels, int64_t context_channels,
                                       int64_t heads_, bool qk_rms_norm,
                                       AttentionOptions attention_)
    : heads(heads_), attention(attention_) {
  if (channels <= 0 || heads <= 0 || channels % heads != 0) {
    throw Error(ExitCode::Model, "cross-attention: channels " + std::to_string(channels) +
                                     " must be a positive multiple of heads " +
                                     std::to_string(heads));
  }
  to_q = register_module("to_q", torch::nn::Linear(channels, channels));
  to_kv = register_module("to_kv", torch::nn::Linear(context_channels, 2 * channels));
  to_out = register_module("to_out", torch::nn::Linear(channels, channels));
  if (qk_rms_norm) {
    q_norm = register_module("q_norm", MultiHeadRMSNorm(heads, channels / heads));
    k_norm = register_module("k_norm", MultiHeadRMSNorm(heads, channels / heads));
  }
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const SequenceLayout& q_layout,
                                          const torch::Tensor& context,
                                          const std::vector<int64_t>& k_offsets) {
  const int64_t t = x.size(0);
  auto q = to_q(x).view({t, heads, -1});
  const auto kv = to_kv(context).view({context.size(0), 2, heads, -1});
  auto k = kv.select(1, 0);
  const auto v = kv.select(1, 1);
  if (q_norm) {
    q = q_norm(q);
    k = k_norm(k);
  }
  const auto out = varlen_attention(gather_rows(q, q_layout.order), k, v, q_layout.offsets,
                                    k_offsets, attention);
  return to_out(gather_rows(out, q_layout.inverse).reshape({t, -1}));
}

SparseTensor CrossAttentionImpl::forward(const SparseTensor& x, const torch::Tensor& context) {
  if (context.dim() != 3 || context.size(0) != x.batch_size()) {
    throw Error(ExitCode::StageFailed, "cross-attention: context must be [B, L, C_ctx] with B = " +
                                           std::to_string(x.batch_size()));
  }
  const int64_t b = context.size(0);
  const int64_t l = context.size(1);
  std::vector<int64_t> k_offsets(b + 1);
  for (int64_t i = 0; i <= b; ++i) k_offsets[i] = i * l;
  return x.with_features(
      forward(x.features(), x.batch_layout(), context.reshape({b * l, -1}), k_offsets));
}

}  // namespace flexforge::nn
