#!/usr/bin/python3
"""extract_dict.py — English-Spanish word pairs from Apertium's bilingual dictionary.

    lt-print /usr/share/apertium/apertium-eng-spa/eng-spa.autobil.bin > bil.att
    extract_dict.py bil.att DATA_DIR EVERYDAY_TEST EVERYDAY_DEV OUT.tsv REPORT.json

`lt-print` writes the compiled dictionary (apertium-eng-spa, GPL-2) as a
transducer in AT&T text form: one arc per line, `from to input output
weight`, a final state as `state weight`, sections separated by `--`. The
first section is the dictionary proper; the others are patterns (numbers,
Roman numerals) and are skipped. Every path from state 0 to a final state
is one entry, `quarry<n>` : `cantera<n><f>`; the text before the first tag
is the lemma on each side (`#` marks where a multiword's fixed part goes in
Apertium and is dropped: `reproductor# de MP3` -> `reproductor de MP3`).

Kept: nouns, verbs, adjectives, adverbs and interjections, and proper nouns
whose Spanish differs (Eratosthenes -> Eratóstenes; a name copied as is
teaches nothing). Dropped: any pair whose English is a sentence of the dev
or test split or of the everyday test/dev sets (tools/check_everyday.py's
normalisation), so that no held-out source gains its reference from here.
Written as `dict<TAB>en<TAB>es`, sorted: same inputs, same bytes. Lemmas
only: the dictionary has no inflected forms.
"""
import json
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from check_everyday import held_out_english, norm  # noqa: E402

KEEP_POS = {'n', 'vblex', 'adj', 'adv', 'ij'}
EPSILON = 'ε'


def read_transducer(path):
    """The first section's arcs (state -> [(next, in, out)]) and final states."""
    arcs, finals = defaultdict(list), set()
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('--'):
                break
            fields = line.rstrip('\n').split('\t')
            if len(fields) >= 4:
                arcs[int(fields[0])].append((int(fields[1]), fields[2], fields[3]))
            elif fields[0]:
                finals.add(int(fields[0]))
    return arcs, finals


def entries(arcs, finals):
    """Every path's (input, output) strings; a path never revisits a state,
    so the pattern loops cannot make it endless."""
    stack = [(0, (), (), frozenset([0]))]
    while stack:
        state, left, right, seen = stack.pop()
        if state in finals:
            yield ''.join(left), ''.join(right)
        for nxt, a, b in arcs.get(state, ()):
            if nxt not in seen:
                stack.append((nxt, left + ((a,) if a != EPSILON else ()),
                              right + ((b,) if b != EPSILON else ()), seen | {nxt}))


def split_entry(s):
    """'quarry<n>' -> ('quarry', 'n'); no tag -> (s, '')."""
    lemma, _, rest = s.partition('<')
    return ' '.join(lemma.replace('#', '').split()), rest.partition('>')[0]


def main(att, data, ev_test, ev_dev, out_path, report_path):
    held = held_out_english(data, [ev_test, ev_dev])
    arcs, finals = read_transducer(att)
    pairs, by_pos, dropped = set(), Counter(), Counter()
    for left, right in entries(arcs, finals):
        en, pos = split_entry(left)
        es, _ = split_entry(right)
        if not en or not es:
            continue
        if not (pos in KEEP_POS or (pos == 'np' and en != es)):
            dropped['part of speech ' + (pos or 'none')] += 1
            continue
        if norm(en) in held:
            dropped['held-out English'] += 1
            continue
        if (en, es) not in pairs:
            pairs.add((en, es))
            by_pos[pos] += 1
    rows = sorted(pairs)
    with open(out_path, 'w', encoding='utf-8') as f:
        f.writelines(f'dict\t{en}\t{es}\n' for en, es in rows)
    report = {'pairs': len(rows), 'english_lemmas': len({en for en, _ in rows}),
              'by_part_of_speech': dict(by_pos.most_common()), 'dropped': dict(dropped.most_common())}
    with open(report_path, 'w', encoding='utf-8') as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    print(f'dict: {len(rows)} pairs ({report["english_lemmas"]} English lemmas); '
          f'dropped {dropped["held-out English"]} held-out English', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
