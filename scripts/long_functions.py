#!/usr/bin/env python3
"""Lists function bodies longer than a limit (default 150 lines) under a directory (default src/):
a line that looks like a function definition (a name, a parenthesis, no ';' before the opening
brace) starts a body, brace matching (strings, chars and comments skipped) ends it.

  scripts/long_functions.py [LIMIT] [DIR]"""
import os, re, sys

LIMIT = int(sys.argv[1]) if len(sys.argv) > 1 else 150
ROOT = sys.argv[2] if len(sys.argv) > 2 else "src"
KEYWORDS = {"if", "for", "while", "switch", "catch", "return", "else", "do", "sizeof", "namespace"}

def strip(line, state):
    out = []; i = 0
    while i < len(line):
        c = line[i]
        if state["block"]:
            if line.startswith("*/", i): state["block"] = False; i += 2
            else: i += 1
            continue
        if line.startswith("//", i): break
        if line.startswith("/*", i): state["block"] = True; i += 2; continue
        if line.startswith('R"(', i):
            j = line.find(')"', i + 3)
            if j < 0: state["raw"] = True; break
            i = j + 2; continue
        if c in "\"'":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1; out.append("0"); continue
        out.append(c); i += 1
    return "".join(out)

def scan(path):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    state = {"block": False, "raw": False}
    clean = []
    for l in lines:
        if state["raw"]:
            if ')"' in l: state["raw"] = False; l = l[l.index(')"') + 2:]
            else: clean.append(""); continue
        clean.append(strip(l, state))
    i = 0
    while i < len(clean):
        m = re.match(r'^\s*(?:[\w:<>,*&~]+[\s*&]+)*?((?:[\w]+::)*~?\w+)\s*\(', clean[i])
        if m and m.group(1).split("::")[-1] not in KEYWORDS and not clean[i].rstrip().endswith(";"):
            # find the opening brace of the body, stopping at ';'
            j = i; text = ""
            while j < len(clean) and j < i + 12:
                text += clean[j]
                if ";" in text.split("{")[0] and "{" not in text.split(";")[0]: break
                if "{" in clean[j]: break
                j += 1
            if j < len(clean) and "{" in clean[j] and ";" not in text.split("{")[0] and ("=" not in text.split("(")[0]):
                depth = 0; k = j; started = False
                while k < len(clean):
                    for ch in clean[k]:
                        if ch == "{": depth += 1; started = True
                        elif ch == "}": depth -= 1
                    if started and depth == 0: break
                    k += 1
                n = k - i + 1
                if n > LIMIT: print(f"{n:5d} {path}:{i+1} {m.group(1)}")
                if clean[i].lstrip().startswith(("namespace", "struct", "class")): i += 1; continue
                # descend into lambdas/classes? treat body as a unit, but continue inside for nested class methods
                i = j + 1 if m.group(1)[0].isupper() and "::" not in m.group(1) else k + 1
                continue
        i += 1

for d, _, fs in os.walk(ROOT):
    for f in sorted(fs):
        if f.endswith((".cpp", ".h")): scan(os.path.join(d, f))
