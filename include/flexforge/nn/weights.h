// Moving weights between a torch::nn::Module and safetensors files.
//
// A module's state is its named_parameters() and named_buffers() (dotted names, e.g.
// "blocks.0.attn.to_qkv.weight"). Loading is strict by default: the file must hold exactly the
// module's keys with the same shapes. Floating-point tensors are converted to the parameter's
// dtype and device (an fp16/bf16 checkpoint loads into an fp32 model and vice versa); a float vs
// integer/bool mismatch is an error. On any mismatch nothing is modified and Error(Model) is
// thrown with a readable diff, e.g.
//   model.safetensors does not match the model: 1 missing key: blocks.1.mlp.0.bias;
//   1 unexpected key: head.weight; 1 shape mismatch: proj.weight file [8, 16] vs model [8, 32]
#pragma once

#include "flexforge/nn/safetensors.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>

namespace flexforge::nn {

struct LoadOptions {
  bool strict = true;  // false: missing and unexpected keys are allowed (shapes still checked)
};

// `source` names the tensors' origin in error messages (usually the file path).
void load_state_dict(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                     const LoadOptions& options = {});

// Opens, validates and loads a safetensors file into `module`.
void load_weights(torch::nn::Module& module, const std::filesystem::path& path,
                  const LoadOptions& options = {});

// Parameters and buffers, detached, on their current device.
TensorMap state_dict(const torch::nn::Module& module);

void save_weights(const torch::nn::Module& module, const std::filesystem::path& path,
                  const std::map<std::string, std::string>& metadata = {});

// Number of scalar parameters (buffers excluded).
int64_t count_parameters(const torch::nn::Module& module, bool trainable_only = false);

}  // namespace flexforge::nn
