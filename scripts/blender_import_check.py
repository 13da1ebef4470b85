"""Import mesh files into Blender and report what Blender saw, one JSON line per file.

Usage:
    blender -b --factory-startup --python scripts/blender_import_check.py -- FILE...

Each file is imported into an empty scene with Blender's own importer (.fbx, .glb/.gltf, .obj,
.stl, .ply). For each one a line is printed:

    FLEXFORGE_CHECK {"file", "ok", "error", "meshes", "vertices", "faces", "armatures", "bones"}

vertices/faces are summed over mesh objects, bones over armatures. A file that fails to import
gives ok=false and the reason in "error"; the exit code is 0 either way, so callers read the lines.
"""

import json
import os
import sys
import traceback

# Debian's Blender 3.4 ships a glTF importer that still uses NumPy aliases removed in NumPy 1.24;
# restore them before the importer's modules are loaded. Without NumPy at all (Debian's blender
# package does not pull in python3-numpy) the other importers still work and a glTF import
# reports the missing module as its error.
try:
    import numpy as np
except ImportError:
    np = None
if np is not None:
    for _alias, _type in (("bool", bool), ("int", int), ("float", float), ("object", object)):
        if not hasattr(np, _alias):
            setattr(np, _alias, _type)

import bpy  # noqa: E402  (must follow the NumPy aliases)

PREFIX = "FLEXFORGE_CHECK "


def _files_from_argv():
    argv = sys.argv
    return argv[argv.index("--") + 1:] if "--" in argv else []


def _empty_scene():
    # read_factory_settings(use_empty=True) resets everything, including the default cube.
    bpy.ops.wm.read_factory_settings(use_empty=True)


def _enable_addon(module):
    import addon_utils

    loaded_default, loaded_state = addon_utils.check(module)
    if not loaded_state:
        addon_utils.enable(module, default_set=True)


def _import(path):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".fbx":
        return bpy.ops.import_scene.fbx(filepath=path)
    if ext in (".glb", ".gltf"):
        if np is None:
            raise RuntimeError("Blender's glTF importer needs NumPy: install python3-numpy")
        return bpy.ops.import_scene.gltf(filepath=path)
    if ext == ".obj":
        # Blender 3.4 has the new C++ importer as wm.obj_import; fall back to the old add-on.
        if hasattr(bpy.ops.wm, "obj_import"):
            return bpy.ops.wm.obj_import(filepath=path)
        return bpy.ops.import_scene.obj(filepath=path)
    if ext == ".stl":
        _enable_addon("io_mesh_stl")
        return bpy.ops.import_mesh.stl(filepath=path)
    if ext == ".ply":
        _enable_addon("io_mesh_ply")
        return bpy.ops.import_mesh.ply(filepath=path)
    raise ValueError("unsupported file type '%s'" % ext)


def check(path):
    report = {"file": path, "ok": False, "error": "", "meshes": 0, "vertices": 0, "faces": 0,
              "armatures": 0, "bones": 0}
    try:
        if not os.path.isfile(path):
            raise FileNotFoundError("no such file")
        _empty_scene()
        result = _import(path)
        if "FINISHED" not in result:
            raise RuntimeError("importer returned %s" % sorted(result))
        for obj in bpy.context.scene.objects:
            if obj.type == "MESH":
                report["meshes"] += 1
                report["vertices"] += len(obj.data.vertices)
                report["faces"] += len(obj.data.polygons)
            elif obj.type == "ARMATURE":
                report["armatures"] += 1
                report["bones"] += len(obj.data.bones)
        report["ok"] = True
    except Exception as exc:  # any importer failure is a result to report, not a crash
        # bpy.ops errors end in a "Location: ops.py" line; the cause is the line before it.
        lines = [l.strip() for l in str(exc).splitlines()
                 if l.strip() and not l.strip().startswith("Location:")]
        report["error"] = lines[-1] if lines else type(exc).__name__
        traceback.print_exc(file=sys.stderr)
    return report


def main():
    files = _files_from_argv()
    if not files:
        print("usage: blender -b --factory-startup --python %s -- FILE..." % __file__, file=sys.stderr)
    for path in files:
        print(PREFIX + json.dumps(check(os.path.abspath(path))), flush=True)


main()
