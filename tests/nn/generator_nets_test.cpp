// The model-side networks (docs/reconstruct.md, docs/generate.md): SparseFlex VAE (chunked
// decoding, loss, dual vertices against the extractor), flow transformers and the rectified-flow
// sampler.
#include "flexforge/extract/flexicubes.h"
#include "flexforge/model/vae_sample.h"
#include "flexforge/core/error.h"
#include "flexforge/model/flow_models.h"
#include "flexforge/nn/flow_sampler.h"
#include "flexforge/model/structure_prior.h"
#include "flexforge/model/sparseflex_field.h"
#include "flexforge/model/sparseflex_loss.h"
#include "flexforge/model/sparseflex_vae.h"
#include "flexforge/model/vae_batch.h"
#include "flexforge/synth/synth.h"
#include "nn_test_support.h"

#include <gtest/gtest.h>

namespace flexforge::model {
namespace {

SparseFlexVaeOptions tiny_vae() {
  SparseFlexVaeOptions o;
  o.base_resolution = 12;
  o.levels = 1;
  o.point_hidden = 16;
  o.encoder_channels = 16;
  o.encoder_blocks = 1;
  o.decoder_channels = 16;
  o.decoder_blocks = 1;
  o.level_channels = {8};
  return o;
}

TEST(SparseFlexVae, ChunkedDecodeEqualsOnePass) {
  torch::manual_seed(3);
  SparseFlexVae vae(tiny_vae());
  vae->eval();
  // Make the pruning heads keep about half the children so pruning is exercised.
  {
    torch::NoGradGuard g;
    vae->subdivide_blocks[0]->as<LocalSubdivideBlock>()->prune->bias.fill_(0.0);
  }
  const auto latent = nn::testing::random_sparse(1, 12, 0.3, 8, 7);
  torch::NoGradGuard no_grad;
  const auto whole = vae->decode(latent);
  const auto chunked = decode_chunked(*vae, latent, 4);
  ASSERT_GT(whole.fine.size(), 0);
  ASSERT_EQ(whole.fine.size(), chunked.fine.size());
  const auto order = nn::pack_coords(whole.fine.coords()).argsort();
  EXPECT_TRUE(torch::equal(whole.fine.coords().index_select(0, order), chunked.fine.coords()));
  EXPECT_LT(nn::testing::max_abs_diff(whole.fine.features().index_select(0, order), chunked.fine.features()), 1e-4);
}

TEST(SparseFlexVae, LossFallsOnOneShape) {
  synth::SynthConfig config;
  config.views = 0;
  config.part_meshes = false;
  config.resolution = 32;
  const auto asset = synth::generate_asset(config, 5, 13);  // a mushroom-sized simple shape
  Mesh m = asset.mesh;
  const Aabb box = bounding_box(m);
  const Vec3 c = 0.5f * (box.min + box.max);
  const float s = 0.9f / (box.max - box.min).maxCoeff();
  for (auto& p : m.positions) p = (p - c) * s;
  const auto sample = model::make_vae_sample(m, 12, 1, 4000, 1, true);
  const auto batch = collate_vae_samples({&sample});
  torch::manual_seed(1);
  SparseFlexVae vae(tiny_vae());
  torch::optim::Adam opt(vae->parameters(), 3e-3);
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    opt.zero_grad();
    const auto post = vae->encode(batch.points, batch.base_coords);
    const auto dec = vae->decode(post.mean, &batch.truth_levels);
    const auto loss = sparseflex_loss(dec, post, batch.truth_levels, batch.truth_sdf, {});
    ASSERT_TRUE(std::isfinite(loss.total.item<double>()));
    loss.total.backward();
    opt.step();
    if (step == 0) first = loss.total.item<double>();
    last = loss.total.item<double>();
  }
  EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;
}

// The training loss places dual vertices exactly where the extractor does for a single patch.
TEST(SparseFlexVae, DualVerticesMatchTheExtractor) {
  // A tilted plane through a 3x3x3 block of voxels: every voxel has one patch.
  const int r = 8;
  extract::SparseVoxelField field;
  field.resolution = r;
  torch::Tensor fields = torch::zeros({27, kSparseFlexChannels});
  const Vec3 n = Vec3(0.3f, 1.0f, 0.2f).normalized();
  int row = 0;
  for (int x = 3; x < 6; ++x)
    for (int y = 3; y < 6; ++y)
      for (int z = 3; z < 6; ++z, ++row) {
        field.voxels.push_back({x, y, z});
        for (int c = 0; c < 8; ++c) {
          const Vec3 g(x + ((c >> 2) & 1), y + ((c >> 1) & 1), z + (c & 1));
          const float sdf = n.dot(g - Vec3(4.5f, 4.4f, 4.6f));
          field.sdf.push_back(sdf);
          fields[row][c] = sdf;
        }
      }
  const Mesh mesh = extract::extract_flexicubes(field);
  ASSERT_GT(mesh.positions.size(), 0u);
  const auto [vertex, has] = sparseflex_dual_vertices(fields);
  int matched = 0;
  for (int i = 0; i < 27; ++i) {
    if (!has[i].item<bool>()) continue;
    const Vec3 local(vertex[i][0].item<float>(), vertex[i][1].item<float>(), vertex[i][2].item<float>());
    const Vec3 world = (Vec3(field.voxels[i][0], field.voxels[i][1], field.voxels[i][2]) + local) / r -
                       Vec3::Constant(0.5f);
    // Every dual vertex lies on the plane (a beta-weighted mean of crossings on it) ...
    const Vec3 grid = world * static_cast<float>(r) + Vec3::Constant(0.5f * r);
    EXPECT_LT(std::abs(n.dot(grid - Vec3(4.5f, 4.4f, 4.6f))), 1e-4f) << "voxel " << i;
    // ... and where the extractor emits it (voxels whose crossing edges have all 4 neighbours
    // active, e.g. the block's centre), at the same place.
    float best = 1e9f;
    for (const auto& p : mesh.positions) best = std::min(best, (p - world).norm());
    if (i == 13) EXPECT_LT(best, 1e-4f) << "centre voxel";
    matched += best < 1e-4f;
  }
  EXPECT_GT(matched, 3);
}

FlowOptions tiny_flow(bool downsample) {
  FlowOptions o;
  o.in_channels = 4;
  o.channels = 32;
  o.depth = 2;
  o.heads = 2;
  o.downsample = downsample;
  o.condition.vocabulary = 20;
  o.condition.text_tokens = 6;
  o.condition.image_size = 32;
  o.condition.patch = 16;
  o.condition.channels = 32;
  o.condition.heads = 2;
  o.condition.layers = 1;
  return o;
}

TEST(FlowSampler, ZeroVelocityKeepsNoiseAndSeedsReproduce) {
  torch::manual_seed(0);
  FlowTransformer flow(tiny_flow(true));  // output layer starts at zero: v = 0
  const auto text = torch::randint(0, 20, {2, 6}, torch::kLong);
  const auto present = torch::tensor({true, false});
  const auto image = torch::randn({2, 3, 32, 32});
  torch::NoGradGuard g;
  const auto cond = flow->encode_condition(text, image, present);
  const auto null = flow->encode_condition(torch::full({2, 6}, 2, torch::kLong), image, torch::zeros_like(present));
  const auto noise = nn::testing::random_sparse(2, 8, 0.2, 4, 11);
  nn::SamplerOptions o;
  o.steps = 4;
  const auto out = nn::sample_flow(velocity_of(*flow), noise, nn::guidance_weights(cond, null, 3.0), o);
  EXPECT_LT(nn::testing::max_abs_diff(out.features(), noise.features()), 1e-6);

  // A non-zero network: same inputs, same result, and guidance changes it.
  for (auto& p : flow->out->parameters()) p.normal_(0, 0.1);
  const auto a = nn::sample_flow(velocity_of(*flow), noise, nn::guidance_weights(cond, null, 3.0), o);
  const auto b = nn::sample_flow(velocity_of(*flow), noise, nn::guidance_weights(cond, null, 3.0), o);
  const auto c = nn::sample_flow(velocity_of(*flow), noise, nn::guidance_weights(cond, null, 0.0), o);
  EXPECT_TRUE(torch::equal(a.features(), b.features()));
  EXPECT_GT(nn::testing::max_abs_diff(a.features(), c.features()), 1e-4);
  o.heun = true;
  const auto h = nn::sample_flow(velocity_of(*flow), noise, nn::guidance_weights(cond, null, 3.0), o);
  EXPECT_EQ(h.features().sizes(), a.features().sizes());
}

TEST(FlowSampler, ImageWeightOneIsPlainGuidance) {
  const auto x = torch::ones({1, 2, 3});
  const auto g = nn::guidance_weights(x, x, x, 2.5, 1.0);
  ASSERT_EQ(g.guided_weights.size(), 2u);
  const auto mix = nn::guidance_weights(x, x, x, 2.5, 0.5);
  ASSERT_EQ(mix.guided_weights.size(), 3u);
  double sum = 0;
  for (double w : mix.guided_weights) sum += w;
  EXPECT_NEAR(sum, 1.0, 1e-12);  // a constant velocity field stays unchanged
  EXPECT_NEAR(nn::shift_time(0.5, 3.0), 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(nn::shift_time(1.0, 3.0), 1.0);
}

// SDEdit start: a partly noised input integrates over [0, start_time] only, so it moves less
// than a pure-noise start; start times outside (0, 1] are refused.
TEST(FlowSampler, StartTimeRefinesOnlyThePartOfTheScheduleBelowIt) {
  torch::manual_seed(3);
  torch::NoGradGuard g;
  FlowTransformer flow(tiny_flow(false));
  for (auto& p : flow->out->parameters()) p.normal_(0, 0.1);
  const auto text = torch::randint(0, 20, {1, 6}, torch::kLong);
  const auto cond = flow->encode_condition(text, {}, torch::zeros({1}, torch::kBool));
  const auto x = nn::testing::random_sparse(1, 8, 0.2, 4, 5);
  nn::SamplerOptions o;
  o.steps = 6;
  const auto full = nn::sample_flow(velocity_of(*flow), x, nn::guidance_weights(cond, cond, 0.0), o);
  o.start_time = 0.3;
  const auto late = nn::sample_flow(velocity_of(*flow), x, nn::guidance_weights(cond, cond, 0.0), o);
  const double moved_full = (full.features() - x.features()).norm().item<double>();
  const double moved_late = (late.features() - x.features()).norm().item<double>();
  EXPECT_GT(moved_late, 0.0);
  EXPECT_LT(moved_late, 0.6 * moved_full);
  for (const double bad : {0.0, -0.5, 1.5}) {
    o.start_time = bad;
    EXPECT_THROW(nn::sample_flow(velocity_of(*flow), x, nn::guidance_weights(cond, cond, 0.0), o), Error) << bad;
  }
}

TEST(ImagePrior, PredictsTheStructureLatentGridAndChecksItsInput) {
  ImagePriorOptions o;
  o.image_size = 64;
  o.widths = {8, 16, 16};
  o.hidden = 32;
  const auto same = ImagePriorOptions::from_config(o.to_config());
  EXPECT_EQ(same.widths, o.widths);
  EXPECT_EQ(same.hidden, 32);
  ImagePrior prior(same);
  const auto z = prior->forward(torch::randn({2, 3, 64, 64}));
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{2, 8, 8, 8, 8}));
  EXPECT_TRUE(torch::isfinite(z).all().item<bool>());
  EXPECT_THROW(prior->forward(torch::randn({2, 3, 32, 32})), Error);
  auto bad = o.to_config();
  bad.args["image_size"] = 60;  // not divisible by 2^3
  EXPECT_THROW(ImagePriorOptions::from_config(bad), Error);
}

TEST(TextPrior, PredictsTheStructureLatentGridAndChecksItsInput) {
  TextPriorOptions o;
  o.vocabulary = 30;
  o.text_tokens = 8;
  o.channels = 32;
  o.heads = 2;
  o.layers = 1;
  o.hidden = 32;
  const auto same = TextPriorOptions::from_config(o.to_config());
  EXPECT_EQ(same.vocabulary, 30);
  EXPECT_EQ(same.layers, 1);
  torch::manual_seed(1);
  TextPrior prior(same);
  torch::NoGradGuard g;
  const auto ids = torch::tensor({5, 9, 12, 0, 0, 0, 0, 0, 5, 9, 13, 0, 0, 0, 0, 0}, torch::kLong).view({2, 8});
  const auto z = prior->forward(ids);
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{2, 8, 8, 8, 8}));
  EXPECT_GT((z[0] - z[1]).abs().max().item<double>(), 1e-6);  // a different word, a different latent
  // All padding (no real token) must not divide by zero in the pooling.
  EXPECT_TRUE(torch::isfinite(prior->forward(torch::zeros({1, 8}, torch::kLong))).all().item<bool>());
  EXPECT_THROW(prior->forward(torch::zeros({2, 5}, torch::kLong)), Error);
  auto bad = o.to_config();
  bad.args["channels"] = 33;  // not divisible by 2 heads
  EXPECT_THROW(TextPriorOptions::from_config(bad), Error);
}

TEST(StructureVae, ShapesRoundTrip) {
  StructureVae vae(StructureVaeOptions{});
  const auto occ = (torch::rand({2, 1, 32, 32, 32}) < 0.05).to(torch::kFloat);
  const auto [mean, logvar] = vae->encode(occ);
  EXPECT_EQ(mean.sizes(), (std::vector<int64_t>{2, 8, 8, 8, 8}));
  EXPECT_EQ(vae->decode(mean).sizes(), occ.sizes());
  const auto tokens = dense_to_tokens(mean);
  EXPECT_EQ(tokens.size(), 2 * 512);
  EXPECT_TRUE(torch::equal(tokens_to_dense(tokens.features(), 2, 8), mean));
}

}  // namespace
}  // namespace flexforge::model
