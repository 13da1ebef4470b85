#!/usr/bin/env python3
"""Colour of generated assets, measured on the written files.

Text: "a COLOUR NOUN" for 6 colour words (red, green, blue, yellow, white, black) over 10 nouns,
through `flexforge generate` (segment on, the slow stages off). The GLB's COLOR_0 is read back,
each vertex classed by hue (or as white / black / grey by value and saturation), and the
asset's dominant class must be the colour word's.

Image: one render per synth asset at --seed (the held-out seed 20250707 by default) through
`flexforge generate --image`; the mean CIE L*a*b* colour of the input's foreground (alpha) against
the mean of the output's preview render (the project's rasteriser, same shading as the input).
CIE76 distance per asset, then the mean.

  scripts/bench_colour.py [--seed 20250707] [--images 20] [--text 0] [--no-colour] [--flexforge BIN]
Needs python3-numpy and python3-pil (Debian) for the image half: run it with /usr/bin/python3.
"""
import argparse
import colorsys
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
COLOURS = ["red", "green", "blue", "yellow", "white", "black"]
NOUNS = ["chair", "table", "lamp", "vase", "car", "boat", "mug", "bottle", "cat", "horse"]
FAST = ["--no-complete", "--no-retopo", "--no-rig"]


def glb_colours(path):
    """Every COLOR_0 value of a GLB written by flexforge (float VEC4, linear)."""
    data = open(path, "rb").read()
    json_len = struct.unpack_from("<I", data, 12)[0]
    doc = json.loads(data[20:20 + json_len])
    bin_start = 20 + json_len + 8
    out = []
    for mesh in doc.get("meshes", []):
        for prim in mesh["primitives"]:
            if "COLOR_0" not in prim["attributes"]:
                continue
            acc = doc["accessors"][prim["attributes"]["COLOR_0"]]
            view = doc["bufferViews"][acc["bufferView"]]
            off = bin_start + view.get("byteOffset", 0) + acc.get("byteOffset", 0)
            vals = struct.unpack_from("<%df" % (4 * acc["count"]), data, off)
            out += [vals[i:i + 3] for i in range(0, len(vals), 4)]
    return out


def srgb(c):
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def colour_class(rgb_linear):
    r, g, b = (srgb(min(max(c, 0.0), 1.0)) for c in rgb_linear)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    if v < 0.2:
        return "black"
    if s < 0.2:
        return "white" if v > 0.8 else "grey"
    deg = h * 360
    if deg < 20 or deg >= 330:
        return "red"
    if deg < 45:
        return "orange"
    if deg < 70:
        return "yellow"
    if deg < 170:
        return "green"
    if deg < 260:
        return "blue"
    return "purple"


def lab(rgb8):
    import numpy as np
    c = np.asarray(rgb8, float) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def mean_foreground_lab(png):
    import numpy as np
    from PIL import Image
    a = np.asarray(Image.open(png).convert("RGBA"), float)
    fg = a[..., 3] > 200
    return lab(a[..., :3][fg]).mean(0)


def run(ff, args):
    return subprocess.run([ff, "-q", "generate"] + args, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20250707)
    ap.add_argument("--images", type=int, default=20)
    ap.add_argument("--text", type=int, default=1, help="0: skip the text half")
    ap.add_argument("--no-colour", action="store_true", help="baseline: generate with --no-colour")
    ap.add_argument("--flexforge", default=os.path.join(ROOT, "build", "flexforge"))
    args = ap.parse_args()
    if args.no_colour:
        FAST.append("--no-colour")
    with tempfile.TemporaryDirectory() as work:
        right = total = 0
        for colour in COLOURS if args.text else []:
            for noun in NOUNS:
                out = os.path.join(work, f"{colour}_{noun}.glb")
                r = run(args.flexforge, [f"a {colour} {noun}", "-o", out] + FAST)
                classes = {}
                if r.returncode == 0:
                    for c in glb_colours(out):
                        k = colour_class(c)
                        classes[k] = classes.get(k, 0) + 1
                dominant = max(classes, key=classes.get) if classes else None
                total += 1
                right += dominant == colour
                print(json.dumps({"text": f"a {colour} {noun}", "exit": r.returncode, "dominant": dominant,
                                  "ok": dominant == colour}), flush=True)
        summary = {"summary": "text", "prompts": total, "dominant_matches": right,
                   "share": round(right / max(total, 1), 4)}
        if args.images > 0:
            synth = os.path.join(work, "synth")
            subprocess.run([args.flexforge, "-q", "synth", "--count", str(args.images), "--seed", str(args.seed),
                            "--views", "1", "--out", synth], check=True)
            deltas = []
            for name in sorted(os.listdir(synth)):
                if not name.endswith("_view0.png"):
                    continue
                png = os.path.join(synth, name)
                out = os.path.join(work, name.replace(".png", ".glb"))
                preview = out.replace(".glb", "_preview.png")
                r = run(args.flexforge, ["--image", png, "-o", out, "--preview", preview] + FAST)
                row = {"image": name, "exit": r.returncode}
                if r.returncode == 0:
                    d = float(((mean_foreground_lab(png) - mean_foreground_lab(preview)) ** 2).sum() ** 0.5)
                    row["delta_e76"] = round(d, 2)
                    deltas.append(d)
                print(json.dumps(row), flush=True)
            if args.text:
                print(json.dumps(summary), flush=True)
            summary = {"summary": "image", "seed": args.seed, "images": len(deltas),
                       "mean_delta_e76": round(sum(deltas) / max(len(deltas), 1), 2),
                       "worst_delta_e76": round(max(deltas, default=0), 2)}
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
