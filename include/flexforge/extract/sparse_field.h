// SparseVoxelField: the geometry that the SparseFlex decoder predicts, one record per active voxel
// of a resolution^3 grid spanning the normalised cube [-0.5, 0.5]^3. This layout is the contract
// between the torch VAE (src/nn) and the mesh extractor (extract/flexicubes.h); both sides index
// corners and edges exactly as below, so do not reorder anything here.
//
// Corner c of voxel (x,y,z) is grid point (x + ((c>>2)&1), y + ((c>>1)&1), z + (c&1)).
// Edge e of a cube, as corner pairs (first corner = lower end of the edge):
//   x-edges e0..3  = (0,4),(1,5),(2,6),(3,7)
//   y-edges e4..7  = (0,2),(1,3),(4,6),(5,7)
//   z-edges e8..11 = (0,1),(2,3),(4,5),(6,7)
// Grid point g sits at g / resolution - 0.5 before deformation.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace flexforge::extract {

struct SparseVoxelField {
  int resolution = 0;                          // cells per axis spanning [-0.5, 0.5]^3
  std::vector<std::array<std::int32_t, 3>> voxels;  // unique, each in [0, resolution)
  std::vector<float> sdf;      // 8 per voxel, corner order above; < 0 inside, >= 0 outside
                               // (zero counts as outside)
  std::vector<float> deform;   // empty, or 24 per voxel (corner-major, xyz), raw network output
  std::vector<float> weights;  // empty, or 21 per voxel: beta[12] (edge order), alpha[8] (corner
                               // order), gamma[1]; raw network output (transforms: flexicubes.h)

  static constexpr int kSdfPerVoxel = 8;
  static constexpr int kDeformPerVoxel = 24;
  static constexpr int kWeightsPerVoxel = 21;
  static constexpr int kBetaOffset = 0;    // 12 values
  static constexpr int kAlphaOffset = 12;  // 8 values
  static constexpr int kGammaOffset = 20;  // 1 value
  // Largest accepted resolution: grid point coordinates are packed into 21 bits per axis.
  static constexpr int kMaxResolution = 1 << 20;

  std::size_t size() const { return voxels.size(); }
  bool has_deform() const { return !deform.empty(); }
  bool has_weights() const { return !weights.empty(); }

  // Throws Error(InvalidInput) naming the first problem: resolution outside [1, kMaxResolution],
  // sdf/deform/weights of the wrong size, a NaN or infinite value, a voxel coordinate outside
  // [0, resolution), or a voxel listed twice. O(N) expected (hash of the voxel coordinates).
  void validate() const;
};

// Corner offset table and edge table, exactly the conventions above.
constexpr std::array<std::array<int, 3>, 8> kCubeCorners = {{
    {0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}}};
constexpr std::array<std::array<int, 2>, 12> kCubeEdges = {{
    {0, 4}, {1, 5}, {2, 6}, {3, 7},     // x
    {0, 2}, {1, 3}, {4, 6}, {5, 7},     // y
    {0, 1}, {2, 3}, {4, 5}, {6, 7}}};   // z

}  // namespace flexforge::extract
