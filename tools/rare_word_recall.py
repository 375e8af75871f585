#!/usr/bin/env python3
"""How often translations get the rare words right that a word list knows.

    python3 tools/rare_word_recall.py --dict data/dict.tsv --train data/train.tsv \
        --test data/dev.tsv [--reverse] [--max-count 2] HYP.txt [HYP.txt ...]

BLEU and chrF2 barely see a rare word: one noun in a 20-word sentence. This
counts them directly. An occurrence is a source word of a TEST.tsv sentence
that (a) is a lemma of the word list (DICT.tsv, domain<TAB>en<TAB>es, e.g.
data/dict.tsv from Apertium), (b) occurs at most --max-count times on the
source side of TRAIN.tsv, and (c) whose translation in the word list is in
the sentence's reference. Each HYP.txt (one translation a line, in TEST.tsv's
order, as `s2s eval --hyp-out` writes) scores a hit for an occurrence when
its line holds that translation too. Words are lowercased runs of letters
and digits; a translation matches a word equal to it or, for translations
of 4 letters or more, a word that starts with it less its last letter
("cantera" matches "canteras", "abandon" matches "abandoned"), so
inflections count, at the price of a rare false match. --reverse reads the
Spanish column as the source (for Spanish -> English runs). Prints one line
per HYP: hits, occurrences, percent, and the same per domain. Standard
library only.
"""

import argparse
import collections
import re
import sys

WORD = re.compile(r"[^\W_]+")


def words(text):
    return WORD.findall(text.lower())


def read_tsv(path):
    """(domain, en, es) per line; a line of two fields has domain ''."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 2:
                cols = [""] + cols
            if len(cols) != 3:
                raise SystemExit(f"{path}:{n}: expected domain<TAB>en<TAB>es or en<TAB>es")
            rows.append(cols)
    return rows


def matches(sentence_words, lemma):
    """True when a word of the sentence is the lemma or an inflection of it."""
    stem = lemma[:-1] if len(lemma) >= 4 else None
    return any(w == lemma or (stem is not None and w.startswith(stem)) for w in sentence_words)


def occurrences(dictionary, train, test, reverse, max_count):
    """[(test line index, domain, source word, translations found in the reference)]."""
    src, tgt = (2, 1) if reverse else (1, 2)
    lexicon = collections.defaultdict(set)
    for row in dictionary:
        key = " ".join(words(row[src]))
        value = " ".join(words(row[tgt]))
        if key and value and " " not in key and " " not in value:
            lexicon[key].add(value)
    counts = collections.Counter()
    for row in train:
        counts.update(w for w in words(row[src]) if w in lexicon)
    found = []
    for i, row in enumerate(test):
        ref = words(row[tgt])
        for w in sorted(set(words(row[src]))):
            if w in lexicon and counts[w] <= max_count:
                wanted = sorted(t for t in lexicon[w] if matches(ref, t))
                if wanted:
                    found.append((i, row[0], w, wanted))
    return found


def score(found, hyp_lines):
    """(hits, total) overall and per domain."""
    total, hits = collections.Counter(), collections.Counter()
    for i, domain, _, wanted in found:
        hyp = words(hyp_lines[i])
        hit = any(matches(hyp, t) for t in wanted)
        for key in ("all", domain or "-"):
            total[key] += 1
            hits[key] += hit
    return hits, total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dict", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--max-count", type=int, default=2)
    p.add_argument("hyps", nargs="+")
    a = p.parse_args(argv)
    test = read_tsv(a.test)
    found = occurrences(read_tsv(a.dict), read_tsv(a.train), test, a.reverse, a.max_count)
    print(f"{len(found)} occurrences of word-list words seen at most {a.max_count} times in "
          f"{a.train} whose translation is in the reference ({len(test)} sentences)")
    for path in a.hyps:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) != len(test):
            raise SystemExit(f"{path}: {len(lines)} lines, {a.test} has {len(test)}")
        hits, total = score(found, lines)
        parts = [f"{d} {hits[d]}/{total[d]}" for d in sorted(total) if d != "all"]
        pct = 100.0 * hits["all"] / total["all"] if total["all"] else 0.0
        print(f"{path}: {hits['all']}/{total['all']} ({pct:.1f} %)  " + "  ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
