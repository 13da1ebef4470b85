#!/usr/bin/env python3
"""Print mode on generated assets and real meshes: one closed shell, no self-intersections, the size.

  scripts/bench_print.py [--generated 20] [--size-mm 80] [--flexforge BIN]

Generated: `flexforge generate PROMPT --seed S --print --size-mm SIZE -o NAME.3mf` over fixed
prompts and seeds (the default chain, then print mode). Real: `flexforge convert MESH --print`
over 10 libcgal-demo meshes (animals, mechanical parts, open and multi-component ones). Each 3MF
is checked by `flexforge inspect --print --json` (CGAL self-intersection test, closedness, shells)
and its largest dimension against the size; the wall figures (thinnest wall, share of the surface
under 0.8 mm) are reported beside. One JSON line per asset, then a summary line.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PROMPTS = ["a wooden chair", "a mug", "a table lamp", "a dragon", "a horse", "a teapot", "a robot",
           "a sports car", "a vase", "a bench", "a cat", "an octopus", "a sofa", "a bottle", "a boat",
           "a tree", "a house", "a helmet", "a snake", "a bird"]
CGAL = ["cow", "elephant", "bull", "camel", "armadillo", "fandisk", "blobby_3cc", "anchor", "couplingdown",
        "cube-ouvert"]


def check(binary, path, size):
    r = subprocess.run([binary, "inspect", path, "--print", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return {"inspect_exit": r.returncode, "error": r.stderr.strip()[-200:]}
    p = json.loads(r.stdout)["print"]
    largest = max(p["size_mm"])
    return {"closed": p["closed"], "shells": p["components"], "self_intersections": p["self_intersections"],
            "largest_mm": round(largest, 3), "size_error": round(abs(largest - size) / size, 5),
            "min_wall_mm": round(p["min_wall_mm"], 3), "thin_share": round(p["thin_share"], 4),
            "overhang_share": round(p["overhang_share"], 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generated", type=int, default=20)
    ap.add_argument("--size-mm", type=float, default=80)
    ap.add_argument("--flexforge", default=os.path.join(ROOT, "build", "flexforge"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        jobs = [("generated", p, ["generate", p, "--seed", str(100 + i)]) for i, p in enumerate(PROMPTS[: args.generated])]
        jobs += [("real", m, ["convert", os.path.join(ROOT, ".cache", "cgal-data", "meshes", m + ".off")]) for m in CGAL]
        for kind, name, cmd in jobs:
            out = os.path.join(work, name.replace(" ", "_") + ".3mf")
            r = subprocess.run([args.flexforge, "-q"] + cmd + ["-o", out, "--print", "--size-mm", str(args.size_mm)],
                               capture_output=True, text=True)
            row = {"set": kind, "asset": name, "exit": r.returncode}
            if r.returncode == 0:
                row.update(check(args.flexforge, out, args.size_mm))
            else:
                row["error"] = r.stderr.strip()[-200:]
            row["ok"] = (r.returncode == 0 and row.get("closed") is True and row.get("shells") == 1
                         and row.get("self_intersections") == 0 and row.get("size_error", 1) <= 0.005)
            print(json.dumps(row), flush=True)
            rows.append(row)
    for label in ("generated", "real", "all"):
        subset = [r for r in rows if label == "all" or r["set"] == label]
        print(json.dumps({"summary": label, "assets": len(subset), "ok": sum(r["ok"] for r in subset),
                          "worst_size_error": max((r.get("size_error", 1) for r in subset), default=None),
                          # Walls: reported, not part of ok (the Done-when checks are shell and size).
                          "walls_ready": sum(r.get("thin_share", 1) <= 0.01 for r in subset),
                          "worst_thin_share": max((r.get("thin_share", 1) for r in subset), default=None),
                          "failed": [r["asset"] for r in subset if not r["ok"]]}), flush=True)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
