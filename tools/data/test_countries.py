"""Checks of tools/data/countries.py on made-up catalogs and pairs (standard library only).

    cd tools/data && python3 -m unittest test_countries -v
"""

import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import countries  # noqa: E402

TABLE = [('Finland', 'Finlandia'), ('Germany', 'Alemania'), ('Japan', 'Japón'),
         ('New Zealand', 'Nueva Zelanda'), ('Portugal', 'Portugal')]


def write_mo(path, pairs):
    """A little-endian GNU .mo file holding PAIRS (msgid, msgstr) and a header."""
    pairs = [(b'', b'Content-Type: text/plain; charset=UTF-8\n')] + \
        [(k.encode(), v.encode()) for k, v in pairs]
    n = len(pairs)
    o_off, t_off = 28, 28 + 8 * n
    data_off = 28 + 16 * n
    blob, o_tab, t_tab = b'', b'', b''
    for k, _ in pairs:
        o_tab += struct.pack('<2I', len(k), data_off + len(blob))
        blob += k + b'\0'
    for _, v in pairs:
        t_tab += struct.pack('<2I', len(v), data_off + len(blob))
        blob += v + b'\0'
    with open(path, 'wb') as f:
        f.write(struct.pack('<7I', 0x950412DE, 0, n, o_off, t_off, 0, 0) + o_tab + t_tab + blob)


class Table(unittest.TestCase):
    def test_common_names_only_and_fixes(self):
        with tempfile.TemporaryDirectory() as d:
            mo = os.path.join(d, 'iso_3166-1.mo')
            write_mo(mo, [('Finland', 'Finlandia'), ('Hellenic Republic', 'República Helénica'),
                          ('Bolivia, Plurinational State of', 'Bolivia, Estado plurinacional de'),
                          ('Republic of Korea', 'República de Corea'), ('Cayman Islands', 'Islas Caimán'),
                          ('Central African Republic', 'República Centroafricana'),
                          ('Georgia', 'Georgia'), ('Tunisia', 'Tunez'), ('Untranslated', '')])
            self.assertEqual(countries.table(mo), [('Finland', 'Finlandia'), ('Tunisia', 'Túnez')])


class Swap(unittest.TestCase):
    def rows(self, base, variants=3, held=()):
        return countries.swap(base, TABLE, variants, {countries.norm(h) for h in held})

    def test_both_sides_swapped_k_times(self):
        out = self.rows([['phrase', 'My sister lives in Germany.', 'Mi hermana vive en Alemania.']])
        self.assertEqual(len(out), 3)
        es_of = dict(TABLE)
        for domain, en, es in out:
            self.assertEqual(domain, 'phrase')
            name = en[len('My sister lives in '):-1]
            self.assertNotEqual(name, 'Germany')
            self.assertEqual(es, f'Mi hermana vive en {es_of[name]}.')

    def test_same_input_same_output_and_duplicates_once(self):
        base = [['ui', 'Finnish (Finland)', 'Finés (Finlandia)']] * 3
        self.assertEqual(self.rows(base), self.rows(base[:1]))
        self.assertEqual(len(self.rows(base)), 3)

    def test_two_names_get_two_different_names(self):
        out = self.rows([['phrase', 'From Japan to New Zealand.', 'De Japón a Nueva Zelanda.']], variants=20)
        self.assertEqual(len(out), 20)
        es_of = dict(TABLE)
        for _, en, es in out:
            a, b = en[len('From '):-1].split(' to ')
            self.assertNotEqual(a, b)
            self.assertEqual(es, f'De {es_of[a]} a {es_of[b]}.')

    def test_skipped_pairs(self):
        base = [['bible', 'He went to Germany.', 'Fue a Alemania.'],              # Bible verses
                ['story', 'He said Germany.', 'Dijo Francia.'],                    # Spanish lacks it
                ['story', 'Germany and Germany.', 'Alemania y Alemania.'],         # named twice
                ['ui', 'Germanys', 'Alemanias'],                                   # not a whole word
                ['ui', 'Open file', 'Abrir archivo']]                               # no country
        self.assertEqual(self.rows(base), [])

    def test_held_out_sentences_are_dropped(self):
        base = [['phrase', 'I live in Japan.', 'Vivo en Japón.']]
        out = self.rows(base, variants=40)
        self.assertTrue(any(en == 'I live in Finland.' for _, en, _ in out))
        held = self.rows(base, variants=40, held=['i live in FINLAND'])
        self.assertFalse(any(en == 'I live in Finland.' for _, en, _ in held))
        self.assertEqual(len(held), len(out) - sum(en == 'I live in Finland.' for _, en, _ in out))

    def test_recall_counts_names_of_the_references(self):
        test = [['countries', 'I live in Japan.', 'Vivo en Japón.'],
                ['countries', 'From Japan to Finland.', 'De Japón a Finlandia.'],
                ['countries', 'Hello.', 'Hola.']]
        hyp = ['Vivo en Japón.', 'De Japon a Finlandia.', 'Hola.']
        self.assertEqual(countries.recall(test, hyp, TABLE), (2, 3))
        hyp = ['I live in Japan.', 'From Japan to Finlandia.', 'Hello.']
        self.assertEqual(countries.recall(test, hyp, TABLE, reverse=True), (2, 3))


class CommandLine(unittest.TestCase):
    def run_cli(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, 'countries.py'), *args],
                              capture_output=True, text=True)

    def test_swap_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            table = os.path.join(d, 'countries.tsv')
            base = os.path.join(d, 'base.tsv')
            with open(table, 'w', encoding='utf-8') as f:
                f.writelines(f'{en}\t{es}\n' for en, es in TABLE)
            with open(base, 'w', encoding='utf-8') as f:
                f.write('phrase\tI live in Japan.\tVivo en Japón.\n')
            r = self.run_cli('swap', '--table', table, '--variants', '2', base)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(r.stdout.splitlines()), 2)
            r = self.run_cli('swap', '--table', os.path.join(d, 'none.tsv'), '--variants', '2', base)
            self.assertEqual(r.returncode, 2)
            self.assertIn('countries.py:', r.stderr)
            r = self.run_cli('swap', '--table', table, '--variants', '0', base)
            self.assertEqual(r.returncode, 2)
            with open(os.path.join(d, 'short.txt'), 'w', encoding='utf-8') as f:
                f.write('')
            r = self.run_cli('recall', '--table', table, base, os.path.join(d, 'short.txt'),
                             os.path.join(d, 'short.txt'))
            self.assertEqual(r.returncode, 0)  # one empty line stands for the one test line
            r = self.run_cli('recall', '--table', table, base, base)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stdout.split()[:4], ['1', 'of', '1', 'names'])
            r = self.run_cli('recall', '--table', table, os.path.join(d, 'none.tsv'), base)
            self.assertEqual(r.returncode, 2)


if __name__ == '__main__':
    unittest.main()
