#!/usr/bin/env python3
"""Held-out check of the multilingual lexicon: for every piece of a furniture catalog the lexicon
was NOT built from (default BlendSwap-CC-BY), the English name and its French, German, Spanish and
Italian names go through `flexforge generate --explain-prompt`; a translation agrees when the
head concept it reaches (the last concept token in English and German, the first in French,
Spanish and Italian, where the head noun comes first) equals the English name's. Prints
per-language agreement.

  scripts/eval_lexicon_languages.py [--catalog FILE.sh3f] [--flexforge build/flexforge] [--model DIR]

Development folds: build a lexicon without one more catalog (`flexforge lexicon build
--exclude-catalog BlendSwap-CC-BY --exclude-catalog KatorLegaz -o DIR/lexicon.tsv`, DIR holding the
default model's other files) and run this with `--catalog KatorLegaz.sh3f --model DIR`; the held-out
catalog is for the report only.
"""
import argparse, re, subprocess, zipfile
from concurrent.futures import ThreadPoolExecutor

CONCEPTS = {"chair", "stool", "table", "bed", "shelf", "lamp", "tree", "flower", "cactus", "mushroom", "rock",
            "house", "tower", "mug", "bottle", "vase", "bucket", "sword", "axe", "hammer", "car", "airplane",
            "rocket", "boat", "humanoid", "cat", "dog", "horse", "cow", "bird", "fish", "snake", "octopus",
            "spider", "dragon"}


def props(data):
    out = {}
    text = data.decode("latin-1")
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    for line in text.splitlines():
        m = re.match(r"\s*(name)#(\d+)\s*[=:]\s*(.*)", line)
        if m:
            out[int(m.group(2))] = m.group(3).strip()
    return out


def concepts(ff, text, model=None):
    extra = ["--model", model] if model else []
    r = subprocess.run([ff, "generate", text, "--explain-prompt"] + extra, capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("tokens:"):
            return [t for t in line.split()[1:] if t in CONCEPTS]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default="/usr/share/sweethome3d/furniture/BlendSwap-CC-BY.sh3f")
    ap.add_argument("--flexforge", default="build/flexforge")
    ap.add_argument("--model", default=None, help="model directory whose lexicon.tsv is used (default: the shipped one)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--all-misses", action="store_true")
    a = ap.parse_args()
    pool = ThreadPoolExecutor(a.jobs)
    cache = {}

    def lookup(texts):
        todo = sorted({t for t in texts if t not in cache})
        cache.update(zip(todo, pool.map(lambda t: concepts(a.flexforge, t, a.model), todo)))
        return [cache[t] for t in texts]
    z = zipfile.ZipFile(a.catalog)
    english = props(z.read("PluginFurnitureCatalog.properties"))
    for lang in ("fr", "de", "es", "it"):
        names = props(z.read(f"PluginFurnitureCatalog_{lang}.properties"))
        agree = total = 0
        misses = []
        keys = [i for i in sorted(english) if i in names]
        en_concepts = dict(zip(keys, lookup([english[i] for i in keys])))
        keys = [i for i in keys if en_concepts[i]]  # an English name that reaches no concept has nothing to agree with
        tr_concepts = dict(zip(keys, lookup([names[i] for i in keys])))
        for i in keys:
            en, c_en, c = english[i], en_concepts[i], tr_concepts[i]
            total += 1
            # The head noun decides: last in English and German, first in French, Spanish and
            # Italian ("armario superior": the cabinet, not "superior").
            head = (c[0] if lang in ("fr", "es", "it") else c[-1]) if c else None
            if head == c_en[-1]:
                agree += 1
            else:
                misses.append(f"{names[i]} ({en}: {c_en[-1]} vs {head or '-'})")
        print(f"{lang}: {agree}/{total} = {agree / max(total, 1):.1%} reach the English name's concept")
        print("   misses: " + "; ".join(misses if a.all_misses else misses[:12]))


if __name__ == "__main__":
    main()
