#!/usr/bin/python3
"""English-Spanish paragraph pairs from the LibreOffice help (HTML).

Usage: extract_help.py CACHE_UNPACKED_DIR OUT.tsv REPORT.json

Pages of libreoffice-help-en-us and libreoffice-help-es are paired by their path
under help/<lang>/, paragraphs by their `id` (par_id..., hd_id...). Writes
`help<TAB>en<TAB>es<TAB>path#id` lines, sorted by path. Paragraphs whose id is not
unique in a page, code examples, untranslated paragraphs (es == en) and repeats of an
English paragraph already seen are dropped.
Modules reserved for outside evaluation (text/smath/, text/schart/, text/sdraw/) are
never read.
"""
import html
import json
import os
import re
import sys
import unicodedata
from collections import Counter

RESERVED_PREFIXES = ("text/smath/", "text/schart/", "text/sdraw/")
EN_ROOT = "libreoffice-help-en-us/usr/share/libreoffice/help/en-US"
ES_ROOT = "libreoffice-help-es/usr/share/libreoffice/help/es"

PARA = re.compile(r'<(p|h[1-6]|td|li)\b([^>]*?)\bid="((?:par|hd)_id\w*)"([^>]*)>(.*?)</\1>', re.S)
CLASS = re.compile(r'class="([^"]*)"')
CODE_CLASSES = {"code", "bascode", "pycode", "codeintable", "example", "pyscript", "smathcode"}
TAG = re.compile(r"<[^>]*>")


MAC_START = re.compile(r'<(span|div)\b[^>]*class="MAC"[^>]*>')
OPEN_CLOSE = re.compile(r"<(/?)(span|div)\b[^>]*>")


def drop_mac_variants(body):
    """Remove the macOS variant of a switch ("LibreOffice - Preferences" beside
    "Tools - Options"): the element with class="MAC" and everything inside it."""
    while True:
        m = MAC_START.search(body)
        if not m:
            return body
        depth, end = 0, len(body)
        for t in OPEN_CLOSE.finditer(body, m.start()):
            if t.group(2) != m.group(1):
                continue
            depth += -1 if t.group(1) else 1
            if depth == 0:
                end = t.end()
                break
        body = body[:m.start()] + " " + body[end:]


def paragraphs(path):
    """Map id -> plain text for one help page; ids seen twice map to None."""
    text = open(path, encoding="utf-8", errors="replace").read()
    out = {}
    for m in PARA.finditer(text):
        attrs = m.group(2) + m.group(4)
        cm = CLASS.search(attrs)
        cls = cm.group(1) if cm else ""
        pid = m.group(3)
        body = m.group(5)
        if cls in CODE_CLASSES or "<pre" in body or 'class="input"' in body and body.count("<") > 8:
            out[pid] = None
            continue
        body = drop_mac_variants(body)
        body = re.sub(r"<br\s*/?>", " ", body)
        body = TAG.sub("", body)
        body = unicodedata.normalize("NFC", html.unescape(body))
        body = " ".join(body.split())
        out[pid] = None if pid in out else body
    return out


def main():
    unpacked, out_path, report_path = sys.argv[1:4]
    en_root, es_root = os.path.join(unpacked, EN_ROOT), os.path.join(unpacked, ES_ROOT)
    pages = []
    for d, _, files in os.walk(en_root):
        for f in files:
            if f.endswith(".html"):
                pages.append(os.path.relpath(os.path.join(d, f), en_root))
    pages.sort()
    rep = Counter()
    seen_en = set()
    with open(out_path, "w", encoding="utf-8") as out:
        for rel in pages:
            if rel.startswith(RESERVED_PREFIXES):
                rep["pages_reserved_skipped"] += 1
                continue
            es_path = os.path.join(es_root, rel)
            if not os.path.exists(es_path):
                rep["pages_without_spanish"] += 1
                continue
            rep["pages_paired"] += 1
            en_p, es_p = paragraphs(os.path.join(en_root, rel)), paragraphs(es_path)
            for pid in sorted(en_p):
                en, es = en_p[pid], es_p.get(pid)
                rep["paragraphs_en"] += 1
                if en is None or es is None:
                    rep["dropped_code_dup_id_or_missing"] += 1
                elif not en or not es:
                    rep["dropped_empty"] += 1
                elif en == es:
                    rep["dropped_untranslated"] += 1
                elif en in seen_en:
                    rep["dropped_repeated"] += 1
                else:
                    seen_en.add(en)
                    out.write(f"help\t{en}\t{es}\t{rel}#{pid}\n")
                    rep["kept"] += 1
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(dict(rep), f, indent=1)
    print(f"help: {rep['kept']} paragraph pairs from {rep['pages_paired']} pages "
          f"(untranslated {rep['dropped_untranslated']}, repeated {rep['dropped_repeated']})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
