#!/usr/bin/env python3
"""The README chain (generate -> segment -> complete -> rig -> retopo -> export, defaults) on 20 fixed
prompts and seeds, one process each: wall time per asset, median, and the median of each stage
from the reports. Run it alone on the machine.

  scripts/bench_chain.py
"""
import json, subprocess, time, statistics
P = ["a mug", "a wooden chair with armrests", "a tall vase", "a sleepy cat", "a red sports car",
     "a table lamp", "a bookshelf", "a potted cactus", "a dragon", "a snake", "an octopus",
     "a sword", "a hammer", "a stool", "a bed", "a bucket", "a bottle", "a mushroom", "a tree", "a horse"]
walls, stages = [], {}
for i, p in enumerate(P):
    t = time.time()
    r = subprocess.run(["build/flexforge", "-q", "generate", p, "-o", f"/tmp/chain{i}.glb", "--seed", str(100 + i),
                        "--report", f"/tmp/chain{i}.json"], capture_output=True, text=True)
    w = time.time() - t
    walls.append(w)
    rep = json.load(open(f"/tmp/chain{i}.json"))["assets"][0]
    for k, v in rep["timings"].items(): stages.setdefault(k, []).append(v)
    print(json.dumps({"prompt": p, "rc": r.returncode, "wall": round(w, 2), "rig": rep.get("rig", {}).get("rigged")}), flush=True)
print(json.dumps({"median_wall": round(statistics.median(walls), 2),
                  "median_stage": {k: round(statistics.median(v), 2) for k, v in stages.items()}}))
