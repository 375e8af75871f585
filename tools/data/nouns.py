#!/usr/bin/python3
"""nouns.py — rare nouns in new sentences, for a model that only knows them in one.

    nouns.py lexicon DICT.att OUT.tsv
    nouns.py swap --lexicon TSV --variants K [--domains "D ..."] [--pool-max M]
                  [--held TSV]... BASE.tsv
    nouns.py recall --lexicon TSV --train BASE.tsv [--max-count M] [--reverse] TEST.tsv HYP...

The Transformers translate a rare noun right in the sentence they learnt it in
and copy it elsewhere: "Thousands of tourists visit the city every summer." ->
"Miles de turistas ...", a phrasebook sentence, but "Many tourists visit the
city every summer." -> "Muchos touristas ...". Swapping one noun of a training
sentence for another of the same gender and number, on both sides, gives each
rare noun many sentences, while the Spanish stays grammatical: articles and
adjectives agree with the gender and number the slot already had.

lexicon: the single-word nouns of Apertium's English-Spanish bilingual
  dictionary (apertium-eng-spa, GPL-2; DICT.att is `lt-print` of its
  eng-spa.autobil.bin, data/work/dict.att) whose Spanish has a fixed gender
  (m, f, or mf for nouns like "turista" that take either), one Spanish noun per
  English one, with both numbers of both sides made by Apertium's own
  generators (`lt-proc -g`): `en<TAB>en plural<TAB>es<TAB>es plural<TAB>gender`,
  sorted. Dropped: nouns whose two numbers are spelt alike on a side ("sheep",
  "crisis": the number of the slot could not be told) and feminine nouns
  starting with a or ha, which take "el" in the singular ("el agua").
swap: every distinct pair of BASE.tsv (`domain<TAB>en<TAB>es`) of the
  --domains (default "phrase story help desc": sentences, not program labels
  or Bible verses of 1909 Spanish) in which a lexicon noun form occurs once in
  the English (lower case, or capitalised) and its Spanish form of the same
  number once in the Spanish is an anchor. It comes out K times, each time
  with one of its anchored nouns (chosen by a hash) replaced on both sides by
  a pool noun of the same number whose gender fits the slot (m or mf for m,
  f or mf for f, mf for mf); the first letter keeps its case and an English
  "a"/"an" before it follows the new noun. The pool: lexicon nouns whose
  English occurs 1 to --pool-max (default 50) times in BASE's English, the
  rare words that need more sentences. The choices are hashes of the pair and
  the copy number: the same input gives the same bytes. A copy whose English
  is (normalised as in tools/check_everyday.py) an English sentence of a
  --held file is dropped.
recall: in each line of TEST.tsv (`domain<TAB>en<TAB>es`, e.g.
  corpus/nouns_probe.tsv), the lexicon nouns of the source (English; Spanish
  with --reverse) whose English occurs 1 to --max-count (default 50) times in
  BASE's English, as swap's pool counts them, and whose other form of the
  same number is in the reference; each hypothesis file (one line per test
  line) scores a noun it writes in that line. One line per file, "N of M
  nouns PATH".
Exit status 2 and a message for bad usage, an unreadable file or a missing
Apertium.
"""
import argparse
import collections
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from add_corpus import read_tsv  # noqa: E402
from check_everyday import norm  # noqa: E402
from probes import print_recall, read_held  # noqa: E402
from extract_dict import entries, read_transducer  # noqa: E402

APERTIUM = '/usr/share/apertium/apertium-eng-spa'
GENDERS = {'<n><m>': 'm', '<n><f>': 'f', '<n><mf>': 'mf'}
# the genders a slot of each gender takes
FITS = {'m': ('m', 'mf'), 'f': ('f', 'mf'), 'mf': ('mf',)}
WORD = re.compile(r'[^\W\d_]+')
DEFAULT_DOMAINS = 'phrase story help desc'


def lt_generate(binary, analyses):
    """The surface forms Apertium's generator BINARY makes of ANALYSES
    ('turista<n><mf><pl>'), in order; '' where it cannot."""
    stream = ''.join(f'^{a}$\n' for a in analyses)
    try:
        out = subprocess.run(['lt-proc', '-g', binary], input=stream, capture_output=True,
                             text=True, check=True).stdout.split('\n')
    except (OSError, subprocess.CalledProcessError) as e:
        raise OSError(f'lt-proc -g {binary} failed ({e}); sh tools/setup.sh --train installs Apertium')
    if len(out) < len(analyses):
        raise OSError(f'lt-proc -g {binary} gave {len(out)} lines for {len(analyses)}')
    return [w if w.isalpha() else '' for w in out[:len(analyses)]]


def lexicon(att_path, generate=lt_generate):
    """The lexicon rows (see the module text) of the listing ATT_PATH;
    GENERATE(binary, analyses) makes the inflected forms."""
    arcs, finals = read_transducer(att_path)
    spanish = collections.defaultdict(set)
    for left, right in entries(arcs, finals):
        en, _, en_tags = left.partition('<')
        es, _, es_tags = right.partition('<')
        gender = GENDERS.get('<' + es_tags)
        if en_tags != 'n>' or not gender:
            continue
        if not (en.isalpha() and en.islower() and es.isalpha() and es.islower()):
            continue
        spanish[en].add((es, gender))
    single = sorted((en, *next(iter(v))) for en, v in spanish.items() if len(v) == 1)
    en_forms = generate(f'{APERTIUM}/spa-eng.autogen.bin',
                        [f'{en}<n><{n}>' for en, _, _ in single for n in ('sg', 'pl')])
    es_forms = generate(f'{APERTIUM}/eng-spa.autogen.bin',
                        [f'{es}<n><{g}><{n}>' for _, es, g in single for n in ('sg', 'pl')])
    rows = []
    for i, (_, _, gender) in enumerate(single):
        en_sg, en_pl, es_sg, es_pl = en_forms[2 * i:2 * i + 2] + es_forms[2 * i:2 * i + 2]
        if not all((en_sg, en_pl, es_sg, es_pl)) or en_sg == en_pl or es_sg == es_pl:
            continue
        if gender == 'f' and re.match('h?[aá]', es_sg):
            continue
        rows.append((en_sg, en_pl, es_sg, es_pl, gender))
    return sorted(set(rows))


def read_lexicon(path):
    """The rows of a nouns.tsv; ValueError when it is not one."""
    rows = [tuple(r) for r in read_tsv(path)]
    if len(rows) < 2 or any(len(r) != 5 or not all(r) or r[4] not in FITS for r in rows):
        raise ValueError(f'{path} is not en<TAB>en plural<TAB>es<TAB>es plural<TAB>gender lines')
    return rows


def fold(word):
    """The lexicon form of a text word: lower case, or a capitalised one
    lowered; None for other shapes ("TOURISTS", "McTourist")."""
    if word.islower():
        return word
    if word[0].isupper() and (len(word) == 1 or word[1:].islower()):
        return word.lower()
    return None


def like(model, word):
    """WORD with the first letter's case of MODEL."""
    return word[0].upper() + word[1:] if model[0].isupper() else word


def hashed(key, *parts):
    return int.from_bytes(hashlib.sha256(key + repr(parts).encode()).digest()[:4], 'big')


def vowel_sound(word):
    """Whether an English word takes "an": a vowel letter, less the "you" and
    "one" sounds (unit, user, euro, one), plus a silent h (hour, honest, heir)."""
    return bool(re.match(r'(?!u[bcdfghjklmnprstvwxz][aeiouy]|eu|one)[aeiou]|hon|hour|heir', word))


def replace_once(text, old, new, english):
    """TEXT with its one whole-word OLD (any first-letter case) as NEW in
    OLD's case; in ENGLISH text an article "a"/"an" right before it follows NEW."""
    m = next(m for m in WORD.finditer(text) if fold(m.group()) == old)
    before, after = text[:m.start()], text[m.end():]
    art = re.search(r'(?<!\w)([Aa]n?) $', before) if english else None
    if art:
        before = before[:art.start(1)] + art.group(1)[0] + ('n' if vowel_sound(new) else '') + ' '
    return before + like(m.group(), new) + after


def english_counts(base_rows, lex):
    """How often each lexicon noun (both numbers together, by its singular)
    occurs in the English of BASE_ROWS."""
    lemma = {form: row[0] for row in lex for form in row[:2]}
    seen = collections.Counter()
    for row in base_rows:
        if len(row) == 3:
            seen.update(lemma[w] for w in map(fold, WORD.findall(row[1])) if w in lemma)
    return seen


def swap(base_rows, lex, variants, held, domains=DEFAULT_DOMAINS.split(), pool_max=50):
    """The swapped copies, in base order; see the module text."""
    en_form = {}  # English form -> (Spanish form, number, gender)
    for en_sg, en_pl, es_sg, es_pl, gender in lex:
        en_form[en_sg] = (es_sg, 0, gender)
        en_form[en_pl] = (es_pl, 1, gender)
    seen_en = english_counts(base_rows, lex)
    pool = collections.defaultdict(list)  # (gender, number) -> [(en, es)]
    for en_sg, en_pl, es_sg, es_pl, gender in lex:
        if 1 <= seen_en[en_sg] <= pool_max:
            pool[gender, 0].append((en_sg, es_sg))
            pool[gender, 1].append((en_pl, es_pl))
    wanted = set(domains)
    out, done = [], set()
    for row in base_rows:
        if len(row) != 3 or row[0] not in wanted or (row[1], row[2]) in done:
            continue
        domain, en, es = row
        done.add((en, es))
        en_count = collections.Counter(map(fold, WORD.findall(en)))
        es_count = collections.Counter(map(fold, WORD.findall(es)))
        anchors = [w for w in sorted(en_count, key=str) if w in en_form and en_count[w] == 1
                   and es_count[en_form[w][0]] == 1]
        if not anchors:
            continue
        key = f'{en}\t{es}'.encode('utf-8')
        for k in range(variants):
            old = anchors[hashed(key, k, 'anchor') % len(anchors)]
            old_es, number, gender = en_form[old]
            choices = [p for g in FITS[gender] for p in pool[g, number] if p[0] != old]
            if not choices:
                continue
            new_en, new_es = choices[hashed(key, k, 'noun') % len(choices)]
            copy_en = replace_once(en, old, new_en, english=True)
            if norm(copy_en) in held:
                continue
            out.append((domain, copy_en, replace_once(es, old_es, new_es, english=False)))
    return out


def recall(test_rows, hyp_lines, lex, seen_en, max_count=50, reverse=False):
    """(found, total) over the rare nouns of each test source; see the module text."""
    other = {}  # source form -> (target form, English singular)
    for en_sg, en_pl, es_sg, es_pl, _ in lex:
        if 1 <= seen_en[en_sg] <= max_count:
            for en, es in ((en_sg, es_sg), (en_pl, es_pl)):
                other[es if reverse else en] = (en if reverse else es, en_sg)
    src, ref = (2, 1) if reverse else (1, 2)
    found = total = 0
    for row, hyp in zip(test_rows, hyp_lines):
        ref_words = set(map(fold, WORD.findall(row[ref])))
        hyp_words = {w.lower() for w in WORD.findall(hyp)}
        for w in set(map(fold, WORD.findall(row[src]))):
            if w in other and other[w][0] in ref_words:
                total += 1
                found += other[w][0] in hyp_words
    return found, total


def main(argv):
    ap = argparse.ArgumentParser(prog='nouns.py', description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('lexicon')
    t.add_argument('att')
    t.add_argument('out')
    s = sub.add_parser('swap')
    s.add_argument('--lexicon', required=True)
    s.add_argument('--variants', type=int, required=True)
    s.add_argument('--domains', default=DEFAULT_DOMAINS)
    s.add_argument('--pool-max', type=int, default=50)
    s.add_argument('--held', action='append', default=[])
    s.add_argument('base')
    r = sub.add_parser('recall')
    r.add_argument('--lexicon', required=True)
    r.add_argument('--train', required=True)
    r.add_argument('--max-count', type=int, default=50)
    r.add_argument('--reverse', action='store_true')
    r.add_argument('test')
    r.add_argument('hyp', nargs='+')
    a = ap.parse_args(argv)
    try:
        if a.cmd == 'lexicon':
            rows = lexicon(a.att)
            with open(a.out, 'w', encoding='utf-8') as f:
                f.writelines('\t'.join(r) + '\n' for r in rows)
            print(f'nouns: {len(rows)} nouns -> {a.out}', file=sys.stderr)
            return 0
        if a.cmd == 'recall':
            lex = read_lexicon(a.lexicon)
            seen = english_counts(read_tsv(a.train), lex)
            return print_recall('nouns.py', a.test, a.hyp,
                                lambda test, hyp: recall(test, hyp, lex, seen, a.max_count, a.reverse),
                                'nouns')
        if a.variants < 1 or a.pool_max < 1:
            ap.error('--variants and --pool-max take a whole number from 1')
        lex = read_lexicon(a.lexicon)
        rows = swap(read_tsv(a.base), lex, a.variants, read_held(a.held), a.domains.split(), a.pool_max)
    except (OSError, ValueError) as e:
        print(f'nouns.py: {e}', file=sys.stderr)
        return 2
    sys.stdout.writelines('\t'.join(r) + '\n' for r in rows)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
