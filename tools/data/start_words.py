#!/usr/bin/env python3
"""The English words the training text often starts a sentence with, capitalised.

    python3 tools/data/start_words.py [--min-count 60] data/train.tsv \
        > src/js/start-words.js

The JS API lowers a capitalised first word of an English sentence when the
vocabulary writes it in fewer pieces so (src/js/text.js lowerFirstWord:
"Students" is "▁St ud ent s", "students" is "▁student s"): a word a model
rarely saw at the start of a sentence is one it knows in lower case. A word
it saw there often it knows as it is, and lowering it can lead the model
elsewhere ("Thanks!" is "¡Gracias!", "thanks!", a program's string, was
"¡Genial!"). This counts each word of one capital and small letters that
starts the English column of a training TSV (domain<TAB>en<TAB>es) or
follows ". ", "! " or "? " in it, and keeps those seen at least --min-count
times: the words lowerFirstWord leaves as typed. Writes an ES module
holding them, one string, sorted; the same input gives the same bytes.
Standard library only.
"""

import argparse
import collections
import re
import sys

from word_module import js_word_module

START = re.compile(r"(?:^|[.!?] )([^\W\d_]+)(?!\w)")


def count_starts(tsv_paths):
    counts = collections.Counter()
    for path in tsv_paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) != 3:
                    continue
                for word in START.findall(cols[1]):
                    if word[0].isupper() and word[1:].islower():  # "Thanks", not "I" or "NASA"
                        counts[word] += 1
    return counts


def start_words(counts, min_count):
    return sorted(w for w, n in counts.items() if n >= min_count)


def module(words, sources):
    return js_word_module("START_WORDS", words, "start_words.py", sources, [
        "English words the training text often starts a sentence with,",
        "capitalised: text.js lowerFirstWord leaves them as typed.",
    ])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="training TSV files")
    ap.add_argument("--min-count", type=int, default=60)
    args = ap.parse_args(argv)
    words = start_words(count_starts(args.inputs), args.min_count)
    sys.stdout.write(module(words, args.inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
