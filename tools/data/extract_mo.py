#!/usr/bin/python3
"""English-Spanish pairs from gettext catalogs: the `ui` and `story` domains.

Usage: extract_mo.py CACHE_UNPACKED_DIR MO_PACKAGES_TXT PACKAGES_TXT OUT.tsv REPORT.json RESERVED_EN.txt

For every package with status `use` in MO_PACKAGES_TXT (the Debian-wide sweep, see
make_mo_list.sh), reads each `*/es/LC_MESSAGES/*.mo` in its unpacked tree (only the
plain `es` locale), and the Spanish .po files of the packages with role `po` in
PACKAGES_TXT (SuperTuxKart); writes `DOMAIN<TAB>en<TAB>es<TAB>package/catalog` lines.
DOMAIN is `story` for a pair of a narrative catalog (game dialogue, narration, unit and
scenario descriptions: STORY below) whose English has at least 4 words, else `ui`.

Reserved catalogs (status `reserved`, and the RESERVED_CATALOGS inside allowed packages)
are read for their msgids only: the English strings go to RESERVED_EN.txt (cleaned like
the pairs), so that clean_split.py drops them everywhere; their translations are never read.

Policy (see docs/data.md):
- msgctxt is discarded; plural entries give two pairs (msgid/msgstr[0] and
  msgid_plural/msgstr[1]) when both exist;
- accelerator marks (_File, &Open, ~Save, "(_F)") are removed;
- pairs whose English or Spanish side contains a placeholder (printf %s/%1$d/%(x)s,
  brace {0}/{name}, $VAR, @VAR@) or markup (<b>, <span ...>, entities) are DROPPED,
  never kept with the placeholder: the model never sees placeholders;
- translator credits, file-name/identifier-like strings and diagnostics are dropped;
- Wesnoth markup: "female^" style context prefixes are stripped; pairs with image paths
  (`~RC(...)`, `.png`), `[tags]`, `@{...}` or `$variables` are dropped;
- a multi-line string is split into paragraphs (blank-line separated; wrapped lines
  joined) when both sides have the same number, else dropped; so is one laid out as a
  list or table (usage texts); each paragraph then goes through the checks above, and
  one over LONG_WORDS words is split into sentences when both sides have as many;
- command-line option help ("-q, --quiet ...") and copyright lines are dropped.
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

# Reserved for evaluation outside the project (docs/DATA.md). mo_packages.txt marks
# these packages `reserved`; this set is a second guard.
RESERVED_PACKAGES = {"audacity-data", "gnucash-common", "pidgin-data", "geany-common",
                     "gramps", "kstars-data", "gnome-maps", "gnome-weather", "gnome-calendar",
                     "kmymoney-common", "ktouch-data", "tuxmath-data", "gajim", "marble-data",
                     "minetest-data", "wesnoth-1.16-dw", "wesnoth-1.16-l", "wesnoth-1.16-thot"}
# Reserved catalogs (file names) wherever they are shipped
RESERVED_CATALOGS = re.compile(r"^(?:wesnoth-(?:dw|l|thot)|scenario_fri0[1-4]\.wmf)\.mo$")
# Narrative catalogs: package -> catalog-name regex (None: every catalog of the package)
STORY = {
    "wesnoth-1.16-data": re.compile(r"^wesnoth-(?:anl|wc|tutorial|multiplayer|units)$"),
    "widelands-data": re.compile(r"^(?:scenario_|campaigns|tribes_encyclopedia|texts|"
                                 r"widelands_editor_?tutorial|training)"),
    "warzone2100-data": None, "freedroidrpg-data": re.compile(r"^freedroidrpg-(?:dialogs|data)$"),
    "tuxpaint-data": None, "supertuxkart-data": None, "fillets-ng-data": None,
    "adonthell-data": None, "7kaa-data": None,
}
STORY_PREFIX = "wesnoth-1.16-"     # every campaign package wesnoth-1.16-CAMPAIGN
STORY_MIN_WORDS = 4
LONG_WORDS = 60        # a longer string is split into sentences when both sides have as many
SENT_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÁÉÍÓÚÑ¿¡(«\"“—])")
SKIP_DOMAINS = re.compile(r"timezones")   # lists of city names, not language


def read_mo(path):
    """Parse a GNU .mo file. Returns a list of (msgid, msgid_plural|None, [msgstr...]).

    Handles both byte orders; decodes with the charset named in the header entry
    (UTF-8 when absent). Context (msgctxt\\x04) is stripped from msgid.
    """
    with open(path, "rb") as f:
        data = f.read()
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


def read_msgids(path):
    """The English strings (msgid, msgid_plural) of a .mo catalog, without reading its
    translations: used for the reserved catalogs only."""
    with open(path, "rb") as f:
        data = f.read()
    end = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    _, n, o_off, _ = struct.unpack(end + "4I", data[4:20])
    out = []
    for i in range(n):
        ol, oo = struct.unpack(end + "2I", data[o_off + 8 * i: o_off + 8 * i + 8])
        k = data[oo:oo + ol].decode("utf-8", "replace")
        if k:
            out.extend(k.split("\x04", 1)[-1].split("\x00"))
    return out


def _po_unquote(s):
    s = s.strip()
    if not (s.startswith('"') and s.endswith('"')):
        return ""
    s = s[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(m.group(1), m.group(1)), s)


def read_po(path):
    """Parse a gettext .po file (UTF-8) like read_mo: fuzzy and obsolete entries are
    skipped, msgctxt is discarded."""
    entries, cur, key, fuzzy = [], {}, None, False

    def flush():
        if "msgid" in cur and cur["msgid"] and not fuzzy:
            strs = [cur[k] for k in sorted(cur) if k.startswith("msgstr")]
            entries.append((cur["msgid"], cur.get("msgid_plural"), strs or [""]))
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("#~"):
            continue
        if line.startswith("#,") and "fuzzy" in line:
            if key and key != "start":
                flush(); cur, key = {}, "start"
            fuzzy = True
            continue
        m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$', line)
        if m:
            k = m.group(1).replace("msgstr[0]", "msgstr")
            if k in ("msgctxt", "msgid") and key and key.startswith("msgstr"):
                flush(); cur, fuzzy = {}, False
            key = k
            cur[key] = _po_unquote(m.group(2))
        elif line.startswith('"') and key and key != "start":
            cur[key] += _po_unquote(line)
        elif not line.strip() and key and key.startswith("msgstr"):
            flush(); cur, key, fuzzy = {}, None, False
    if key and key.startswith("msgstr"):
        flush()
    return entries


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
                     r"Your emails|_: |ROLES OF TRANSLATORS|copyright|\(c\) \d|©", re.I)
OPTION_HELP = re.compile(r"^\s*-{1,2}[A-Za-z0-9]")
# identifiers, paths, URLs, option names, all-symbol strings
CODELIKE = re.compile(r"^\s*(?:[-\w.]+_[-\w.]+|--?[a-z][\w-]*|[\w.+-]+@[\w.-]+|\S*://\S*|"
                      r"[/~][\w./-]+|[\W\d_]*)\s*$")
# compiler / database / parser diagnostics are not language we want to learn
DIAGNOSTIC = re.compile(r"\b(?:SQL|syntax error|parse error|segfault|errno|stack trace|"
                        r"assert(?:ion)?|NULL|0x[0-9a-f]+|GError|D-Bus|GObject|GType|"
                        r"(?:Gtk|Gdk|Pango|Atk)[A-Z]\w*)\b|\[\[|\|\|")
FREECIV_QUALIFIER = re.compile(r"^\?[\w \-]+:")
WESNOTH_CONTEXT = re.compile(r"^[\w ]+\^")          # "female^Elvish Fighter"
WESNOTH_MARKUP = re.compile(r"~[A-Z]{2,}\(|\.(?:png|jpg|webp|ogg|wav|cfg)\b|\[/?[a-z_]+\]|"
                            r"@\{|\$\w|<[a-z]+>|&[a-z]+=")


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
    s = WESNOTH_CONTEXT.sub("", s)
    return s


def catalog_files(root, role):
    if role == "po":
        return sorted(glob.glob(os.path.join(root, "**/es.po"), recursive=True))
    return sorted(glob.glob(os.path.join(root, "**/es/LC_MESSAGES/*.mo"), recursive=True))


def is_story(pkg, catalog):
    if pkg in STORY:
        rx = STORY[pkg]
        return rx is None or bool(rx.search(catalog))
    return pkg.startswith(STORY_PREFIX)


def check(en, es):
    """Return (reason, en, es): reason None when the pair is kept."""
    if not es.strip():
        return "untranslated_empty", en, es
    if CREDITS.search(en):
        return "translator_credits", en, es
    if WESNOTH_MARKUP.search(en) or WESNOTH_MARKUP.search(es):
        return "wesnoth_markup", en, es
    if PLACEHOLDER.search(en) or PLACEHOLDER.search(es):
        return "placeholder", en, es
    if MARKUP.search(en) or MARKUP.search(es):
        return "markup", en, es
    if DIAGNOSTIC.search(en):
        return "diagnostic", en, es
    en, es = strip_accel(en), strip_accel(es)
    if CODELIKE.match(en) or CODELIKE.match(es):
        return "code_or_symbols", en, es
    if OPTION_HELP.match(en):
        return "option_help", en, es
    return None, " ".join(en.split()), " ".join(es.split())


def split_lines(en, es):
    """Paragraph pairs of a multi-line string: paragraphs are separated by blank lines,
    lines inside a paragraph (wrapped text) are joined. Returns a reason string when the
    paragraph counts differ or a paragraph is laid out as a list/table (a line starting
    with a space, tab, "-", "*" or "•": usage texts, option tables)."""
    if "\n" not in en and "\n" not in es:
        return [(en, es)]
    pe = [p for p in re.split(r"\n\s*\n", en) if p.strip()]
    ps = [p for p in re.split(r"\n\s*\n", es) if p.strip()]
    if len(pe) != len(ps):
        return "multiline_mismatch"
    for p in pe + ps:
        if any(re.match(r"[ \t\-*•]", l) for l in p.strip("\n").split("\n")):
            return "multiline_layout"
    return [(" ".join(a.split()), " ".join(b.split())) for a, b in zip(pe, ps)]


def reserved_key(s):
    """The form in which reserved English strings are compared (clean_split.py applies
    its own norm() on top): cleaned like a kept pair, case-folded."""
    return " ".join(strip_accel(clean_ui(s)).split()).casefold()


def main():
    unpacked, mo_list, pkglist, out_path, report_path, reserved_path = sys.argv[1:7]
    todo, reserved_pkgs = [], []
    for l in open(mo_list):
        if l.startswith("#") or not l.strip():
            continue
        pkg, _, _, status = l.rstrip("\n").split("\t")
        if status == "use":
            if pkg in RESERVED_PACKAGES:
                raise SystemExit(f"{pkg} is reserved for evaluation and must not be used")
            todo.append((pkg, "mo"))
        elif status == "reserved":
            reserved_pkgs.append(pkg)
    for l in open(pkglist):
        f = l.rstrip("\n").split("\t")
        if not l.startswith("#") and len(f) >= 2 and f[1] == "po":
            todo.append((f[0], "po"))
    report = {"packages": {}, "dropped": Counter(), "reserved_catalogs": [],
              "reserved_en_strings": 0}
    reserved = set()
    for pkg in sorted(reserved_pkgs):
        for f in catalog_files(os.path.join(unpacked, pkg), "mo"):
            report["reserved_catalogs"].append(f"{pkg}/{os.path.basename(f)}")
            for en in read_msgids(f):
                for part in en.split("\n"):
                    reserved.add(reserved_key(part))
    seen = set()
    with open(out_path, "w", encoding="utf-8") as out:
        for pkg, role in todo:
            files = catalog_files(os.path.join(unpacked, pkg), role)
            n_pkg = Counter()
            for f in files:
                base = os.path.basename(f)
                catalog = base[:-3]
                if RESERVED_CATALOGS.match(base):
                    report["reserved_catalogs"].append(f"{pkg}/{base}")
                    for en in read_msgids(f):
                        for part in en.split("\n"):
                            reserved.add(reserved_key(part))
                    continue
                if SKIP_DOMAINS.search(catalog):
                    report["dropped"]["skipped_domain"] += 1
                    continue
                story = is_story(pkg, catalog)
                entries = read_po(f) if role == "po" else read_mo(f)
                for msgid, plural, strs in entries:
                    cands = [(msgid, strs[0])]
                    if plural is not None and len(strs) > 1:
                        cands.append((plural, strs[1]))
                    for en0, es0 in cands:
                        parts = split_lines(clean_ui(en0), clean_ui(es0))
                        if isinstance(parts, str):
                            report["dropped"][parts] += 1
                            continue
                        if len(parts) > 1:
                            report["multiline_split"] = report.get("multiline_split", 0) + 1
                        checked = []
                        for en, es in parts:
                            reason, en, es = check(en, es)
                            if reason:
                                report["dropped"][reason] += 1
                            elif len(en.split()) > LONG_WORDS and \
                                    len(SENT_END.split(en)) == len(SENT_END.split(es)) > 1:
                                checked.extend(zip(SENT_END.split(en), SENT_END.split(es)))
                                report["long_split"] = report.get("long_split", 0) + 1
                            else:
                                checked.append((en, es))
                        for en, es in checked:
                            key = (en, es)
                            if key in seen:
                                report["dropped"]["duplicate_in_mo"] += 1
                                continue
                            seen.add(key)
                            dom = "story" if story and len(en.split()) >= STORY_MIN_WORDS else "ui"
                            out.write(f"{dom}\t{en}\t{es}\t{pkg}/{catalog}\n")
                            n_pkg[dom] += 1
            if files:
                report["packages"][pkg] = {"catalogs": len(files), **dict(sorted(n_pkg.items()))}
    report["dropped"] = dict(sorted(report["dropped"].items()))
    report["reserved_en_strings"] = len(reserved)
    with open(reserved_path, "w", encoding="utf-8") as f:
        for s in sorted(reserved):
            if s:
                f.write(s + "\n")
    tot = Counter()
    for v in report["packages"].values():
        tot.update({k: v[k] for k in ("ui", "story") if k in v})
    report["totals"] = dict(tot)
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    print(f"mo: {len(report['packages'])} packages: ui {tot['ui']}, story {tot['story']} pairs; "
          f"{len(reserved)} reserved English strings from {len(report['reserved_catalogs'])} "
          f"reserved catalogs", file=sys.stderr)


if __name__ == "__main__":
    main()
