#!/usr/bin/env python3
"""How much a model loses when the same sentences are typed in another case.

    python3 tools/case_robustness.py --model models/en-es-transformer.s2s \
        --test corpus/everyday/test.tsv [--reverse] [--beam 4] [--s2s build/s2s]

People type headings in title case ("Train Faster, Train Harder"), shout in
capitals, and skip capitals in chat; a model trained mostly on text as
written can turn the same words into nonsense when so typed. This writes the
test set's source side four ways, as written, in title case (every word
capitalised), in capitals and in lower case, keeps the references as they
are, translates each with `s2s eval` and prints BLEU and chrF2 per variant
with chrF2's change from the text as written. The references keep their own
case, so a perfect model still loses a little on the changed variants (a
title-cased source does not say whether the reference capitalises; chrF2 is
case-sensitive). Compare models on the same variant, not variants with each
other. --reverse reads the Spanish column as the source. Standard library
only.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


def title_case(text):
    """Every word with a lower-case first letter gets a capital one."""
    return " ".join(w[:1].upper() + w[1:] if w[:1].islower() else w for w in text.split(" "))


VARIANTS = [
    ("as written", lambda s: s),
    ("title case", title_case),
    ("capitals", str.upper),
    ("lower case", str.lower),
]


def read_tsv(path):
    """(domain, en, es) per line."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 3:
                raise SystemExit(f"{path}:{n}: expected domain<TAB>en<TAB>es")
            rows.append(cols)
    return rows


def variant_rows(rows, change, reverse):
    """The rows with the source column changed and the reference kept."""
    src = 2 if reverse else 1
    out = []
    for row in rows:
        row = list(row)
        row[src] = change(row[src])
        out.append(row)
    return out


def overall(json_path):
    """(BLEU, chrF2) of an `s2s eval --json` file."""
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    return report["overall"]["bleu"], report["overall"]["chrf2"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--beam", type=int, default=4)
    ap.add_argument("--s2s", default="build/s2s")
    args = ap.parse_args(argv)
    rows = read_tsv(args.test)
    print(f"{args.model} on {args.test} ({len(rows)} sentences), beam {args.beam}")
    print(f"{'source typed':<14} {'BLEU':>6} {'chrF2':>6} {'Δ chrF2':>8}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, change in VARIANTS:
            path = os.path.join(tmp, "test.tsv")
            with open(path, "w", encoding="utf-8") as f:
                for row in variant_rows(rows, change, args.reverse):
                    f.write("\t".join(row) + "\n")
            cmd = [args.s2s, "eval", "--model", args.model, "--test", path,
                   "--beam", str(args.beam), "--json", os.path.join(tmp, "e.json")]
            if args.reverse:
                cmd.append("--reverse")
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode != 0:
                sys.stderr.write(done.stderr)
                return 1
            bleu, chrf = overall(os.path.join(tmp, "e.json"))
            base = chrf if base is None else base
            print(f"{name:<14} {bleu:6.2f} {chrf:6.2f} {chrf - base:+8.2f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
