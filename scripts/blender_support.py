"""Helpers shared by the scripts that run inside Blender (blender_import_check.py,
render_clip_strip.py). Import it before bpy's importers are used:

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import blender_support  # restores the NumPy aliases on import
"""

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


def play_only(armature, action):
    """Makes `action` the only animation on `armature`: the NLA tracks an importer may have made
    would blend in otherwise. `action` None leaves the rest pose."""
    if armature.animation_data is None:
        armature.animation_data_create()
    for track in list(armature.animation_data.nla_tracks):
        armature.animation_data.nla_tracks.remove(track)
    armature.animation_data.action = action
