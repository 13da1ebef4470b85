// Mesh -> SparseFlex latent -> mesh (the VAE round trip behind `flexforge reconstruct`), or, with
// `direct`, the same sparse FlexiCubes extraction run on the mesh's own signed distance with no
// network — the reference that shows what the network loses.
#pragma once

#include "flexforge/core/mesh.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace flexforge::model {

struct ReconstructOptions {
  std::filesystem::path model_dir;  // holds config.json with a "vae" entry
  int resolution = 0;               // fine resolution; 0 = the model's own (base * 2^levels)
  bool direct = false;              // no network: extract from the mesh's signed distance
  bool watertight = false;
  std::size_t points = 200000;      // surface samples for the encoder
  std::int64_t chunk = 0;           // decode in cubes of this many base voxels (0 = auto)
  std::int64_t chunk_voxels = 1000000;  // auto: chunk when more fine voxels are expected
  std::int64_t max_fine_voxels = 4000000;
  std::string device = "cpu";
  std::uint64_t seed = 0;
};

struct ReconstructResult {
  Mesh mesh;  // in the input's frame
  std::vector<std::pair<std::string, double>> seconds;  // per step, in order
  std::size_t base_voxels = 0;
  std::size_t fine_voxels = 0;
};

ReconstructResult reconstruct_mesh(const Mesh& input, const ReconstructOptions& options);

}  // namespace flexforge::model
