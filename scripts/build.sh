#!/usr/bin/env bash
# Configures (once) and builds flexforge in build/ (Release by default; BUILD_TYPE=Debug to change,
# BUILD_DIR to move it). Uses every core and ccache when present.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
build_type=${BUILD_TYPE:-Release}
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  # FLEXFORGE_CMAKE_ARGS: extra configure options (scripts/test.sh --sanitize sets one).
  # shellcheck disable=SC2086
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" ${FLEXFORGE_CMAKE_ARGS:-} >&2
fi
cmake --build "$build_dir" -j "$(nproc)" "$@" >&2
