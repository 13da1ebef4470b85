// The decoder's fine voxels (SparseTensor, features [N, 53], one batch element) as the plain
// SparseVoxelField the sparse FlexiCubes extractor reads.
#pragma once

#include "flexforge/extract/sparse_field.h"
#include "flexforge/nn/sparse_tensor.h"

namespace flexforge::model {

extract::SparseVoxelField to_sparse_field(const nn::SparseTensor& fine, int resolution);

}  // namespace flexforge::model
