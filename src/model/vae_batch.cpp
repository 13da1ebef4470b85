#include "flexforge/model/vae_batch.h"

#include "flexforge/core/error.h"

#include <algorithm>
#include <cmath>

namespace flexforge::model {

namespace {

torch::Tensor voxel_tensor(const VoxelList& voxels, int64_t batch) {
  auto t = torch::empty({static_cast<int64_t>(voxels.size()), 4}, torch::kInt);
  auto a = t.accessor<int32_t, 2>();
  for (size_t i = 0; i < voxels.size(); ++i) {
    a[i][0] = static_cast<int32_t>(batch);
    a[i][1] = voxels[i][0];
    a[i][2] = voxels[i][1];
    a[i][3] = voxels[i][2];
  }
  return t;
}

}  // namespace

VaeBatch collate_vae_samples(const std::vector<const VaeSample*>& samples,
                             torch::Device device) {
  if (samples.empty()) throw Error(ExitCode::StageFailed, "VAE batch: no samples");
  // Samples made without targets carry only their base voxels.
  const int levels = static_cast<int>(samples.front()->level_voxels.size()) - 1;
  const int resolution = samples.front()->base_resolution;
  std::vector<torch::Tensor> batch_index, voxel, features, base;
  std::vector<std::vector<torch::Tensor>> level_coords(static_cast<size_t>(levels));
  std::vector<torch::Tensor> sdf;
  for (size_t b = 0; b < samples.size(); ++b) {
    const auto& s = *samples[b];
    if (static_cast<int>(s.level_voxels.size()) - 1 != levels || s.base_resolution != resolution) {
      throw Error(ExitCode::StageFailed, "VAE batch: samples of different resolutions");
    }
    const int64_t p = static_cast<int64_t>(s.point_count());
    auto pts = torch::from_blob(const_cast<float*>(s.points.data()), {p, 6}, torch::kFloat).clone();
    const auto scaled = (pts.slice(1, 0, 3) + 0.5) * static_cast<double>(resolution);
    const auto cell = scaled.floor().clamp(0, resolution - 1);
    voxel.push_back(cell.to(torch::kInt));
    features.push_back(torch::cat({scaled - cell - 0.5, pts.slice(1, 3, 6)}, 1));
    batch_index.push_back(torch::full({p}, static_cast<int64_t>(b), torch::kLong));
    base.push_back(voxel_tensor(s.level_voxels.front(), static_cast<int64_t>(b)));
    for (int l = 0; l < levels; ++l) {
      level_coords[static_cast<size_t>(l)].push_back(
          voxel_tensor(s.level_voxels[static_cast<size_t>(l + 1)], static_cast<int64_t>(b)));
    }
    if (!s.fine_sdf.empty()) {
      const int64_t n = static_cast<int64_t>(s.fine_sdf.size() / 8);
      sdf.push_back(torch::from_blob(const_cast<float*>(s.fine_sdf.data()), {n, 8}, torch::kFloat).clone());
    }
  }
  VaeBatch batch;
  batch.points.batch = torch::cat(batch_index).to(device);
  batch.points.voxel = torch::cat(voxel).to(device);
  batch.points.features = torch::cat(features).to(device);
  batch.points.batch_size = static_cast<int64_t>(samples.size());
  batch.base_coords = torch::cat(base).to(device);
  for (auto& l : level_coords) batch.truth_levels.push_back(torch::cat(l).to(device));
  if (!sdf.empty()) batch.truth_sdf = torch::cat(sdf).to(device);
  return batch;
}

}  // namespace flexforge::model
