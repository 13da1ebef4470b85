#include "flexforge/extract/sparse_field.h"

#include "coord_map.h"
#include "flexforge/core/error.h"

#include <cmath>
#include <string>

namespace flexforge::extract {

namespace {

void check_finite(const std::vector<float>& values, const char* name) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw Error(ExitCode::InvalidInput, std::string("sparse voxel field: ") + name + " value " +
                                              std::to_string(i) + " is not finite");
    }
  }
}

void check_size(const std::vector<float>& values, std::size_t per_voxel, std::size_t voxels,
                const char* name, bool may_be_empty) {
  if (may_be_empty && values.empty()) return;
  if (values.size() != per_voxel * voxels) {
    throw Error(ExitCode::InvalidInput,
                std::string("sparse voxel field: ") + name + " has " +
                    std::to_string(values.size()) + " values, expected " +
                    std::to_string(per_voxel * voxels) + " (" + std::to_string(per_voxel) +
                    " per voxel" + (may_be_empty ? ", or none)" : ")"));
  }
}

}  // namespace

void SparseVoxelField::validate() const {
  if (resolution < 1 || resolution > kMaxResolution) {
    throw Error(ExitCode::InvalidInput, "sparse voxel field: resolution " +
                                            std::to_string(resolution) + " is outside [1, " +
                                            std::to_string(kMaxResolution) + "]");
  }
  const std::size_t n = voxels.size();
  check_size(sdf, kSdfPerVoxel, n, "sdf", false);
  check_size(deform, kDeformPerVoxel, n, "deform", true);
  check_size(weights, kWeightsPerVoxel, n, "weights", true);
  check_finite(sdf, "sdf");
  check_finite(deform, "deform");
  check_finite(weights, "weights");
  detail::CoordMap seen(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& v = voxels[i];
    for (int a = 0; a < 3; ++a) {
      if (v[a] < 0 || v[a] >= resolution) {
        throw Error(ExitCode::InvalidInput,
                    "sparse voxel field: voxel " + std::to_string(i) + " (" +
                        std::to_string(v[0]) + "," + std::to_string(v[1]) + "," +
                        std::to_string(v[2]) + ") is outside [0, " + std::to_string(resolution) +
                        ")");
      }
    }
    const auto [first, inserted] =
        seen.insert(detail::pack_coord(v[0], v[1], v[2]), std::int32_t(i));
    if (!inserted) {
      throw Error(ExitCode::InvalidInput,
                  "sparse voxel field: voxel " + std::to_string(i) + " repeats voxel " +
                      std::to_string(first) + " (" + std::to_string(v[0]) + "," +
                      std::to_string(v[1]) + "," + std::to_string(v[2]) + ")");
    }
  }
}

}  // namespace flexforge::extract
