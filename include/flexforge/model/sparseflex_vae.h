// SparseFlex VAE: surface samples -> 8-channel Gaussian latent per active base voxel -> per fine
// voxel SparseFlex parameters (8 corner SDFs, 8 corner deformations, 21 FlexiCubes weights).
//
//   encode   points (offset inside their base voxel, normal) -> point MLP -> scatter-mean per base
//            voxel -> local residual conv blocks -> Linear to (mean, logvar) [N0, 2 * latent]
//   decode   latent -> Linear -> residual conv blocks -> { x2 subdivide block (prune logit per
//            child) -> level_blocks residual blocks } per level -> Linear to 53 channels per fine
//            voxel
//
// Why convolutions and per-voxel LayerNorm instead of TripoSF's 12 transformer blocks with
// GroupNorm: the default model must train in minutes on a 2-core CPU, and a purely local network
// (every output depends only on a bounded neighbourhood of latents) learns from every voxel of
// every shape at once and can be decoded in spatial chunks with a halo that gives exactly the same
// result as one pass. Widths and depths come from the config, so a larger model is a config change.
//
// Output channel layout per fine voxel (matches flexforge/extract/sparse_field.h):
//   [0, 8)   corner SDF in units of one fine voxel (< 0 inside), corner order c = dx*4 + dy*2 + dz
//   [8, 32)  raw corner deformation, corner-major xyz (tanh applied by the extractor)
//   [32, 53) raw FlexiCubes weights: beta[12] (edge order), alpha[8], gamma[1]
#pragma once

#include "flexforge/nn/model_config.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_norm.h"
#include "flexforge/nn/sparse_tensor.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::model {

constexpr int64_t kSparseFlexChannels = 53;

struct SparseFlexVaeOptions {
  int64_t base_resolution = 32;
  // x2 subdivisions: fine resolution = base * 2^levels. The CPU default decodes 32^3 latents to a
  // 64^3 grid (direct extraction at 64 already reaches F@0.01 0.998 on synth and real meshes);
  // the convolutional decoder runs unchanged on a finer grid (--resolution 128 = base 64).
  int64_t levels = 1;
  int64_t latent_channels = 8;
  int64_t point_hidden = 64;
  int64_t encoder_channels = 32;
  int64_t encoder_blocks = 2;
  int64_t decoder_channels = 64;
  int64_t decoder_blocks = 2;
  std::vector<int64_t> level_channels = {32};  // one per level
  // Residual blocks after each subdivision. The fine levels hold most voxels (a synth shape has
  // ~4k base, ~20k level-1 and ~75k level-2 voxels), so on a CPU every conv there is expensive;
  // the subdivide block's own two convs are the default.
  int64_t level_blocks = 0;

  static SparseFlexVaeOptions from_config(const nn::ModelConfig& config);
  nn::ModelConfig to_config() const;
  int64_t fine_resolution() const { return base_resolution << levels; }
  // Base voxels a decoded output depends on in each direction (for halo-exact chunking).
  int64_t receptive_radius() const;
};

// x + conv(SiLU(LN(conv(SiLU(LN(x)))))) with the second conv zero-initialised. Parameters
// "norm1", "conv1", "norm2", "conv2".
class LocalResBlockImpl : public torch::nn::Module {
 public:
  explicit LocalResBlockImpl(int64_t channels);
  nn::SparseTensor forward(const nn::SparseTensor& x);
  nn::SparseLayerNorm norm1{nullptr}, norm2{nullptr};
  nn::SubMConv3d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(LocalResBlock);

// Nearest x2 subdivision followed by conv - conv (zero init) + linear skip, and a pruning logit
// per child. Parameters "norm", "skip", "conv1", "norm2", "conv2", "prune".
class LocalSubdivideBlockImpl : public torch::nn::Module {
 public:
  LocalSubdivideBlockImpl(int64_t in_channels, int64_t out_channels);
  // Returns every child (row 8 i + o) and its logit [8N].
  std::pair<nn::SparseTensor, torch::Tensor> forward(const nn::SparseTensor& x);
  nn::SparseLayerNorm norm{nullptr}, norm2{nullptr};
  torch::nn::Linear skip{nullptr}, prune{nullptr};
  nn::SubMConv3d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(LocalSubdivideBlock);

// Points of a batch, already assigned to base voxels.
struct PointBatch {
  torch::Tensor batch;     // int64 [P]
  torch::Tensor voxel;     // int32 [P, 3] base voxel of each point
  torch::Tensor features;  // float [P, 6]: offset from the voxel centre in voxel units, unit normal
  int64_t batch_size = 0;
};

struct LatentDistribution {
  nn::SparseTensor mean;    // [N0, latent]
  torch::Tensor logvar;  // [N0, latent]
};

struct DecodeLevel {
  torch::Tensor child_coords;  // int32 [8N, 4] every child of the previous level
  torch::Tensor logits;        // [8N]
  torch::Tensor kept;          // bool [8N], children that continue to the next level
};

struct DecodeResult {
  nn::SparseTensor fine;  // fine voxels, features [N_L, 53]
  std::vector<DecodeLevel> levels;
};

class SparseFlexVaeImpl : public torch::nn::Module {
 public:
  explicit SparseFlexVaeImpl(const SparseFlexVaeOptions& options);

  // `base_coords` int32 [N0, 4] are the active base voxels (every point's voxel must be one).
  LatentDistribution encode(const PointBatch& points, const torch::Tensor& base_coords);

  // Decodes latents. With `guide` (one int32 [N, 4] coordinate set per level, the ground-truth
  // active voxels) the children kept are the guide's (teacher forcing for training); without it,
  // children with logit > 0 are kept. `max_fine_voxels` bounds the fine level (Error(Resource)
  // beyond it; 0 = no bound).
  // `keep_logit`: children with a logit above it are kept (0 = the trained decision boundary;
  // lower keeps more, which closes holes when the latents are noisy, e.g. sampled ones).
  DecodeResult decode(const nn::SparseTensor& latent, const std::vector<torch::Tensor>* guide = nullptr,
                      int64_t max_fine_voxels = 0, double keep_logit = 0.0);

  SparseFlexVaeOptions options;
  torch::nn::Sequential point_mlp{nullptr};
  torch::nn::Linear encoder_in{nullptr}, encoder_out{nullptr}, decoder_in{nullptr},
      decoder_out{nullptr};
  torch::nn::ModuleList encoder_blocks{nullptr}, decoder_blocks{nullptr}, subdivide_blocks{nullptr},
      level_blocks{nullptr};
};
TORCH_MODULE(SparseFlexVae);

// Decodes in spatial chunks of base voxels (cubes of `chunk` base voxels per axis, each with a halo
// of options.receptive_radius()) so memory is bounded by the chunk, not the shape; the result
// equals one decode() pass. Fine voxels come back sorted by coordinate.
DecodeResult decode_chunked(SparseFlexVaeImpl& vae, const nn::SparseTensor& latent, int64_t chunk,
                            int64_t max_fine_voxels = 0, double keep_logit = 0.0);

// Chunk size (base voxels per axis) that keeps each chunk's fine voxels under `fine_bound`, from
// the surface estimate fine ~ base * 4^levels (a surface's voxel count grows with area); 0 when
// one pass stays under the bound.
int64_t auto_chunk(const SparseFlexVaeOptions& options, int64_t base_voxels, int64_t fine_bound);

}  // namespace flexforge::model
