// Neural-engine benchmark (scripts/bench_nn.sh): submanifold 3^3 sparse conv at 64 channels on
// surface-like occupancies of ~20k and ~100k active voxels, split into its gather / GEMM / scatter
// phases and compared with the machine's GEMM rate from measure_blas(); and attention throughput
// (tokens/s) for one sequence of 1k, 4k and 16k tokens, and for shifted-window attention.
// Output as the other benchmarks: one JSON object per measurement on stdout; the same numbers as
// readable lines on stderr.
#include "flexforge/nn/attention.h"
#include "flexforge/nn/runtime.h"
#include "flexforge/nn/sparse_conv.h"
#include "flexforge/nn/sparse_tensor.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

using namespace flexforge;
using namespace flexforge::nn;

namespace {

void report(const nlohmann::json& j) { std::printf("%s\n", j.dump().c_str()); }

double best_seconds(const std::function<void()>& fn, int repeats, bool warm_up = true) {
  if (warm_up) fn();
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                              .count());
  }
  return best;
}

// Voxels of a one-voxel-thick spherical shell (a closed surface, like the occupancies the
// pipeline produces), with the radius chosen to give about `target` voxels.
SparseTensor sphere_shell(int64_t target, int64_t channels) {
  const double radius = std::sqrt(static_cast<double>(target) / (4.0 * M_PI * 1.0));
  const int64_t grid = static_cast<int64_t>(2 * radius) + 4;
  const auto axis = torch::arange(grid, torch::kFloat) - grid / 2.0 + 0.5;
  const auto d = torch::sqrt(axis.view({-1, 1, 1}).pow(2) + axis.view({1, -1, 1}).pow(2) +
                             axis.view({1, 1, -1}).pow(2));
  const auto shell = (d - radius).abs() < 0.5;
  const auto xyz = torch::nonzero(shell).to(torch::kInt);
  const auto coords = torch::cat({torch::zeros({xyz.size(0), 1}, torch::kInt), xyz}, 1);
  return SparseTensor(coords, torch::randn({xyz.size(0), channels}), 1);
}

void bench_conv(int64_t target, double gemm_peak) {
  torch::NoGradGuard no_grad;
  const int64_t c = 64;
  const auto x = sphere_shell(target, c);
  const auto weight = torch::randn({27, c, c}) * 0.05;
  const auto map_start = std::chrono::steady_clock::now();
  const auto& map = x.kernel_map(3);
  const double map_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - map_start).count();
  const double flops = 2.0 * static_cast<double>(map.total_pairs) * c * c;

  const double total_s = best_seconds([&] { submanifold_conv3d(x, weight, {}); }, 5);

  // The three phases on their own, with the same shapes as inside the conv.
  std::vector<torch::Tensor> gathered(27), products(27);
  const auto& f = x.features();
  const double gather_s = best_seconds(
      [&] {
        for (int o = 0; o < 27; ++o) {
          if (o != 13) gathered[o] = f.index_select(0, map.pairs[o].in);
        }
      },
      5);
  gathered[13] = f;
  const double gemm_s = best_seconds(
      [&] {
        for (int o = 0; o < 27; ++o) products[o] = gathered[o].mm(weight[o]);
      },
      5);
  auto out = torch::zeros({x.size(), c});
  const double scatter_s = best_seconds(
      [&] {
        for (int o = 0; o < 27; ++o) {
          if (o != 13) scatter_add_rows(out, map.pairs[o].out, products[o]);
        }
      },
      5);

  std::fprintf(
      stderr,
      "sparse_conv3x3x3 c=64 voxels=%lld pairs=%lld (%.1f/voxel): map build %.1f ms, "
      "forward %.1f ms = %.1f GFLOP/s (%.0f%% of GEMM peak); phases: gather %.1f ms, "
      "GEMM %.1f ms = %.1f GFLOP/s (%.0f%% of peak), scatter %.1f ms\n",
      static_cast<long long>(x.size()), static_cast<long long>(map.total_pairs),
      static_cast<double>(map.total_pairs) / x.size(), map_s * 1e3, total_s * 1e3,
      flops / total_s / 1e9, 100.0 * flops / total_s / 1e9 / gemm_peak, gather_s * 1e3,
      gemm_s * 1e3, flops / gemm_s / 1e9, 100.0 * flops / gemm_s / 1e9 / gemm_peak,
      scatter_s * 1e3);
  report({{"bench", "sparse_conv3x3x3_forward"}, {"channels", c}, {"voxels", x.size()},
          {"pairs", map.total_pairs}, {"map_build_ms", map_s * 1e3}, {"forward_ms", total_s * 1e3},
          {"gflops", flops / total_s / 1e9}, {"ratio_to_gemm_peak", flops / total_s / 1e9 / gemm_peak},
          {"gather_ms", gather_s * 1e3}, {"gemm_ms", gemm_s * 1e3},
          {"gemm_gflops", flops / gemm_s / 1e9},
          {"gemm_ratio_to_peak", flops / gemm_s / 1e9 / gemm_peak}, {"scatter_ms", scatter_s * 1e3},
          {"gemm_peak_gflops", gemm_peak}});

  // Training step cost (forward + backward) for reference.
  torch::AutoGradMode grad_mode(true);
  const auto feats = f.clone().requires_grad_(true);
  const auto w = weight.clone().requires_grad_(true);
  const SparseTensor xt = x.with_features(feats);
  const double train_s = best_seconds(
      [&] { submanifold_conv3d(xt, w, {}).sum().backward(); }, 3);
  std::fprintf(stderr,
               "sparse_conv3x3x3 c=64 voxels=%lld: forward+backward %.1f ms (%.1f GFLOP/s, 3x "
               "forward flops)\n",
               static_cast<long long>(x.size()), train_s * 1e3, 3 * flops / train_s / 1e9);
  report({{"bench", "sparse_conv3x3x3_forward_backward"}, {"channels", c}, {"voxels", x.size()},
          {"ms", train_s * 1e3}, {"gflops", 3 * flops / train_s / 1e9},
          {"ratio_to_gemm_peak", 3 * flops / train_s / 1e9 / gemm_peak}});
}

void bench_attention(int64_t tokens, int64_t heads, int64_t head_dim, double gemm_peak) {
  torch::NoGradGuard no_grad;
  const auto q = torch::randn({tokens, heads, head_dim});
  const auto k = torch::randn({tokens, heads, head_dim});
  const auto v = torch::randn({tokens, heads, head_dim});
  const std::vector<int64_t> offsets{0, tokens};
  // The 16k run is long enough (seconds) to time once, without a warm-up.
  const bool large = tokens >= 16384;
  const double s =
      best_seconds([&] { varlen_attention(q, k, v, offsets, offsets); }, large ? 1 : 3, !large);
  const double flops = 4.0 * tokens * static_cast<double>(tokens) * heads * head_dim;
  std::fprintf(stderr,
               "attention tokens=%lld heads=%lld dim=%lld: %.1f ms, %.0f tokens/s, %.1f GFLOP/s "
               "(%.0f%% of GEMM peak)\n",
               static_cast<long long>(tokens), static_cast<long long>(heads),
               static_cast<long long>(head_dim), s * 1e3, tokens / s, flops / s / 1e9,
               100.0 * flops / s / 1e9 / gemm_peak);
  report({{"bench", "attention_full"}, {"tokens", tokens}, {"heads", heads}, {"head_dim", head_dim},
          {"ms", s * 1e3}, {"tokens_per_s", tokens / s}, {"gflops", flops / s / 1e9},
          {"ratio_to_gemm_peak", flops / s / 1e9 / gemm_peak}});
}

// Shifted-window attention (window 8, shift 4) over the voxels of a ~16k-voxel shell.
void bench_window_attention(int64_t target, int64_t heads, int64_t head_dim) {
  torch::NoGradGuard no_grad;
  const auto x = sphere_shell(target, 1);
  const auto& layout = x.window_layout(8, 4);
  const int64_t n = x.size();
  const auto q = torch::randn({n, heads, head_dim});
  const auto k = torch::randn({n, heads, head_dim});
  const auto v = torch::randn({n, heads, head_dim});
  const double s = best_seconds([&] { layout_attention(q, k, v, layout); }, 3);
  std::fprintf(stderr,
               "window attention (8, shift 4) tokens=%lld in %zu windows (longest %lld): %.1f ms, "
               "%.0f tokens/s\n",
               static_cast<long long>(n), layout.offsets.size() - 1,
               static_cast<long long>(layout.max_length), s * 1e3, n / s);
  report({{"bench", "attention_window8_shift4"}, {"tokens", n}, {"heads", heads},
          {"head_dim", head_dim}, {"windows", layout.offsets.size() - 1},
          {"longest_window", layout.max_length}, {"ms", s * 1e3}, {"tokens_per_s", n / s}});
}

}  // namespace

int main(int argc, char** argv) {
  set_thread_count(argc > 1 ? std::stoi(argv[1]) : 0);  // as the CLI: 0 = all cores
  const auto blas = measure_blas(1024, 5);
  std::fprintf(stderr, "torch %s, %d threads, BLAS %s: GEMM 1024^3 %.1f GFLOP/s (the peak below)\n",
               torch_version().c_str(), torch::get_num_threads(), blas.library.c_str(),
               blas.gflops);
  report({{"bench", "gemm_peak"}, {"n", blas.size}, {"gflops", blas.gflops},
          {"blas", blas.library}, {"threads", torch::get_num_threads()},
          {"torch", torch_version()}});
  bench_conv(20000, blas.gflops);
  bench_conv(100000, blas.gflops);
  for (const int64_t tokens : {1024, 4096, 16384}) bench_attention(tokens, 8, 64, blas.gflops);
  bench_window_attention(16384, 8, 64);
  return 0;
}
