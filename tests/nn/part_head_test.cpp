// The part head network and its training: shapes of the forward pass, a class per query point,
// and a tiny `train segment` run that checkpoints, resumes and registers the head so the plain
// PartHead API loads it.
#include "flexforge/model/model_files.h"
#include "flexforge/model/part_head.h"
#include "flexforge/model/part_head_training.h"
#include "flexforge/model/part_head_net.h"
#include "flexforge/synth/synth.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace flexforge;

TEST(PartHead, ForwardGivesLogitsPerQueryAndShapesAreIndependent) {
  model::PartHeadOptions o;
  o.channels = {8, 16, 16};
  o.point_hidden = 8;
  o.head_hidden = 16;
  o.classes = {"a", "b", "c"};
  torch::manual_seed(3);
  model::PartHeadNet net(o);
  torch::NoGradGuard guard;
  const auto p = torch::rand({200, 3}) - 0.5;
  const auto n = torch::nn::functional::normalize(torch::randn({200, 3}),
                                                  torch::nn::functional::NormalizeFuncOptions().dim(1));
  const auto b = torch::cat({torch::zeros({100}, torch::kLong), torch::ones({100}, torch::kLong)});
  model::PartHeadBatch two{p, n, b, 2};
  const auto logits = net->forward(two, two);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{200, 3}));
  // The first shape alone gives the same logits: nothing leaks between batch elements.
  model::PartHeadBatch one{p.slice(0, 0, 100), n.slice(0, 0, 100), b.slice(0, 0, 100), 1};
  EXPECT_TRUE(torch::allclose(net->forward(one, one), logits.slice(0, 0, 100), 1e-4, 1e-5));
}

TEST(PartHead, TinyTrainingRunResumesAndRegistersTheHead) {
  const fs::path dir = fs::temp_directory_path() / ("flexforge_part_head_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path config = dir / "sizes.json";
  std::ofstream(config) << R"({"name": "PartHead", "args": {"base_resolution": 16, "channels": [8, 16],
                              "point_hidden": 8, "head_hidden": 16, "classes": []}})";
  model::PartHeadTrainOptions o;
  o.model_dir = dir;
  o.config = config;
  o.synth_count = 2;  // a chair and a stool of seed 1
  o.synth_seeds = {1};
  o.points = 512;
  o.batch = 2;
  o.steps = 3;
  o.checkpoint_every = 2;
  const auto first = model::train_part_head(o);
  EXPECT_EQ(first.steps_done, 3);
  EXPECT_TRUE(first.finished);
  EXPECT_GE(first.classes, 4u);
  EXPECT_TRUE(std::isfinite(first.final_loss));
  o.steps = 5;
  o.resume = true;
  const auto second = model::train_part_head(o);
  EXPECT_EQ(second.steps_done, 5);
  EXPECT_GE(second.seconds, first.seconds);  // the resumed run counts the first one's time

  const model::ModelDirectory m = model::open_model(dir.string());
  ASSERT_TRUE(m.has_network(model::kPartHeadNetwork));
  const auto head = model::PartHead::load(m);
  EXPECT_EQ(head->classes().size(), first.classes);
  synth::SynthConfig sc;
  sc.views = 0;
  sc.part_meshes = false;
  const synth::SynthAsset asset = synth::generate_category_asset(sc, "mug", 7, 0);
  const std::vector<float> probs = head->predict_faces(asset.mesh.positions, asset.mesh.triangles);
  ASSERT_EQ(probs.size(), asset.mesh.triangles.size() * head->classes().size());
  double sum = 0.0;
  for (std::size_t c = 0; c < head->classes().size(); ++c) sum += probs[c];
  EXPECT_NEAR(sum, 1.0, 1e-4);
  fs::remove_all(dir);
}
