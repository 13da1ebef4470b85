// Sparse ops against their dense torch counterparts on the same occupancy: submanifold conv ==
// conv3d restricted to active sites (values and gradients), stride-2 conv == conv3d(k2, s2),
// transposed conv == conv_transpose3d, subdivision == nearest x2 up-sampling, GroupNorm == a dense
// group_norm per batch element.
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_norm.h"
#include "flexforge/nn/sparse_tensor.h"
#include "nn_test_support.h"

#include <gtest/gtest.h>

namespace flexforge::nn {
namespace {

using testing::gather_dense;
using testing::max_abs_diff;
using testing::random_sparse;
using testing::sorted_keys;
using testing::to_dense;

constexpr int64_t kBatch = 2;
constexpr int64_t kGrid = 10;

// Gradients of `loss` with respect to `leaves`, leaving their .grad untouched.
std::vector<torch::Tensor> grads(const torch::Tensor& loss, const std::vector<torch::Tensor>& leaves) {
  return torch::autograd::grad({loss}, leaves);
}

TEST(SparseTensor, LookupFindsEveryRowAndRejectsInactive) {
  const auto x = random_sparse(kBatch, kGrid, 0.3, 1, 1);
  const auto rows = x.lookup(x.coords());
  EXPECT_TRUE(torch::equal(rows, torch::arange(x.size())));
  const auto outside = x.coords() + torch::tensor({0, static_cast<int>(kGrid), 0, 0}, torch::kInt);
  EXPECT_TRUE((x.lookup(outside) == -1).all().item<bool>());
}

TEST(SparseTensor, MapsAreCachedAndSharedByFeatureOnlyResults) {
  const auto x = random_sparse(kBatch, kGrid, 0.3, 4, 2);
  const auto* first = &x.kernel_map(3);
  const auto y = x.with_features(x.features() * 2);
  EXPECT_EQ(first, &y.kernel_map(3));
  EXPECT_EQ(&x.downsample_map(), &y.downsample_map());
}

TEST(SparseTensor, DuplicateCoordinatesAreRejected) {
  const auto coords = torch::tensor({0, 1, 2, 3, 0, 1, 2, 3}, torch::kInt).view({2, 4});
  const SparseTensor x(coords, torch::zeros({2, 1}));
  EXPECT_THROW(x.lookup(coords), Error);
}

TEST(SparseConv, SubmanifoldK3MatchesDenseConvForwardAndGradients) {
  const auto x0 = random_sparse(kBatch, kGrid, 0.3, 5, 3);
  const auto feats = x0.features().clone().requires_grad_(true);
  const SparseTensor x(x0.coords(), feats, kBatch);
  torch::manual_seed(4);
  const auto weight = torch::randn({27, 5, 7}).requires_grad_(true);
  const auto bias = torch::randn({7}).requires_grad_(true);
  const auto probe = torch::randn({x.size(), 7});

  const auto sparse_out = submanifold_conv3d(x, weight, bias);
  const auto dense_weight = weight.view({3, 3, 3, 5, 7}).permute({4, 3, 0, 1, 2});
  const auto dense_out = gather_dense(
      torch::conv3d(to_dense(x.coords(), feats, kBatch, kGrid), dense_weight, bias, 1, 1),
      x.coords());
  EXPECT_LT(max_abs_diff(sparse_out, dense_out), 1e-5);

  const auto gs = grads((sparse_out * probe).sum(), {feats, weight, bias});
  const auto gd = grads((dense_out * probe).sum(), {feats, weight, bias});
  for (size_t i = 0; i < gs.size(); ++i) {
    EXPECT_LT(max_abs_diff(gs[i], gd[i]), 1e-4) << "gradient " << i;
  }
}

TEST(SparseConv, SubmanifoldK1IsAPerVoxelMatmul) {
  const auto x = random_sparse(kBatch, kGrid, 0.2, 6, 5);
  const auto weight = torch::randn({1, 6, 3});
  EXPECT_LT(max_abs_diff(submanifold_conv3d(x, weight, {}), x.features().mm(weight[0])), 1e-6);
}

TEST(SparseConv, DownsampleMatchesStridedDenseConv) {
  const auto x0 = random_sparse(kBatch, kGrid, 0.25, 4, 6);
  const auto feats = x0.features().clone().requires_grad_(true);
  const SparseTensor x(x0.coords(), feats, kBatch);
  const auto weight = torch::randn({8, 4, 6}).requires_grad_(true);
  const auto bias = torch::randn({6});

  const auto coarse = sparse_downsample_conv3d(x, weight, bias);
  // Coarse voxels = cells with at least one active child.
  const auto occupancy = to_dense(x.coords(), torch::ones({x.size(), 1}), kBatch, kGrid);
  const auto coarse_occ = torch::max_pool3d(occupancy, 2, 2).squeeze(1);
  EXPECT_TRUE(torch::equal(sorted_keys(coarse.coords()),
                           sorted_keys(torch::nonzero(coarse_occ).to(torch::kInt))));

  const auto dense_weight = weight.view({2, 2, 2, 4, 6}).permute({4, 3, 0, 1, 2});
  const auto dense_out = gather_dense(
      torch::conv3d(to_dense(x.coords(), feats, kBatch, kGrid), dense_weight, bias, 2),
      coarse.coords());
  EXPECT_LT(max_abs_diff(coarse.features(), dense_out), 1e-5);

  const auto probe = torch::randn_like(dense_out);
  const auto gs = grads((coarse.features() * probe).sum(), {feats, weight});
  const auto gd = grads((dense_out * probe).sum(), {feats, weight});
  EXPECT_LT(max_abs_diff(gs[0], gd[0]), 1e-4);
  EXPECT_LT(max_abs_diff(gs[1], gd[1]), 1e-4);
}

TEST(SparseConv, TransposedConvMatchesDenseConvTranspose) {
  const auto fine = random_sparse(kBatch, kGrid, 0.25, 3, 7);
  const auto coarse0 = downsample_mean(fine);
  torch::manual_seed(8);
  const auto feats = torch::randn({coarse0.size(), 5}).requires_grad_(true);
  const auto coarse = coarse0.with_features(feats);
  const auto weight = torch::randn({8, 5, 3}).requires_grad_(true);
  const auto bias = torch::randn({3});
  const auto dense_weight = weight.view({2, 2, 2, 5, 3}).permute({3, 4, 0, 1, 2});
  const auto dense = torch::conv_transpose3d(
      to_dense(coarse.coords(), feats, kBatch, kGrid / 2), dense_weight, bias, 2);

  // Onto the fine tensor's own coordinates.
  const auto onto_fine = sparse_transposed_conv3d(coarse, weight, bias, &fine);
  EXPECT_TRUE(onto_fine.coords().is_same(fine.coords()));
  const auto expected = gather_dense(dense, fine.coords());
  EXPECT_LT(max_abs_diff(onto_fine.features(), expected), 1e-5);
  const auto probe = torch::randn_like(expected);
  const auto gs = grads((onto_fine.features() * probe).sum(), {feats, weight});
  const auto gd = grads((expected * probe).sum(), {feats, weight});
  EXPECT_LT(max_abs_diff(gs[0], gd[0]), 1e-4);
  EXPECT_LT(max_abs_diff(gs[1], gd[1]), 1e-4);

  // All 8 children of every coarse voxel.
  const auto all = sparse_transposed_conv3d(coarse, weight, bias);
  EXPECT_EQ(all.size(), coarse.size() * 8);
  EXPECT_LT(max_abs_diff(all.features(), gather_dense(dense, all.coords())), 1e-5);
}

TEST(SparseConv, SubdivideMatchesNearestUpsampling) {
  const auto x = random_sparse(kBatch, kGrid / 2, 0.3, 4, 9);
  const auto children = subdivide(x);
  EXPECT_EQ(children.size(), x.size() * 8);
  const auto dense = to_dense(x.coords(), x.features(), kBatch, kGrid / 2);
  const auto up = dense.repeat_interleave(2, 2).repeat_interleave(2, 3).repeat_interleave(2, 4);
  EXPECT_TRUE(torch::equal(children.features(), gather_dense(up, children.coords())));
  const auto occ = to_dense(x.coords(), torch::ones({x.size(), 1}), kBatch, kGrid / 2);
  const auto up_occ = occ.repeat_interleave(2, 2).repeat_interleave(2, 3).repeat_interleave(2, 4);
  EXPECT_TRUE(torch::equal(sorted_keys(children.coords()),
                           sorted_keys(torch::nonzero(up_occ.squeeze(1)).to(torch::kInt))));

  // Nearest up-sampling onto a subset of the children takes each parent's row.
  const auto fine = sparse_prune(children, torch::rand({children.size()}) < 0.5);
  const auto onto = upsample_nearest(x, fine);
  EXPECT_TRUE(torch::equal(onto.features(), gather_dense(up, fine.coords())));
}

TEST(SparseConv, SubMConvModuleKeepsCoordinatesAndTrains) {
  auto conv = SubMConv3d(4, 8, 3);
  const auto x = random_sparse(kBatch, kGrid, 0.3, 4, 10);
  const auto y = conv->forward(x);
  EXPECT_TRUE(y.coords().is_same(x.coords()));
  EXPECT_EQ(y.channels(), 8);
  y.features().pow(2).mean().backward();
  EXPECT_TRUE(conv->weight.grad().defined());
  EXPECT_GT(conv->weight.grad().abs().sum().item<double>(), 0.0);
}

TEST(SparseConv, BFloat16RunsOnTheCpuCloseToFp32) {
  torch::manual_seed(13);
  auto conv = SubMConv3d(8, 8, 3);
  const auto x = random_sparse(2, 8, 0.3, 8, 13);
  const auto reference = conv->forward(x).features();
  conv->to(torch::kBFloat16);
  const auto xb = x.with_features(x.features().to(torch::kBFloat16));
  const auto y = conv->forward(xb).features();
  EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  EXPECT_LT(max_abs_diff(y, reference), 0.05 * reference.abs().max().item<double>());
  const auto gn = sparse_group_norm(xb, 4, {}, {});
  EXPECT_EQ(gn.scalar_type(), torch::kBFloat16);
  EXPECT_LT(max_abs_diff(gn, sparse_group_norm(x, 4, {}, {})), 0.05);
}

TEST(SparseNorm, GroupNormEqualsDenseGroupNormPerBatchElement) {
  auto x = random_sparse(3, kGrid, 0.2, 8, 11);
  x = x.with_features(x.features() * 3 + 1);
  const auto weight = torch::randn({8});
  const auto bias = torch::randn({8});
  const auto out = sparse_group_norm(x, 4, weight, bias, 1e-5);
  for (int64_t b = 0; b < 3; ++b) {
    const auto rows = torch::nonzero(x.batch_index() == b).view({-1});
    const auto fb = x.features().index_select(0, rows).t().unsqueeze(0);  // [1, C, N_b]
    const auto expected = torch::group_norm(fb, 4, weight, bias, 1e-5).squeeze(0).t();
    EXPECT_LT(max_abs_diff(out.index_select(0, rows), expected), 1e-5) << "batch " << b;
  }
}

TEST(SparseOps, VoxelizeMeanAveragesPointsPerVoxel) {
  const auto batch = torch::tensor({0, 0, 0, 1, 1}, torch::kInt);
  const auto voxel = torch::tensor({1, 2, 3, 1, 2, 3, 0, 0, 0, 1, 2, 3, 1, 2, 3}, torch::kInt)
                         .view({5, 3});
  const auto feats = torch::tensor({1.f, 3.f, 5.f, 7.f, 9.f}).view({5, 1});
  const auto v = voxelize_mean(batch, voxel, feats);
  ASSERT_EQ(v.size(), 3);
  // Rows sorted by (batch, x, y, z): (0,0,0,0), (0,1,2,3), (1,1,2,3).
  EXPECT_TRUE(torch::equal(v.features().view({-1}), torch::tensor({5.f, 2.f, 8.f})));
  EXPECT_EQ(v.coords()[1][3].item<int>(), 3);
  EXPECT_EQ(v.batch_size(), 2);
}

TEST(SparseOps, PruneAndConcat) {
  const auto x = random_sparse(kBatch, kGrid, 0.3, 2, 12);
  const auto both = sparse_cat(x, x.with_features(x.features() * -1));
  EXPECT_EQ(both.channels(), 4);
  const auto keep = x.features().select(1, 0) > 0;
  const auto pruned = sparse_prune(both, keep);
  EXPECT_EQ(pruned.size(), keep.sum().item<int64_t>());
  EXPECT_TRUE((pruned.features().select(1, 0) > 0).all().item<bool>());
  EXPECT_THROW(sparse_cat(x, pruned), Error);
}

}  // namespace
}  // namespace flexforge::nn
