#!/usr/bin/env python3
"""Open-vocabulary check: object nouns that never occur in the training captions, drawn from
WordNet's artifact, animal and plant hyponyms, and what the shipped lexicon maps each one to.

  scripts/eval_open_vocabulary.py [--count 300] [--seed 20261206] [--check 50] [--out DIR]

Nouns: single-word, lower-case lemmas of the synsets under artifact.n.01, animal.n.01 and
plant.n.02 that are tagged at least once in WordNet's sense-tagged corpus (tagsense_cnt > 0 in
index.noun: words people actually use, not only taxonomists), and that are not tokens of the
model's tokenizer (the tokenizer's vocabulary is every word of the training captions). A random
`count` of them (fixed seed) are looked up in models/default/lexicon.tsv the way the tokenizer
does (the word, then its WordNet base form for a plural).

Writes OUT/open_vocabulary.tsv (noun, group, concept, relation, via) and OUT/hand_check.tsv, a
random `check` of those rows with an empty verdict column for a person to fill in; prints the
share mapped. Whether a mapping is acceptable is a human verdict: the script does not guess it.
"""
import argparse
import json
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ROOTS = {"artifact": "00021939", "animal": "00015388", "plant": "00017222"}


def read_synsets(path):
    synsets = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            offset, words_hex = fields[0], fields[3]
            n = int(words_hex, 16)
            lemmas = [fields[4 + 2 * i] for i in range(n)]
            rest = fields[4 + 2 * n:]
            pointers = int(rest[0])
            hypernyms = []
            for i in range(pointers):
                symbol, target, pos = rest[1 + 4 * i], rest[2 + 4 * i], rest[3 + 4 * i]
                if symbol in ("@", "@i") and pos == "n":
                    hypernyms.append(target)
            gloss = line.split("|", 1)[1].strip() if "|" in line else ""
            synsets[offset] = (lemmas, hypernyms, gloss)
    return synsets


def tagged_lemmas(path):
    tagged = set()
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            lemma, synset_cnt, p_cnt = fields[0], int(fields[2]), int(fields[3])
            tagsense_cnt = int(fields[5 + p_cnt])
            if tagsense_cnt > 0:
                tagged.add(lemma)
    return tagged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "default"))
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--check", type=int, default=50)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--out", default="open_vocabulary")
    args = ap.parse_args()

    synsets = read_synsets(os.path.join(args.wordnet, "data.noun"))
    tagged = tagged_lemmas(os.path.join(args.wordnet, "index.noun"))
    children = {}
    for offset, (_, hypernyms, _) in synsets.items():
        for h in hypernyms:
            children.setdefault(h, []).append(offset)
    group_of = {}
    for group, root in ROOTS.items():
        stack = [root]
        while stack:
            s = stack.pop()
            if s in group_of:
                continue
            group_of[s] = group
            stack.extend(children.get(s, []))
    tokens = set(json.load(open(os.path.join(args.model, "tokenizer.json")))["tokens"])
    candidates = {}
    for offset, group in group_of.items():
        for lemma in synsets[offset][0]:
            word = lemma.split("(")[0]
            if word.isalpha() and word.islower() and word in tagged and word not in tokens:
                candidates.setdefault(word, (group, synsets[offset][2].split(";")[0]))
    lexicon = {}
    with open(os.path.join(args.model, "lexicon.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            phrase, concept, relation, via = line.rstrip("\n").split("\t")
            if relation in ("colour", "material", "size", "function"):
                continue
            lexicon.setdefault(phrase, (concept, relation, via))
    words = sorted(candidates)
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(words, min(args.count, len(words))))
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for w in sample:
        concept, relation, via = lexicon.get(w, ("", "", ""))
        rows.append((w, candidates[w][0], concept, relation, via, candidates[w][1]))
    with open(os.path.join(args.out, "open_vocabulary.tsv"), "w", encoding="utf-8") as f:
        f.write("noun\tgroup\tconcept\trelation\tvia\tgloss\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    check = sorted(rng.sample(rows, min(args.check, len(rows))))
    with open(os.path.join(args.out, "hand_check.tsv"), "w", encoding="utf-8") as f:
        f.write("noun\tgroup\tconcept\tverdict\tgloss\n")
        for r in check:
            f.write(f"{r[0]}\t{r[1]}\t{r[2]}\t\t{r[5]}\n")
    mapped = sum(1 for r in rows if r[2])
    per_group = {}
    for r in rows:
        g = per_group.setdefault(r[1], [0, 0])
        g[0] += 1
        g[1] += 1 if r[2] else 0
    print(f"{len(candidates)} candidate nouns (tagged, single-word, not a tokenizer token); sample {len(rows)}")
    print(f"mapped to a concept: {mapped}/{len(rows)} = {100.0 * mapped / max(1, len(rows)):.1f}%")
    for g, (n, m) in sorted(per_group.items()):
        print(f"  {g}: {m}/{n}")
    print(f"wrote {args.out}/open_vocabulary.tsv and {args.out}/hand_check.tsv ({len(check)} rows to judge)")


if __name__ == "__main__":
    main()
