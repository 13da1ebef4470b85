#!/usr/bin/env bash
# Throughput of prompt jobs: one `flexforge batch` process (model loaded once, jobs sampled
# together) against one `flexforge generate` process per job, same prompts, seeds and settings.
#
#   scripts/bench_batch.sh [N] [MODEL]        N prompt jobs (default 8), MODEL (default "default")
#
# Settings through the environment: STEPS (12), GUIDANCE (5), GEN_BATCH (4), THREADS (0 = all
# cores), DEVICE (auto), STAGES (comma list run after generation; default none, so the figure is
# the generator's own), SKIP_BUILD=1 to use build/flexforge as it is.
# Output: one JSON line on stdout; the per-run lines on stderr. Also runs batch with
# --gen-batch 1, which separates the two gains: the model loaded once, and the batched sampler.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-8}
model=${2:-default}
steps=${STEPS:-12}
guidance=${GUIDANCE:-5}
gen_batch=${GEN_BATCH:-4}
threads=${THREADS:-0}
device=${DEVICE:-auto}
stages=${STAGES:-}
[[ ${SKIP_BUILD:-0} == 1 ]] || scripts/build.sh --target flexforge_cli
bin=$PWD/build/flexforge
work=$(mktemp -d "${TMPDIR:-/tmp}/flexforge-bench-batch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Captions built from words the default model's tokenizer knows (synth captions).
prompts=("a tall red bottle" "a small brown cup" "a short green vase" "a white mug with a handle"
         "a black bucket" "a tall gray lamp" "a small wooden stool with three legs" "a blue boat"
         "a red mushroom" "a yellow rocket" "a green tree" "a brown chair with four legs")

stage_json="[]"
stage_args=()
if [[ -n $stages ]]; then
  stage_json=$(printf '"%s",' ${stages//,/ }); stage_json="[${stage_json%,}]"
  stage_args=(--stages "$stages")
else
  stage_args=(--no-segment --no-complete --no-rig --no-retopo)
fi
: > "$work/jobs.jsonl"
for ((i = 0; i < n; i++)); do
  p=${prompts[i % ${#prompts[@]}]}
  printf '{"id": "p%d", "prompt": "%s", "seed": %d, "stages": %s}\n' "$i" "$p" "$i" "$stage_json" >> "$work/jobs.jsonl"
done

now() { date +%s.%N; }
common=(-q --threads "$threads" --device "$device")

run_batch() {  # $1 = gen batch size; prints wall seconds
  local out=$work/batch-$1 t0 t1
  t0=$(now)
  "$bin" "${common[@]}" batch "$work/jobs.jsonl" --out-dir "$out" --model "$model" \
    --steps "$steps" --guidance "$guidance" --gen-batch "$1" > /dev/null
  t1=$(now)
  local ok
  ok=$(grep -c '"status":"ok"' "$out/results.jsonl")
  [[ $ok == "$n" ]] || { echo "bench_batch: batch --gen-batch $1: only $ok of $n jobs ok" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

mkdir -p "$work/single"
t0=$(now)
for ((i = 0; i < n; i++)); do
  p=${prompts[i % ${#prompts[@]}]}
  "$bin" "${common[@]}" generate "$p" --seed "$i" --model "$model" --steps "$steps" \
    --guidance "$guidance" "${stage_args[@]}" -o "$work/single/p$i.glb"
done
t1=$(now)
single=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
echo "one process per job: $n jobs in $(printf %.1f "$single") s" >&2
batched=$(run_batch "$gen_batch")
echo "batch --gen-batch $gen_batch: $n jobs in $(printf %.1f "$batched") s" >&2
unbatched=$(run_batch 1)
echo "batch --gen-batch 1: $n jobs in $(printf %.1f "$unbatched") s" >&2

python3 - "$n" "$model" "$steps" "$gen_batch" "$threads" "$single" "$batched" "$unbatched" "$stages" <<'EOF'
import json, sys
n, model, steps, k, threads = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
single, batched, unbatched = map(float, sys.argv[6:9])
jpm = lambda s: 60.0 * n / s
row = {"bench": "batch_throughput", "jobs": n, "model": model, "steps": steps, "gen_batch": k,
       "threads": int(threads), "stages": sys.argv[9].split(",") if sys.argv[9] else [],
       "per_process_jobs_per_min": round(jpm(single), 3),
       "batch_jobs_per_min": round(jpm(batched), 3),
       "batch_unbatched_jobs_per_min": round(jpm(unbatched), 3),
       "ratio_batch_vs_per_process": round(single / batched, 3),
       "ratio_unbatched_vs_per_process": round(single / unbatched, 3)}
print(json.dumps(row))
print(f"ratio (batch --gen-batch {k} / one process per job): {single / batched:.2f}x", file=sys.stderr)
EOF
