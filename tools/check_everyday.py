#!/usr/bin/python3
"""check_everyday.py — validates the everyday evaluation sets (corpus/everyday/).

    /usr/bin/python3 tools/check_everyday.py [--test PATH] [--dev PATH]
                                             [--spanish] [TRAIN.tsv[.gz] ...]

Checks test.tsv and dev.tsv (`category<TAB>English<TAB>Spanish`, no header):

  * format: UTF-8 (no BOM), LF line ends, last line ends with a newline, no empty
    lines, exactly two tabs per line, no leading/trailing whitespace in any field,
    no double spaces, no control characters, Unicode NFC;
  * the category is one of CATEGORIES; the Spanish side has as many ¿ as ? and as
    many ¡ as !;
  * sizes: test >= 330 lines with >= 20 per category, dev >= 120 lines with >= 5
    per category;
  * no English sentence twice in one file, and test and dev disjoint — English and Spanish
    sides, exact and normalised (case, punctuation and spacing ignored) — and no
    English sentence of 3+ words in test one word away (substitution, insertion or
    deletion of one word, normalised) from one in dev.

Further paths are training (or any other) TSV files: `domain<TAB>en<TAB>es` (the
English side is the second field when a line has 3+ fields, the first when it has
2, the whole line when it has 1). No English sentence of test.tsv or dev.tsv may
occur in them (normalised match); with --spanish the Spanish side is checked too
(third field, or second of 2). Files ending in .gz are read compressed.

Prints the category counts and every problem as PATH:LINE: message; exits 1 when
there is a problem, 2 on usage errors, 0 otherwise. Standard library only.
"""

import argparse
import gzip
import os
import sys
import unicodedata
from collections import Counter, defaultdict

CATEGORIES = [
    "greetings", "travel", "directions", "shopping", "food", "health", "family",
    "work", "school", "weather", "time_numbers", "emergencies", "messages",
]
MIN_LINES = {"test": 330, "dev": 120}
MIN_PER_CATEGORY = {"test": 20, "dev": 5}
NEAR_MIN_WORDS = 3   # one-word-away check only for sentences this long or longer
APOSTROPHES = "'\u2019\u02bc\u0060\u00b4"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def norm(s):
    """Case-, punctuation- and spacing-insensitive form used for all matching."""
    s = unicodedata.normalize("NFC", s).casefold()
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if ch in APOSTROPHES:       # "don't" == "dont"
            continue
        if cat[0] in "PS":          # other punctuation and symbols (¿ ¡ " € % - ...)
            out.append(" ")
        elif cat[0] == "Z" or ch in "\t\n\r":
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def held_out_english(data_dir, everyday_paths):
    """norm() of the English of every pair in DATA_DIR's dev.tsv and test.tsv and
    in the everyday sets: what text added to training must not contain."""
    held = set()
    for path in [os.path.join(data_dir, "dev.tsv"), os.path.join(data_dir, "test.tsv"), *everyday_paths]:
        with open(path, encoding="utf-8") as f:
            held.update(norm(line.rstrip("\n").split("\t")[1]) for line in f if line.strip())
    return held


def word_distance_le1(a, b):
    """True when word lists a and b differ by at most one substitution/insertion/deletion."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        return sum(x != y for x, y in zip(a, b)) == 1
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


class Report:
    def __init__(self):
        self.problems = []

    def add(self, where, msg):
        self.problems.append(f"{where}: {msg}")


def rel(path):
    try:
        r = os.path.relpath(path)
    except ValueError:
        return path
    return path if r.startswith("..") else r


def read_eval(path, name, rep):
    """Returns [(lineno, category, en, es)] for the lines that parse."""
    rows = []
    shown = rel(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        rep.add(shown, f"cannot read: {e}")
        return rows
    if data.startswith(b"\xef\xbb\xbf"):
        rep.add(f"{shown}:1", "starts with a byte-order mark")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        rep.add(shown, f"not valid UTF-8 ({e})")
        return rows
    if not text:
        rep.add(shown, "empty file")
        return rows
    if "\r" in text:
        rep.add(shown, "contains carriage returns (CR); use LF line ends only")
    if not text.endswith("\n"):
        rep.add(shown, "last line does not end with a newline")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        where = f"{shown}:{n}"
        line = line.rstrip("\r")
        if line == "" or line.strip() == "":
            rep.add(where, "empty line")
            continue
        if line != line.rstrip():
            rep.add(where, "trailing whitespace")
        if not unicodedata.is_normalized("NFC", line):
            rep.add(where, "not in Unicode NFC")
        bad = sorted({f"U+{ord(c):04X}" for c in line
                      if c != "\t" and (unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs")
                                        or c in "\u00a0\u2028\u2029")})
        if bad:
            rep.add(where, "control/invisible characters " + " ".join(bad))
        tabs = line.count("\t")
        if tabs != 2:
            rep.add(where, f"{tabs} tabs (exactly 2 required: category, English, Spanish)")
            continue
        cat, en, es = line.split("\t")
        if n == 1 and cat.lower() in ("category", "domain"):
            rep.add(where, "looks like a header line (no header allowed)")
            continue
        for label, field in (("category", cat), ("English", en), ("Spanish", es)):
            if field == "":
                rep.add(where, f"empty {label} field")
            elif field != field.strip():
                rep.add(where, f"{label} field has leading/trailing whitespace")
            elif "  " in field:
                rep.add(where, f"{label} field has a double space")
        if cat not in CATEGORIES:
            rep.add(where, f"unknown category {cat!r} (allowed: {', '.join(CATEGORIES)})")
        if es.count("?") != es.count("¿"):
            rep.add(where, f"Spanish has {es.count('¿')} ¿ but {es.count('?')} ?")
        if es.count("!") != es.count("¡"):
            rep.add(where, f"Spanish has {es.count('¡')} ¡ but {es.count('!')} !")
        if "¿" in en or "¡" in en:
            rep.add(where, "English field contains ¿ or ¡ (columns swapped?)")
        if en and es and en == es:
            rep.add(where, "English and Spanish are identical")
        rows.append((n, cat, en, es))
    return rows


def check_sizes(name, path, rows, rep, counts):
    shown = rel(path)
    cnt = Counter(r[1] for r in rows)
    counts[name] = cnt
    if len(rows) < MIN_LINES[name]:
        rep.add(shown, f"{len(rows)} valid lines, at least {MIN_LINES[name]} required")
    for c in CATEGORIES:
        if cnt[c] < MIN_PER_CATEGORY[name]:
            rep.add(shown, f"category {c}: {cnt[c]} lines, at least "
                           f"{MIN_PER_CATEGORY[name]} required")


def check_dups_within(path, rows, rep):
    """No English sentence twice in one file (normalised); two English sentences may
    share a Spanish reference."""
    shown = rel(path)
    first = {}
    for r in rows:
        for side, idx in (("English", 2), ("Spanish", 3)):
            if not norm(r[idx]):
                rep.add(f"{shown}:{r[0]}", f"{side} side is empty after normalisation")
        key = norm(r[2])
        if not key:
            continue
        if key in first:
            rep.add(f"{shown}:{r[0]}", f"English sentence repeats line {first[key]}: {r[2]!r}")
        first.setdefault(key, r[0])


def check_disjoint(test_path, test, dev_path, dev, rep):
    tshown, dshown = rel(test_path), rel(dev_path)
    for side, idx in (("English", 2), ("Spanish", 3)):
        t_exact = {}
        t_norm = {}
        for r in test:
            t_exact.setdefault(r[idx], r[0])
            t_norm.setdefault(norm(r[idx]), r[0])
        for r in dev:
            if r[idx] in t_exact:
                rep.add(f"{dshown}:{r[0]}", f"{side} sentence also in {tshown}:"
                                            f"{t_exact[r[idx]]} (exact): {r[idx]!r}")
            elif norm(r[idx]) in t_norm:
                rep.add(f"{dshown}:{r[0]}", f"{side} sentence also in {tshown}:"
                                            f"{t_norm[norm(r[idx])]} (normalised): {r[idx]!r}")
    # near duplicates: one word away (English side)
    t_words = [(r[0], norm(r[2]).split(), r[2]) for r in test]
    for r in dev:
        dw = norm(r[2]).split()
        if len(dw) < NEAR_MIN_WORDS:
            continue
        for tn, tw, ten in t_words:
            if len(tw) < NEAR_MIN_WORDS or tw == dw:
                continue
            if word_distance_le1(tw, dw):
                rep.add(f"{dshown}:{r[0]}", f"near-duplicate (one word away) of {tshown}:{tn}: "
                                            f"{r[2]!r} ~ {ten!r}")


def open_text(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="\n")
    return open(path, encoding="utf-8", errors="replace", newline="\n")


def check_training(paths, eval_sets, rep, spanish):
    """eval_sets: [(path, rows)]. Returns {path: (lines read, hits)}."""
    en_index = defaultdict(list)
    es_index = defaultdict(list)
    for path, rows in eval_sets:
        for r in rows:
            en_index[norm(r[2])].append(f"{rel(path)}:{r[0]}")
            es_index[norm(r[3])].append(f"{rel(path)}:{r[0]}")
    en_index.pop("", None)
    es_index.pop("", None)
    summary = {}
    for path in paths:
        shown = rel(path)
        n = hits = 0
        try:
            with open_text(path) as f:
                for n, line in enumerate(f, 1):
                    fields = line.rstrip("\r\n").split("\t")
                    if len(fields) >= 3:
                        en, es = fields[1], fields[2]
                    elif len(fields) == 2:
                        en, es = fields[0], fields[1]
                    else:
                        en, es = fields[0], None
                    key = norm(en)
                    if key in en_index:
                        hits += 1
                        rep.add(f"{shown}:{n}", f"contains the English of "
                                                f"{', '.join(en_index[key])}: {en!r}")
                    if spanish and es is not None:
                        key = norm(es)
                        if key in es_index:
                            hits += 1
                            rep.add(f"{shown}:{n}", f"contains the Spanish of "
                                                    f"{', '.join(es_index[key])}: {es!r}")
        except OSError as e:
            rep.add(shown, f"cannot read: {e}")
        summary[path] = (n, hits)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--test", default=os.path.join(ROOT, "corpus", "everyday", "test.tsv"))
    ap.add_argument("--dev", default=os.path.join(ROOT, "corpus", "everyday", "dev.tsv"))
    ap.add_argument("--spanish", action="store_true",
                    help="also require the Spanish sides to be absent from the training files")
    ap.add_argument("train", nargs="*", help="training TSV files (domain, en, es)")
    args = ap.parse_args(argv)

    rep = Report()
    test = read_eval(args.test, "test", rep)
    dev = read_eval(args.dev, "dev", rep)
    counts = {}
    check_sizes("test", args.test, test, rep, counts)
    check_sizes("dev", args.dev, dev, rep, counts)
    check_dups_within(args.test, test, rep)
    check_dups_within(args.dev, dev, rep)
    check_disjoint(args.test, test, args.dev, dev, rep)
    summary = check_training(args.train, [(args.test, test), (args.dev, dev)], rep,
                             args.spanish)

    print(f"{'category':<14}{'test':>6}{'dev':>6}")
    for c in CATEGORIES:
        print(f"{c:<14}{counts['test'][c]:>6}{counts['dev'][c]:>6}")
    print(f"{'total':<14}{len(test):>6}{len(dev):>6}")
    for path, (n, hits) in summary.items():
        print(f"{rel(path)}: {n} lines read, {hits} overlapping")
    if rep.problems:
        print(f"\n{len(rep.problems)} problem(s):", file=sys.stderr)
        for p in rep.problems:
            print(p, file=sys.stderr)
        return 1
    print("OK: format, categories, sizes, test/dev disjointness"
          + (" and training overlap" if args.train else "") + " all pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
