#include "flexforge/model/sparseflex_loss.h"

#include "flexforge/core/error.h"

namespace flexforge::model {

namespace {

// Cube edges as corner pairs, in the order of flexforge/extract/sparse_field.h.
constexpr int kEdgeA[12] = {0, 1, 2, 3, 0, 1, 4, 5, 0, 2, 4, 6};
constexpr int kEdgeB[12] = {4, 5, 6, 7, 2, 3, 6, 7, 1, 3, 5, 7};

torch::Tensor corner_offsets(const torch::TensorOptions& options) {
  std::vector<float> v;
  for (int c = 0; c < 8; ++c) {
    v.push_back(static_cast<float>((c >> 2) & 1));
    v.push_back(static_cast<float>((c >> 1) & 1));
    v.push_back(static_cast<float>(c & 1));
  }
  return torch::tensor(v, options).view({8, 3});
}

// Trilinear interpolation of corner values [N, 8] at local points [N, 3].
torch::Tensor trilinear(const torch::Tensor& corners, const torch::Tensor& p) {
  const auto x = p.select(1, 0), y = p.select(1, 1), z = p.select(1, 2);
  torch::Tensor out = torch::zeros_like(x);
  for (int c = 0; c < 8; ++c) {
    const auto wx = ((c >> 2) & 1) ? x : 1 - x;
    const auto wy = ((c >> 1) & 1) ? y : 1 - y;
    const auto wz = (c & 1) ? z : 1 - z;
    out = out + corners.select(1, c) * wx * wy * wz;
  }
  return out;
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> sparseflex_dual_vertices(const torch::Tensor& fields) {
  const auto n = fields.size(0);
  const auto sdf = fields.slice(1, 0, 8);
  const auto deform = fields.slice(1, 8, 32).view({n, 8, 3});
  const auto beta = 1 + 0.99 * torch::tanh(fields.slice(1, 32, 44));
  const auto alpha = 1 + 0.99 * torch::tanh(fields.slice(1, 44, 52));
  const auto corners = corner_offsets(fields.options()).unsqueeze(0) + 0.5 * torch::tanh(deform);
  const auto ia = torch::tensor(std::vector<int64_t>(kEdgeA, kEdgeA + 12), torch::TensorOptions().device(fields.device()));
  const auto ib = torch::tensor(std::vector<int64_t>(kEdgeB, kEdgeB + 12), torch::TensorOptions().device(fields.device()));
  const auto sa = sdf.index_select(1, ia), sb = sdf.index_select(1, ib);        // [N, 12]
  const auto aa = alpha.index_select(1, ia), ab = alpha.index_select(1, ib);
  const auto pa = corners.index_select(1, ia), pb = corners.index_select(1, ib);  // [N, 12, 3]
  const auto crossing = (sa < 0) != (sb < 0);
  const auto wa = sb * ab, wb = sa * aa;  // p = (wa pa - wb pb) / (wa - wb)
  auto denom = wa - wb;
  denom = torch::where(crossing, denom, torch::ones_like(denom));
  const auto p = (wa.unsqueeze(2) * pa - wb.unsqueeze(2) * pb) / denom.unsqueeze(2);
  const auto w = beta * crossing.to(fields.scalar_type());
  const auto wsum = w.sum(1);
  const auto has = wsum > 0;
  const auto vertex = (w.unsqueeze(2) * p).sum(1) / wsum.clamp_min(1e-6).unsqueeze(1);
  return {vertex, has};
}

SparseFlexLoss sparseflex_loss(const DecodeResult& decoded, const LatentDistribution& posterior,
                               const std::vector<torch::Tensor>& truth_levels,
                               const torch::Tensor& truth_sdf, const SparseFlexLossWeights& weights) {
  if (truth_levels.size() != decoded.levels.size() || truth_levels.empty()) {
    throw Error(ExitCode::StageFailed, "VAE loss: one truth level per decoded level is required");
  }
  SparseFlexLoss loss;
  const auto& fine = decoded.fine;
  // Align the decoded fine rows (parent-major order) with the truth rows.
  const nn::SparseTensor truth_set(truth_levels.back().to(torch::kInt),
                               torch::zeros({truth_levels.back().size(0), 1}), fine.batch_size());
  const auto rows = truth_set.lookup(fine.coords());
  if (rows.numel() > 0 && rows.min().item<int64_t>() < 0) {
    throw Error(ExitCode::StageFailed, "VAE loss: decoded voxels are not the guided ones");
  }
  const auto target = truth_sdf.index_select(0, rows);
  const auto fields = fine.features();
  const auto pred_sdf = fields.slice(1, 0, 8);
  const auto sdf_loss = (pred_sdf - target.clamp(-2.0, 2.0)).abs().mean();

  torch::Tensor prune_loss = torch::zeros({}, fields.options());
  for (const auto& level : decoded.levels) {
    const auto labels = level.kept.to(fields.scalar_type());
    prune_loss = prune_loss + torch::binary_cross_entropy_with_logits(level.logits, labels);
  }
  prune_loss = prune_loss / static_cast<double>(decoded.levels.size());
  {
    const auto& last = decoded.levels.back();
    loss.prune_accuracy = ((last.logits > 0) == last.kept).to(torch::kFloat).mean().item<double>();
  }

  const auto& mean = posterior.mean.features();
  const auto& logvar = posterior.logvar;
  const auto kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean();

  auto [vertex, has] = sparseflex_dual_vertices(fields);
  torch::Tensor surface = torch::zeros({}, fields.options());
  if (has.any().item<bool>()) {
    const auto v = vertex.index({has});
    surface = trilinear(target.index({has}), v).abs().mean();
  }

  loss.total = weights.sdf * sdf_loss + weights.prune * prune_loss + weights.kl * kl +
               weights.surface * surface;
  loss.sdf = sdf_loss.item<double>();
  loss.prune = prune_loss.item<double>();
  loss.kl = kl.item<double>();
  loss.surface = surface.item<double>();
  return loss;
}

}  // namespace flexforge::model
