#include "flexforge/model/reconstruct.h"

#include "flexforge/core/error.h"
#include "flexforge/core/mesh_ops.h"
#include "flexforge/extract/flexicubes.h"
#include "flexforge/extract/mesh_to_field.h"
#include "flexforge/model/model_files.h"
#include "flexforge/model/training_shapes.h"
#include "flexforge/model/vae_sample.h"
#include "flexforge/model/sparseflex_field.h"
#include "flexforge/model/vae_batch.h"
#include "flexforge/nn/weights.h"

#include <chrono>

namespace flexforge::model {

namespace {

class StepTimer {
 public:
  explicit StepTimer(std::vector<std::pair<std::string, double>>& out) : out_(out) {}
  void lap(const std::string& name) {
    const auto now = std::chrono::steady_clock::now();
    out_.emplace_back(name, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  std::vector<std::pair<std::string, double>>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Maps a mesh from the field frame back onto `reference`'s frame.
void restore_frame(Mesh& mesh, const Mesh& reference) {
  transform(mesh, extract::normalize_for_field(reference, kFieldMargin).inverse());
  compute_vertex_normals(mesh);
}

}  // namespace

ReconstructResult reconstruct_mesh(const Mesh& input, const ReconstructOptions& o) {
  ReconstructResult result;
  StepTimer timer(result.seconds);
  const Mesh normalized = normalize_mesh_for_field(input);
  extract::ExtractOptions extract_options;
  extract_options.watertight = o.watertight;

  if (o.direct) {
    const int resolution = o.resolution > 0 ? o.resolution : 128;
    if (resolution < 4 || resolution > 2048) {
      throw Error(ExitCode::Usage, "resolution must be in 4..2048");
    }
    timer.lap("normalise");
    const extract::SparseVoxelField field = extract::direct_field(normalized, resolution);
    result.fine_voxels = field.voxels.size();
    timer.lap("signed distance");
    result.mesh = extract::extract_flexicubes(field, extract_options);
    timer.lap("extract");
    restore_frame(result.mesh, input);
    return result;
  }

  const ModelDirectory model = open_model(o.model_dir.string());
  SparseFlexVaeOptions sizes = SparseFlexVaeOptions::from_config(model.network("vae"));
  if (o.resolution > 0) {
    // The decoder is convolutional, so the same weights run at another base resolution.
    const int step = 1 << sizes.levels;
    if (o.resolution % step != 0 || o.resolution / step < 4 || o.resolution > 2048) {
      throw Error(ExitCode::Usage, "resolution must be a multiple of " + std::to_string(step) +
                                       " between " + std::to_string(4 * step) + " and 2048");
    }
    sizes.base_resolution = o.resolution / step;
  }
  torch::NoGradGuard no_grad;
  const torch::Device device(o.device);
  SparseFlexVae vae(sizes);
  nn::load_weights(*vae, model.weights("vae"));
  vae->to(device);
  vae->eval();
  timer.lap("load model");

  const VaeSample sample =
      make_vae_sample(normalized, static_cast<int>(sizes.base_resolution),
                      static_cast<int>(sizes.levels), o.points, o.seed, false);
  result.base_voxels = sample.level_voxels.front().size();
  timer.lap("sample surface");
  const auto batch = collate_vae_samples({&sample}, device);
  const auto posterior = vae->encode(batch.points, batch.base_coords);
  timer.lap("encode");
  const int64_t chunk =
      o.chunk > 0 ? o.chunk : auto_chunk(sizes, posterior.mean.size(), o.chunk_voxels);
  const auto decoded = decode_chunked(*vae, posterior.mean, chunk, o.max_fine_voxels);
  result.fine_voxels = static_cast<std::size_t>(decoded.fine.size());
  timer.lap("decode");
  result.mesh = extract::extract_flexicubes(
      to_sparse_field(decoded.fine, static_cast<int>(sizes.fine_resolution())), extract_options);
  timer.lap("extract");
  restore_frame(result.mesh, input);
  return result;
}

}  // namespace flexforge::model
