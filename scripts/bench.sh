#!/usr/bin/env bash
# Benchmarks, one per stage, each timing the peer library in the same run and reporting ratios.
#   scripts/bench.sh [foundation|nn|segment|retopo|rig|complete|stages|extract|model|batch|all]   (all = foundation and nn; segment runs ~10 min)
# Output: JSON lines on stdout (one per measurement); build output goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
scripts/setup.sh
scripts/build.sh --target flexforge_bench_foundation
meshes=.cache/cgal-data/meshes
case "$what" in
  foundation)
    build/tests/flexforge_bench_foundation "$meshes/bunny00.off" "$meshes/armadillo.off" ;;
  nn)  # sparse conv 3^3 (20k/100k voxels) as a share of GEMM peak, attention tokens/s
    scripts/bench_nn.sh ;;
  all)
    build/tests/flexforge_bench_foundation "$meshes/bunny00.off" "$meshes/armadillo.off"
    scripts/bench_nn.sh ;;
  segment)  # synth held-out set (every category x 3, unseen seed) + 10 real meshes + 50k-face timing,
             # each against CGAL SDF segmentation; previews in build/segment_previews/
    scripts/build.sh --target flexforge_bench_segment
    build/tests/flexforge_bench_segment synth --seed 20250707 --per-category 3
    build/tests/flexforge_bench_segment real build/segment_previews \
      "$meshes"/{elephant,cow,pig,homer,man,hand,camel,dino,bull,armadillo}.off
    build/tests/flexforge_bench_segment time "$meshes/armadillo.off" ;;  # 52k faces
  retopo)  # flexforge retopo vs meshoptimizer and CGAL edge collapse (Lindstrom-Turk): 10 real +
            # 20 synth meshes at 500/2000/5000 faces, then time scaling on 10k/100k/1M faces
    scripts/build.sh --target flexforge_bench_retopo
    build/tests/flexforge_bench_retopo "$meshes" ;;
  rig)  # flexforge rig: synth held-out creatures (11 categories x 8, unseen seed) skeleton CD and
        # skinning metrics vs ground truth; 10 real meshes rigged (GLB+FBX, posed previews, stretch,
        # time) with CGAL's mean-curvature-flow skeleton timed on the same mesh; outputs in build/rig_previews/
    scripts/build.sh --target flexforge_bench_rig
    build/tests/flexforge_bench_rig synth --seed 20250707 --per-category 8
    build/tests/flexforge_bench_rig real build/rig_previews \
      "$meshes"/{elephant,cow,pig,homer,man,hand,camel,dino,bull,armadillo}.off ;;
  extract)  # sparse FlexiCubes on the surface voxels vs scikit-image dense marching cubes of the same
            # grid (R 64/128/256, 4 real meshes), then direct-extraction quality at R 64/128
            # (10 real meshes + 50 held-out synth assets, seeds 777000+i)
    scripts/build.sh --target flexforge_bench_extract
    build/tests/flexforge_bench_extract timing "$meshes"/{bunny00,elephant,armadillo,homer}.off
    build/tests/flexforge_bench_extract quality "$meshes" ;;
  model)  # the default model: VAE round trip vs direct extraction (50 held-out synth + 10 real),
          # text / attribute / image / multimodal generation on held-out data, time per stage and
          # the GEMM/attention share of one generation
    scripts/build.sh --target flexforge_bench_model
    build/tests/flexforge_bench_model vae models/default --synth 50 --real "$meshes"
    build/tests/flexforge_bench_model generate models/default --categories 20 --per-category 5 --images 50 --multimodal 25
    build/tests/flexforge_bench_model profile models/default ;;
  complete)  # part completion on the synth occlusion set (held objects, leg-into-seat joints,
             # handles; unseen seed) vs the incomplete part and plain hole filling
    scripts/build.sh --target flexforge_bench_complete
    build/tests/flexforge_bench_complete --seed 20250707 --per-category 2 ;;
  stages)  # every stage as its own process on 30 real Sweet Home 3D models (not the held-out
           # catalog) and 50 generated assets: signals, exit codes, face growth, retopo budget
    scripts/setup.sh --with-training-data
    scripts/bench_stages_real.py --real 30 --generated 50 --faces 2000 ;;
  batch)  # prompt jobs per minute: one batch process (model once, batched sampler) vs one generate
          # process per job; 8 jobs with the default model (scripts/bench_batch.sh for other N/models)
    scripts/bench_batch.sh 8 default ;;
  *) echo "bench.sh: unknown benchmark '$what' (foundation, nn, segment, retopo, rig, complete, stages, extract, model, batch, all)" >&2; exit 2 ;;
esac
