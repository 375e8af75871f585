#!/usr/bin/env python3
"""How much a model loses when the same sentences are typed in another case.

    python3 tools/case_robustness.py --model models/en-es-transformer.s2s \
        --test corpus/everyday/test.tsv [--reverse] [--beam 4] [--s2s build/s2s] \
        [--packaged]

People type headings in title case ("Train Faster, Train Harder"), shout in
capitals, and skip capitals in chat; a model trained mostly on text as
written can turn the same words into nonsense when so typed. This writes the
test set's source side five ways, as written, in title case (every word
capitalised), in capitals, in lower case and without its final marks (. !
? … and an opening ¿ or ¡; a Spanish one, with --reverse, also without
accents, and without accents, ñ, ¿ and ¡), keeps the references as they
are (without their final marks for that variant), translates each with
`s2s eval` (the model alone) or, with --packaged, through the packaged
command line (`node src/js/cli.js translate`, as the page and npm users get it: the JS API translates a
sentence typed in capitals in sentence case and answers in capitals), and
prints BLEU and chrF2 per variant with chrF2's change from the text as
written. The capitals are scored blind to case (translation and reference
both in capitals), so an answer in capitals and one as written count
alike; the other variants against the references as they are, so a perfect
model still loses a little there (a title-cased source does not say whether
the reference capitalises; chrF2 is case-sensitive). Compare models on the
same variant, not variants with each other. --reverse reads the Spanish
column as the source. Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def title_case(text):
    """Every word with a lower-case first letter gets a capital one."""
    return " ".join(w[:1].upper() + w[1:] if w[:1].islower() else w for w in text.split(" "))


# Spanish typed without accents ("como estas"), as on keyboards without
# them; training_mix.sh --no-accents teaches it (ñ, ¿ and ¡ stay here)
PLAIN_VOWELS = str.maketrans("áéíóúüÁÉÍÓÚÜ", "aeiouuAEIOUU")


def without_accents(text):
    return text.translate(PLAIN_VOWELS)


# ... and on a keyboard with no Spanish letters at all ("manana", "que
# hora es?"): ñ as n, ¿ and ¡ left out
PLAIN_KEYBOARD = str.maketrans({"ñ": "n", "Ñ": "N", "¿": None, "¡": None})


def without_accents_or_enye(text):
    return without_accents(text).translate(PLAIN_KEYBOARD)


# a message typed without its final mark ("te quiero mucho"); the
# reference loses it too, as training_mix.sh --no-final-mark teaches
FINAL_MARK = re.compile(r"\s*[.!?…]+$")


def without_final_mark(text):
    text = FINAL_MARK.sub("", text)
    return text[1:] if text[:1] in "¿¡" and "¿" not in text[1:] and "¡" not in text[1:] else text


VARIANTS = [
    ("as written", lambda s: s),
    ("title case", title_case),
    ("capitals", str.upper),
    ("lower case", str.lower),
    ("no final mark", without_final_mark),
]
SPANISH_VARIANTS = [("no accents", without_accents),  # with --reverse only
                    ("no accents or ñ", without_accents_or_enye)]
CASE_BLIND = {"capitals"}  # scored with translation and reference in capitals
UNMARKED = {"no final mark"}  # scored against references without their final marks


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


def in_capitals(rows, reverse):
    """The rows with the reference column in capitals."""
    ref = 1 if reverse else 2
    return [[c.upper() if i == ref else c for i, c in enumerate(row)] for row in rows]


def write_tsv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join(row) + "\n")


def overall(json_path):
    """(BLEU, chrF2) of an `s2s eval --json` file."""
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    return report["overall"]["bleu"], report["overall"]["chrf2"]


def translate(args, tmp, test_path, rows):
    """The translations of the test file's source column, one a line."""
    hyp = os.path.join(tmp, "hyp.txt")
    if args.packaged:
        src = 2 if args.reverse else 1
        with open(hyp, "w", encoding="utf-8") as out:
            done = subprocess.run(["node", "src/js/cli.js", "translate", "--model", args.model,
                                   "--beam", str(args.beam)],
                                  input="".join(row[src] + "\n" for row in rows), stdout=out,
                                  stderr=subprocess.PIPE, text=True)
    else:
        cmd = [args.s2s, "eval", "--model", args.model, "--test", test_path,
               "--beam", str(args.beam), "--hyp-out", hyp]
        if args.reverse:
            cmd.append("--reverse")
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return hyp


def score(args, tmp, test_path, hyp):
    """(BLEU, chrF2) of HYP against the test file, with `s2s eval --hyp`."""
    cmd = [args.s2s, "eval", "--hyp", hyp, "--test", test_path, "--json", os.path.join(tmp, "e.json")]
    if args.reverse:
        cmd.append("--reverse")
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return overall(os.path.join(tmp, "e.json"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--reverse", action="store_true")
    ap.add_argument("--beam", type=int, default=4)
    ap.add_argument("--s2s", default="build/s2s")
    ap.add_argument("--packaged", action="store_true",
                    help="translate through node src/js/cli.js (the JS API) instead of s2s eval")
    args = ap.parse_args(argv)
    rows = read_tsv(args.test)
    how = "the packaged CLI" if args.packaged else "s2s eval"
    print(f"{args.model} on {args.test} ({len(rows)} sentences), beam {args.beam}, {how}")
    print(f"{'source typed':<16} {'BLEU':>6} {'chrF2':>6} {'Δ chrF2':>8}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, change in VARIANTS + (SPANISH_VARIANTS if args.reverse else []):
            variant = variant_rows(rows, change, args.reverse)
            test_path = os.path.join(tmp, "test.tsv")
            write_tsv(test_path, variant)
            hyp = translate(args, tmp, test_path, variant)
            if name in CASE_BLIND:
                with open(hyp, encoding="utf-8") as f:
                    upper = f.read().upper()
                with open(hyp, "w", encoding="utf-8") as f:
                    f.write(upper)
                write_tsv(test_path, in_capitals(variant, args.reverse))
            if name in UNMARKED:
                ref = 1 if args.reverse else 2
                write_tsv(test_path, [[without_final_mark(c) if i == ref else c for i, c in enumerate(row)]
                                      for row in variant])
            bleu, chrf = score(args, tmp, test_path, hyp)
            base = chrf if base is None else base
            print(f"{name:<16} {bleu:6.2f} {chrf:6.2f} {chrf - base:+8.2f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
