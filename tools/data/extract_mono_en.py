#!/usr/bin/python3
"""Monolingual English text for back-translation into Spanish: data/mono.en.

Usage: extract_mono_en.py CACHE_UNPACKED_DIR DATA_DIR RESERVED_EN.txt EVERYDAY.tsv... OUT.en REPORT.json

The usage examples of WordNet 3.0 (wordnet-base, usr/share/wordnet/data.*; the WordNet
3.0 licence, BSD-like): the quoted texts after the gloss of each synset, such as
"he cooked dinner for his family". They are short, plain, everyday English across the
whole vocabulary, which the training data (catalogs, Bible, help pages) lacks; translated
into Spanish by our English -> Spanish model (tools/data/back_translate.sh --reverse)
they give Spanish -> English pairs whose English side is real.

One example per line, as WordNet writes it (many are phrases in lower case without a
final stop: "a sizable fortune"). Left out: under 3 or over 80 words, markup or odd
characters, duplicates, and any text that dev/test or the everyday test/dev sets hold
on their English side, or that a reserved catalog holds (RESERVED_EN.txt; the
comparisons ignore case, punctuation and spacing).
"""
import glob
import json
import os
import re
import sys
import unicodedata
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]
from clean_split import norm  # noqa: E402
# what two texts must share to count as the same sentence: the rule add_corpus.py
# and check_everyday.py use for the everyday sets
from check_everyday import held_out_english, norm as key  # noqa: E402

QUOTED = re.compile(r'"([^"]+)"')
BAD = re.compile(r"[<>{}@\\|%$#_=\[\]]|https?:")


def wordnet_examples(unpacked):
    root = os.path.join(unpacked, "wordnet-base/usr/share/wordnet")
    for path in sorted(glob.glob(os.path.join(root, "data.*"))):
        # data.* files start with a licence block whose lines begin with two spaces;
        # a synset line is "offset ... | gloss; "example"; "example"
        for line in open(path, encoding="utf-8", errors="replace"):
            if line.startswith("  ") or "|" not in line:
                continue
            yield from QUOTED.findall(line.split("|", 1)[1])


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    unpacked, data_dir, reserved_path = sys.argv[1:4]
    everyday, out_path, report_path = sys.argv[4:-2], sys.argv[-2], sys.argv[-1]
    held = held_out_english(data_dir, everyday)
    reserved = {key(line) for line in open(reserved_path, encoding="utf-8")}
    rep = Counter()
    seen = set()
    with open(out_path, "w", encoding="utf-8") as out:
        for text in wordnet_examples(unpacked):
            text = norm(unicodedata.normalize("NFC", text))
            n = len(text.split())
            k = key(text)
            why = ("length" if n < 3 or n > 80 else "markup" if BAD.search(text) else
                   "dev_test_or_everyday" if k in held else "reserved" if k in reserved else
                   "duplicate" if k in seen else None)
            if why:
                rep["dropped_" + why] += 1
                continue
            seen.add(k)
            out.write(text + "\n")
            rep["lines"] += 1
            rep["words"] += n
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(rep.items())), f, indent=1)
    print(f"mono.en: wordnet {rep['lines']} lines, {rep['words']} words -> {out_path}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
