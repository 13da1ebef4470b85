#!/usr/bin/env bash
# Installs everything flexforge needs on Debian 12, and nothing else:
#   - the Debian packages for building and testing (apt-get when root; otherwise prints the
#     apt-get line and exits 1),
#   - the npm packages the tests use, into .tools/ (git-ignored),
#   - the real test meshes from Debian's libcgal-demo, unpacked into .cache/cgal-data/.
# Idempotent; when everything is present it only checks and returns in about a second.
# Options: --with-blender  also install Blender 3.4 (headless import checks in the tests; large).
#          --with-training-data  also install the real artist models (sweethome3d-furniture,
#                                flightgear-data-models: flexforge dataset build, the stage
#                                benchmarks), WordNet and FreeDict (lexicon build); neither the build nor
#                                the tests need them.
#          --with-fuzzing        also install clang-14 and libFuzzer (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

with_blender=0
with_training_data=0
with_fuzzing=0
for arg in "$@"; do
  case "$arg" in
    --with-blender) with_blender=1 ;;
    --with-training-data) with_training_data=1 ;;
    --with-fuzzing) with_fuzzing=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0-pthread   # neural engine; OpenBLAS instead of the ~30x slower reference BLAS
  libassimp-dev                       # import of every common mesh format; OBJ/STL/PLY/3MF export
  libminizip-dev                      # reads the furniture catalogs (.sh3f zip archives) directly
  libcli11-dev libspdlog-dev nlohmann-json3-dev libeigen3-dev
  libnanoflann-dev                    # kd-tree for point nearest-neighbour metrics
  libstb-dev                          # stb_image_write (PNG views) and stb_easy_font (contact-sheet labels) for flexforge synth
  libgtest-dev
  libcgal-demo                        # real meshes for tests (data.tar.gz)
  libcgal-dev libgmp-dev libmpfr-dev  # part completion (hole filling, alpha wrap); segment/retopo bench peers
  libmeshoptimizer-dev                # retopo benchmark peer (bench only)
  python3-skimage                     # dense marching-cubes peer of the extract benchmark (bench only)
)
# Node.js + npm run the Khronos glTF validator; a machine may already have them from elsewhere
# (e.g. a nodesource nodejs that bundles npm), so only the commands are required.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
((with_blender)) && packages+=(blender python3-numpy)  # the glTF importer needs NumPy
((with_training_data)) && packages+=(sweethome3d-furniture flightgear-data-models wordnet-base
  dict-freedict-fra-eng dict-freedict-deu-eng dict-freedict-spa-eng dict-freedict-ita-eng)  # real models; WordNet and FreeDict for the prompt lexicon
((with_fuzzing)) && packages+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev)  # scripts/fuzz.sh

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: missing Debian packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm tools for the tests, pinned, project-local.
validator_version=2.0.0-dev.3.10
if [[ ! -f .tools/node_modules/gltf-validator/package.json ]] ||
   ! grep -q "\"version\": \"$validator_version\"" .tools/node_modules/gltf-validator/package.json; then
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools "gltf-validator@$validator_version" >&2
fi

# Real meshes (elephant, cow, pig, homer, ...) from Debian's libcgal-demo.
if [[ ! -f .cache/cgal-data/meshes/elephant.off ]]; then
  mkdir -p .cache/cgal-data.tmp
  tar -xzf /usr/share/doc/libcgal-dev/data.tar.gz -C .cache/cgal-data.tmp
  rm -rf .cache/cgal-data
  mv .cache/cgal-data.tmp/data .cache/cgal-data
  rm -rf .cache/cgal-data.tmp
fi
