#!/usr/bin/python3
"""check_probes.py — the held-out probes stay held out.

    /usr/bin/python3 tools/check_probes.py [--probe PATH ...] [TRAIN.tsv ...]

Each probe (default: corpus/countries_probe.tsv, corpus/nouns_probe.tsv and
corpus/start_probe.tsv) must be `domain<TAB>English<TAB>Spanish` lines with no
empty field, hold no English sentence twice, share none with another probe or
with the everyday test and dev sets, and none with the training files given
(the English of their second field). Sentences are compared as
check_everyday.norm() writes them (case, punctuation and spacing ignored).

Prints every problem as PATH:LINE: message; exits 1 when there is one, 0
otherwise. Standard library only.
"""

import argparse
import os
import sys

from check_everyday import ROOT, norm, open_text

PROBES = ["corpus/countries_probe.tsv", "corpus/nouns_probe.tsv", "corpus/start_probe.tsv"]
EVERYDAY = ["corpus/everyday/test.tsv", "corpus/everyday/dev.tsv"]


def english(path):
    """[(line number, norm(English))] of a TSV file: the second field of
    lines with 3+ fields, the first of 2, the whole line of 1."""
    out = []
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if line.strip():
                out.append((n, norm(fields[1] if len(fields) >= 3 else fields[0])))
    return out


def check(probes, everyday, training):
    problems = []
    seen = {}  # norm(English) -> "path:line" of the probe that holds it
    for path in probes:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 3 or not all(x.strip() for x in fields):
                    problems.append(f"{path}:{n}: not domain<TAB>English<TAB>Spanish")
                    continue
                key = norm(fields[1])
                if key in seen:
                    problems.append(f"{path}:{n}: English already at {seen[key]}")
                else:
                    seen[key] = f"{path}:{n}"
    for label, paths in (("an everyday set", everyday), ("training text", training)):
        for path in paths:
            for n, key in english(path):
                if key in seen:
                    problems.append(f"{seen[key]}: English is in {label}, {path}:{n}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description="The held-out probes stay held out.")
    ap.add_argument("--probe", action="append", help="a probe file (repeatable; default: the three of corpus/)")
    ap.add_argument("train", nargs="*", help="training TSV files (domain, en, es)")
    args = ap.parse_args(argv)
    probes = args.probe or [os.path.join(ROOT, p) for p in PROBES]
    problems = check(probes, [os.path.join(ROOT, p) for p in EVERYDAY], args.train)
    for p in problems:
        print(p)
    print(f"check_probes: {len(probes)} probe(s), {len(args.train)} training file(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
