// Position and time encodings.
//
// Sin/cos absolute embedding of 3D positions (as in TripoSF/TRELLIS's absolute position
// embedder): with F = channels / 6 frequencies f_j = 10000^(-j / F), each axis contributes
// [sin(p f_0..F-1), cos(p f_0..F-1)]; the axes are concatenated (x, y, z) and zero-padded up to
// `channels`.
//
// 3D RoPE: the head dimension D holds P = D / 6 rotation pairs per axis, laid out as three blocks
// of 2P values (x, y, z); pair j of an axis block, elements (2j, 2j+1), is rotated by angle
// p_axis * base^(-j / P). Dimensions beyond 6P are left as they are. Rotations preserve norms and
// make q.k depend only on the difference of positions.
//
// Timestep embedding (DiT): [cos(t f), sin(t f)] with f_j = max_period^(-j / (dim/2)).
#pragma once

#include <torch/torch.h>

namespace flexforge::nn {

// positions float [N, 3] -> [N, channels]
torch::Tensor sincos_position_embedding(const torch::Tensor& positions, int64_t channels);

// x [T, H, D], positions [T, 3] -> x rotated (same shape and dtype)
torch::Tensor apply_rope_3d(const torch::Tensor& x, const torch::Tensor& positions,
                            double base = 10000.0);

// t [B] (any float, e.g. 1000 * flow time) -> [B, dim]
torch::Tensor timestep_embedding(const torch::Tensor& t, int64_t dim, double max_period = 10000.0);

// t [B] -> [B, channels]: sinusoidal features (frequency_dim) then Linear-SiLU-Linear.
// Parameters "mlp.0" Linear(frequency_dim, C) and "mlp.2" Linear(C, C).
class TimestepEmbedderImpl : public torch::nn::Module {
 public:
  explicit TimestepEmbedderImpl(int64_t channels, int64_t frequency_dim = 256);
  torch::Tensor forward(const torch::Tensor& t);
  int64_t frequency_dim;
  torch::nn::Sequential mlp{nullptr};
};
TORCH_MODULE(TimestepEmbedder);

}  // namespace flexforge::nn
