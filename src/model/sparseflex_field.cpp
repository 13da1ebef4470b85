#include "flexforge/model/sparseflex_field.h"

#include "flexforge/core/error.h"
#include "flexforge/model/sparseflex_vae.h"

namespace flexforge::model {

extract::SparseVoxelField to_sparse_field(const nn::SparseTensor& fine, int resolution) {
  if (fine.channels() != kSparseFlexChannels) {
    throw Error(ExitCode::StageFailed, "decoder output has " + std::to_string(fine.channels()) +
                                           " channels, expected 53");
  }
  const auto coords = fine.coords().to(torch::kCPU).contiguous();
  const auto features = fine.features().to(torch::kCPU, torch::kFloat).contiguous();
  const int64_t n = coords.size(0);
  extract::SparseVoxelField field;
  field.resolution = resolution;
  field.voxels.resize(static_cast<size_t>(n));
  const auto c = coords.accessor<int32_t, 2>();
  for (int64_t i = 0; i < n; ++i) field.voxels[static_cast<size_t>(i)] = {c[i][1], c[i][2], c[i][3]};
  const auto copy = [&](int64_t begin, int64_t end, std::vector<float>& out) {
    const auto block = features.slice(1, begin, end).contiguous();
    out.assign(block.data_ptr<float>(), block.data_ptr<float>() + block.numel());
  };
  copy(0, 8, field.sdf);
  copy(8, 32, field.deform);
  copy(32, 53, field.weights);
  return field;
}

}  // namespace flexforge::model
