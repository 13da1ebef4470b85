#!/usr/bin/env python3
"""Rewrites safetensors files with their F32 tensors stored as F16, in place and atomically.

    scripts/half_weights.py FILE.safetensors [...]

Why: the shipped default model must stay within 30 MB (models/default/MODEL_CARD.md; a test checks
it), and the part head pushed the fp32 files past it. flexforge's loader converts any floating
dtype to the network's fp32 on load (strict key and shape checks still apply), so only storage
changes. train-default.sh halves the flows, the structure priors (whose estimates the flow
re-noises anyway) and the part head, whose outputs are sampled or arg-maxed; the two VAEs stay
fp32. A file with no F32 tensor is left untouched; a value beyond the F16 range is an error, never
a silent infinity.
Standard library only (struct's 'e' format is IEEE half precision).
"""
import json
import os
import struct
import sys


def halve(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its header length)")
    (header_len,) = struct.unpack_from("<Q", blob, 0)
    if header_len > len(blob) - 8:
        raise ValueError(f"{path}: corrupt safetensors header length")
    header = json.loads(blob[8:8 + header_len])
    data = memoryview(blob)[8 + header_len:]
    names = [k for k in header if k != "__metadata__"]
    if not any(header[k]["dtype"] == "F32" for k in names):
        return False
    out_header, chunks, offset = {}, [], 0
    if "__metadata__" in header:
        out_header["__metadata__"] = header["__metadata__"]
    for name in sorted(names, key=lambda k: header[k]["data_offsets"][0]):
        info = dict(header[name])
        begin, end = info["data_offsets"]
        raw = bytes(data[begin:end])
        if info["dtype"] == "F32":
            count = len(raw) // 4
            values = struct.unpack(f"<{count}f", raw)
            try:
                raw = struct.pack(f"<{count}e", *values)
            except OverflowError:
                raise ValueError(f"{path}: tensor {name} has values beyond the F16 range")
            info["dtype"] = "F16"
        info["data_offsets"] = [offset, offset + len(raw)]
        offset += len(raw)
        out_header[name] = info
        chunks.append(raw)
    text = json.dumps(out_header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned, as writers conventionally do
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)
    return True


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    for path in argv[1:]:
        try:
            before = os.path.getsize(path)
            changed = halve(path)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
            print(f"half_weights: {e}", file=sys.stderr)
            return 3
        after = os.path.getsize(path)
        print(f"{path}: {before} -> {after} bytes" if changed else f"{path}: no F32 tensors, unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
