#include "flexforge/model/sparseflex_vae.h"

#include "flexforge/core/error.h"
#include "flexforge/nn/sparse_layers.h"

#include <algorithm>
#include <cmath>

namespace flexforge::model {

namespace {

void zero_parameters(torch::nn::Module& m) {
  torch::NoGradGuard guard;
  for (auto& p : m.parameters()) p.zero_();
}

// A SparseTensor used only as a coordinate set for lookups.
nn::SparseTensor coordinate_set(const torch::Tensor& coords, int64_t batch_size) {
  return nn::SparseTensor(coords.to(torch::kInt),
                      torch::zeros({coords.size(0), 1}, torch::TensorOptions().device(coords.device())),
                      batch_size);
}

// Children of every row, in subdivide()'s order (row 8 i + o, o = dx*4 + dy*2 + dz).
torch::Tensor child_coordinates(const torch::Tensor& coords) {
  const auto device = coords.device();
  const auto offsets = torch::tensor({0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1,
                                      0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1},
                                     torch::TensorOptions().dtype(torch::kInt).device(device))
                           .view({1, 8, 4});
  auto scaled = coords.to(torch::kInt).clone();
  scaled.slice(1, 1, 4).mul_(2);
  return (scaled.unsqueeze(1) + offsets).view({-1, 4});
}

}  // namespace

SparseFlexVaeOptions SparseFlexVaeOptions::from_config(const nn::ModelConfig& c) {
  SparseFlexVaeOptions o;
  o.base_resolution = c.get<int64_t>("base_resolution");
  o.levels = c.get<int64_t>("levels");
  o.latent_channels = c.get<int64_t>("latent_channels");
  o.point_hidden = c.get<int64_t>("point_hidden");
  o.encoder_channels = c.get<int64_t>("encoder_channels");
  o.encoder_blocks = c.get<int64_t>("encoder_blocks");
  o.decoder_channels = c.get<int64_t>("decoder_channels");
  o.decoder_blocks = c.get<int64_t>("decoder_blocks");
  o.level_channels = c.get<std::vector<int64_t>>("level_channels");
  o.level_blocks = c.get<int64_t>("level_blocks", 0);
  if (o.base_resolution < 2 || o.base_resolution > 1024 || o.levels < 0 || o.levels > 4 ||
      static_cast<int64_t>(o.level_channels.size()) != o.levels || o.latent_channels < 1) {
    c.fail("inconsistent SparseFlex VAE sizes (base_resolution 2..1024, levels 0..4, one "
           "level_channels entry per level)");
  }
  return o;
}

nn::ModelConfig SparseFlexVaeOptions::to_config() const {
  nn::ModelConfig c;
  c.name = "SparseFlexVae";
  c.args = {{"base_resolution", base_resolution}, {"levels", levels},
            {"latent_channels", latent_channels}, {"point_hidden", point_hidden},
            {"encoder_channels", encoder_channels}, {"encoder_blocks", encoder_blocks},
            {"decoder_channels", decoder_channels}, {"decoder_blocks", decoder_blocks},
            {"level_channels", level_channels}, {"level_blocks", level_blocks}};
  return c;
}

int64_t SparseFlexVaeOptions::receptive_radius() const {
  // Two 3^3 convs per base block; at level l (voxels 2^-(l+1) base wide) the subdivide block and
  // the level blocks add two convs each, plus two more for the pruning decisions of the
  // neighbours they see.
  double radius = 2.0 * static_cast<double>(decoder_blocks);
  const double per_level = 4.0 + 2.0 * static_cast<double>(level_blocks);
  for (int64_t l = 0; l < levels; ++l) radius += per_level / static_cast<double>(int64_t{2} << l);
  return static_cast<int64_t>(std::ceil(radius)) + 1;
}

LocalResBlockImpl::LocalResBlockImpl(int64_t channels) {
  norm1 = register_module("norm1", nn::SparseLayerNorm(channels));
  conv1 = register_module("conv1", nn::SubMConv3d(channels, channels, 3));
  norm2 = register_module("norm2", nn::SparseLayerNorm(channels));
  conv2 = register_module("conv2", nn::SubMConv3d(channels, channels, 3));
  zero_parameters(*conv2);
}

nn::SparseTensor LocalResBlockImpl::forward(const nn::SparseTensor& x) {
  auto h = conv1->forward(nn::sparse_silu(norm1->forward(x)));
  h = conv2->forward(nn::sparse_silu(norm2->forward(h)));
  return x.with_features(x.features() + h.features());
}

LocalSubdivideBlockImpl::LocalSubdivideBlockImpl(int64_t in_channels, int64_t out_channels) {
  norm = register_module("norm", nn::SparseLayerNorm(in_channels));
  skip = register_module("skip", torch::nn::Linear(in_channels, out_channels));
  conv1 = register_module("conv1", nn::SubMConv3d(out_channels, out_channels, 3));
  norm2 = register_module("norm2", nn::SparseLayerNorm(out_channels));
  conv2 = register_module("conv2", nn::SubMConv3d(out_channels, out_channels, 3));
  prune = register_module("prune", torch::nn::Linear(out_channels, 1));
  zero_parameters(*conv2);
}

std::pair<nn::SparseTensor, torch::Tensor> LocalSubdivideBlockImpl::forward(const nn::SparseTensor& x) {
  // Project first, then subdivide: the children start from the narrower width, which is what
  // keeps the fine levels cheap.
  const auto projected = x.with_features(skip->forward(nn::sparse_silu(norm->forward(x)).features()));
  const auto children = nn::subdivide(projected);
  auto h = conv1->forward(nn::sparse_silu(children));
  h = conv2->forward(nn::sparse_silu(norm2->forward(h)));
  const auto out = children.features() + h.features();
  return {children.with_features(out), prune->forward(out).squeeze(1)};
}

SparseFlexVaeImpl::SparseFlexVaeImpl(const SparseFlexVaeOptions& o) : options(o) {
  const auto h = o.point_hidden;
  point_mlp = register_module(
      "point_mlp", torch::nn::Sequential(torch::nn::Linear(6, h), torch::nn::SiLU(),
                                         torch::nn::Linear(h, h), torch::nn::SiLU()));
  encoder_in = register_module("encoder_in", torch::nn::Linear(h, o.encoder_channels));
  encoder_blocks = register_module("encoder_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.encoder_blocks; ++i) {
    encoder_blocks->push_back(LocalResBlock(o.encoder_channels));
  }
  encoder_out =
      register_module("encoder_out", torch::nn::Linear(o.encoder_channels, 2 * o.latent_channels));
  decoder_in = register_module("decoder_in", torch::nn::Linear(o.latent_channels, o.decoder_channels));
  decoder_blocks = register_module("decoder_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.decoder_blocks; ++i) {
    decoder_blocks->push_back(LocalResBlock(o.decoder_channels));
  }
  subdivide_blocks = register_module("subdivide_blocks", torch::nn::ModuleList());
  level_blocks = register_module("level_blocks", torch::nn::ModuleList());
  int64_t width = o.decoder_channels;
  for (int64_t l = 0; l < o.levels; ++l) {
    const int64_t next = o.level_channels[static_cast<size_t>(l)];
    subdivide_blocks->push_back(LocalSubdivideBlock(width, next));
    for (int64_t b = 0; b < o.level_blocks; ++b) level_blocks->push_back(LocalResBlock(next));
    width = next;
  }
  decoder_out = register_module("decoder_out", torch::nn::Linear(width, kSparseFlexChannels));
  {
    // Start with neutral deformations and weights, so an untrained decoder is plain dual MC.
    torch::NoGradGuard guard;
    decoder_out->weight.slice(0, 8).zero_();
    decoder_out->bias.slice(0, 8).zero_();
  }
}

LatentDistribution SparseFlexVaeImpl::encode(const PointBatch& points,
                                             const torch::Tensor& base_coords) {
  const auto base = coordinate_set(base_coords, points.batch_size);
  const auto query = torch::cat({points.batch.to(torch::kInt).unsqueeze(1), points.voxel.to(torch::kInt)}, 1);
  const auto rows = base.lookup(query);
  if (rows.numel() > 0 && rows.min().item<int64_t>() < 0) {
    throw Error(ExitCode::StageFailed, "VAE encode: a surface sample lies outside the active voxels");
  }
  const auto per_point = point_mlp->forward(points.features);
  auto pooled = torch::zeros({base.size(), per_point.size(1)}, per_point.options())
                    .index_add(0, rows, per_point);
  const auto counts = torch::zeros({base.size()}, per_point.options())
                          .index_add(0, rows, torch::ones({rows.size(0)}, per_point.options()));
  pooled = pooled / counts.clamp_min(1.0).unsqueeze(1);
  auto x = base.with_features(encoder_in->forward(pooled));
  for (const auto& block : *encoder_blocks) x = block->as<LocalResBlock>()->forward(x);
  const auto out = encoder_out->forward(x.features());
  const auto lc = options.latent_channels;
  return {x.with_features(out.slice(1, 0, lc)), out.slice(1, lc, 2 * lc).clamp(-30.0, 20.0)};
}

DecodeResult SparseFlexVaeImpl::decode(const nn::SparseTensor& latent,
                                       const std::vector<torch::Tensor>* guide,
                                       int64_t max_fine_voxels, double keep_logit) {
  if (guide && static_cast<int64_t>(guide->size()) != options.levels) {
    throw Error(ExitCode::StageFailed, "VAE decode: guide needs one coordinate set per level");
  }
  DecodeResult result;
  auto x = latent.with_features(decoder_in->forward(latent.features()));
  for (const auto& block : *decoder_blocks) x = block->as<LocalResBlock>()->forward(x);
  for (int64_t l = 0; l < options.levels; ++l) {
    auto [children, logits] = subdivide_blocks[l]->as<LocalSubdivideBlock>()->forward(x);
    DecodeLevel level;
    level.child_coords = child_coordinates(x.coords());
    level.logits = logits;
    if (guide) {
      const auto truth = coordinate_set((*guide)[static_cast<size_t>(l)], x.batch_size());
      level.kept = truth.lookup(level.child_coords) >= 0;
    } else {
      level.kept = logits > keep_logit;
    }
    x = nn::sparse_prune(children, level.kept);
    if (max_fine_voxels > 0 && x.size() > max_fine_voxels) {
      throw Error(ExitCode::Resource, "VAE decode: " + std::to_string(x.size()) +
                                          " active voxels at level " + std::to_string(l + 1) +
                                          " exceed the bound of " + std::to_string(max_fine_voxels));
    }
    for (int64_t b = 0; b < options.level_blocks; ++b) {
      x = level_blocks[l * options.level_blocks + b]->as<LocalResBlock>()->forward(x);
    }
    result.levels.push_back(std::move(level));
  }
  result.fine = x.with_features(decoder_out->forward(x.features()));
  return result;
}

int64_t auto_chunk(const SparseFlexVaeOptions& o, int64_t base_voxels, int64_t fine_bound) {
  const double estimate = static_cast<double>(base_voxels) * std::pow(4.0, static_cast<double>(o.levels));
  if (fine_bound <= 0 || estimate <= static_cast<double>(fine_bound)) return 0;
  const double side = static_cast<double>(o.base_resolution) * std::sqrt(fine_bound / estimate);
  return std::max<int64_t>(4, static_cast<int64_t>(side));
}

DecodeResult decode_chunked(SparseFlexVaeImpl& vae, const nn::SparseTensor& latent, int64_t chunk,
                            int64_t max_fine_voxels, double keep_logit) {
  if (chunk <= 0 || latent.size() == 0) return vae.decode(latent, nullptr, max_fine_voxels, keep_logit);
  const auto coords = latent.coords().to(torch::kLong);
  const auto lo = std::get<0>(coords.min(0));
  const auto hi = std::get<0>(coords.max(0));
  const int64_t halo = vae.options.receptive_radius();
  const int64_t shift = vae.options.levels;
  std::vector<torch::Tensor> fine_coords, fine_features;
  int64_t total = 0;
  for (int64_t bx = lo[1].item<int64_t>(); bx <= hi[1].item<int64_t>(); bx += chunk) {
    for (int64_t by = lo[2].item<int64_t>(); by <= hi[2].item<int64_t>(); by += chunk) {
      for (int64_t bz = lo[3].item<int64_t>(); bz <= hi[3].item<int64_t>(); bz += chunk) {
        const auto in_box = [&](const torch::Tensor& c, int64_t margin) {
          return (c.select(1, 1) >= bx - margin) & (c.select(1, 1) < bx + chunk + margin) &
                 (c.select(1, 2) >= by - margin) & (c.select(1, 2) < by + chunk + margin) &
                 (c.select(1, 3) >= bz - margin) & (c.select(1, 3) < bz + chunk + margin);
        };
        if (!in_box(coords, 0).any().item<bool>()) continue;
        const auto part = nn::sparse_prune(latent, in_box(coords, halo));
        auto decoded = vae.decode(part, nullptr, 0, keep_logit);
        auto fc = decoded.fine.coords().to(torch::kLong);
        auto parent = fc.clone();
        parent.slice(1, 1, 4).div_(int64_t{1} << shift, "floor");
        const auto core = in_box(parent, 0);
        fine_coords.push_back(decoded.fine.coords().index({core}));
        fine_features.push_back(decoded.fine.features().index({core}));
        total += fine_coords.back().size(0);
        if (max_fine_voxels > 0 && total > max_fine_voxels) {
          throw Error(ExitCode::Resource, "VAE decode: more than " + std::to_string(max_fine_voxels) +
                                              " fine voxels");
        }
      }
    }
  }
  auto c = torch::cat(fine_coords);
  auto f = torch::cat(fine_features);
  const auto order = nn::pack_coords(c).argsort();
  DecodeResult result;
  result.fine = nn::SparseTensor(c.index_select(0, order), f.index_select(0, order), latent.batch_size());
  return result;
}

}  // namespace flexforge::model
