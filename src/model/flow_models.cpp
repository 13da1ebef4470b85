#include "flexforge/model/flow_models.h"

#include "flexforge/core/error.h"

namespace flexforge::model {

namespace {

torch::nn::Conv3dOptions conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return torch::nn::Conv3dOptions(in, out, k).stride(stride).padding(pad);
}

torch::nn::ConvTranspose3dOptions up_conv(int64_t in, int64_t out) {
  return torch::nn::ConvTranspose3dOptions(in, out, 4).stride(2).padding(1);
}

}  // namespace

StructureVaeOptions StructureVaeOptions::from_config(const nn::ModelConfig& c) {
  StructureVaeOptions o;
  o.resolution = c.get<int64_t>("resolution");
  o.latent_channels = c.get<int64_t>("latent_channels");
  o.channels = c.get<int64_t>("channels");
  if (o.resolution < 8 || o.resolution % 4 != 0 || o.latent_channels < 1 || o.channels < 1) {
    c.fail("structure VAE: resolution must be a multiple of 4 (>= 8)");
  }
  return o;
}

nn::ModelConfig StructureVaeOptions::to_config() const {
  nn::ModelConfig c;
  c.name = "StructureVae";
  c.args = {{"resolution", resolution}, {"latent_channels", latent_channels}, {"channels", channels}};
  return c;
}

StructureVaeImpl::StructureVaeImpl(const StructureVaeOptions& o) : options(o) {
  const auto c = o.channels;
  encoder = register_module(
      "encoder",
      torch::nn::Sequential(torch::nn::Conv3d(conv(1, c / 2, 3, 1, 1)), torch::nn::SiLU(),
                            torch::nn::Conv3d(conv(c / 2, c, 4, 2, 1)), torch::nn::SiLU(),
                            torch::nn::Conv3d(conv(c, c, 4, 2, 1)), torch::nn::SiLU(),
                            torch::nn::Conv3d(conv(c, 2 * o.latent_channels, 1, 1, 0))));
  decoder = register_module(
      "decoder",
      torch::nn::Sequential(torch::nn::Conv3d(conv(o.latent_channels, c, 3, 1, 1)), torch::nn::SiLU(),
                            torch::nn::ConvTranspose3d(up_conv(c, c)), torch::nn::SiLU(),
                            torch::nn::ConvTranspose3d(up_conv(c, c / 2)), torch::nn::SiLU(),
                            torch::nn::Conv3d(conv(c / 2, 1, 3, 1, 1))));
}

std::pair<torch::Tensor, torch::Tensor> StructureVaeImpl::encode(const torch::Tensor& occupancy) {
  const auto out = encoder->forward(occupancy);
  const auto parts = out.chunk(2, 1);
  return {parts[0], parts[1].clamp(-30.0, 20.0)};
}

torch::Tensor StructureVaeImpl::decode(const torch::Tensor& latent) { return decoder->forward(latent); }

FlowOptions FlowOptions::from_config(const nn::ModelConfig& c) {
  FlowOptions o;
  o.in_channels = c.get<int64_t>("in_channels");
  o.channels = c.get<int64_t>("channels");
  o.depth = c.get<int64_t>("depth");
  o.heads = c.get<int64_t>("heads");
  o.downsample = c.get<bool>("downsample");
  o.condition = ConditionEncoderOptions::from_args(c, "condition_");
  if (o.channels % o.heads != 0 || o.depth < 1 || o.in_channels < 1) {
    c.fail("flow: channels must be divisible by heads, depth >= 1");
  }
  return o;
}

nn::ModelConfig FlowOptions::to_config(const std::string& name) const {
  nn::ModelConfig c;
  c.name = name;
  c.args = {{"in_channels", in_channels}, {"channels", channels}, {"depth", depth},
            {"heads", heads}, {"downsample", downsample}};
  condition.to_args(c.args, "condition_");
  return c;
}

FlowTransformerImpl::FlowTransformerImpl(const FlowOptions& o) : options(o) {
  const auto c = o.channels;
  condition = register_module("condition", ConditionEncoder(o.condition));
  t_embedder = register_module("t_embedder", nn::TimestepEmbedder(c));
  if (o.downsample) {
    down = register_module("down", nn::SparseDownConv3d(o.in_channels, c));
    up = register_module("up", nn::SparseUpConv3d(c, c));
    skip = register_module("skip", torch::nn::Linear(o.in_channels, c));
  } else {
    input = register_module("input", torch::nn::Linear(o.in_channels, c));
  }
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.depth; ++i) {
    nn::DiTBlockOptions b;
    b.channels = c;
    b.heads = o.heads;
    b.qk_rms_norm = true;
    b.context_channels = o.condition.channels;
    blocks->push_back(nn::SparseDiTBlock(b));
  }
  out_norm = register_module("out_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
  out = register_module("out", torch::nn::Linear(c, o.in_channels));
  torch::NoGradGuard guard;
  out->weight.zero_();
  out->bias.zero_();
}

torch::Tensor FlowTransformerImpl::encode_condition(const torch::Tensor& text_ids,
                                                    const torch::Tensor& image,
                                                    const torch::Tensor& image_present) {
  return condition->forward(text_ids, image, image_present);
}

torch::Tensor FlowTransformerImpl::forward(const nn::SparseTensor& x_t, const torch::Tensor& t,
                                           const torch::Tensor& context) {
  const auto cond = t_embedder->forward(t * 1000.0);
  nn::SparseTensor h = options.downsample ? down->forward(x_t) : x_t.with_features(input->forward(x_t.features()));
  const auto positions = h.coords().slice(1, 1, 4).to(h.features().scalar_type());
  h = h.with_features(h.features() + nn::sincos_position_embedding(positions, options.channels));
  for (const auto& block : *blocks) h = block->as<nn::SparseDiTBlock>()->forward(h, cond, context);
  torch::Tensor f;
  if (options.downsample) {
    f = up->forward(h, &x_t).features() + skip->forward(x_t.features());
  } else {
    f = h.features();
  }
  return out->forward(out_norm->forward(f));
}

nn::SparseTensor dense_to_tokens(const torch::Tensor& dense) {
  const auto b = dense.size(0), c = dense.size(1), g = dense.size(2);
  const auto opts = torch::TensorOptions().dtype(torch::kInt).device(dense.device());
  const auto grid = torch::meshgrid({torch::arange(b, opts), torch::arange(g, opts),
                                     torch::arange(g, opts), torch::arange(g, opts)}, "ij");
  const auto coords = torch::stack({grid[0].flatten(), grid[1].flatten(), grid[2].flatten(),
                                    grid[3].flatten()}, 1);
  return nn::SparseTensor(coords, dense.permute({0, 2, 3, 4, 1}).reshape({b * g * g * g, c}), b);
}

torch::Tensor tokens_to_dense(const torch::Tensor& features, int64_t batch, int64_t grid) {
  return features.view({batch, grid, grid, grid, features.size(1)}).permute({0, 4, 1, 2, 3});
}

}  // namespace flexforge::model
