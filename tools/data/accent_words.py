#!/usr/bin/env python3
"""The Spanish words the JS API may write with their accents when typed without.

    python3 tools/data/accent_words.py [--min-count 10] [--share 0.02] \
        data/train.tsv data/mono.es > src/js/accent-words.js

People type Spanish without accents ("tambien", "telefono"), and the
Spanish -> English Transformer then reads other pieces than the words it
knows. A word can be given its accents back when the plain form is no word
of its own: this counts every word (in lower case) of the Spanish column of
a training TSV (domain<TAB>en<TAB>es) and of plain Spanish text files, and
keeps each accented form seen at least --min-count times whose plain form
(á é í ó ú ü as plain vowels and ñ as n, as typed on a keyboard without
them) and other accented forms are each seen at most --share as often.
"tambien", "cancion" and "manana" qualify; "esta" (está), "como" (cómo),
"mas" (más), "el" (él) and "una" (uña) do not, since both are words. Writes an ES module holding the accented words, one string, sorted;
src/js/text.js restoreAccents derives the plain forms. The same inputs give
the same bytes. Standard library only.
"""

import argparse
import collections
import re
import sys

from word_module import js_word_module

PLAIN = str.maketrans("áéíóúüñ", "aeiouun")
WORD = re.compile(r"[^\W\d_]+")


def count_words(tsv_paths, text_paths):
    counts = collections.Counter()
    for path in tsv_paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 3:
                    counts.update(WORD.findall(cols[2].lower()))
    for path in text_paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                counts.update(WORD.findall(line.lower()))
    return counts


def accent_words(counts, min_count, share):
    """The accented forms whose plain form and rival forms are rare beside them."""
    by_plain = collections.defaultdict(list)
    for word, n in counts.items():
        plain = word.translate(PLAIN)
        if plain != word:
            by_plain[plain].append((n, word))
    kept = []
    for plain, forms in by_plain.items():
        forms.sort(key=lambda f: (-f[0], f[1]))
        n, word = forms[0]
        rivals = [counts.get(plain, 0)] + [m for m, _ in forms[1:]]
        if n >= min_count and all(r <= share * n for r in rivals):
            kept.append(word)
    return sorted(kept)


def module(words, sources):
    return js_word_module("ACCENT_WORDS", words, "accent_words.py", sources, [
        "Spanish words that text.js restoreAccents writes with their accents",
        "when typed without them: each one's plain form is no word of its own.",
    ])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="training TSV files (.tsv) and plain Spanish text files")
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--share", type=float, default=0.02)
    args = ap.parse_args(argv)
    tsv = [p for p in args.inputs if p.endswith(".tsv")]
    text = [p for p in args.inputs if not p.endswith(".tsv")]
    words = accent_words(count_words(tsv, text), args.min_count, args.share)
    sys.stdout.write(module(words, args.inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
