// Attention against straightforward dense references: a variable-length batch equals per-sample
// runs, shifted-window attention equals dense attention with a same-window mask, chunking does not
// change values or gradients, RoPE depends only on relative positions.
#include "flexforge/nn/attention.h"
#include "flexforge/nn/position.h"
#include "nn_test_support.h"

#include <gtest/gtest.h>

#include <cmath>

namespace flexforge::nn {
namespace {

using testing::max_abs_diff;
using testing::random_sparse;

// softmax(q k^T / sqrt(D) + mask) v for one sequence; q [L, H, D]; mask bool [Lq, Lk] or undefined.
torch::Tensor dense_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& mask = {}) {
  auto scores = torch::einsum("qhd,khd->hqk", {q, k}) / std::sqrt(double(q.size(2)));
  if (mask.defined()) scores = scores.masked_fill(~mask.unsqueeze(0), -INFINITY);
  return torch::einsum("hqk,khd->qhd", {torch::softmax(scores, -1), v});
}

TEST(Attention, VariableLengthBatchEqualsPerSampleRuns) {
  torch::manual_seed(1);
  const std::vector<int64_t> lengths{5, 17, 1, 9};
  const std::vector<int64_t> key_lengths{3, 8, 4, 11};
  std::vector<int64_t> qo{0}, ko{0};
  for (size_t i = 0; i < lengths.size(); ++i) {
    qo.push_back(qo.back() + lengths[i]);
    ko.push_back(ko.back() + key_lengths[i]);
  }
  const auto q = torch::randn({qo.back(), 4, 8});
  const auto k = torch::randn({ko.back(), 4, 8});
  const auto v = torch::randn({ko.back(), 4, 6});
  const auto out = varlen_attention(q, k, v, qo, ko);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{qo.back(), 4, 6}));
  for (size_t s = 0; s < lengths.size(); ++s) {
    const auto qs = q.narrow(0, qo[s], lengths[s]);
    const auto ks = k.narrow(0, ko[s], key_lengths[s]);
    const auto vs = v.narrow(0, ko[s], key_lengths[s]);
    const auto single = varlen_attention(qs, ks, vs, {0, lengths[s]}, {0, key_lengths[s]});
    EXPECT_LT(max_abs_diff(out.narrow(0, qo[s], lengths[s]), single), 1e-6) << "sequence " << s;
    EXPECT_LT(max_abs_diff(single, dense_attention(qs, ks, vs)), 1e-5) << "sequence " << s;
  }
}

TEST(Attention, QueryChunkingKeepsValuesAndGradients) {
  torch::manual_seed(2);
  const auto q = torch::randn({300, 2, 16}).requires_grad_(true);
  const auto k = torch::randn({300, 2, 16}).requires_grad_(true);
  const auto v = torch::randn({300, 2, 16}).requires_grad_(true);
  AttentionOptions small;
  small.max_score_elements = 2 * 7 * 300;  // 7 queries per chunk
  const auto a = varlen_attention(q, k, v, {0, 120, 300}, {0, 120, 300});
  const auto b = varlen_attention(q, k, v, {0, 120, 300}, {0, 120, 300}, small);
  EXPECT_LT(max_abs_diff(a, b), 1e-6);
  const auto probe = torch::randn_like(a);
  const auto ga = torch::autograd::grad({(a * probe).sum()}, {q, k, v});
  const auto gb = torch::autograd::grad({(b * probe).sum()}, {q, k, v});
  for (int i = 0; i < 3; ++i) EXPECT_LT(max_abs_diff(ga[i], gb[i]), 1e-5) << "gradient " << i;
}

TEST(Attention, HalfPrecisionInputsKeepTheirDtype) {
  torch::manual_seed(11);
  const auto q = torch::randn({40, 2, 16});
  const auto k = torch::randn({40, 2, 16});
  const auto v = torch::randn({40, 2, 16});
  const auto reference = varlen_attention(q, k, v, {0, 15, 40}, {0, 15, 40});
  for (const auto type : {torch::kBFloat16, torch::kHalf}) {  // fp16 is computed in fp32 on CPU
    const auto out = varlen_attention(q.to(type), k.to(type), v.to(type), {0, 15, 40}, {0, 15, 40});
    EXPECT_EQ(out.scalar_type(), type);
    EXPECT_LT(max_abs_diff(out, reference), 0.05) << c10::toString(type);
  }
}

TEST(Attention, ShiftedWindowAttentionEqualsMaskedDenseAttention) {
  const auto x = random_sparse(2, 24, 0.04, 1, 3);
  torch::manual_seed(4);
  const int64_t n = x.size();
  const auto q = torch::randn({n, 2, 8});
  const auto k = torch::randn({n, 2, 8});
  const auto v = torch::randn({n, 2, 8});
  for (const int shift : {0, 4}) {
    const auto& layout = x.window_layout(8, shift);
    const auto out = layout_attention(q, k, v, layout);
    const auto c = x.coords().to(torch::kLong);
    const auto window = torch::cat({c.narrow(1, 0, 1), (c.narrow(1, 1, 3) + shift).div(8, "floor")}, 1);
    const auto same = (window.unsqueeze(1) == window.unsqueeze(0)).all(-1);  // [N, N]
    EXPECT_LT(max_abs_diff(out, dense_attention(q, k, v, same)), 1e-5) << "shift " << shift;
    EXPECT_GT(layout.offsets.size(), 3u);
  }
}

TEST(Attention, SelfAttentionModuleOnABatchEqualsPerSampleRuns) {
  SelfAttentionOptions o;
  o.channels = 24;
  o.heads = 2;
  o.qk_rms_norm = true;
  o.rope = true;
  torch::manual_seed(5);
  SparseSelfAttention attn(o);
  const auto a = random_sparse(1, 8, 0.2, 24, 6);
  const auto b = random_sparse(1, 8, 0.1, 24, 7);
  const auto b_coords = b.coords() + torch::tensor({1, 0, 0, 0}, torch::kInt);
  // Interleave the two samples' rows so the batch is not grouped.
  const auto coords = torch::cat({a.coords(), b_coords});
  const auto feats = torch::cat({a.features(), b.features()});
  const auto perm = torch::randperm(coords.size(0));
  const SparseTensor batch(coords.index_select(0, perm), feats.index_select(0, perm), 2);
  const auto joint = attn->forward(batch).features();
  const auto alone = torch::cat({attn->forward(a).features(), attn->forward(b).features()});
  EXPECT_LT(max_abs_diff(joint, alone.index_select(0, perm)), 1e-5);
}

TEST(Attention, CrossAttentionSeesOnlyItsOwnCondition) {
  torch::manual_seed(8);
  CrossAttention cross(16, 12, 4, true);
  const auto x = random_sparse(3, 6, 0.3, 16, 9);
  const auto context = torch::randn({3, 5, 12});
  const auto out = cross->forward(x, context).features();
  for (int64_t b = 0; b < 3; ++b) {
    const auto rows = torch::nonzero(x.batch_index() == b).view({-1});
    const auto xb = x.features().index_select(0, rows);
    SequenceLayout one;
    one.offsets = {0, xb.size(0)};
    const auto expected = cross->forward(xb, one, context[b], {0, 5});
    EXPECT_LT(max_abs_diff(out.index_select(0, rows), expected), 1e-5);
  }
}

TEST(Position, RopeDependsOnlyOnRelativePosition) {
  torch::manual_seed(10);
  const auto q = torch::randn({6, 2, 20});
  const auto k = torch::randn({6, 2, 20});
  const auto p = torch::randint(0, 50, {6, 3}).to(torch::kFloat);
  const auto shifted = p + torch::tensor({7.f, -3.f, 11.f});
  const auto dots = [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::einsum("qhd,khd->hqk", {a, b});
  };
  const auto d0 = dots(apply_rope_3d(q, p), apply_rope_3d(k, p));
  const auto d1 = dots(apply_rope_3d(q, shifted), apply_rope_3d(k, shifted));
  EXPECT_LT(max_abs_diff(d0, d1), 1e-3);
  EXPECT_LT(max_abs_diff(apply_rope_3d(q, p).norm(2, -1), q.norm(2, -1)), 1e-4);
  // The last 20 - 18 = 2 dimensions are not rotated.
  EXPECT_TRUE(torch::equal(apply_rope_3d(q, p).narrow(2, 18, 2), q.narrow(2, 18, 2)));
}

TEST(Position, SinCosEmbeddingFormula) {
  const auto p = torch::tensor({3.f, 5.f, 7.f}).view({1, 3});
  const auto e = sincos_position_embedding(p, 14);  // 2 frequencies per axis, 2 zero pad
  ASSERT_EQ(e.size(1), 14);
  const double f1 = std::pow(10000.0, -0.5);
  EXPECT_NEAR(e[0][0].item<double>(), std::sin(3.0), 1e-6);
  EXPECT_NEAR(e[0][1].item<double>(), std::sin(3.0 * f1), 1e-6);
  EXPECT_NEAR(e[0][3].item<double>(), std::cos(3.0 * f1), 1e-6);
  EXPECT_NEAR(e[0][4].item<double>(), std::sin(5.0), 1e-6);
  EXPECT_NEAR(e[0][11].item<double>(), std::cos(7.0 * f1), 1e-6);
  EXPECT_EQ(e[0][13].item<double>(), 0.0);
  const auto t = timestep_embedding(torch::tensor({0.f, 500.f}), 8);
  EXPECT_NEAR(t[0][0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(t[1][4].item<double>(), std::sin(500.0), 1e-4);
}

}  // namespace
}  // namespace flexforge::nn
