#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite through ctest. CI (.ci/run) calls exactly this.
#   scripts/test.sh [--sanitize] [ctest arguments...]
# --sanitize builds in build-asan/ with AddressSanitizer and UndefinedBehaviorSanitizer
# (-fsanitize=address,undefined, RelWithDebInfo) and runs the suite there; any report fails
# the test that triggered it.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
args=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    *) args+=("$arg") ;;
  esac
done
if ((sanitize)); then
  export BUILD_DIR=${BUILD_DIR:-build-asan} BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
  export FLEXFORGE_CMAKE_ARGS="-DFLEXFORGE_SANITIZE=ON"
  # Leak checking is off: libtorch keeps its allocator caches and thread pools to exit.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
scripts/setup.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" ${args[@]+"${args[@]}"}
