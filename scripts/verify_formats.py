#!/usr/bin/env python3
"""Converts real meshes (Debian libcgal-demo) to GLB, FBX, OBJ and STL with the built flexforge and
checks every output the way a user's tools would: the Khronos glTF validator on each GLB, Blender
3.4's importers on each GLB and FBX (when Blender is installed), and flexforge's own re-import of
every file. Prints one row per mesh and exits 1 on any error or count mismatch.

    scripts/verify_formats.py [--build build] [MESH.off ...]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MESHES = ["elephant", "cow", "pig", "homer", "bunny00", "cactus", "mushroom", "fandisk",
                  "knot1", "blobby", "camel", "armadillo"]
FORMATS = ["glb", "fbx", "obj", "stl"]


def run(cmd, env=None):
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def blender_env():
    # Blender embeds the system Python; a Python version manager's directories on PATH (pyenv
    # puts its interpreter first while this script runs) make it pick up the wrong site-packages.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYENV")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".pyenv" not in p)
    return env


def counts(flexforge, path):
    r = run([flexforge, "-q", "inspect", "--json", path])
    if r.returncode != 0:
        return None, r.stderr.strip()
    t = json.loads(r.stdout)["totals"]
    return (t["vertices"], t["faces"]), ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("meshes", nargs="*")
    args = ap.parse_args()
    flexforge = os.path.join(args.build, "flexforge")
    data = os.path.join(ROOT, ".cache", "cgal-data", "meshes")
    meshes = args.meshes or [os.path.join(data, m + ".off") for m in DEFAULT_MESHES]
    blender = shutil.which("blender")
    failures = 0
    out = tempfile.mkdtemp(prefix="flexforge-verify-")
    rows = []
    blender_files = []
    for mesh in meshes:
        stem = os.path.splitext(os.path.basename(mesh))[0]
        src, err = counts(flexforge, mesh)
        row = {"mesh": stem, "source": src, "outputs": {}, "validator": None, "blender": {}}
        for fmt in FORMATS:
            dst = os.path.join(out, f"{stem}.{fmt}")
            r = run([flexforge, "-q", "convert", mesh, "-o", dst])
            if r.returncode != 0:
                row["outputs"][fmt] = f"convert failed: {r.stderr.strip()}"
                continue
            got, err = counts(flexforge, dst)
            row["outputs"][fmt] = got if got else f"re-import failed: {err}"
            if fmt in ("glb", "fbx"):
                blender_files.append((stem, fmt, dst))
        glb = os.path.join(out, f"{stem}.glb")
        if os.path.exists(glb):
            v = run(["node", os.path.join(ROOT, "scripts", "gltf_validate.js"), glb])
            try:
                rep = json.loads(v.stdout)
                row["validator"] = (rep["errors"], rep["warnings"])
            except ValueError:
                row["validator"] = f"validator did not run: {v.stderr.strip()}"
        rows.append(row)
    if blender and blender_files:
        r = run([blender, "-b", "--factory-startup", "--python",
                 os.path.join(ROOT, "scripts", "blender_import_check.py"), "--"] +
                [f for _, _, f in blender_files], env=blender_env())
        seen = {}
        for line in r.stdout.splitlines():
            if line.startswith("FLEXFORGE_CHECK "):
                j = json.loads(line[len("FLEXFORGE_CHECK "):])
                seen[j["file"]] = j
        for stem, fmt, f in blender_files:
            j = seen.get(f)
            row = next(x for x in rows if x["mesh"] == stem)
            row["blender"][fmt] = ((j["vertices"], j["faces"]) if j and j["ok"]
                                   else f"blender failed: {j['error'] if j else 'no result'}")

    print(f"{'mesh':<10} {'source v/f':>14} " + " ".join(f"{f:>14}" for f in FORMATS) +
          f" {'validator e/w':>13} {'blender glb':>14} {'blender fbx':>14}")
    for row in rows:
        src = row["source"]
        ok = src is not None
        cells = []
        for fmt in FORMATS:
            got = row["outputs"].get(fmt)
            good = isinstance(got, tuple) and got == src
            ok &= good
            cells.append(f"{got[0]}/{got[1]}" if isinstance(got, tuple) else "FAIL")
        val = row["validator"]
        ok &= isinstance(val, tuple) and val[0] == 0
        bl = []
        for fmt in ("glb", "fbx"):
            got = row["blender"].get(fmt)
            if not blender:
                bl.append("skipped")
                continue
            ok &= isinstance(got, tuple) and got == src
            bl.append(f"{got[0]}/{got[1]}" if isinstance(got, tuple) else "FAIL")
        failures += 0 if ok else 1
        print(f"{row['mesh']:<10} {src[0] if src else '?':>7}/{src[1] if src else '?':<6} " +
              " ".join(f"{c:>14}" for c in cells) +
              f" {str(val[0]) + '/' + str(val[1]) if isinstance(val, tuple) else 'FAIL':>13} " +
              " ".join(f"{c:>14}" for c in bl) + ("" if ok else "   <-- MISMATCH"))
        if not ok:
            print("   details:", json.dumps(row), file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    print(f"{len(rows) - failures}/{len(rows)} meshes verified"
          + ("" if blender else " (Blender not installed: its import check was skipped)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
