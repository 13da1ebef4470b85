// libtorch runtime queries. BLAS detection reads /proc/self/maps after a matmul has run: Debian's
// libtorch resolves libblas.so.3 through update-alternatives, so the library that actually serves
// the matmul (OpenBLAS vs. the ~30x slower reference BLAS) is only visible in the process map.
#include "flexforge/nn/runtime.h"

#include "flexforge/core/error.h"
#include "flexforge/core/parallel.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

namespace flexforge::nn {

namespace {

std::string loaded_blas_library() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::string found;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.find_last_of('/') + 1);
    const bool blas_like = file.find("blas") != std::string::npos ||
                           file.find("mkl") != std::string::npos ||
                           file.find("blis") != std::string::npos;
    if (!blas_like) continue;
    // Prefer the implementation (openblas, mkl) over a generic libblas.so.3 shim name.
    if (found.empty() || path.find("openblas") != std::string::npos ||
        path.find("mkl") != std::string::npos) {
      found = path;
    }
  }
  return found.empty() ? "unknown" : found;
}

// Sets the BLAS library's own thread pool, where the loaded BLAS has one (OpenBLAS, BLIS, MKL);
// looked up at run time so that the binary does not link a particular BLAS. Returns false when
// none of the known setters is present (the reference BLAS is single-threaded anyway).
bool set_blas_threads(int threads) {
  using SetInt = void (*)(int);
  for (const char* name : {"openblas_set_num_threads", "bli_thread_set_num_threads",
                           "MKL_Set_Num_Threads"}) {
    if (auto* fn = reinterpret_cast<SetInt>(dlsym(RTLD_DEFAULT, name))) {
      fn(threads);
      return true;
    }
  }
  return false;
}
}  // namespace

std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

BlasBenchmark measure_blas(int n, int repeats) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const auto a = torch::rand({n, n});
  const auto b = torch::rand({n, n});
  // The peak of the machine: for this one large product BLAS may use every worker thread, as
  // nothing else runs beside it. set_thread_count's one-BLAS-thread rule is restored after.
  set_blas_threads(thread_count());
  auto c = torch::matmul(a, b);  // warm-up: loads BLAS, spins up its threads
  double best = 1e30;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, s);
  }
  set_thread_count(thread_count());
  BlasBenchmark result;
  result.library = loaded_blas_library();
  result.size = n;
  result.gflops = 2.0 * n * static_cast<double>(n) * n / best / 1e9;
  return result;
}

void set_thread_count(int threads) {
  set_worker_threads(threads);
  const int n = static_cast<int>(worker_threads());
  torch::set_num_threads(n);
  // libtorch already splits its work over n intra-op threads, and each of them calls BLAS. A
  // multi-threaded BLAS (libopenblas0-pthread) would start n more threads per call, which spin
  // against the intra-op ones: on 2 cores the structure and latent stages ran 2.4x slower that
  // way (2.2 s against 0.9 s per asset). One BLAS thread per intra-op thread avoids it.
  set_blas_threads(1);
}

int thread_count() { return static_cast<int>(worker_threads()); }

DeviceInfo device_info() {
  DeviceInfo info;
#ifdef USE_CUDA
  info.cuda_built = true;
#endif
  info.cuda_available = torch::cuda::is_available();
  info.cuda_built = info.cuda_built || info.cuda_available;
  info.cuda_devices = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  return info;
}

std::string resolve_device(const std::string& spec) {
  static const std::regex pattern(R"(^(auto|cpu|cuda(:([0-9]+))?)$)");
  std::smatch m;
  if (!std::regex_match(spec, m, pattern)) {
    throw Error(ExitCode::Usage,
                "device '" + spec + "' is not one of auto, cpu, cuda, cuda:N");
  }
  const DeviceInfo info = device_info();
  if (spec == "cpu") return "cpu";
  if (spec == "auto") return info.cuda_available ? "cuda:0" : "cpu";
  const int index = m[3].matched ? std::stoi(m[3].str()) : 0;
  if (!info.cuda_available) {
    throw Error(ExitCode::Resource, "device " + spec +
                                        ": no CUDA device is available to this build "
                                        "(it links a CPU-only libtorch or no GPU is present)");
  }
  if (index >= info.cuda_devices) {
    throw Error(ExitCode::Resource, "device " + spec + ": only " +
                                        std::to_string(info.cuda_devices) +
                                        " CUDA device(s) present");
  }
  return "cuda:" + std::to_string(index);
}

}  // namespace flexforge::nn
