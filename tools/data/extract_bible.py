#!/usr/bin/python3
"""Verse-aligned English-Spanish pairs from two SWORD modules.

English: sword-text-web (engWEB2015eb, World English Bible, NRSVA versification).
Spanish: sword-text-sparv (spaRV1909eb, Reina-Valera 1909, KJV versification).

Usage: extract_bible.py CACHE_UNPACKED_DIR OUT.tsv REPORT.json

Writes `bible<TAB>en<TAB>es<TAB>ref` lines (ref like Gen.1.1), in canonical order.
Pairing is by equal book/chapter/verse; verses whose length ratio is far from the
corpus median are dropped, and so is every verse of a chapter where too many verses
fail that check (a shifted versification inside the chapter).
"""
import json
import math
import os
import re
import sys
import unicodedata

from pysword.modules import SwordModules

# Reserved for evaluation outside the project (docs/DATA.md): never extracted.
RESERVED_BOOKS = {"Ruth", "Jonah", "Phlm", "Jas", "Jude", "Obad", "Hag", "Titus",
                  "2John", "3John"}

# Books whose last verse carries a Spanish subscription after the final "Amén."
EPISTLES = {"Rom", "1Cor", "2Cor", "Gal", "Eph", "Phil", "Col", "1Thess", "2Thess",
            "1Tim", "2Tim", "Titus", "Phlm", "Heb"}

# Chapters where RV1909 follows another verse numbering (docs/DATA.md); pairing by
# verse number shifts there, and a per-verse length check alone misses most of it.
SHIFTED_CHAPTERS = {("Num", 13), ("Num", 30), ("1Sam", 24), ("1Kgs", 22), ("1Chr", 21),
                    ("2Chr", 33), ("Hos", 12), ("Jonah", 2), ("Job", 38), ("Job", 39),
                    ("Job", 40), ("Job", 41), ("Rom", 14), ("Rom", 16), ("Rev", 12)}

RATIO_BAND = 1.6       # keep a verse if its es/en char ratio is within median*/÷ this
CHAPTER_FAIL = 0.20    # drop a whole chapter if more than this share of its verses fail


def load(unpacked, pkg):
    mods = SwordModules(os.path.join(unpacked, pkg, "usr/share/sword"))
    key = list(mods.parse_modules())[0]
    bible = mods.get_bible_from_module(key)
    # pysword decompresses the whole block (a book) for every verse; remember the last one.
    orig, last = bible._decompressed_text, {}

    def cached(testament, buf_num):
        if last.get("key") != (testament, buf_num):
            last["key"], last["data"] = (testament, buf_num), orig(testament, buf_num)
        return last["data"]
    bible._decompressed_text = cached
    return bible


_NOTE = re.compile(r"<note\b[^>]*>.*?</note>", re.S)
_SPEAKER = re.compile(r"<speaker\b[^>]*>.*?</speaker>", re.S)
_GLUE_TAG = re.compile(r"</?(?:transChange|title|lb|l|lg|div|item|list)\b[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
_SP_BEFORE = re.compile(r"\s+([,.;:!?)\]»])")
_SP_AFTER = re.compile(r"([(\[«¿¡])\s+")


def osis_to_text(raw):
    """Turn one verse of OSIS markup into plain text.

    Footnotes and cross references are removed *with a space* so that the words on
    either side do not fuse ("God" + note + "created"); transChange, poetry lines,
    titles and paragraph markers also become spaces; <w> and <q> wrappers vanish.
    Everything after the end of the book (WEB's glossary after Rev 22:21) is cut.
    """
    cut = re.search(r'<chapter eID=|<div[^>]*type="glossary"', raw)
    if cut:
        raw = raw[:cut.start()]
    raw = _NOTE.sub(" ", raw)
    raw = _SPEAKER.sub(" ", raw)
    raw = _GLUE_TAG.sub(" ", raw)
    raw = _ANY_TAG.sub("", raw)
    raw = raw.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    raw = unicodedata.normalize("NFC", raw)
    raw = " ".join(raw.split())
    raw = _SP_BEFORE.sub(r"\1", raw)
    raw = _SP_AFTER.sub(r"\1", raw)
    return raw


_CAPS_WORD = re.compile(r"\b([A-ZÁÉÍÓÚÑÜ])([A-ZÁÉÍÓÚÑÜ]+)\b")


def fix_chapter_caps(es):
    """RV1909 writes the whole first word of a chapter in capitals ("EN el principio",
    "Y ACONTECIÓ", or after a psalm title "... el profeta. TEN piedad"): lower the
    first all-capital word of verse 1. Capitals elsewhere ("JAH") are the text's own."""
    m = _CAPS_WORD.search(es)
    if not m:
        return es
    word = m.group(0)
    before = es[:m.start()].rstrip()
    if word in PROPER_CAPS or not before or before[-1] in ".:;?!¿¡(«“":
        word = word[0] + word[1:].lower()
    else:
        word = word.lower()
    return es[:m.start()] + word + es[m.end():]


PROPER_CAPS = {"JEHOVÁ", "DIOS", "JAH", "JESÚS", "SEÑOR", "CRISTO", "ISRAEL"}


def strip_subscription(es):
    """Cut the subscription RV1909 appends after the last "Amén." of an epistle."""
    i = es.rfind("Amén.")
    if i >= 0 and len(es) - (i + 5) > 0:
        return es[:i + 5]
    return es


def main():
    unpacked, out_path, report_path = sys.argv[1:4]
    web = load(unpacked, "sword-text-web")
    rv = load(unpacked, "sword-text-sparv")
    web_st, rv_st = web.get_structure(), rv.get_structure()
    web_books = {b.osis_name: (t, b) for t, bl in web_st.get_books().items() for b in bl}

    rows = []          # (osis, chapter, verse, en, es)
    report = {"reserved_books_skipped": sorted(RESERVED_BOOKS), "verses_seen": 0,
              "empty_side": 0, "web_only_books": sorted(set(web_books) -
                                                        {b.osis_name for bl in rv_st.get_books().values() for b in bl})}
    for testament, books in rv_st.get_books().items():
        for book in books:
            osis = book.osis_name
            if osis in RESERVED_BOOKS or osis not in web_books:
                continue
            wt, wbook = web_books[osis]
            for ch in range(1, book.num_chapters + 1):
                n_rv = book.chapter_lengths[ch - 1]
                n_web = wbook.chapter_lengths[ch - 1] if ch <= wbook.num_chapters else 0
                rv_idx = rv_st.ref_to_indicies(books=[book.name], chapters=[ch])[testament]
                web_idx = (web_st.ref_to_indicies(books=[wbook.name], chapters=[ch])[wt]
                           if n_web else [])
                for v in range(1, n_rv + 1):
                    report["verses_seen"] += 1
                    es_raw = rv._text_for_index(testament, rv_idx[v - 1]) or ""
                    en_raw = (web._text_for_index(wt, web_idx[v - 1]) or "") if v <= n_web else ""
                    en, es = osis_to_text(en_raw), osis_to_text(es_raw)
                    if v == 1:
                        es = fix_chapter_caps(es)
                    if osis in EPISTLES and ch == book.num_chapters and v == n_rv:
                        es = strip_subscription(es)
                    if not en or not es:
                        report["empty_side"] += 1
                        continue
                    rows.append((osis, ch, v, en, es))

    # Length-ratio check: per verse, then per chapter.
    logs = sorted(math.log(len(es) / len(en)) for _, _, _, en, es in rows)
    med = logs[len(logs) // 2]
    band = math.log(RATIO_BAND)
    bad = [abs(math.log(len(es) / len(en)) - med) > band for _, _, _, en, es in rows]
    per_ch = {}
    for (osis, ch, _, _, _), b in zip(rows, bad):
        n, f = per_ch.get((osis, ch), (0, 0))
        per_ch[(osis, ch)] = (n + 1, f + b)
    detected = {k for k, (n, f) in per_ch.items() if n >= 5 and f / n > CHAPTER_FAIL}
    bad_ch = detected | SHIFTED_CHAPTERS
    kept = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for (osis, ch, v, en, es), b in zip(rows, bad):
            if b or (osis, ch) in bad_ch:
                continue
            out.write(f"bible\t{en}\t{es}\t{osis}.{ch}.{v}\n")
            kept += 1
    report.update({
        "pairs_aligned": len(rows), "median_es_en_char_ratio": round(math.exp(med), 3),
        "dropped_ratio_verse": sum(bad),
        "shifted_chapters_detected_by_length": sorted(f"{o}.{c}" for o, c in detected),
        "shifted_chapters_dropped": sorted(f"{o}.{c}" for o, c in bad_ch),
        "dropped_in_shifted_chapters": sum(1 for r, b in zip(rows, bad)
                                           if not b and (r[0], r[1]) in bad_ch),
        "kept": kept,
    })
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    print(f"bible: {kept} verse pairs kept of {report['verses_seen']} "
          f"(ratio-dropped {sum(bad)}, shifted chapters {len(bad_ch)})", file=sys.stderr)


if __name__ == "__main__":
    main()
