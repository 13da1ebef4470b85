#!/usr/bin/env python3
"""Rig-type detection (biped / quadruped / generic) of `flexforge rig --rig-type auto`.

Sets, each model its own process:
  - synth creatures: `flexforge synth` at --seed (report on the held-out seed 20250707; develop on
    another), --per-category assets of each creature category. The expected type comes from the
    asset's ground-truth skeleton: left/right hips and shoulders = biped, front and back hips =
    quadruped, anything else (birds, fish, snakes, octopuses, spiders) = generic.
  - real people: every model of Debian's sweethome3d-furniture Reallusion catalog (biped), and the
    horse of the BlendSwap-CC-0 catalog (quadruped). The held-out catalog BlendSwap-CC-BY is not used.

  scripts/bench_rig_type.py [--seed 20250707] [--per-category 8 (0: real set only)] [--no-real] [--flexforge BIN]

Prints one JSON line per model, then one summary line per set and overall: accuracy, and the
confusions by name.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

CATALOG_DIR = "/usr/share/sweethome3d/furniture"
CREATURES = "humanoid,cat,dog,horse,cow,bird,fish,snake,octopus,spider,dragon"


def expected_from_skeleton(names):
    names = set(names)
    if {"left_hip", "right_hip", "left_shoulder", "right_shoulder"} <= names:
        return "biped"
    if {"front_left_hip", "back_left_hip", "front_right_hip", "back_right_hip"} <= names:
        return "quadruped"
    return "generic"


def rig_type(binary, path, work):
    r = subprocess.run([binary, "-q", "--threads", "1", "rig", path, "-o", os.path.join(work, "rigged.glb"),
                        "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.returncode, len([])
    j = json.loads(r.stdout)
    return j["rig_type"], 0, len(j["joints"])


def real_models(work):
    models = []
    for catalog, pick in (("Reallusion", lambda n: True), ("BlendSwap-CC-0", lambda n: n == "horse2")):
        path = os.path.join(CATALOG_DIR, catalog + ".sh3f")
        if not os.path.isfile(path):
            print(json.dumps({"skipped": catalog, "why": path + " missing (scripts/setup.sh --with-training-data)"}))
            continue
        dest = os.path.join(work, catalog)
        with zipfile.ZipFile(path) as z:
            z.extractall(dest)
        for obj in sorted(glob.glob(os.path.join(dest, "*", "*", "*.obj"))):
            name = os.path.basename(os.path.dirname(obj))
            if pick(name):
                models.append((obj, "biped" if catalog == "Reallusion" else "quadruped", "real"))
    return models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20250707)
    ap.add_argument("--per-category", type=int, default=8)
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--flexforge", default="build/flexforge")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        synth_dir = os.path.join(work, "synth")
        count = args.per_category * len(CREATURES.split(","))
        models = []
        if count > 0:  # --per-category 0: the real set only
            subprocess.run([args.flexforge, "-q", "synth", "--count", str(count), "--seed", str(args.seed),
                            "--categories", CREATURES, "--views", "0", "--out", synth_dir], check=True)
        for manifest in glob.glob(os.path.join(synth_dir, "*.jsonl")):
            for line in open(manifest):
                a = json.loads(line)
                models.append((os.path.join(synth_dir, a["files"]["glb"]),
                               expected_from_skeleton(j["name"] for j in a["skeleton"]), "synth"))
        if not args.no_real:
            models += real_models(work)
        for path, expected, kind in sorted(models):
            got, rc, joints = rig_type(args.flexforge, path, work)
            row = {"set": kind, "model": os.path.basename(path), "expected": expected, "rig_type": got,
                   "joints": joints, "exit": rc, "correct": got == expected}
            print(json.dumps(row), flush=True)
            rows.append(row)
    for label in ("synth", "real", "all"):
        subset = [r for r in rows if label == "all" or r["set"] == label]
        if not subset:
            continue
        print(json.dumps({"summary": label, "models": len(subset),
                          "accuracy": round(sum(r["correct"] for r in subset) / len(subset), 4),
                          "wrong": [f'{r["model"]}:{r["expected"]}->{r["rig_type"]}' for r in subset
                                    if not r["correct"]]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
