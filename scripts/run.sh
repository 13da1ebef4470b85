#!/usr/bin/env bash
# The main job in one command on a fresh Debian 12 machine: set up, build (Release) if needed,
# then run flexforge. Without arguments it generates a chair from a text prompt with the embedded
# default model (models/default) through the whole pipeline (parts, rig, low-poly) to chair.glb,
# with a JSON report and a preview; with arguments they go to flexforge as they are:
#   scripts/run.sh generate "a red mushroom" -o mushroom.glb
#   scripts/run.sh convert my.obj -o my.glb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --target flexforge_cli
bin=build/flexforge
if (($#)); then
  exec "$bin" "$@"
fi
"$bin" generate "a wooden chair with armrests" -o chair.glb --seed 1 --report chair.json --preview chair.png
"$bin" inspect chair.glb
