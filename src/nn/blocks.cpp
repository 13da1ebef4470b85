// Transformer, DiT, residual and subdivide blocks (structure described in blocks.h; the layer
// order and zero-initialisations follow the TRELLIS / TripoSF papers; docs/engine.md lists the
// blocks).
#include "flexforge/nn/blocks.h"

#include "flexforge/core/error.h"
#include "flexforge/nn/sparse_layers.h"

namespace flexforge::nn {

namespace {

SelfAttentionOptions attention_options(const TransformerBlockOptions& o) {
  SelfAttentionOptions a;
  a.channels = o.channels;
  a.heads = o.heads;
  a.mode = o.mode;
  a.window = o.window;
  a.shift = o.shift;
  a.qk_rms_norm = o.qk_rms_norm;
  a.rope = o.rope;
  a.attention = o.attention;
  return a;
}

void zero_init(const torch::Tensor& t) {
  torch::NoGradGuard no_grad;
  if (t.defined()) torch::Tensor(t).zero_();
}

// Per-sample rows [B, C] broadcast to the tokens [N, C] of x.
torch::Tensor per_token(const SparseTensor& x, const torch::Tensor& per_sample) {
  return per_sample.index_select(0, x.batch_index());
}

}  // namespace

int64_t fit_groups(int64_t groups, int64_t channels) {
  int64_t g = std::max<int64_t>(1, std::min(groups, channels));
  while (channels % g != 0) --g;
  return g;
}

FeedForwardImpl::FeedForwardImpl(int64_t channels, double ratio) {
  const auto hidden = static_cast<int64_t>(channels * ratio);
  mlp = register_module(
      "mlp", torch::nn::Sequential(torch::nn::Linear(channels, hidden),
                                   torch::nn::GELU(torch::nn::GELUOptions().approximate("tanh")),
                                   torch::nn::Linear(hidden, channels)));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) { return mlp->forward(x); }

SparseTransformerBlockImpl::SparseTransformerBlockImpl(const TransformerBlockOptions& o) {
  norm1 = register_module("norm1", SparseLayerNorm(o.channels, 1e-6));
  attn = register_module("attn", SparseSelfAttention(attention_options(o)));
  norm2 = register_module("norm2", SparseLayerNorm(o.channels, 1e-6));
  mlp = register_module("mlp", FeedForward(o.channels, o.mlp_ratio));
}

SparseTensor SparseTransformerBlockImpl::forward(const SparseTensor& x) {
  auto h = x.features() + attn->forward(norm1->forward(x)).features();
  h = h + mlp->forward(norm2->forward(h));
  return x.with_features(h);
}

SparseDiTBlockImpl::SparseDiTBlockImpl(const DiTBlockOptions& o) {
  const int64_t c = o.channels;
  adaLN_modulation = register_module(
      "adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU(), torch::nn::Linear(c, 6 * c)));
  for (const auto& p : adaLN_modulation->parameters()) zero_init(p);
  norm1 = register_module("norm1", SparseLayerNorm(c, 1e-6, /*affine=*/false));
  self_attn = register_module("self_attn", SparseSelfAttention(attention_options(o)));
  if (o.context_channels > 0) {
    norm2 = register_module("norm2", SparseLayerNorm(c, 1e-6, /*affine=*/true));
    cross_attn = register_module(
        "cross_attn", CrossAttention(c, o.context_channels, o.heads, o.qk_rms_norm, o.attention));
  }
  norm3 = register_module("norm3", SparseLayerNorm(c, 1e-6, /*affine=*/false));
  mlp = register_module("mlp", FeedForward(c, o.mlp_ratio));
}

SparseTensor SparseDiTBlockImpl::forward(const SparseTensor& x, const torch::Tensor& cond,
                                         const torch::Tensor& context) {
  if (cond.dim() != 2 || cond.size(0) != x.batch_size()) {
    throw Error(ExitCode::StageFailed, "DiT block: cond must be [B, C] with B = " +
                                           std::to_string(x.batch_size()));
  }
  const auto mod = per_token(x, adaLN_modulation->forward(cond)).chunk(6, 1);
  const auto &shift_msa = mod[0], &scale_msa = mod[1], &gate_msa = mod[2];
  const auto &shift_mlp = mod[3], &scale_mlp = mod[4], &gate_mlp = mod[5];

  auto f = x.features();
  auto h = norm1->forward(f) * (1 + scale_msa) + shift_msa;
  f = f + gate_msa * self_attn->forward(x.with_features(h)).features();
  if (cross_attn) {
    if (!context.defined()) throw Error(ExitCode::StageFailed, "DiT block needs condition tokens");
    f = f + cross_attn->forward(x.with_features(norm2->forward(f)), context).features();
  }
  h = norm3->forward(f) * (1 + scale_mlp) + shift_mlp;
  f = f + gate_mlp * mlp->forward(h);
  return x.with_features(f);
}

SparseResBlockImpl::SparseResBlockImpl(const ResBlockOptions& o) : options(o) {
  if (options.out_channels <= 0) options.out_channels = options.in_channels;
  const int64_t cin = options.in_channels;
  const int64_t cout = options.out_channels;
  norm1 = register_module("norm1", SparseGroupNorm(fit_groups(options.groups, cin), cin));
  conv1 = register_module("conv1", SubMConv3d(cin, cout, 3));
  norm2 = register_module("norm2", SparseGroupNorm(fit_groups(options.groups, cout), cout));
  conv2 = register_module("conv2", SubMConv3d(cout, cout, 3));
  zero_init(conv2->weight);
  zero_init(conv2->bias);
  if (cin != cout) skip = register_module("skip", torch::nn::Linear(cin, cout));
}

SparseTensor SparseResBlockImpl::forward(const SparseTensor& x, const SparseTensor* target) {
  const auto resample = [&](const SparseTensor& t) {
    switch (options.resample) {
      case Resample::Down: return downsample_mean(t);
      case Resample::Up: return target ? upsample_nearest(t, *target) : subdivide(t);
      case Resample::None: break;
    }
    return t;
  };
  auto h = resample(sparse_silu(norm1->forward(x)));
  h = conv1->forward(h);
  h = conv2->forward(sparse_silu(norm2->forward(h)));
  const auto base = resample(x);
  const auto skipped = skip ? skip->forward(base.features()) : base.features();
  return h.with_features(h.features() + skipped);
}

SparseSubdivideBlockImpl::SparseSubdivideBlockImpl(int64_t in_channels, int64_t out_channels,
                                                   int64_t groups) {
  norm1 = register_module("norm1", SparseGroupNorm(fit_groups(groups, in_channels), in_channels));
  conv1 = register_module("conv1", SubMConv3d(in_channels, out_channels, 3));
  norm2 = register_module("norm2", SparseGroupNorm(fit_groups(groups, out_channels), out_channels));
  conv2 = register_module("conv2", SubMConv3d(out_channels, out_channels, 3));
  zero_init(conv2->weight);
  zero_init(conv2->bias);
  if (in_channels != out_channels) {
    skip = register_module("skip", torch::nn::Linear(in_channels, out_channels));
  }
  prune_head = register_module("prune_head", torch::nn::Linear(out_channels, 1));
}

SubdivideOutput SparseSubdivideBlockImpl::forward(const SparseTensor& x) {
  auto h = subdivide(sparse_silu(norm1->forward(x)));
  h = conv1->forward(h);
  h = conv2->forward(sparse_silu(norm2->forward(h)));
  // subdivide(x) has the same child ordering (8 i + o) as h, so the rows line up.
  const auto base = subdivide(x).features();
  const auto out = h.features() + (skip ? skip->forward(base) : base);
  SubdivideOutput result{h.with_features(out), {}};
  result.logits = prune_head->forward(out).squeeze(1);
  return result;
}

SparseTensor prune_by_logits(const SubdivideOutput& out) {
  return sparse_prune(out.x, out.logits > 0);
}

}  // namespace flexforge::nn
