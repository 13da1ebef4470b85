// Turning plain VaeSamples into the VAE's tensors (one batch, batch column = sample index).
#pragma once

#include "flexforge/model/vae_sample.h"
#include "flexforge/model/sparseflex_vae.h"

#include <torch/torch.h>

#include <vector>

namespace flexforge::model {

struct VaeBatch {
  PointBatch points;
  torch::Tensor base_coords;                // int32 [N0, 4]
  std::vector<torch::Tensor> truth_levels;  // int32 [N_l, 4], levels 1..L
  torch::Tensor truth_sdf;                  // [N_L, 8]
};

VaeBatch collate_vae_samples(const std::vector<const VaeSample*>& samples,
                             torch::Device device = torch::kCPU);

}  // namespace flexforge::model
