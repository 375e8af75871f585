#!/usr/bin/python3
"""Monolingual Spanish text for later back-translation: data/mono.es.

Usage: extract_mono.py CACHE_UNPACKED_DIR DATA_DIR OUT.es REPORT.json STORY_DESC.tsv...

One text per line, in this order (deduplicated, first occurrence kept):
- the Spanish side of the `story` and `desc` pairs extracted by extract_mo.py /
  extract_desc.py (including pairs clean_split.py later drops as duplicates or for length),
  EXCEPT any text that is the Spanish side of a dev/test pair, or comes from a group
  (catalog, package) that clean_split.py held out for dev/test (DATA_DIR/stats.json):
  otherwise back-translation would put the test references into training;
- fortunes-es (usr/share/games/fortunes/es/*.fortunes; GPL-2+, the quotes presumed public
  domain): one fortune per line, the "-- author" attribution lines removed. The `off/`
  directory (fortunes its packager marks offensive: racist, misogynist) is left out.
Cleaning: NFC, control characters removed, whitespace collapsed; texts under 3 or over 80
words, or with markup or placeholders, are left out. Nothing is translated here.
"""
import glob
import json
import os
import re
import sys
import unicodedata
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clean_split import norm, group_of  # noqa: E402

ATTRIBUTION = re.compile(r"^\s*--")
BAD = re.compile(r"[<>{}@\\|%$#_=]|\x1b|https?:")


def fortunes(unpacked):
    root = os.path.join(unpacked, "fortunes-es/usr/share/games/fortunes/es")
    for path in sorted(glob.glob(os.path.join(root, "*.fortunes"))):
        text = open(path, encoding="utf-8", errors="replace").read()
        for entry in re.split(r"^%\s*$", text, flags=re.M):
            lines = [l for l in entry.split("\n") if l.strip() and not ATTRIBUTION.match(l)]
            if lines:
                yield os.path.basename(path), " ".join(lines)


def main():
    unpacked, data_dir, out_path, report_path, tsvs = (sys.argv[1], sys.argv[2], sys.argv[3],
                                                       sys.argv[4], sys.argv[5:])
    held_text = set()
    for name in ("dev", "test"):
        for line in open(os.path.join(data_dir, f"{name}.tsv"), encoding="utf-8"):
            held_text.add(line.rstrip("\n").split("\t")[2])
    stats = json.load(open(os.path.join(data_dir, "stats.json"), encoding="utf-8"))
    held_groups = {(d, g) for d, v in stats["held_out_groups"].items()
                   for s in ("dev", "test") for g in v[s]}
    rep = Counter()
    seen = set()
    with open(out_path, "w", encoding="utf-8") as out:
        def emit(src, text):
            text = norm(unicodedata.normalize("NFC", text))
            n = len(text.split())
            if n < 3 or n > 80 or BAD.search(text):
                rep[src + "_dropped_length_or_markup"] += 1
            elif text in held_text:
                rep[src + "_dropped_dev_test_text"] += 1
            elif text in seen:
                rep[src + "_duplicate"] += 1
            else:
                seen.add(text)
                out.write(text + "\n")
                rep[src + "_lines"] += 1
                rep[src + "_words"] += n
        for path in tsvs:
            for line in open(path, encoding="utf-8"):
                dom, _, es, origin = line.rstrip("\n").split("\t")
                if dom not in ("story", "desc"):
                    continue
                if (dom, group_of(dom, origin)) in held_groups:
                    rep[dom + "_dropped_held_out_group"] += 1
                    continue
                emit(dom, es)
        for _, text in fortunes(unpacked):
            emit("fortunes", text)
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(rep.items())), f, indent=1)
    print("mono: " + ", ".join(f"{k} {rep[k + '_lines']} lines" for k in ("story", "desc", "fortunes"))
          + f" -> {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
