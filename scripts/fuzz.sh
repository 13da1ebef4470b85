#!/usr/bin/env bash
# libFuzzer harnesses (tests/fuzz/*_fuzz.cpp) for the parsers that read untrusted input: manifest
# lines, --config files, image prompts, prompt text, safetensors headers and mesh files through
# Assimp.
#   scripts/fuzz.sh [--smoke | SECONDS] [HARNESS...]   (default 1200 s per harness, all harnesses)
# --smoke (CI): about 30 s each, made deterministic so that CI cannot turn red by chance: a fixed
# random seed, a fixed number of runs per harness (sized from the measured exec/s) and a fresh
# copy of the seed corpus every time.
# Builds with Debian's clang-14 (-fsanitize=fuzzer,address,undefined) in build-fuzz/, the code
# under test instrumented as well, and runs each harness on a copy of its seed corpus
# (tests/fuzz/corpus/NAME); new inputs stay in build-fuzz/corpus/NAME, crashers in
# build-fuzz/crashes/NAME. Prints one JSON line per harness: executions, exec/s, coverage (cov
# and ft as libFuzzer counts them) and crashes. Exits 1 when a harness found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=1200
smoke=0
case "${1:-}" in
  --smoke) smoke=1 seconds=30; shift ;;
  "") ;;
  *[!0-9]*) ;;  # a harness name: default time
  *) seconds=$1; shift ;;
esac
only=("$@")
scripts/setup.sh --with-fuzzing
scripts/build.sh --target flexforge_cli >/dev/null  # generated headers (build_info.h)
out=build-fuzz
mkdir -p "$out/obj"
cxx="ccache clang++-14"
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -Iinclude -Ibuild/generated -I/usr/include/eigen3)
# The code under test: everything the harnesses reach, none of it needing libtorch.
sources=(src/core/*.cpp src/io/*.cpp src/render/*.cpp src/synth/*.cpp src/condition/*.cpp
         src/pipeline/manifest.cpp src/cli/config_reader.cpp src/nn/safetensors_header.cpp)
# An object is rebuilt when it, or the list of what it includes (the compiler's -MMD file), is
# missing, or when its source or any header it includes is newer: a header change (a struct
# gaining a member) must not leave objects of the old layout linked with new ones.
stale() {
  local obj=$1 src=$2 dep
  [[ -f $obj && -f $obj.d && ! $src -nt $obj ]] || return 0
  for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
    [[ $dep -nt $obj ]] && return 0
  done
  return 1
}
objects=()
for src in "${sources[@]}"; do
  obj="$out/obj/$(echo "${src%.cpp}" | tr / _).o"
  if stale "$obj" "$src"; then
    $cxx "${flags[@]}" -MMD -MF "$obj.d" -c "$src" -o "$obj"
  fi
  objects+=("$obj")
done
libs=(-lassimp -lminizip -lz -lspdlog -lfmt -lpthread)
# A file may claim a huge element count (a GLB accessor of 10^9 vertices): the allocation must
# fail as std::bad_alloc, which the CLI reports as exit 7, rather than count as a fuzzer crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:max_allocation_size_mb=2048:detect_leaks=0}
# Runs per harness for --smoke: about 30 s each at the speeds measured on a 2-core machine.
declare -A smoke_runs=([config]=150000 [manifest]=150000 [image]=6000 [tokenizer]=6000 [mesh_import]=400 [safetensors]=150000)
status=0
for harness in tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$harness" _fuzz.cpp)
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
  bin="$out/${name}_fuzz"
  # Always linked again: any object of the code under test may have changed.
  $cxx "${flags[@]}" -fsanitize=fuzzer "$harness" "${objects[@]}" "${libs[@]}" -o "$bin"
  mkdir -p "$out/corpus/$name" "$out/crashes/$name"
  log="$out/$name.log"
  set +e
  if ((smoke)); then
    rm -rf "$out/smoke-corpus/$name" && mkdir -p "$out/smoke-corpus/$name"
    cp tests/fuzz/corpus/"$name"/* "$out/smoke-corpus/$name/"
    "$bin" "$out/smoke-corpus/$name" -seed=1 -runs="${smoke_runs[$name]:-1000}" -max_len=65536 -malloc_limit_mb=4096 \
      -rss_limit_mb=4096 -artifact_prefix="$out/crashes/$name/" -print_final_stats=1 >"$log" 2>&1
  else
    cp -n tests/fuzz/corpus/"$name"/* "$out/corpus/$name/" 2>/dev/null || true
    "$bin" "$out/corpus/$name" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -malloc_limit_mb=4096 \
      -artifact_prefix="$out/crashes/$name/" -print_final_stats=1 >"$log" 2>&1
  fi
  rc=$?
  set -e
  crashes=$(find "$out/crashes/$name" -type f \( -name "crash-*" -o -name "leak-*" -o -name "oom-*" -o -name "timeout-*" \) | wc -l)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  echo "{\"harness\":\"$name\",\"seconds\":$seconds,\"executions\":${runs:-0},\"exec_per_sec\":${speed:-0},\"cov\":${cov:-0},\"ft\":${ft:-0},\"crashes\":$crashes,\"exit\":$rc}"
  if ((rc != 0 || crashes > 0)); then
    status=1
    tail -30 "$log" >&2
  fi
done
exit $status
