#!/usr/bin/python3
"""English-Spanish UI string pairs from gettext .mo catalogs.

Usage: extract_mo.py CACHE_UNPACKED_DIR PACKAGES_TXT OUT.tsv REPORT.json

For every package with role `mo` in PACKAGES_TXT, reads each `*/es/LC_MESSAGES/*.mo`
in its unpacked tree (only the plain `es` locale) and writes
`ui<TAB>en<TAB>es<TAB>package/domain` lines.

Policy (see docs/data.md):
- msgctxt is discarded; plural entries give two pairs (msgid/msgstr[0] and
  msgid_plural/msgstr[1]) when both exist;
- accelerator marks (_File, &Open, ~Save, "(_F)") are removed;
- pairs whose English or Spanish side contains a placeholder (printf %s/%1$d/%(x)s,
  brace {0}/{name}, $VAR, @VAR@) or markup (<b>, <span ...>, entities) are DROPPED,
  never kept with the placeholder: the model never sees placeholders;
- translator credits, file-name/identifier-like strings and diagnostics are dropped.
Shared cleaning (NFC, whitespace, es == en, length ratio, dedupe) is done later by
clean_split.py.
"""
import glob
import json
import os
import re
import struct
import sys
import unicodedata
from collections import Counter

RESERVED_PACKAGES = {"audacity-data", "gnucash-common", "pidgin-data", "geany-common"}
SKIP_DOMAINS = re.compile(r"timezones")   # lists of city names, not language


def read_mo(path):
    """Parse a GNU .mo file. Returns a list of (msgid, msgid_plural|None, [msgstr...]).

    Handles both byte orders; decodes with the charset named in the header entry
    (UTF-8 when absent). Context (msgctxt\\x04) is stripped from msgid.
    """
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x950412DE:
        end = "<"
    elif magic == 0xDE120495:
        end = ">"
    else:
        raise ValueError(f"{path}: not a .mo file")
    _, n, o_off, t_off = struct.unpack(end + "4I", data[4:20])
    raw = []
    for i in range(n):
        ol, oo = struct.unpack(end + "2I", data[o_off + 8 * i: o_off + 8 * i + 8])
        tl, to = struct.unpack(end + "2I", data[t_off + 8 * i: t_off + 8 * i + 8])
        raw.append((data[oo:oo + ol], data[to:to + tl]))
    charset = "utf-8"
    for k, v in raw:
        if k == b"":
            m = re.search(rb"charset=([\w-]+)", v)
            if m and m.group(1).lower() not in (b"charset", b""):
                charset = m.group(1).decode("ascii")
    out = []
    for k, v in raw:
        if k == b"":
            continue
        k, v = k.decode(charset, "replace"), v.decode(charset, "replace")
        if "\x04" in k:
            k = k.split("\x04", 1)[1]
        ids = k.split("\x00")
        strs = v.split("\x00")
        out.append((ids[0], ids[1] if len(ids) > 1 else None, strs))
    return out


PLACEHOLDER = re.compile(
    r"%(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t|I64)?"
    r"[diouxXeEfFgGaAcspnSC]"
    r"|%\([A-Za-z_]\w*\)[a-zA-Z]"      # python %(name)s
    r"|%[0-9]+|%[A-Z_]{2,}"            # Qt %1, %PRODUCTNAME, %VAR%
    r"|\{[A-Za-z0-9_.:\[\]-]*\}"       # {0} {name} {}
    r"|\$[A-Za-z_(\[{]|\$\d"           # $VAR $(x) $1
    r"|@[A-Za-z_]+@"                   # @VAR@
    r"|\\[ntr]|[\t\n]"                 # escapes / control characters (multi-line strings)
)
MARKUP = re.compile(r"<[A-Za-z/!?][^>]*>|&[A-Za-z]+;|&#\d+;")
CREDITS = re.compile(r"translator|NAME OF TRANSLATORS|EMAIL OF TRANSLATORS|Your names|"
                     r"Your emails|_: |ROLES OF TRANSLATORS", re.I)
# identifiers, paths, URLs, option names, all-symbol strings
CODELIKE = re.compile(r"^\s*(?:[-\w.]+_[-\w.]+|--?[a-z][\w-]*|[\w.+-]+@[\w.-]+|\S*://\S*|"
                      r"[/~][\w./-]+|[\W\d_]*)\s*$")
# compiler / database / parser diagnostics are not language we want to learn
DIAGNOSTIC = re.compile(r"\b(?:SQL|syntax error|parse error|segfault|errno|stack trace|"
                        r"assert(?:ion)?|NULL|0x[0-9a-f]+|GError|D-Bus|GObject|GType|"
                        r"(?:Gtk|Gdk|Pango|Atk)[A-Z]\w*)\b|\[\[|\|\|")
FREECIV_QUALIFIER = re.compile(r"^\?[\w \-]+:")


def strip_accel(s):
    """Remove accelerator marks: "_File" -> "File", "&Open" -> "Open", "~Save" -> "Save",
    "Open (_O)" -> "Open"; "&&" -> "&"."""
    s = re.sub(r"\s*\((?:_|&)\w\)", "", s)            # "(_F)" style
    s = re.sub(r"(?<![\w_])_(?=\w)|(?<=\w)_(?=[A-Za-zÀ-ÿ][a-zà-ÿ])", "", s)
    s = s.replace("&&", "\x00")
    s = re.sub(r"&(?=\w)", "", s)
    s = s.replace("\x00", "&")
    s = re.sub(r"~(?=\w)", "", s)
    return s


def clean_ui(s):
    s = unicodedata.normalize("NFC", s)
    s = FREECIV_QUALIFIER.sub("", s)
    return s


def main():
    unpacked, pkglist, out_path, report_path = sys.argv[1:5]
    pkgs = [l.split()[0] for l in open(pkglist) if l.strip() and not l.startswith("#")
            and l.split()[1] == "mo"]
    report = {"packages": {}, "dropped": Counter()}
    seen = set()
    with open(out_path, "w", encoding="utf-8") as out:
        for pkg in pkgs:
            if pkg in RESERVED_PACKAGES:
                raise SystemExit(f"{pkg} is reserved for evaluation and must not be used")
            files = sorted(glob.glob(os.path.join(unpacked, pkg, "**/es/LC_MESSAGES/*.mo"),
                                     recursive=True))
            n_pkg = 0
            for f in files:
                domain = os.path.basename(f)[:-3]
                if SKIP_DOMAINS.search(domain):
                    report["dropped"]["skipped_domain"] += 1
                    continue
                for msgid, plural, strs in read_mo(f):
                    cands = [(msgid, strs[0])]
                    if plural is not None and len(strs) > 1:
                        cands.append((plural, strs[1]))
                    for en, es in cands:
                        en, es = clean_ui(en), clean_ui(es)
                        if not es.strip():
                            reason = "untranslated_empty"
                        elif CREDITS.search(en):
                            reason = "translator_credits"
                        elif PLACEHOLDER.search(en) or PLACEHOLDER.search(es):
                            reason = "placeholder"
                        elif MARKUP.search(en) or MARKUP.search(es):
                            reason = "markup"
                        elif DIAGNOSTIC.search(en):
                            reason = "diagnostic"
                        else:
                            en, es = strip_accel(en), strip_accel(es)
                            if CODELIKE.match(en) or CODELIKE.match(es):
                                reason = "code_or_symbols"
                            else:
                                reason = None
                        if reason:
                            report["dropped"][reason] += 1
                            continue
                        en, es = " ".join(en.split()), " ".join(es.split())
                        key = (en, es)
                        if key in seen:
                            report["dropped"]["duplicate_in_ui"] += 1
                            continue
                        seen.add(key)
                        out.write(f"ui\t{en}\t{es}\t{pkg}/{domain}\n")
                        n_pkg += 1
            report["packages"][pkg] = {"catalogs": len(files), "pairs": n_pkg}
            print(f"ui: {pkg}: {len(files)} catalogs, {n_pkg} pairs", file=sys.stderr)
    report["dropped"] = dict(report["dropped"])
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
