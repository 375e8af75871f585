#!/usr/bin/python3
"""Shared cleaning, deduplication, UI subsampling and the deterministic held-out split.

Usage: clean_split.py DATA_DIR RESERVED_EN.txt RAW.tsv...
       (RAW lines: domain<TAB>en<TAB>es<TAB>origin)

Writes DATA_DIR/{train,dev,test}.tsv (`domain<TAB>en<TAB>es`, sorted for byte-stable
output) and DATA_DIR/stats.json, and prints the counts.

Cleaning: Unicode NFC; whitespace collapsed; control characters removed; pairs dropped
when one side is empty, es == en (ignoring case), a side has more than MAX_WORDS words,
or the character-length ratio is outside [1/MAX_RATIO, MAX_RATIO] (short strings get a
looser band), or the English (case-folded) occurs in a reserved catalog (RESERVED_EN.txt,
written by extract_mo.py). Dedupe: pairs are taken in domain order DOMAINS (then input
order); exact (en, es) duplicates are dropped and each English source keeps only its first
translation, so no English sentence has two targets or sits in two splits.

UI subsampling (the sweep gives ~500k distinct UI pairs, 55% of them 1-3-word labels,
against ~80k pairs of general text): a package keeps at most UI_PKG_CAP UI pairs (lowest
sha1 of the English first), then a UI pair is kept only when its hash bucket
(sha1(en) % 1000) is below UI_KEEP for its English length: 1-3 words 250 (25% of the
labels), 4-10 words 600 (60% of the short messages), 11+ words all.

Split, held out by group (a Bible book, a story catalog, a UI package, a described
package, a help page): for each domain, groups are visited in sha1(domain/group) order;
a group with at most GROUP_MAX_SHARE x target pairs goes to test until test reaches the
target, then to dev until dev does; every other group is train. target =
min(MAX_EVAL, max(MIN_EVAL, EVAL_SHARE x pairs of the domain)). So every dev/test
sentence comes from a book/catalog/package/page the training data never saw.
"""
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

DOMAINS = ("bible", "story", "desc", "help", "ui")
MAX_WORDS = 80
MAX_RATIO = 2.5       # es/en character ratio band for pairs with >= 20 chars each side
SHORT_RATIO = 4.0     # looser band for short strings ("OK" / "Aceptar")
UI_PKG_CAP = 2500
UI_KEEP = ((3, 250), (10, 600))   # (max English words, kept buckets of 1000); longer: all
EVAL_SHARE, MIN_EVAL, MAX_EVAL = 0.03, 200, 1000
GROUP_MAX_SHARE = 0.4
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u200e\u200f\ufeff]")


def norm(s):
    s = unicodedata.normalize("NFC", s)
    s = CONTROL.sub("", s).replace("\u00a0", " ")
    return " ".join(s.split())


def sha(s):
    return hashlib.sha1(s.encode("utf-8")).digest()


def bucket(en):
    return int.from_bytes(sha(en)[:8], "big") % 1000


def group_of(dom, origin):
    if dom == "bible":
        return origin.split(".")[0]             # book
    if dom == "ui":
        return origin.split("/")[0]             # package
    if dom in ("desc", "help"):
        return origin.split("#")[0]             # package / help page
    return origin                               # story: package/catalog


def main():
    data_dir, reserved_path, raws = sys.argv[1], sys.argv[2], sys.argv[3:]
    reserved = {norm(l.rstrip("\n")).casefold() for l in open(reserved_path, encoding="utf-8")}
    dropped = defaultdict(Counter)
    raw_counts = Counter()
    rows = []
    for path in raws:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                rows.append((parts[0], parts[1], parts[2], parts[3]))
    order = {d: i for i, d in enumerate(DOMAINS)}
    rows.sort(key=lambda r: order[r[0]])        # stable: input order inside a domain
    seen_pair, seen_en = set(), set()
    kept = []   # (domain, en, es, group)
    for dom, en, es, origin in rows:
        en, es = norm(en), norm(es)
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
        elif en.casefold() in reserved:
            reason = "in_reserved_catalog"
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
        kept.append((dom, en, es, group_of(dom, origin)))

    # UI subsampling
    per_pkg = defaultdict(list)
    for i, (dom, en, es, g) in enumerate(kept):
        if dom == "ui":
            per_pkg[g].append(i)
    drop_idx = set()
    for g, idx in per_pkg.items():
        idx.sort(key=lambda i: sha(kept[i][1]))
        for i in idx[UI_PKG_CAP:]:
            drop_idx.add(i)
            dropped["ui"]["ui_package_cap"] += 1
        for i in idx[:UI_PKG_CAP]:
            n = len(kept[i][1].split())
            keep = next((k for w, k in UI_KEEP if n <= w), 1000)
            if bucket(kept[i][1]) >= keep:
                drop_idx.add(i)
                dropped["ui"]["ui_subsample_%dw" % (3 if n <= 3 else 10)] += 1
    kept = [r for i, r in enumerate(kept) if i not in drop_idx]

    # held-out split by group
    by_dom = defaultdict(lambda: defaultdict(int))
    for dom, en, es, g in kept:
        by_dom[dom][g] += 1
    assign, held = {}, {}
    for dom, groups in by_dom.items():
        total = sum(groups.values())
        target = min(MAX_EVAL, max(MIN_EVAL, round(EVAL_SHARE * total)))
        filled = {"test": 0, "dev": 0}
        held[dom] = {"test": [], "dev": [], "target": target}
        for g in sorted(groups, key=lambda g: sha(f"{dom}/{g}")):
            n = groups[g]
            split = "train"
            if n <= GROUP_MAX_SHARE * target:
                for s in ("test", "dev"):
                    if filled[s] < target:
                        split = s
                        filled[s] += n
                        held[dom][s].append(g)
                        break
            assign[(dom, g)] = split
    splits = {"train": [], "dev": [], "test": []}
    for dom, en, es, g in kept:
        splits[assign[(dom, g)]].append((dom, en, es))

    stats = {"raw": dict(sorted(raw_counts.items())),
             "dropped": {d: dict(sorted(c.items())) for d, c in sorted(dropped.items())},
             "splits": {}, "words": {}, "held_out_groups": held,
             "policy": {"UI_PKG_CAP": UI_PKG_CAP, "UI_KEEP_PER_1000": UI_KEEP,
                        "EVAL_SHARE": EVAL_SHARE, "MIN_EVAL": MIN_EVAL, "MAX_EVAL": MAX_EVAL,
                        "GROUP_MAX_SHARE": GROUP_MAX_SHARE, "MAX_WORDS": MAX_WORDS}}
    for name, rs in splits.items():
        rs.sort()
        with open(os.path.join(data_dir, f"{name}.tsv"), "w", encoding="utf-8") as out:
            for dom, en, es in rs:
                out.write(f"{dom}\t{en}\t{es}\n")
        c = Counter(r[0] for r in rs)
        stats["splits"][name] = dict(sorted(c.items())) | {"total": len(rs)}
        w = Counter()
        for dom, en, es in rs:
            w[dom + "_en"] += len(en.split())
            w[dom + "_es"] += len(es.split())
        stats["words"][name] = dict(sorted(w.items()))
    # English source-length buckets of the test split (the project evaluates by these)
    lb = defaultdict(Counter)
    for dom, en, es in splits["test"]:
        n = len(en.split())
        lb[dom]["1-3" if n <= 3 else "4-10" if n <= 10 else "11-25" if n <= 25 else
                "26-50" if n <= 50 else "51+"] += 1
    stats["test_en_length_buckets"] = {d: dict(sorted(c.items())) for d, c in sorted(lb.items())}
    with open(os.path.join(data_dir, "stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1, sort_keys=True, ensure_ascii=False)
    print(f"{'':8}" + "".join(f"{d:>9}" for d in DOMAINS) + f"{'total':>9}")
    for name in ("train", "dev", "test"):
        s = stats["splits"][name]
        print(f"{name:8}" + "".join(f"{s.get(d, 0):>9}" for d in DOMAINS) + f"{s['total']:>9}")
    print("dropped:", json.dumps(stats["dropped"]))


if __name__ == "__main__":
    main()
