#!/usr/bin/python3
"""countries.py — country names in new contexts, for a model that cannot place them.

    countries.py table ISO_3166_1_ES.mo OUT.tsv
    countries.py swap --table TSV --variants K [--held TSV]... BASE.tsv
    countries.py recall --table TSV [--reverse] TEST.tsv HYP...

The shipped models translate a country they saw in one sentence frame and miss
it in another ("My sister lives in Germany." -> "... vive en alemán."): most of
the training text that names countries is locale labels ("German (Germany)").
Swapping the names of training sentences for others gives each name many frames.

table: the English -> Spanish names of iso-codes' ISO 3166-1 catalog (Debian
  package iso-codes, LGPL-2.1+), one `English<TAB>Spanish` line each, sorted.
  Kept: names of at most two words without a comma, parentheses, "of" or
  a word of state ("Republic", "Kingdom": common names, not "Hellenic
  Republic"), minus AMBIGUOUS; FIXES corrects the
  catalog's few wrong Spanish names.
swap: every distinct pair of BASE.tsv (`domain<TAB>en<TAB>es`; Bible verses
  left out, their Spanish is of 1909) whose English names one or more table
  countries, each once, and whose Spanish has each one's Spanish name once,
  comes out K times, every time with each of those names swapped (both sides)
  for another country of the table; the domain stays. The choice is a hash of
  the pair and the copy number: the same input gives the same bytes. A copy
  whose English is (normalised as in tools/check_everyday.py) an English
  sentence of a --held file is dropped, so held-out sets stay unseen.
recall: of the table's Spanish names in the references of TEST.tsv
  (`domain<TAB>en<TAB>es`, e.g. corpus/countries_probe.tsv), how many each
  hypothesis file (one line per test line) writes in that line; one line per
  file, "N of M names PATH". --reverse: the English names of the English
  references (a Spanish -> English translation).
Exit status 2 and a message for bad usage or an unreadable file.
"""
import argparse
import functools
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from extract_mo import read_mo  # noqa: E402
from add_corpus import read_tsv  # noqa: E402
from check_everyday import norm  # noqa: E402
from probes import print_recall, read_held  # noqa: E402

# names that are also a common word, a person, a region or a city in the
# training text, or that need an article in one language and not the other
AMBIGUOUS = {
    'Chad', 'Georgia', 'Jordan', 'Jersey', 'Guernsey', 'Grenada', 'Niger',
    'Guinea', 'Congo', 'Dominica', 'Netherlands', 'Philippines', 'Bahamas',
    'Maldives', 'Seychelles', 'United States', 'Gambia', 'Comoros', 'Viet Nam',
    'Antarctica', 'Bermuda',
}
# the catalog's Spanish where it is wrong or not the usual name
FIXES = {
    'Algeria': 'Argelia', "Côte d'Ivoire": 'Costa de Marfil', 'Tunisia': 'Túnez',
    'Suriname': 'Surinam', 'Burkina Faso': 'Burkina Faso',
}
NOT_COMMON = re.compile(r"[,()]|\b(of|Republic|Kingdom|Federation|State|Confederation|"
                        r"Commonwealth|Principality|Sultanate|Emirates?|Union|Islands?)\b")


def table(mo_path):
    rows = {}
    for en, _plural, strs in read_mo(mo_path):
        es = FIXES.get(en, strs[0] if strs else '')
        if not es or len(en.split()) > 2 or NOT_COMMON.search(en) or NOT_COMMON.search(es):
            continue
        if en in AMBIGUOUS:
            continue
        rows[en] = es
    return sorted(rows.items())


def word_re(names):
    alts = '|'.join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(r'(?<!\w)(' + alts + r')(?!\w)')


@functools.lru_cache(maxsize=None)
def name_re(name):
    """word_re of one name, compiled once: swap and recall ask for each many times."""
    return word_re([name])


def read_table(path):
    """[(English, Spanish)] of a countries.tsv; ValueError when it is not one."""
    rows = [tuple(r) for r in read_tsv(path)]
    if len(rows) < 3 or any(len(r) != 2 or not r[0] or not r[1] for r in rows):
        raise ValueError(f'{path} is not English<TAB>Spanish lines')
    return rows


def swap(base_rows, countries, variants, held):
    """The swapped copies, in base order; see the module text."""
    es_of = dict(countries)
    names = [en for en, _ in countries]
    en_re = word_re(names)
    out, seen = [], set()
    for row in base_rows:
        if len(row) != 3 or row[0] == 'bible':
            continue
        domain, en, es = row
        if (en, es) in seen:
            continue
        seen.add((en, es))
        found = en_re.findall(en)
        if not found or len(found) != len(set(found)):
            continue
        if any(len(name_re(es_of[c]).findall(es)) != 1 for c in found):
            continue
        key = hashlib.sha256(f'{en}\t{es}'.encode('utf-8')).digest()
        for k in range(variants):
            taken = set(found)
            new_en, new_es = en, es
            for i, c in enumerate(found):
                h = int.from_bytes(hashlib.sha256(key + bytes([k % 256, k // 256, i])).digest()[:4], 'big')
                pick = names[h % len(names)]
                while pick in taken:  # never the same name twice in one sentence
                    pick = names[(names.index(pick) + 1) % len(names)]
                taken.add(pick)
                new_en = name_re(c).sub(lambda _m, p=pick: p, new_en)
                new_es = name_re(es_of[c]).sub(lambda _m, p=es_of[pick]: p, new_es)
            if norm(new_en) in held:
                continue
            out.append((domain, new_en, new_es))
    return out


def recall(test_rows, hyp_lines, countries, reverse=False):
    """(found, total): the table's Spanish (English with reverse) names of
    each reference, and how many of them the hypothesis of that line writes."""
    names = [en if reverse else es for en, es in countries]
    ref = 1 if reverse else 2
    names_re = word_re(names)
    found = total = 0
    for row, hyp in zip(test_rows, hyp_lines):
        for name in set(names_re.findall(row[ref])):
            total += 1
            found += bool(name_re(name).search(hyp))
    return found, total


def main(argv):
    ap = argparse.ArgumentParser(prog='countries.py', description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('table')
    t.add_argument('mo')
    t.add_argument('out')
    s = sub.add_parser('swap')
    s.add_argument('--table', required=True)
    s.add_argument('--variants', type=int, required=True)
    s.add_argument('--held', action='append', default=[])
    s.add_argument('base')
    r = sub.add_parser('recall')
    r.add_argument('--table', required=True)
    r.add_argument('--reverse', action='store_true')
    r.add_argument('test')
    r.add_argument('hyp', nargs='+')
    a = ap.parse_args(argv)
    try:
        if a.cmd == 'table':
            rows = table(a.mo)
            with open(a.out, 'w', encoding='utf-8') as f:
                f.writelines(f'{en}\t{es}\n' for en, es in rows)
            print(f'countries: {len(rows)} names -> {a.out}', file=sys.stderr)
            return 0
        countries = read_table(a.table)
        if a.cmd == 'recall':
            return print_recall('countries.py', a.test, a.hyp,
                                lambda test, hyp: recall(test, hyp, countries, a.reverse), 'names')
        if a.variants < 1:
            ap.error('--variants takes a whole number from 1')
        rows = swap(read_tsv(a.base), countries, a.variants, read_held(a.held))
    except (OSError, ValueError) as e:
        print(f'countries.py: {e}', file=sys.stderr)
        return 2
    sys.stdout.writelines('\t'.join(r) + '\n' for r in rows)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
