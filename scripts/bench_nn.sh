#!/usr/bin/env bash
# Neural-engine benchmark: sparse conv 3^3 at 64 channels on ~20k and ~100k active voxels (time,
# GFLOP/s, share of the machine's GEMM rate; gather / GEMM / scatter phases) and attention
# tokens/s at 1k, 4k and 16k tokens. Builds flexforge_nn_bench (Release) in BUILD_DIR (default
# build/) first. Usage: scripts/bench_nn.sh [THREADS]   (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$build_dir" --target flexforge_nn_bench -j "$(nproc)" >&2
exec "$build_dir/tests/flexforge_nn_bench" "$@"
