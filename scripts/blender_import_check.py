"""Import mesh files into Blender and report what Blender saw, one JSON line per file.

Usage:
    blender -b --factory-startup --python scripts/blender_import_check.py -- FILE...

Each file is imported into an empty scene with Blender's own importer (.fbx, .glb/.gltf, .obj,
.stl, .ply). For each one a line is printed:

    FLEXFORGE_CHECK {"file", "ok", "error", "meshes", "vertices", "faces", "armatures", "bones"}

vertices/faces are summed over mesh objects, bones over armatures; "size" is the world-space
bounding box of the mesh objects (x, y, z extents in Blender units, one per file unit);
"color_attributes" names the meshes' colour attributes (vertex colours) and "mean_color" is the
mean RGB of each mesh's first one (as Blender stores it), null without any. "actions" lists every action
the import made (animation clips): its name, the largest keyframe count of its curves and its
frame range; and, played on the armature at 3/8 of its range (mid-clip), "moved": how far the
skinned mesh's vertices got from the rest pose (largest distance over the bounding-box diagonal;
0 means the clip does not deform the mesh), or "play_error" when Blender failed to play it.
A file that fails to import gives ok=false and the reason in "error"; the exit code is 0 either
way, so callers read the lines.
"""

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blender_support  # noqa: E402  (restores NumPy aliases the glTF importer needs)
from blender_support import np, play_only  # noqa: E402

import bpy  # noqa: E402  (must follow the NumPy aliases)
from mathutils import Vector  # noqa: E402

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


def _evaluated_positions(obj):
    depsgraph = bpy.context.evaluated_depsgraph_get()
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    positions = [evaluated.matrix_world @ v.co for v in mesh.vertices]
    evaluated.to_mesh_clear()
    return positions


def _play_actions(report):
    """Plays each action mid-clip on the armature and measures the skinned mesh."""
    armatures = [o for o in bpy.context.scene.objects if o.type == "ARMATURE"]
    meshes = [o for o in bpy.context.scene.objects if o.type == "MESH"]
    if not armatures or not meshes:
        return
    armature = armatures[0]
    play_only(armature, None)
    bpy.context.scene.frame_set(0)
    rest = [p for m in meshes for p in _evaluated_positions(m)]
    lo = [min(p[i] for p in rest) for i in range(3)]
    hi = [max(p[i] for p in rest) for i in range(3)]
    diagonal = max(sum((hi[i] - lo[i]) ** 2 for i in range(3)) ** 0.5, 1e-12)
    for entry in report["actions"]:
        try:
            play_only(armature, bpy.data.actions[entry["name"]])
            # 3/8 of the way: mid-clip, and not the wiggle sweep's rest pose at its half.
            middle = int(round(entry["frame_start"] + 0.375 * (entry["frame_end"] - entry["frame_start"])))
            bpy.context.scene.frame_set(middle)
            posed = [p for m in meshes for p in _evaluated_positions(m)]
            entry["moved"] = max((a - b).length for a, b in zip(posed, rest)) / diagonal
        except Exception as exc:  # a clip Blender cannot play is a result, not a crash
            entry["play_error"] = str(exc)
    armature.animation_data.action = None


def _read_colors(report):
    """Names of the meshes' colour attributes (vertex colours), and the mean RGB of the first."""
    values = []
    for obj in bpy.context.scene.objects:
        if obj.type != "MESH":
            continue
        attributes = getattr(obj.data, "color_attributes", None)
        if attributes is None:  # Blender before 3.2
            attributes = obj.data.vertex_colors
        for i, attribute in enumerate(attributes):
            report["color_attributes"].append(attribute.name)
            if i == 0:
                values += [tuple(d.color)[:3] for d in attribute.data]
    if values:
        report["mean_color"] = [sum(v[i] for v in values) / len(values) for i in range(3)]


def check(path):
    report = {"file": path, "ok": False, "error": "", "meshes": 0, "vertices": 0, "faces": 0,
              "armatures": 0, "bones": 0, "actions": [], "size": [0.0, 0.0, 0.0],
              "color_attributes": [], "mean_color": None}
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
        _read_colors(report)
        corners = [o.matrix_world @ Vector(c) for o in bpy.context.scene.objects if o.type == "MESH"
                   for c in o.bound_box]
        if corners:
            report["size"] = [max(c[i] for c in corners) - min(c[i] for c in corners) for i in range(3)]
        for action in bpy.data.actions:
            keys = max((len(fc.keyframe_points) for fc in action.fcurves), default=0)
            start, end = action.frame_range
            report["actions"].append({"name": action.name, "keyframes": keys,
                                      "frame_start": float(start), "frame_end": float(end)})
        _play_actions(report)
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
