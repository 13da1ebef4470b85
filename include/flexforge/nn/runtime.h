// The neural runtime as the rest of the program sees it: thread count, compute device, and the
// numbers `flexforge info` reports. This header deliberately does not include libtorch.
#pragma once

#include <string>

namespace flexforge::nn {

struct BlasBenchmark {
  std::string library;  // resolved path of the BLAS shared object loaded into this process
  int size = 0;         // n of the n x n x n single-precision matmul that was timed
  double gflops = 0.0;  // best of the timed repetitions
};

struct DeviceInfo {
  bool cuda_built = false;      // this binary links a CUDA libtorch
  bool cuda_available = false;  // and a driver/device answered
  int cuda_devices = 0;
};

std::string torch_version();

// Times an n^3 float matmul through libtorch (2 n^3 flops), best of `repeats` after one warm-up.
BlasBenchmark measure_blas(int n = 1024, int repeats = 3);

// Intra-op threads used by libtorch and by flexforge's own parallel loops. 0 = all cores.
void set_thread_count(int threads);
int thread_count();

DeviceInfo device_info();

// Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a concrete device string ("cpu" or "cuda:N").
// Throws Error(Usage) for malformed specs and Error(Resource) when the device is unavailable.
std::string resolve_device(const std::string& spec);

}  // namespace flexforge::nn
