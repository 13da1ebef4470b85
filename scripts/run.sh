#!/usr/bin/env bash
# The main job in one command on a fresh Debian 12 machine: set up, build (Release) if needed,
# then run flexforge. Without arguments it converts a real mesh (the elephant from Debian's
# libcgal-demo) to elephant.glb and describes it; with arguments they go to flexforge as they are:
#   scripts/run.sh convert my.obj -o my.glb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --target flexforge_cli
bin=build/flexforge
if (($#)); then
  exec "$bin" "$@"
fi
"$bin" convert .cache/cgal-data/meshes/elephant.off -o elephant.glb --center
"$bin" inspect elephant.glb
