#!/usr/bin/env bash
# Trains the shipped default model (models/default/) from scratch on this machine: the SparseFlex
# VAE, then the structure stage (occupancy VAE + flow), the latent flow, the image prior (three
# phases) and text prior, and the part head. Every step is
# resumable: rerun the script after an interruption and each network continues from its last
# checkpoint (a finished network is not retrained).
#
#   scripts/train-default.sh [OUT_DIR]        (default: models/default)
#   THREADS=1 VAE_MINUTES=40 ... scripts/train-default.sh
#
# Real meshes: every libcgal-demo mesh (scripts/setup.sh unpacks them) with 500..150k faces,
# except the 10 held out for evaluation (and the elephant's variants).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/models/default}"
bin="$root/build/flexforge"
threads="${THREADS:-2}"
meshes="$root/.cache/cgal-data/meshes"
[[ -x "$bin" ]] || { echo "build first: scripts/build.sh" >&2; exit 2; }

held_out=" elephant elephant-with-holes refined_elephant cow pig homer bunny00 camel armadillo man dino bull "
real=()
for f in "$meshes"/*.off; do
  name="$(basename "$f" .off)"
  [[ "$held_out" == *" $name "* ]] && continue
  faces="$(awk 'NR==1 && $1=="OFF" && NF>1 {print $3; exit} NR==1 && $1=="OFF" {next} /^[[:space:]]*#/ {next} NF>=3 {print $2; exit}' "$f")"
  [[ "$faces" =~ ^[0-9]+$ ]] || continue
  (( faces >= 500 && faces <= 150000 )) || continue
  "$bin" -q inspect "$f" >/dev/null 2>&1 || continue
  real+=(--real "$f")
done
echo "training on $(( ${#real[@]} / 2 )) real meshes plus synth assets -> $out"
mkdir -p "$out"

"$bin" --threads "$threads" train vae --out "$out" --resume \
  --steps "${VAE_STEPS:-650}" --batch 2 --synth-count "${VAE_SYNTH:-300}" --synth-seed 1 \
  --points 40000 --checkpoint-every 100 --time-limit "${VAE_MINUTES:-0}" "${real[@]}"
"$bin" --threads "$threads" train structure --model-dir "$out" --resume \
  --steps "${STRUCTURE_STEPS:-8500}" --vae-steps "${STRUCTURE_VAE_STEPS:-1500}" --batch 8 \
  --synth-count "${GEN_SYNTH:-1520}" --synth-seed 1 --time-limit "${STRUCTURE_MINUTES:-0}"
"$bin" --threads "$threads" train latent --model-dir "$out" --resume --batch 4 \
  --steps "${LATENT_STEPS:-9000}" --synth-count "${GEN_SYNTH:-1520}" --synth-seed 1 \
  --time-limit "${LATENT_MINUTES:-0}"
# Image prior: image -> structure latent, regressed directly (needs the structure stage above).
"$bin" --threads "$threads" train image-prior --model-dir "$out" --resume --batch 32 --lr 1e-3 \
  --steps "${PRIOR_STEPS:-10000}" --synth-count "${PRIOR_SYNTH:-5000}" --synth-seed 1 --views 6 \
  --checkpoint-every 250 --time-limit "${PRIOR_MINUTES:-0}"
# Image prior, later phases: each continues from the previous phase's weights (--init, fresh
# optimiser) on 5000 shapes it has never seen (a new synth seed): more distinct shapes, not more
# passes over the same ones, is what the held-out renders need. Each phase has its own directory,
# so it resumes from its own checkpoint, and a finished phase is not rerun.
prior_phase() {  # NAME SEED STEPS LR INIT
  local dir="$out/image-prior-$1"
  mkdir -p "$dir"
  cp "$out"/{config.json,tokenizer.json,structure_vae.safetensors,structure_flow.safetensors} "$dir/"
  "$bin" --threads "$threads" train image-prior --model-dir "$dir" --resume \
    --init "$5" --batch 32 --lr "$4" \
    --steps "$3" --synth-count "${PRIOR_SYNTH:-5000}" --synth-seed "$2" --views 6 \
    --checkpoint-every 250 --time-limit "${PRIOR_PHASE_MINUTES:-0}"
}
prior_phase phase2 5 "${PRIOR2_STEPS:-9000}" 5e-4 "$out/checkpoint/image_prior.safetensors"
prior_phase phase3 6 "${PRIOR3_STEPS:-5000}" 3e-4 "$out/image-prior-phase2/image_prior.safetensors"
# Text prior: caption -> structure latent, the same way (no rendered views needed).
"$bin" --threads "$threads" train text-prior --model-dir "$out" --resume --batch 32 --lr 1e-3 \
  --steps "${TEXT_PRIOR_STEPS:-4000}" --synth-count "${TEXT_PRIOR_SYNTH:-3000}" --synth-seed 1 \
  --views 0 --checkpoint-every 500 --time-limit "${TEXT_PRIOR_MINUTES:-0}"
# Real data (docs/dataset.md; `scripts/setup.sh --with-training-data` installs the packages):
# every Sweet Home 3D piece but the held-out catalog BlendSwap-CC-BY, and every FlightGear model,
# closed at 64 cells (the priors' targets are 32^3 occupancies, so the 128-cell closing of the
# documented build buys nothing here and costs 12x the time), 6 views of 128 px; and 3000 synth
# assets of a new seed with their bare-noun captions ("a lamp").
sh3d=/usr/share/sweethome3d/furniture
fgfs=/usr/share/games/flightgear/Models
[[ -d "$sh3d" && -d "$fgfs" ]] || { echo "the real phases need scripts/setup.sh --with-training-data" >&2; exit 2; }
data="${DATA_DIR:-$root/data/train}"
"$bin" --threads "$threads" dataset build --resume --source "sweethome3d:$sh3d" --source "flightgear:$fgfs" \
  --closing-resolution 64 --max-faces 20000 --views 6 --image-size 128 --out "$data/real64"
"$bin" --threads "$threads" dataset build --resume --source synth:3000:9 --views 0 --out "$data/synth9"
# Image prior phase 4: real renders (1,205 models) beside 3000 synth assets of seed 9.
mkdir -p "$out/image-prior-real"
cp "$out"/{config.json,tokenizer.json,structure_vae.safetensors,structure_flow.safetensors} "$out/image-prior-real/"
"$bin" --threads "$threads" train image-prior --model-dir "$out/image-prior-real" --resume \
  --init "$out/image-prior-phase3/image_prior.safetensors" --batch 32 --lr 3e-4 \
  --steps "${PRIOR4_STEPS:-4000}" --synth-count 3000 --synth-seed 9 --dataset "$data/real64" \
  --views 6 --checkpoint-every 250 --time-limit "${PRIOR_PHASE_MINUTES:-0}"
cp "$out/image-prior-real/image_prior.safetensors" "$out/image_prior.safetensors"
# Text prior phase 2: the synth captions with bare nouns and the real names, read through the
# lexicon as prompts are (captions with no known word are left out).
mkdir -p "$out/text-prior-real"
cp "$out"/{config.json,tokenizer.json,structure_vae.safetensors,structure_flow.safetensors} "$out/text-prior-real/"
cp "$root/models/default/lexicon.tsv" "$out/text-prior-real/" 2>/dev/null || true
"$bin" --threads 1 train text-prior --model-dir "$out/text-prior-real" --resume \
  --init "$out/text_prior.safetensors" --batch 32 --lr 5e-4 --steps "${TEXT_PRIOR2_STEPS:-3000}" \
  --synth-count 1 --synth-seed 9 --dataset "$data/synth9" --dataset "$data/real64" --views 0 \
  --checkpoint-every 500 --time-limit "${TEXT_PRIOR_MINUTES:-0}"
cp "$out/text-prior-real/text_prior.safetensors" "$out/text_prior.safetensors"
# Part head for `segment` (one thread: see docs/segment.md, "Learned part head").
"$bin" --threads 1 train segment --model-dir "$out" --resume --steps "${SEGMENT_STEPS:-10000}" \
  --batch 4 --synth-count "${SEGMENT_SYNTH:-760}" --synth-seeds 1,3 --checkpoint-every 250 \
  --time-limit "${SEGMENT_MINUTES:-0}"
# Store the flows, the priors and the part head as F16 (loaded back into fp32): keeps the model within 30 MB.
python3 "$root/scripts/half_weights.py" "$out"/{structure_flow,latent_flow,image_prior,text_prior,part_head}.safetensors
rm -rf "$out/checkpoint" "$out"/image-prior-phase* "$out/image-prior-real" "$out/text-prior-real"
echo "done: $out"
