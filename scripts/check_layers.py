#!/usr/bin/env python3
"""Checks every project #include against the layer table (the same table as CMakeLists.txt's
per-layer libraries and the README's layer diagram): a file of layer L may include headers of L
itself and of the layers L builds on, nothing else.

  scripts/check_layers.py [--root DIR]

Prints one line per violation (file:line: layer -> included layer) and exits 1 when there is
any; exits 0 with a one-line summary otherwise. CI runs it through ctest (LayerCheck.*).
"""
import argparse
import os
import re
import sys

# Layer -> the layers it may include (besides itself). Keep in step with CMakeLists.txt.
STAGES = ("io", "extract", "segment", "complete", "rig", "retopo", "render", "anim")
ALLOWED = {
    "core": set(),
    **{stage: {"core"} for stage in STAGES},
    "synth": {"core", "io", "render"},
    "condition": {"core", "io", "render"},
    "dataset": {"core", "io", "extract", "retopo", "render", "synth", "condition"},
    "nn": {"core"},
    "model": {"core", "io", "extract", "segment", "render", "synth", "condition", "nn"},
    "pipeline": {"core", *STAGES, "synth", "condition", "dataset", "nn", "model"},
    "cli": {"core", *STAGES, "synth", "condition", "dataset", "nn", "model", "pipeline"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"flexforge/(\w+)/')


def layer_files(root):
    for top, layer_of in (("src", lambda parts: parts[0]), (os.path.join("include", "flexforge"), lambda parts: parts[0])):
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, _, files in os.walk(base):
            rel = os.path.relpath(dirpath, base).split(os.sep)
            if rel == ["."]:
                continue
            for f in files:
                if f.endswith((".h", ".hpp", ".cpp", ".cc", ".in")):
                    yield os.path.join(dirpath, f), layer_of(rel)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    violations = files = 0
    for path, layer in layer_files(args.root):
        if layer not in ALLOWED:
            print(f"{os.path.relpath(path, args.root)}: layer '{layer}' is not in the layer table")
            violations += 1
            continue
        files += 1
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m and m.group(1) != layer and m.group(1) not in ALLOWED[layer]:
                    print(f"{os.path.relpath(path, args.root)}:{number}: {layer} -> {m.group(1)} "
                          f"(allowed: {', '.join(sorted(ALLOWED[layer])) or 'none'})")
                    violations += 1
    if violations:
        print(f"check_layers: {violations} include(s) against the layer table", file=sys.stderr)
        return 1
    print(f"check_layers: {files} files, every include follows the layer table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
