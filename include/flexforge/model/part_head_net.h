// The learned part head (docs/segment.md): per surface point, a part class ("leg", "seat",
// "tentacle") of the procedural dataset's vocabulary, from a small sparse-conv U-Net over the
// surface.
//
//   points (normalised: centred, bbox diagonal 1) -> per point [local offset in its voxel,
//   normal, position] -> point MLP -> scatter-mean into a sparse grid (base_resolution^3)
//   -> encoder: residual block + stride-2 conv per level down to the coarsest level
//   -> global context: mean and max of the coarse voxels of each shape, projected and added to
//      every coarse voxel (the head must know "this is a chair" to call a box a seat)
//   -> decoder: transposed conv back up each level, skip concatenated and projected, residual
//      block -> per query point: its finest voxel's feature + its own point features -> MLP ->
//      class logits.
//
// Torch header: only src/nn/ and tests/nn/ include it; the rest of the program uses the plain
// interface in flexforge/model/part_head.h.
#pragma once

#include "flexforge/nn/model_config.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_norm.h"
#include "flexforge/nn/sparse_tensor.h"
#include "flexforge/model/sparseflex_vae.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace flexforge::model {

struct PartHeadOptions {
  int64_t base_resolution = 32;                    // voxels per axis over [-0.5, 0.5]^3
  std::vector<int64_t> channels = {32, 48, 64, 96};  // one per level, finest first
  int64_t point_hidden = 32;
  int64_t head_hidden = 64;
  std::vector<std::string> classes;                // class names, index = logit channel

  static PartHeadOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config() const;
};

// Per-point input features: 3 (offset in voxel, [-1, 1]) + 3 (normal) + 3 (2 * position).
constexpr int64_t kPartHeadPointFeatures = 9;

struct PartHeadBatch {
  torch::Tensor points;   // float [P, 3] normalised positions
  torch::Tensor normals;  // float [P, 3]
  torch::Tensor batch;    // int64 [P] shape index
  int64_t batch_size = 1;
};

class PartHeadNetImpl : public torch::nn::Module {
 public:
  explicit PartHeadNetImpl(const PartHeadOptions& options);
  // Encodes the shapes from `input` (the surface samples) and returns class logits [Q, classes]
  // for the query points (which must lie in voxels that some input point occupies: include them
  // in `input` when in doubt).
  torch::Tensor forward(const PartHeadBatch& input, const PartHeadBatch& query);

  PartHeadOptions options;
  torch::nn::Sequential point_mlp{nullptr};
  torch::nn::Linear point_in{nullptr};
  torch::nn::ModuleList encoder{nullptr}, down{nullptr}, up{nullptr}, merge{nullptr},
      decoder{nullptr};
  torch::nn::Linear global{nullptr};
  torch::nn::Sequential head{nullptr};
};
TORCH_MODULE(PartHeadNet);

}  // namespace flexforge::model
