"""Render N frames of one animation clip of a GLB in Blender, side by side in one PNG strip.

Usage:
    blender -b --factory-startup --python scripts/render_clip_strip.py -- IN.glb CLIP OUT.png [FRAMES] [SIZE]

The GLB is imported with Blender's own glTF importer (so the strip shows what a real client
plays), the clip's action is put on the armature, and FRAMES (default 6) frames evenly spaced
over one cycle are rendered with the Workbench engine from the character's left side (found
from the LeftUpperLeg and RightUpperLeg bones), all frames with the same camera, so the ground
line and the scale are shared. A thin line marks the rest pose's ground. The frames are
joined left to right into OUT.png.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blender_support  # noqa: E402,F401  (restores NumPy aliases the glTF importer needs)
from blender_support import play_only  # noqa: E402

import bpy  # noqa: E402
from mathutils import Vector  # noqa: E402


def main():
    argv = sys.argv[sys.argv.index("--") + 1:]
    src, clip, out = argv[0], argv[1], argv[2]
    frames = int(argv[3]) if len(argv) > 3 else 6
    size = int(argv[4]) if len(argv) > 4 else 200
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.gltf(filepath=os.path.abspath(src))
    scene = bpy.context.scene
    armature = next(o for o in scene.objects if o.type == "ARMATURE")
    meshes = [o for o in scene.objects if o.type == "MESH"]
    actions = [a for a in bpy.data.actions if a.name == clip or a.name.startswith(clip + "_")]
    if not actions:
        raise SystemExit("no action for clip '%s' in %s (actions: %s)" % (clip, src, [a.name for a in bpy.data.actions]))
    action = actions[0]
    play_only(armature, action)
    start, end = action.frame_range

    # Framing from the rest pose, widened for the motion.
    armature.data.pose_position = "REST"
    bpy.context.view_layer.update()
    corners = [o.matrix_world @ Vector(c) for o in meshes for c in o.bound_box]
    armature.data.pose_position = "POSE"
    lo = Vector((min(c[i] for c in corners) for i in range(3)))
    hi = Vector((max(c[i] for c in corners) for i in range(3)))
    centre = (lo + hi) / 2
    extent = max(hi.y - lo.y, hi.z - lo.z, hi.x - lo.x) * 1.4

    # Ground line at the rest pose's lowest point (glTF Y up becomes Blender Z up).
    thickness = 0.01 * extent
    bpy.ops.mesh.primitive_cube_add(size=1, location=(centre.x, centre.y, lo.z - thickness / 2))
    bpy.context.active_object.scale = (extent * 3, extent * 3, thickness)
    camera_data = bpy.data.cameras.new("strip")
    camera_data.type = "ORTHO"
    camera_data.ortho_scale = extent
    camera = bpy.data.objects.new("strip", camera_data)
    scene.collection.objects.link(camera)
    # From the character's left: the side its LeftUpperLeg lies on (glTF's +X when no such bone).
    side = Vector((1, 0, 0))
    bones = armature.data.bones
    if "LeftUpperLeg" in bones and "RightUpperLeg" in bones:
        across = armature.matrix_world @ bones["LeftUpperLeg"].head_local - armature.matrix_world @ bones["RightUpperLeg"].head_local
        across.z = 0
        if across.length > 1e-9:
            side = across.normalized()
    camera.location = centre + side * extent * 3
    camera.rotation_euler = (-side).to_track_quat("-Z", "Y").to_euler()
    scene.camera = camera
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "MATERIAL"
    scene.render.resolution_x = size
    scene.render.resolution_y = size
    scene.render.film_transparent = False
    scene.render.image_settings.file_format = "PNG"

    tiles = []
    for i in range(frames):
        frame = start + (end - start) * i / frames
        scene.frame_set(int(math.floor(frame)), subframe=frame - math.floor(frame))
        path = "%s.frame%d.png" % (out, i)
        scene.render.filepath = path
        bpy.ops.render.render(write_still=True)
        tiles.append(path)

    images = [bpy.data.images.load(p) for p in tiles]
    strip = bpy.data.images.new("strip", width=size * frames, height=size)
    pixels = [0.0] * (size * frames * size * 4)
    for t, image in enumerate(images):
        tile = list(image.pixels)
        for row in range(size):
            src_at = row * size * 4
            dst_at = (row * size * frames + t * size) * 4
            pixels[dst_at:dst_at + size * 4] = tile[src_at:src_at + size * 4]
    strip.pixels = pixels
    strip.filepath_raw = out
    strip.file_format = "PNG"
    strip.save()
    for p in tiles:
        os.remove(p)
    print("FLEXFORGE_STRIP %s %s frames %.1f..%.1f" % (out, action.name, start, end))


main()
