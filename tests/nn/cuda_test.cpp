// GPU against CPU (ctest label `cuda`): the sparse ops, attention and a small DiT forward pass run
// on the first CUDA device and must match the CPU results. Every test skips, saying why, when this
// build has no CUDA device (a CPU-only libtorch, or no GPU present).
#include "flexforge/nn/attention.h"
#include "flexforge/nn/blocks.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_norm.h"
#include "nn_test_support.h"

#include <gtest/gtest.h>

namespace flexforge::nn {
namespace {

using testing::max_abs_diff;
using testing::random_sparse;
using testing::sorted_keys;

#define SKIP_WITHOUT_CUDA()                                                                  \
  if (!torch::cuda::is_available()) {                                                        \
    GTEST_SKIP() << "no CUDA device: this libtorch has no CUDA support or no GPU is present"; \
  }

const torch::Device kGpu(torch::kCUDA, 0);

TEST(CudaSparseOps, MatchTheCpu) {
  SKIP_WITHOUT_CUDA();
  const auto x = random_sparse(2, 16, 0.2, 16, 1);
  const auto g = x.to(kGpu);
  const auto w3 = torch::randn({27, 16, 8});
  const auto w2 = torch::randn({8, 16, 8});
  const auto b = torch::randn({8});
  EXPECT_LT(max_abs_diff(submanifold_conv3d(x, w3, b),
                         submanifold_conv3d(g, w3.to(kGpu), b.to(kGpu)).cpu()), 1e-4);
  const auto dc = sparse_downsample_conv3d(x, w2, b);
  const auto dg = sparse_downsample_conv3d(g, w2.to(kGpu), b.to(kGpu));
  EXPECT_TRUE(torch::equal(dc.coords(), dg.coords().cpu()));
  EXPECT_LT(max_abs_diff(dc.features(), dg.features().cpu()), 1e-4);
  const auto wt = torch::randn({8, 8, 4});
  EXPECT_LT(max_abs_diff(sparse_transposed_conv3d(dc, wt, {}, &x).features(),
                         sparse_transposed_conv3d(dg, wt.to(kGpu), {}, &g).features().cpu()),
            1e-4);
  EXPECT_TRUE(torch::equal(sorted_keys(subdivide(x).coords()),
                           sorted_keys(subdivide(g).coords()).cpu()));
  const auto gw = torch::randn({16});
  EXPECT_LT(max_abs_diff(sparse_group_norm(x, 4, gw, {}), sparse_group_norm(g, 4, gw.to(kGpu), {}).cpu()),
            1e-4);
}

TEST(CudaAttention, MatchesTheCpu) {
  SKIP_WITHOUT_CUDA();
  const auto x = random_sparse(2, 20, 0.05, 1, 2);
  const int64_t n = x.size();
  const auto q = torch::randn({n, 4, 16});
  const auto k = torch::randn({n, 4, 16});
  const auto v = torch::randn({n, 4, 16});
  const auto g = x.to(kGpu);
  for (const int shift : {0, 4}) {
    const auto cpu = layout_attention(q, k, v, x.window_layout(8, shift));
    const auto gpu = layout_attention(q.to(kGpu), k.to(kGpu), v.to(kGpu), g.window_layout(8, shift));
    EXPECT_LT(max_abs_diff(cpu, gpu.cpu()), 1e-4) << "shift " << shift;
  }
  const auto full = layout_attention(q, k, v, x.batch_layout());
  const auto half = layout_attention(q.to(kGpu).to(torch::kHalf), k.to(kGpu).to(torch::kHalf),
                                     v.to(kGpu).to(torch::kHalf), g.batch_layout());
  EXPECT_LT(max_abs_diff(full, half.cpu().to(torch::kFloat)), 2e-2);
}

TEST(CudaForward, DiTBlockMatchesTheCpu) {
  SKIP_WITHOUT_CUDA();
  torch::manual_seed(3);
  DiTBlockOptions o;
  o.channels = 32;
  o.heads = 4;
  o.qk_rms_norm = true;
  o.rope = true;
  o.context_channels = 16;
  SparseDiTBlock block(o);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : block->parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  const auto x = random_sparse(2, 10, 0.15, 32, 4);
  const auto cond = torch::randn({2, 32});
  const auto context = torch::randn({2, 5, 16});
  torch::NoGradGuard no_grad;
  const auto cpu = block->forward(x, cond, context).features();
  block->to(kGpu);
  const auto gpu = block->forward(x.to(kGpu), cond.to(kGpu), context.to(kGpu)).features().cpu();
  EXPECT_LT(max_abs_diff(cpu, gpu), 1e-3);
}

}  // namespace
}  // namespace flexforge::nn
