// Sparse convolutions as gather-GEMM-scatter over cached neighbour maps (see sparse_conv.h).
// Layout facts (weight [K, C_in, C_out], offsets in x-major order) follow the convention used by
// spconv/torchsparse-style engines; the kernels here are written from that description only.
#include "flexforge/nn/sparse_conv.h"

#include "flexforge/core/error.h"

#include <cmath>

namespace flexforge::nn {

namespace {

void check_weight(const torch::Tensor& weight, int64_t kernel_volume, int64_t in_channels,
                  const char* op) {
  if (weight.dim() != 3 || (kernel_volume > 0 && weight.size(0) != kernel_volume) ||
      weight.size(1) != in_channels) {
    throw Error(ExitCode::StageFailed,
                std::string(op) + ": weight must be [K, C_in, C_out] with C_in = " +
                    std::to_string(in_channels));
  }
}

int cube_root(int64_t volume) {
  const int k = static_cast<int>(std::lround(std::cbrt(static_cast<double>(volume))));
  if (static_cast<int64_t>(k) * k * k != volume || k % 2 == 0) {
    throw Error(ExitCode::StageFailed, "submanifold_conv3d: weight.size(0) must be k^3, k odd");
  }
  return k;
}

torch::Tensor add_bias(torch::Tensor out, const torch::Tensor& bias) {
  return bias.defined() ? out + bias : out;
}

// Rows of `coarse` holding the parent of every row of `fine`.
torch::Tensor parent_rows(const SparseTensor& coarse, const SparseTensor& fine) {
  const auto& map = fine.downsample_map();
  if (map.coarse_coords.is_same(coarse.coords())) return map.parent;
  const auto rows = coarse.lookup(map.coarse_coords);
  if (rows.numel() > 0 && (rows < 0).any().item<bool>()) {
    throw Error(ExitCode::StageFailed,
                "sparse up-sampling: a fine voxel's parent is not active in the coarse tensor");
  }
  return rows.index_select(0, map.parent);
}

// (batch, x, y, z) offsets of the 8 children, child o = ix * 4 + iy * 2 + iz.
torch::Tensor child_offsets(const torch::TensorOptions& options) {
  std::vector<int32_t> table;
  for (int o = 0; o < 8; ++o) {
    table.insert(table.end(), {0, (o >> 2) & 1, (o >> 1) & 1, o & 1});
  }
  return torch::tensor(table, torch::kInt).view({8, 4}).to(options.device());
}

torch::Tensor child_coords(const torch::Tensor& coords) {
  const auto scale = torch::tensor({1, 2, 2, 2}, torch::kInt).to(coords.device());
  return ((coords * scale).unsqueeze(1) + child_offsets(coords.options()).unsqueeze(0))
      .view({-1, 4});
}

torch::Tensor uniform_parameter(std::initializer_list<int64_t> shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fan_in, 1)));
  return torch::empty(shape).uniform_(-bound, bound);
}

}  // namespace

// On CUDA this is index_add_ (atomic adds). On the CPU, libtorch 1.13's index_add_ pays a full
// TensorIterator set-up per row (~0.2 us for a 64-float row), which made the scatter as slow as
// the GEMM; the same sum written as a product with a sparse 0/1 selection matrix,
// out += S values with S[rows[i], i] = 1, runs as one tight loop of BLAS axpy calls instead.
void scatter_add_rows(torch::Tensor& out, const torch::Tensor& rows, const torch::Tensor& values) {
  const int64_t n = rows.numel();
  if (n == 0) return;
  const bool blas_type =
      values.scalar_type() == torch::kFloat || values.scalar_type() == torch::kDouble;
  if (!out.is_cpu() || !blas_type) {
    out.index_add_(0, rows, values);
    return;
  }
  const auto indices = torch::stack({rows, torch::arange(n, rows.options())});
  const auto select = torch::_sparse_coo_tensor_unsafe(
      indices, torch::ones({n}, values.options()), {out.size(0), n});
  out.addmm_(select, values.contiguous());
}

namespace {

constexpr int64_t kTileRows = 4096;

// Submanifold conv as one autograd node. Backward reuses the same gather-GEMM-scatter: for a
// submanifold map the pairs of offset o are the swapped pairs of the mirrored offset, so
//   dX = sum_o scatter_in(gather_out(dY) W_o^T),  dW_o = gather_in(X)^T gather_out(dY),
// and nothing but the features, the weight and the index lists is kept for backward.
class SubmanifoldConvFunction : public torch::autograd::Function<SubmanifoldConvFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& f,
                               const torch::Tensor& weight,
                               const c10::optional<torch::Tensor>& bias, const KernelMap* map) {
    const int64_t centre = weight.size(0) / 2;
    auto out = bias ? torch::addmm(*bias, f, weight[centre]) : f.mm(weight[centre]);
    torch::autograd::variable_list saved{f, weight};
    for (int64_t o = 0; o < weight.size(0); ++o) {
      const auto& p = map->pairs[o];
      if (o == centre || p.in.numel() == 0) {
        saved.push_back(torch::Tensor());
        saved.push_back(torch::Tensor());
        continue;
      }
      // Pairs in cache-sized tiles: the gathered rows and their products stay in cache
      // between the gather, the GEMM and the scatter.
      for (int64_t start = 0; start < p.in.numel(); start += kTileRows) {
        const int64_t len = std::min(kTileRows, p.in.numel() - start);
        scatter_add_rows(out, p.out.narrow(0, start, len),
                         f.index_select(0, p.in.narrow(0, start, len)).mm(weight[o]));
      }
      saved.push_back(p.in);
      saved.push_back(p.out);
    }
    ctx->save_for_backward(saved);
    ctx->saved_data["has_bias"] = bias.has_value();
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& f = saved[0];
    const auto& weight = saved[1];
    const auto g = grads[0].contiguous();
    const int64_t volume = weight.size(0);
    const int64_t centre = volume / 2;
    torch::Tensor df, dw, db;
    const bool need_f = ctx->needs_input_grad(0);
    const bool need_w = ctx->needs_input_grad(1);
    if (need_f) df = g.mm(weight[centre].t());
    if (need_w) {
      dw = torch::zeros_like(weight);
      dw[centre].copy_(f.t().mm(g));
    }
    for (int64_t o = 0; o < volume; ++o) {
      const auto& in = saved[2 + 2 * o];
      const auto& out = saved[3 + 2 * o];
      if (!in.defined()) continue;
      const auto g_o = g.index_select(0, out);
      if (need_f) scatter_add_rows(df, in, g_o.mm(weight[o].t()));
      if (need_w) dw[o].copy_(f.index_select(0, in).t().mm(g_o));
    }
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) db = g.sum(0);
    return {df, dw, db, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor submanifold_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias) {
  check_weight(weight, -1, x.channels(), "submanifold_conv3d");
  const int kernel = cube_root(weight.size(0));
  const auto& map = x.kernel_map(kernel);
  // An absent bias is passed as nullopt: the autograd node then has no edge for it.
  const auto b = bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt;
  return SubmanifoldConvFunction::apply(x.features(), weight, b, &map);
}

SparseTensor sparse_downsample_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                      const torch::Tensor& bias) {
  check_weight(weight, 8, x.channels(), "sparse_downsample_conv3d");
  const auto& map = x.downsample_map();
  const auto& f = x.features();
  auto out = torch::zeros({map.coarse_coords.size(0), weight.size(2)}, f.options());
  for (int o = 0; o < 8; ++o) {
    const auto& p = map.by_offset[o];
    if (p.in.numel() == 0) continue;
    out.index_add_(0, p.out, f.index_select(0, p.in).mm(weight[o]));
  }
  return SparseTensor(map.coarse_coords, add_bias(out, bias), x.batch_size());
}

SparseTensor sparse_transposed_conv3d(const SparseTensor& x, const torch::Tensor& weight,
                                      const torch::Tensor& bias, const SparseTensor* target) {
  check_weight(weight, 8, x.channels(), "sparse_transposed_conv3d");
  const auto& f = x.features();
  const int64_t out_channels = weight.size(2);
  if (target == nullptr) {
    // All children: one GEMM against the 8 offset matrices side by side.
    const auto w = weight.permute({1, 0, 2}).reshape({x.channels(), 8 * out_channels});
    const auto out = f.mm(w).view({-1, out_channels});
    return SparseTensor(child_coords(x.coords()), add_bias(out, bias), x.batch_size());
  }
  const auto& map = target->downsample_map();
  const auto parent = parent_rows(x, *target);
  // Every fine row belongs to exactly one offset: compute per offset, concatenate, and put rows
  // back in order with one gather (no scatter-add needed).
  std::vector<torch::Tensor> parts;
  std::vector<torch::Tensor> rows;
  for (int o = 0; o < 8; ++o) {
    const auto& fine_rows = map.by_offset[o].in;
    if (fine_rows.numel() == 0) continue;
    parts.push_back(f.index_select(0, parent.index_select(0, fine_rows)).mm(weight[o]));
    rows.push_back(fine_rows);
  }
  torch::Tensor out;
  if (parts.empty()) {
    out = torch::zeros({0, out_channels}, f.options());
  } else {
    const auto order = torch::cat(rows);
    const auto inverse = torch::empty_like(order).scatter_(
        0, order, torch::arange(order.size(0), order.options()));
    out = torch::cat(parts).index_select(0, inverse);
  }
  return SparseTensor(target->coords(), add_bias(out, bias), target->batch_size());
}

SparseTensor subdivide(const SparseTensor& x) {
  const auto& f = x.features();
  const auto out = f.unsqueeze(1).expand({f.size(0), 8, f.size(1)}).reshape({-1, f.size(1)});
  return SparseTensor(child_coords(x.coords()), out, x.batch_size());
}

SparseTensor upsample_nearest(const SparseTensor& coarse, const SparseTensor& fine) {
  return fine.with_features(coarse.features().index_select(0, parent_rows(coarse, fine)));
}

SparseTensor downsample_mean(const SparseTensor& x) {
  const auto& map = x.downsample_map();
  const int64_t m = map.coarse_coords.size(0);
  const auto& f = x.features();
  const auto sums = torch::zeros({m, f.size(1)}, f.options()).index_add(0, map.parent, f);
  const auto counts = torch::bincount(map.parent, {}, m).to(f.scalar_type()).unsqueeze(1);
  return SparseTensor(map.coarse_coords, sums / counts, x.batch_size());
}

SubMConv3dImpl::SubMConv3dImpl(int64_t in_channels, int64_t out_channels, int kernel_size,
                               bool with_bias)
    : kernel(kernel_size) {
  const int64_t volume = static_cast<int64_t>(kernel) * kernel * kernel;
  weight = register_parameter(
      "weight", uniform_parameter({volume, in_channels, out_channels}, in_channels * volume));
  if (with_bias) {
    bias = register_parameter("bias", uniform_parameter({out_channels}, in_channels * volume));
  }
}

SparseTensor SubMConv3dImpl::forward(const SparseTensor& x) {
  return x.with_features(submanifold_conv3d(x, weight, bias));
}

SparseDownConv3dImpl::SparseDownConv3dImpl(int64_t in_channels, int64_t out_channels,
                                           bool with_bias) {
  weight = register_parameter("weight",
                              uniform_parameter({8, in_channels, out_channels}, in_channels * 8));
  if (with_bias) bias = register_parameter("bias", uniform_parameter({out_channels}, in_channels * 8));
}

SparseTensor SparseDownConv3dImpl::forward(const SparseTensor& x) {
  return sparse_downsample_conv3d(x, weight, bias);
}

SparseUpConv3dImpl::SparseUpConv3dImpl(int64_t in_channels, int64_t out_channels,
                                       bool with_bias) {
  // conv_transpose3d's fan-in convention: weight.size(1) * kernel volume = C_out * 8.
  weight = register_parameter("weight",
                              uniform_parameter({8, in_channels, out_channels}, out_channels * 8));
  if (with_bias) {
    bias = register_parameter("bias", uniform_parameter({out_channels}, out_channels * 8));
  }
}

SparseTensor SparseUpConv3dImpl::forward(const SparseTensor& x, const SparseTensor* target) {
  return sparse_transposed_conv3d(x, weight, bias, target);
}

}  // namespace flexforge::nn
