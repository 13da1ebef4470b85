#!/usr/bin/env python3
"""`flexforge animate` on synth creatures and real meshes: every applicable clip, to GLB and FBX.

Sets, each model its own process (`animate --clips all --report`):
  - synth creatures: `flexforge synth` at --seed (report on the held-out seed 20250707), one asset
    per creature category (--creatures of them), rigged anew by flexforge (`--rerig`: the synth
    files carry their ground-truth skeleton, which has no standard joint names).
  - real meshes: libcgal-demo animals (cow, elephant, bull, camel) and two standing people of
    Debian's sweethome3d-furniture Reallusion catalog (male01, female01), rigged by flexforge.

Per model and clip it prints one JSON line: rig type, keys, and the motion checks of
`animate --report` (box_excess: farthest skinned vertex outside the rest bounding box over its
largest extent; contact_height: planted ankles' distance from rest height over the height;
seam: first vs last key; ground_penetration). Every GLB goes through the Khronos glTF validator
and, with --blender, both files through Blender 3.4 (one action per clip, its keyframe count,
played mid-clip). The last line sums it up per check: worst value and the Done-when limits.

  scripts/bench_animate.py [--seed 20250707] [--creatures 10] [--no-real] [--blender] [--flexforge BIN]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CREATURES = "humanoid,cat,dog,horse,cow,bird,fish,snake,octopus,spider,dragon"
CGAL_ANIMALS = ("cow", "elephant", "bull", "camel")
PEOPLE = ("male01", "female01")


def real_models(work):
    models = [os.path.join(ROOT, ".cache", "cgal-data", "meshes", a + ".off") for a in CGAL_ANIMALS]
    catalog = "/usr/share/sweethome3d/furniture/Reallusion.sh3f"
    if os.path.isfile(catalog):
        with zipfile.ZipFile(catalog) as z:
            z.extractall(os.path.join(work, "people"))
        for name in PEOPLE:
            models += sorted(glob.glob(os.path.join(work, "people", "*", name, "*.obj")))
    else:
        print(json.dumps({"skipped": "Reallusion", "why": catalog + " missing (scripts/setup.sh --with-training-data)"}))
    return [m for m in models if os.path.isfile(m)]


def validate_glb(path):
    r = subprocess.run(["node", os.path.join(ROOT, "scripts", "gltf_validate.js"), path], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)["errors"]
    except (ValueError, KeyError):
        return None


def blender_check(files):
    env = dict(os.environ)
    env.pop("PYENV_VERSION", None)
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if "pyenv" not in p)
    r = subprocess.run(["blender", "-b", "--factory-startup", "--python",
                        os.path.join(ROOT, "scripts", "blender_import_check.py"), "--"] + files,
                       capture_output=True, text=True, env=env)
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("FLEXFORGE_CHECK "):
            j = json.loads(line[len("FLEXFORGE_CHECK "):])
            out[j["file"]] = j
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20250707)
    ap.add_argument("--creatures", type=int, default=10)
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--blender", action="store_true")
    ap.add_argument("--flexforge", default=os.path.join(ROOT, "build", "flexforge"))
    args = ap.parse_args()
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as work:
        synth_dir = os.path.join(work, "synth")
        categories = ",".join(CREATURES.split(",")[: args.creatures])
        subprocess.run([args.flexforge, "-q", "synth", "--count", str(args.creatures), "--seed", str(args.seed),
                        "--categories", categories, "--views", "0", "--out", synth_dir], check=True)
        models = [("synth", p) for p in sorted(glob.glob(os.path.join(synth_dir, "*_[0-9]*[0-9].glb")))]
        if not args.no_real:
            models += [("real", p) for p in real_models(work)]
        blender_files = []
        for kind, path in models:
            stem = os.path.splitext(os.path.basename(path))[0]
            outputs = {}
            for ext in ("glb", "fbx"):
                out = os.path.join(work, f"{kind}_{stem}.{ext}")
                report = out + ".json"
                cmd = [args.flexforge, "-q", "--threads", "1", "animate", path, "-o", out, "--clips", "all",
                       "--report", report] + (["--rerig"] if kind == "synth" else [])
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append({"model": stem, "format": ext, "exit": r.returncode, "error": r.stderr.strip()[-300:]})
                    continue
                outputs[ext] = (out, json.load(open(report)))
            if "glb" not in outputs:
                continue
            glb, rep = outputs["glb"]
            errors = validate_glb(glb)
            for c in rep["clips"]:
                row = {"set": kind, "model": stem, "rig_type": rep["rig_type"], "joints": rep["joints"],
                       "validator_errors": errors, "fbx": "fbx" in outputs, **c}
                rows.append(row)
                print(json.dumps(row), flush=True)
            blender_files += [glb] + ([outputs["fbx"][0]] if "fbx" in outputs else [])
        blender = {}
        if args.blender and blender_files:
            blender = blender_check(blender_files)
            for f in blender_files:
                b = blender.get(os.path.abspath(f))
                clips = [r["clip"] for r in rows if f.startswith(os.path.join(work, f'{r["set"]}_{r["model"]}.'))]
                expected = {r["clip"]: r["keys"] for r in rows if f.startswith(os.path.join(work, f'{r["set"]}_{r["model"]}.'))}
                actions = {} if b is None else {a["name"]: a for a in b["actions"]}
                matched = {c: [a for n, a in actions.items() if c in n.split("|") or n.startswith(c + "_")] for c in clips}
                line = {"blender": os.path.basename(f), "ok": bool(b and b["ok"]), "actions": len(actions),
                        "clips": len(clips),
                        "one_action_per_clip": all(len(v) == 1 for v in matched.values()),
                        "keyframes_as_expected": all(len(v) == 1 and v[0]["keyframes"] == expected[c] for c, v in matched.items()),
                        "played_and_moved": all(len(v) == 1 and v[0].get("moved", 0) > 0 and "play_error" not in v[0]
                                                for v in matched.values())}
                print(json.dumps(line), flush=True)
                if not (line["ok"] and line["one_action_per_clip"] and line["keyframes_as_expected"] and line["played_and_moved"]):
                    failures.append(line)
    summary = {"summary": "animate", "models": len({(r["set"], r["model"]) for r in rows}), "clips": len(rows),
               "rig_types": sorted({f'{r["model"]}:{r["rig_type"]}' for r in rows}),
               "worst_box_excess": max((r["box_excess"] for r in rows), default=None),
               "worst_walk_contact_height": max((r["contact_height"] for r in rows if r["clip"] == "walk"
                                                 and r["contact_height"] is not None), default=None),
               "worst_seam": max((r["seam"] for r in rows), default=None),
               "worst_ground_penetration": max((r["ground_penetration"] for r in rows), default=None),
               "validator_errors": sum((r["validator_errors"] or 0) for r in {(r["model"], r["set"]): r for r in rows}.values()),
               "validator_not_run": sum(r["validator_errors"] is None for r in rows),
               "limits": {"box_excess": 0.5, "walk_contact_height": 0.02, "seam": 1e-3},
               "failures": failures}
    print(json.dumps(summary), flush=True)
    ok = (not failures and summary["worst_box_excess"] is not None and summary["worst_box_excess"] <= 0.5
          and (summary["worst_walk_contact_height"] or 0) <= 0.02 and summary["worst_seam"] <= 1e-3
          and summary["validator_errors"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
