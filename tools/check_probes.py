#!/usr/bin/python3
"""check_probes.py — the held-out probes stay held out.

    /usr/bin/python3 tools/check_probes.py [--probe PATH ...] [TRAIN.tsv ...]

Each probe (default: corpus/countries_probe.tsv, corpus/nouns_probe.tsv and
corpus/start_probe.tsv) must be `domain<TAB>English<TAB>Spanish` lines with no
empty field, hold no English sentence twice, share none with another probe or
with the everyday test and dev sets, and none with the training files given
(check_everyday.check_training, which compares sentences as norm() writes
them: case, punctuation and spacing ignored).

Prints every problem as PATH:LINE: message; exits 1 when there is one, 0
otherwise. Standard library only.
"""

import argparse
import os
import sys

from check_everyday import ROOT, Report, check_training, norm, rel

PROBES = ["corpus/countries_probe.tsv", "corpus/nouns_probe.tsv", "corpus/start_probe.tsv"]
EVERYDAY = ["corpus/everyday/test.tsv", "corpus/everyday/dev.tsv"]


def read_probe(path, rep):
    """[(lineno, domain, en, es)] of the lines of a probe that parse."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3 or not all(x.strip() for x in fields):
                rep.add(f"{rel(path)}:{n}", "not domain<TAB>English<TAB>Spanish")
                continue
            rows.append((n, *fields))
    return rows


def check(probes, everyday, training):
    """The problems found, as "PATH:LINE: message" strings."""
    rep = Report()
    sets = [(path, read_probe(path, rep)) for path in probes]
    seen = {}  # norm(English) -> "path:line" of the probe that holds it
    for path, rows in sets:
        for r in rows:
            key = norm(r[2])
            if key in seen:
                rep.add(f"{rel(path)}:{r[0]}", f"English already at {seen[key]}")
            else:
                seen[key] = f"{rel(path)}:{r[0]}"
    # the everyday sets hold their English where training files do (second field)
    check_training(everyday + training, sets, rep, spanish=False)
    return rep.problems


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
