#!/usr/bin/env bash
# Benchmarks, one per stage, each timing the peer library in the same run and reporting ratios.
#   scripts/bench.sh [foundation|all]
# Output: JSON lines on stdout (one per measurement); build output goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
scripts/setup.sh
scripts/build.sh --target flexforge_bench_foundation
meshes=.cache/cgal-data/meshes
case "$what" in
  foundation|all)
    build/tests/flexforge_bench_foundation "$meshes/bunny00.off" "$meshes/armadillo.off" ;;
  *) echo "bench.sh: unknown benchmark '$what' (foundation, all)" >&2; exit 2 ;;
esac
