// The neural runtime's thread settings: libtorch's intra-op pool, and the BLAS library's own pool
// beside it, which must stay at one thread (nn::set_thread_count explains why).
#include "flexforge/nn/runtime.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <dlfcn.h>

namespace flexforge::nn {
namespace {

TEST(Runtime, BlasKeepsOneThreadBesideTheIntraOpThreads) {
  using GetInt = int (*)();
  auto* blas_threads = reinterpret_cast<GetInt>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (!blas_threads) GTEST_SKIP() << "the BLAS loaded here is not OpenBLAS";
  const int before = thread_count();
  set_thread_count(2);
  EXPECT_EQ(torch::get_num_threads(), 2);
  EXPECT_EQ(blas_threads(), 1);
  // `flexforge info` times its GEMM with BLAS on every thread, then the rule is back.
  const BlasBenchmark peak = measure_blas(64, 1);
  EXPECT_GT(peak.gflops, 0.0);
  EXPECT_EQ(blas_threads(), 1);
  set_thread_count(before);
}

}  // namespace
}  // namespace flexforge::nn
