#!/usr/bin/python3
"""English-Spanish pairs from the Debian package descriptions (DDTP): domain `desc`.

Usage: extract_desc.py APT_LISTS_DIR OUT.tsv REPORT.json

Reads the `*_i18n_Translation-es*` and `*_i18n_Translation-en*` indexes fetched by
tools/data/apt.sh (private apt state) and pairs each Spanish description with the
English one of the same Description-md5. Writes `desc<TAB>en<TAB>es<TAB>package#part`:
the short descriptions, then the long descriptions paragraph by paragraph (" ." lines
separate paragraphs) when both sides have the same number of paragraphs; a paragraph
holding a list (lines starting with "*", "-", "+" or "o ") is paired item by item when
the item counts agree; a paragraph over LONG_WORDS words is split into sentences when
both sides have the same number of sentences. Anything whose structure differs is left
out. Licence: each description belongs to its package (DDTP translations are under the
package's licence).
"""
import glob
import json
import os
import re
import subprocess
import sys
from collections import Counter

LONG_WORDS = 60
BULLET = re.compile(r"^\s*(?:[*+\-]|o\s)\s*")
SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡(\"])")


def read_index(path):
    """Yield dicts (Package, Description-md5, Description-xx) from a Translation file."""
    text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True,
                          capture_output=True).stdout.decode("utf-8", "replace")
    for block in text.split("\n\n"):
        rec, key = {}, None
        for line in block.split("\n"):
            if line.startswith(" ") and key:
                rec[key] += "\n" + line
            elif ":" in line:
                key, v = line.split(":", 1)
                rec[key] = v.strip()
        if rec:
            yield rec


def paragraphs(desc):
    lines = desc.split("\n")
    short, body = lines[0].strip(), lines[1:]
    paras, cur = [], []
    for l in body:
        if l.strip() == ".":
            if cur:
                paras.append(cur)
            cur = []
        else:
            cur.append(l[1:] if l.startswith(" ") else l)
    if cur:
        paras.append(cur)
    return short, paras


def units(para):
    """A paragraph as a list of text units: list items, or the joined text."""
    if any(BULLET.match(l) for l in para):
        items, cur = [], []
        for l in para:
            if BULLET.match(l):
                if cur:
                    items.append(" ".join(cur))
                cur = [BULLET.sub("", l)]
            else:
                cur.append(l.strip())
        if cur:
            items.append(" ".join(cur))
        return ["LIST"] + [" ".join(i.split()) for i in items]
    return [" ".join(" ".join(para).split())]


def main():
    lists, out_path, report_path = sys.argv[1:4]
    en_by_md5 = {}
    for p in sorted(glob.glob(os.path.join(lists, "*_i18n_Translation-en*"))):
        for r in read_index(p):
            if "Description-en" in r:
                en_by_md5.setdefault(r["Description-md5"], r["Description-en"])
    rep = Counter()
    rows, seen_md5 = [], set()
    for p in sorted(glob.glob(os.path.join(lists, "*_i18n_Translation-es*"))):
        for r in read_index(p):
            md5, es = r.get("Description-md5"), r.get("Description-es")
            if not es or md5 in seen_md5:
                continue
            seen_md5.add(md5)
            rep["descriptions_es"] += 1
            en = en_by_md5.get(md5)
            if en is None:
                rep["no_english"] += 1
                continue
            pkg = r["Package"]
            s_en, p_en = paragraphs(en)
            s_es, p_es = paragraphs(es)
            rows.append((pkg, "short", s_en, s_es))
            if len(p_en) != len(p_es):
                rep["paragraph_count_differs"] += 1
                continue
            for i, (a, b) in enumerate(zip(p_en, p_es)):
                ua, ub = units(a), units(b)
                if len(ua) != len(ub) or (ua[0] == "LIST") != (ub[0] == "LIST"):
                    rep["list_differs"] += 1
                    continue
                if ua[0] == "LIST":
                    ua, ub = ua[1:], ub[1:]
                elif len(ua[0].split()) > LONG_WORDS:
                    sa, sb = SENT_END.split(ua[0]), SENT_END.split(ub[0])
                    if len(sa) == len(sb):
                        ua, ub = sa, sb
                        rep["long_split"] += 1
                for j, (x, y) in enumerate(zip(ua, ub)):
                    rows.append((pkg, f"p{i}.{j}", x, y))
    rows.sort()
    with open(out_path, "w", encoding="utf-8") as out:
        for pkg, part, en, es in rows:
            if en and es:
                out.write(f"desc\t{en}\t{es}\t{pkg}#{part}\n")
                rep["pairs"] += 1
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(dict(sorted(rep.items())), f, indent=1)
    print(f"desc: {rep['pairs']} pairs from {rep['descriptions_es']} Spanish descriptions "
          f"({rep['no_english']} without English, {rep['paragraph_count_differs']} with "
          f"other paragraphs)", file=sys.stderr)


if __name__ == "__main__":
    main()
