// The part head network (see flexforge/model/part_head_net.h for the architecture and why).
#include "flexforge/model/part_head_net.h"

#include "flexforge/core/error.h"
#include "flexforge/nn/sparse_layers.h"

namespace flexforge::model {

PartHeadOptions PartHeadOptions::from_config(const nn::ModelConfig& c) {
  if (c.name != "PartHead") c.fail("expected a PartHead network, found '" + c.name + "'");
  PartHeadOptions o;
  o.base_resolution = c.get<int64_t>("base_resolution");
  o.channels = c.get<std::vector<int64_t>>("channels");
  o.point_hidden = c.get<int64_t>("point_hidden");
  o.head_hidden = c.get<int64_t>("head_hidden");
  // Absent or empty in a sizes-only config for training (the data decides the classes).
  o.classes = c.get<std::vector<std::string>>("classes", {});
  const int64_t levels = static_cast<int64_t>(o.channels.size());
  if (levels < 1 || levels > 6 || o.base_resolution < 4 || o.base_resolution > 1024 ||
      (o.base_resolution >> (levels - 1)) < 1 || o.point_hidden < 1 ||
      o.head_hidden < 1) {
    c.fail("inconsistent PartHead sizes (1..6 levels, base_resolution 4..1024)");
  }
  for (int64_t ch : o.channels) {
    if (ch < 1 || ch > 4096) c.fail("PartHead channels must be in 1..4096");
  }
  return o;
}

nn::ModelConfig PartHeadOptions::to_config() const {
  nn::ModelConfig c;
  c.name = "PartHead";
  c.args = {{"base_resolution", base_resolution}, {"channels", channels},
            {"point_hidden", point_hidden},       {"head_hidden", head_hidden},
            {"classes", classes}};
  return c;
}

namespace {

// Voxel of each normalised point at the finest level, clamped into the grid.
torch::Tensor voxel_of(const torch::Tensor& points, int64_t resolution) {
  return torch::floor((points + 0.5) * static_cast<double>(resolution))
      .clamp(0, static_cast<double>(resolution - 1))
      .to(torch::kLong);
}

torch::Tensor point_features(const PartHeadBatch& b, const torch::Tensor& voxel, int64_t resolution) {
  const auto offset = ((b.points + 0.5) * static_cast<double>(resolution) - voxel.to(b.points.dtype()) - 0.5) * 2.0;
  return torch::cat({offset, b.normals, b.points * 2.0}, 1);
}

}  // namespace

PartHeadNetImpl::PartHeadNetImpl(const PartHeadOptions& o) : options(o) {
  const auto& ch = o.channels;
  const int64_t levels = static_cast<int64_t>(ch.size());
  point_mlp = register_module(
      "point_mlp", torch::nn::Sequential(torch::nn::Linear(kPartHeadPointFeatures, o.point_hidden),
                                         torch::nn::SiLU(),
                                         torch::nn::Linear(o.point_hidden, o.point_hidden)));
  point_in = register_module("point_in", torch::nn::Linear(o.point_hidden, ch[0]));
  encoder = register_module("encoder", torch::nn::ModuleList());
  down = register_module("down", torch::nn::ModuleList());
  up = register_module("up", torch::nn::ModuleList());
  merge = register_module("merge", torch::nn::ModuleList());
  decoder = register_module("decoder", torch::nn::ModuleList());
  for (int64_t l = 0; l < levels; ++l) {
    encoder->push_back(LocalResBlock(ch[l]));
    decoder->push_back(LocalResBlock(ch[l]));
    if (l + 1 < levels) {
      down->push_back(nn::SparseDownConv3d(ch[l], ch[l + 1]));
      up->push_back(nn::SparseUpConv3d(ch[l + 1], ch[l]));
      merge->push_back(torch::nn::Linear(2 * ch[l], ch[l]));
    }
  }
  global = register_module("global", torch::nn::Linear(2 * ch.back(), ch.back()));
  const int64_t k = static_cast<int64_t>(o.classes.size());
  head = register_module(
      "head", torch::nn::Sequential(torch::nn::Linear(ch[0] + kPartHeadPointFeatures, o.head_hidden),
                                    torch::nn::SiLU(), torch::nn::Linear(o.head_hidden, o.head_hidden),
                                    torch::nn::SiLU(), torch::nn::Linear(o.head_hidden, k)));
}

torch::Tensor PartHeadNetImpl::forward(const PartHeadBatch& input, const PartHeadBatch& query) {
  const int64_t R = options.base_resolution;
  const int64_t levels = static_cast<int64_t>(options.channels.size());
  const auto vin = voxel_of(input.points, R);
  const auto per_point = point_mlp->forward(point_features(input, vin, R));
  nn::SparseTensor x = nn::voxelize_mean(input.batch, vin, per_point, input.batch_size);
  x = x.with_features(point_in->forward(x.features()));

  std::vector<nn::SparseTensor> skips;
  for (int64_t l = 0; l < levels; ++l) {
    x = encoder[l]->as<LocalResBlock>()->forward(x);
    if (l + 1 < levels) {
      skips.push_back(x);
      x = down[l]->as<nn::SparseDownConv3d>()->forward(x);
    }
  }
  // Global context: per shape, mean and max over its coarse voxels, added to every coarse voxel.
  {
    const auto bi = x.batch_index();
    const auto f = x.features();
    std::vector<torch::Tensor> pooled;
    for (int64_t b = 0; b < x.batch_size(); ++b) {
      const auto rows = torch::nonzero(bi == b).squeeze(1);
      if (rows.numel() == 0) {
        pooled.push_back(torch::zeros({2 * f.size(1)}, f.options()));
        continue;
      }
      const auto fb = f.index_select(0, rows);
      pooled.push_back(torch::cat({fb.mean(0), std::get<0>(fb.max(0))}));
    }
    const auto g = torch::silu(global->forward(torch::stack(pooled)));
    x = x.with_features(f + g.index_select(0, bi));
  }
  x = decoder[levels - 1]->as<LocalResBlock>()->forward(x);
  for (int64_t l = levels - 2; l >= 0; --l) {
    const nn::SparseTensor& skip = skips[static_cast<size_t>(l)];
    const auto upped = up[l]->as<nn::SparseUpConv3d>()->forward(x, &skip);
    x = skip.with_features(
        merge[l]->as<torch::nn::Linear>()->forward(torch::cat({upped.features(), skip.features()}, 1)));
    x = decoder[l]->as<LocalResBlock>()->forward(x);
  }

  const auto vq = voxel_of(query.points, R);
  const auto rows = x.lookup(torch::cat({query.batch.unsqueeze(1), vq}, 1).to(torch::kInt));
  if (rows.numel() > 0 && rows.min().item<int64_t>() < 0) {
    throw Error(ExitCode::StageFailed, "part head: a query point lies outside the encoded surface");
  }
  const auto feat = x.features().index_select(0, rows);
  return head->forward(torch::cat({feat, point_features(query, vq, R)}, 1));
}

}  // namespace flexforge::model
