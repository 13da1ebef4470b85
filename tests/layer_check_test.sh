#!/usr/bin/env bash
# ctest: the source tree follows the layer table, and the checker does fail on an upward include
# (a core file that includes a model header), naming the file and the two layers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python3 "$root/scripts/check_layers.py" --root "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/core"
printf '#include "flexforge/core/mesh.h"\n#include "flexforge/model/generate.h"\n' > "$tmp/src/core/upward.cpp"
if out=$(python3 "$root/scripts/check_layers.py" --root "$tmp" 2>&1); then
  echo "check_layers.py accepted an upward include: $out" >&2
  exit 1
fi
grep -q "src/core/upward.cpp:2: core -> model" <<<"$out" || { echo "unexpected message: $out" >&2; exit 1; }
echo "upward include rejected: $out"
