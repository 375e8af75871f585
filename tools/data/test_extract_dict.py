"""Checks of tools/data/extract_dict.py on a made-up lt-print listing (standard library only).

    cd tools/data && python3 -m unittest test_extract_dict -v
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def symbols(s):
    """'take# out<vblex>' -> ['t', 'a', ..., '<vblex>']: a tag is one symbol."""
    out, i = [], 0
    while i < len(s):
        if s[i] == '<':
            j = s.index('>', i)
            out.append(s[i:j + 1])
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return out


def att(entries, extra_arcs=()):
    """An AT&T listing as lt-print writes it: each entry its own chain of
    states from 0, the shorter side padded with epsilons at the end."""
    lines, state = [], 0
    for left, right in entries:
        a, b = symbols(left), symbols(right)
        n = max(len(a), len(b))
        a += ['ε'] * (n - len(a))
        b += ['ε'] * (n - len(b))
        prev = 0
        for x, y in zip(a, b):
            state += 1
            lines.append(f'{prev}\t{state}\t{x}\t{y}\t0.000000\t')
            prev = state
        lines.append(f'{prev}\t0.000000')
    lines += extra_arcs
    # a second section (a pattern) that must be ignored
    lines += ['--', '0\t1\tc\tc\t0.000000\t', '1\t2\t<n>\t<n>\t0.000000\t', '2\t0.000000']
    return '\n'.join(lines) + '\n'


ENTRIES = [
    ('quarry<n>', 'cantera<n><f>'),
    ('wrath<n>', 'ira<n><f>'),
    ('take# out<vblex>', 'sacar<vblex>'),
    ('MP3 player<n>', 'reproductor# de MP3<n><m>'),
    ('quickly<adv>', 'rápidamente<adv>'),
    ('Jeremiah<np><ant>', 'Jeremías<np><ant>'),
    ('Albania<np><loc>', 'Albania<np><loc><f>'),   # a copied name: dropped
    ('between<pr>', 'entre<pr>'),                  # not a content word: dropped
    ('Save<vblex>', 'guardar<vblex>'),             # a dev sentence: dropped
    ('hello<ij>', 'hola<ij>'),                     # the everyday dev set: dropped
    ('quarry<n>', 'cantera<n><f>'),                # a repeat: once
]
# a loop on state 900 (as the number patterns have): ends, and is dropped
LOOP = ['0\t900\t1\t1\t0.000000\t', '900\t900\t2\t2\t0.000000\t',
        '900\t901\t<num>\t<num>\t0.000000\t', '901\t0.000000']


class TestExtractDict(unittest.TestCase):
    def test_entries_kept_and_held_text_left_out(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, 'data'))
            with open(os.path.join(d, 'bil.att'), 'w', encoding='utf-8') as f:
                f.write(att(ENTRIES, LOOP))
            with open(os.path.join(d, 'data/dev.tsv'), 'w', encoding='utf-8') as f:
                f.write('ui\tSave\tGuardar\n')
            with open(os.path.join(d, 'data/test.tsv'), 'w', encoding='utf-8') as f:
                f.write('story\tSomething else.\tOtra cosa.\n')
            with open(os.path.join(d, 'ev_test.tsv'), 'w', encoding='utf-8') as f:
                f.write('greet\tGood morning!\t¡Buenos días!\n')
            with open(os.path.join(d, 'ev_dev.tsv'), 'w', encoding='utf-8') as f:
                f.write('greet\tHello!\t¡Hola!\n')
            out, report = os.path.join(d, 'dict.tsv'), os.path.join(d, 'report.json')
            subprocess.run([sys.executable, os.path.join(HERE, 'extract_dict.py'),
                            os.path.join(d, 'bil.att'), os.path.join(d, 'data'),
                            os.path.join(d, 'ev_test.tsv'), os.path.join(d, 'ev_dev.tsv'),
                            out, report], check=True, capture_output=True, timeout=60)
            with open(out, encoding='utf-8') as f:
                rows = f.read().splitlines()
            with open(report, encoding='utf-8') as f:
                rep = json.load(f)
        self.assertEqual(rows, sorted([
            'dict\tJeremiah\tJeremías',
            'dict\tMP3 player\treproductor de MP3',
            'dict\tquarry\tcantera',
            'dict\tquickly\trápidamente',
            'dict\ttake out\tsacar',
            'dict\twrath\tira',
        ]))
        self.assertEqual(rep['pairs'], 6)
        self.assertEqual(rep['dropped']['held-out English'], 2)
        self.assertEqual(rep['dropped']['part of speech pr'], 1)
        self.assertEqual(rep['dropped']['part of speech num'], 1)
        self.assertEqual(rep['dropped']['part of speech np'], 1)


if __name__ == '__main__':
    unittest.main()
