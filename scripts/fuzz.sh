#!/usr/bin/env bash
# libFuzzer harnesses (tests/fuzz/*_fuzz.cpp) for the parsers that read untrusted input: manifest
# lines, --config files, image prompts, prompt text and mesh files through Assimp.
#   scripts/fuzz.sh [--smoke | SECONDS]     (default 1200 s per harness; --smoke = 30 s each, CI)
# Builds with Debian's clang-14 (-fsanitize=fuzzer,address,undefined) in build-fuzz/, the code
# under test instrumented as well, and runs each harness on a copy of its seed corpus
# (tests/fuzz/corpus/NAME); new inputs stay in build-fuzz/corpus/NAME, crashers in
# build-fuzz/crashes/NAME. Prints one JSON line per harness: executions, exec/s, coverage (cov
# and ft as libFuzzer counts them) and crashes. Exits 1 when a harness found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=1200
case "${1:-}" in
  --smoke) seconds=30 ;;
  "") ;;
  *) seconds=$1 ;;
esac
scripts/setup.sh --with-fuzzing
scripts/build.sh --target flexforge_cli >/dev/null  # generated headers (build_info.h)
out=build-fuzz
mkdir -p "$out/obj"
cxx="ccache clang++-14"
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -Iinclude -Ibuild/generated -I/usr/include/eigen3)
# The code under test: everything the harnesses reach, none of it needing libtorch.
sources=(src/core/*.cpp src/io/*.cpp src/synth/*.cpp src/condition/*.cpp
         src/pipeline/manifest.cpp src/cli/config_reader.cpp)
objects=()
for src in "${sources[@]}"; do
  [[ $src == src/core/model_registry.cpp ]] && continue  # model directories: not a parser
  obj="$out/obj/$(echo "${src%.cpp}" | tr / _).o"
  if [[ ! -f $obj || $src -nt $obj ]]; then
    $cxx "${flags[@]}" -c "$src" -o "$obj"
  fi
  objects+=("$obj")
done
libs=(-lassimp -lspdlog -lfmt -lpthread)
status=0
for harness in tests/fuzz/*_fuzz.cpp; do
  name=$(basename "$harness" _fuzz.cpp)
  bin="$out/${name}_fuzz"
  if [[ ! -f $bin || $harness -nt $bin || tests/fuzz/fuzz_support.h -nt $bin ]]; then
    $cxx "${flags[@]}" -fsanitize=fuzzer "$harness" "${objects[@]}" "${libs[@]}" -o "$bin"
  fi
  mkdir -p "$out/corpus/$name" "$out/crashes/$name"
  cp -n tests/fuzz/corpus/"$name"/* "$out/corpus/$name/" 2>/dev/null || true
  log="$out/$name.log"
  set +e
  "$bin" "$out/corpus/$name" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 \
    -artifact_prefix="$out/crashes/$name/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  crashes=$(find "$out/crashes/$name" -type f | wc -l)
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
