#!/usr/bin/python3
"""Shared cleaning, deduplication and the deterministic train/dev/test split.

Usage: clean_split.py DATA_DIR RAW.tsv...   (RAW lines: domain<TAB>en<TAB>es<TAB>origin)

Writes DATA_DIR/{train,dev,test}.tsv (`domain<TAB>en<TAB>es`, sorted for byte-stable
output) and DATA_DIR/stats.json, and prints the counts.

Cleaning: Unicode NFC; whitespace collapsed; control characters removed; pairs dropped
when one side is empty, es == en (ignoring case), a side has more than MAX_WORDS words,
or the character-length ratio is outside [1/MAX_RATIO, MAX_RATIO] (short strings get a
looser band). Dedupe: exact (en, es) duplicates are dropped; each English source
keeps only its first translation (input order: bible, ui, help; within a source the
extractor's order), so no English sentence has two targets or sits in two splits.

Split: by hash of the English text (sha1, not Python's salted hash()): bucket =
int(sha1(en)) % 1000; bucket 0-9 -> dev, 10-19 -> test, rest -> train; dev and test
are then capped at MAX_EVAL pairs each (the excess, lowest hash first kept, goes to train).
"""
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

MAX_WORDS = 80
MAX_RATIO = 2.5       # es/en character ratio band for pairs with >= 20 chars each side
SHORT_RATIO = 4.0     # looser band for short strings ("OK" / "Aceptar")
MAX_EVAL = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u200e\u200f\ufeff]")


def norm(s):
    s = unicodedata.normalize("NFC", s)
    s = CONTROL.sub("", s).replace("\u00a0", " ")
    return " ".join(s.split())


def bucket(en):
    return int.from_bytes(hashlib.sha1(en.encode("utf-8")).digest()[:8], "big") % 1000


def main():
    data_dir, raws = sys.argv[1], sys.argv[2:]
    dropped = defaultdict(Counter)
    raw_counts = Counter()
    seen_pair, seen_en = set(), set()
    kept = []   # (domain, en, es)
    for path in raws:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                dom, en, es = parts[0], norm(parts[1]), norm(parts[2])
                raw_counts[dom] += 1
                ne, ns = len(en.split()), len(es.split())
                r = (len(es) / len(en)) if en else 0
                band = MAX_RATIO if min(len(en), len(es)) >= 20 else SHORT_RATIO
                if not en or not es:
                    reason = "empty"
                elif en.casefold() == es.casefold():
                    reason = "untranslated"
                elif ne > MAX_WORDS or ns > MAX_WORDS:
                    reason = "too_long"
                elif not (1 / band <= r <= band):
                    reason = "length_ratio"
                elif (en, es) in seen_pair:
                    reason = "duplicate_pair"
                elif en in seen_en:
                    reason = "duplicate_source"
                else:
                    reason = None
                if reason:
                    dropped[dom][reason] += 1
                    continue
                seen_pair.add((en, es))
                seen_en.add(en)
                kept.append((dom, en, es))

    splits = {"train": [], "dev": [], "test": []}
    for dom, en, es in kept:
        b = bucket(en)
        splits["dev" if b < 10 else "test" if b < 20 else "train"].append((b, dom, en, es))
    for name in ("dev", "test"):
        rows = sorted(splits[name], key=lambda x: (hashlib.sha1(x[2].encode()).hexdigest()))
        splits[name], extra = rows[:MAX_EVAL], rows[MAX_EVAL:]
        splits["train"].extend(extra)

    stats = {"raw": dict(raw_counts), "dropped": {d: dict(c) for d, c in dropped.items()},
             "splits": {}, "words": {}}
    for name, rows in splits.items():
        rows.sort(key=lambda x: (x[1], x[2], x[3]))
        with open(os.path.join(data_dir, f"{name}.tsv"), "w", encoding="utf-8") as out:
            for _, dom, en, es in rows:
                out.write(f"{dom}\t{en}\t{es}\n")
        c = Counter(r[1] for r in rows)
        stats["splits"][name] = dict(sorted(c.items())) | {"total": len(rows)}
        w = Counter()
        for _, dom, en, es in rows:
            w[dom + "_en"] += len(en.split())
            w[dom + "_es"] += len(es.split())
        stats["words"][name] = dict(sorted(w.items()))
    # English source-length buckets of the test split (the project evaluates by these)
    lb = Counter()
    for _, dom, en, es in splits["test"]:
        n = len(en.split())
        lb["1-3" if n <= 3 else "4-10" if n <= 10 else "11-25" if n <= 25 else
           "26-50" if n <= 50 else "51+"] += 1
    stats["test_en_length_buckets"] = dict(lb)
    with open(os.path.join(data_dir, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
    print(f"{'':8}{'bible':>8}{'ui':>8}{'help':>8}{'total':>8}")
    for name in ("train", "dev", "test"):
        s = stats["splits"][name]
        print(f"{name:8}" + "".join(f"{s.get(d, 0):>8}" for d in ("bible", "ui", "help"))
              + f"{s['total']:>8}")
    print("dropped:", json.dumps(stats["dropped"]))


if __name__ == "__main__":
    main()
