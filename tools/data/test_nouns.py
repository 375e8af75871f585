"""Checks of tools/data/nouns.py on a made-up dictionary and pairs (standard library only;
one check also runs Apertium's generators where they are installed).

    cd tools/data && python3 -m unittest test_nouns -v
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nouns  # noqa: E402
from test_extract_dict import att  # noqa: E402

# en, en plural, es, es plural, gender
LEX = [('dog', 'dogs', 'perro', 'perros', 'm'),
       ('owl', 'owls', 'búho', 'búhos', 'm'),
       ('tourist', 'tourists', 'turista', 'turistas', 'mf'),
       ('frog', 'frogs', 'rana', 'ranas', 'f'),
       ('house', 'houses', 'casa', 'casas', 'f'),
       ('unit', 'units', 'unidad', 'unidades', 'f')]
# the pool is the nouns seen 1 to pool_max times in the base's English
SEEN = [['ui', 'Owl', 'Búho'], ['ui', 'Frog', 'Rana'], ['ui', 'Tourist', 'Turista'],
        ['ui', 'Unit', 'Unidad'], ['ui', 'house', 'casa']]
PLURAL = {'dog': 'dogs', 'owl': 'owls', 'tourist': 'tourists', 'sheep': 'sheep',
          'perro': 'perros', 'turista': 'turistas', 'oveja': 'ovejas', 'agua': 'aguas',
          'archivo': 'archivos', 'fichero': 'ficheros'}


def fake_generate(_binary, analyses):
    """What Apertium's generators write for these made-up nouns; '' for 'búho'."""
    out = []
    for a in analyses:
        lemma, number = a.split('<')[0], a.split('<')[-1].rstrip('>')
        out.append('' if lemma == 'owl' else lemma if number == 'sg' else PLURAL.get(lemma, ''))
    return out


class Lexicon(unittest.TestCase):
    def test_single_word_nouns_of_fixed_gender_in_both_numbers(self):
        listing = att([('dog<n>', 'perro<n><m>'), ('tourist<n>', 'turista<n><mf>'),
                       ('sheep<n>', 'oveja<n><f>'),        # English plural as singular
                       ('water<n>', 'agua<n><f>'),         # "el agua"
                       ('file<n>', 'archivo<n><m>'), ('file<n>', 'fichero<n><m>'),  # two Spanish
                       ('tutor<n>', 'tutor<n><GD>'),       # gender from context
                       ('run<vblex>', 'correr<vblex>'), ('income tax<n>', 'impuesto<n><m>'),
                       ('owl<n>', 'búho<n><m>')])          # the generator fails
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'dict.att')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(listing)
            rows = nouns.lexicon(path, fake_generate)
        self.assertEqual(rows, [('dog', 'dogs', 'perro', 'perros', 'm'),
                                ('tourist', 'tourists', 'turista', 'turistas', 'mf')])

    @unittest.skipUnless(os.path.exists(f'{nouns.APERTIUM}/eng-spa.autogen.bin'), 'apertium-eng-spa is not installed')
    def test_apertium_generators(self):
        self.assertEqual(nouns.lt_generate(f'{nouns.APERTIUM}/eng-spa.autogen.bin',
                                           ['turista<n><mf><pl>', 'lápiz<n><m><pl>', 'xyzzy<n><m><pl>']),
                         ['turistas', 'lápices', ''])
        self.assertEqual(nouns.lt_generate(f'{nouns.APERTIUM}/spa-eng.autogen.bin', ['child<n><pl>']),
                         ['children'])


class Swap(unittest.TestCase):
    def rows(self, base, variants=4, held=(), **kw):
        return nouns.swap(base + SEEN, LEX, variants, {nouns.norm(h) for h in held}, **kw)

    def test_noun_swapped_on_both_sides_with_its_gender_and_number(self):
        out = self.rows([['story', 'The dogs sleep in the barn.', 'Los perros duermen en el granero.']],
                        variants=20)
        self.assertEqual(len(out), 20)
        allowed = {('The owls sleep in the barn.', 'Los búhos duermen en el granero.'),
                   ('The tourists sleep in the barn.', 'Los turistas duermen en el granero.')}
        self.assertEqual(set(out) - {('story', en, es) for en, es in allowed}, set())
        self.assertEqual({(en, es) for _, en, es in out}, allowed)

    def test_feminine_slot_and_article_and_case(self):
        out = self.rows([['phrase', 'A frog is on the road.', 'Una rana está en el camino.']], variants=30)
        pairs = {(en, es) for _, en, es in out}
        # f slot: f or mf nouns; "house" is seen once, so it is in the pool
        self.assertIn(('A house is on the road.', 'Una casa está en el camino.'), pairs)
        self.assertIn(('A tourist is on the road.', 'Una turista está en el camino.'), pairs)
        self.assertIn(('A unit is on the road.', 'Una unidad está en el camino.'), pairs)
        self.assertFalse(any('frog' in en.lower() for en in dict(pairs)))
        self.assertFalse(any('perro' in es or 'búho' in es for _, es in pairs))

    def test_an_before_a_vowel_sound(self):
        out = self.rows([['phrase', 'I saw a dog today.', 'Hoy vi un perro.']], variants=20)
        self.assertIn(('phrase', 'I saw an owl today.', 'Hoy vi un búho.'), out)
        self.assertIn(('phrase', 'I saw a tourist today.', 'Hoy vi un turista.'), out)
        for word, an in [('owl', True), ('unit', False), ('umbrella', True), ('user', False),
                         ('euro', False), ('hour', True), ('house', False), ('uncle', True)]:
            self.assertEqual(nouns.vowel_sound(word), an, word)

    def test_spanish_a_is_not_an_article(self):
        out = self.rows([['phrase', 'Take the dog home.', 'Lleva a el perro a casa.']], variants=10)
        self.assertTrue(out)
        for _, _, es in out:
            self.assertTrue(es.startswith('Lleva a el ') and es.endswith(' a casa.'), es)

    def test_capitalised_noun_keeps_its_case(self):
        out = self.rows([['story', 'Dogs bark at night.', 'Los perros ladran de noche.']], variants=10)
        self.assertIn(('story', 'Owls bark at night.', 'Los búhos ladran de noche.'), out)

    def test_skipped_pairs(self):
        base = [['ui', 'Dog', 'Perro'],                                   # a label
                ['bible', 'The dog returns.', 'El perro vuelve.'],        # Bible
                ['story', 'The dog saw the dog.', 'El perro vio al perro.'],  # twice
                ['story', 'The dog sleeps.', 'El can duerme.'],           # Spanish lacks it
                ['story', 'The DOG sleeps.', 'El perro duerme.']]         # shape not folded
        self.assertEqual(self.rows(base), [])

    def test_pool_is_the_rare_nouns(self):
        base = [['story', 'The dog sleeps.', 'El perro duerme.']]
        out = nouns.swap(base + SEEN + [['ui', 'frog', 'rana']] * 3, LEX, 30, set(), pool_max=2)
        # frog seen 4 times, over pool_max; dog only in the sentence itself: both out
        self.assertTrue(out)
        self.assertFalse(any('frog' in en or 'dog' in en for _, en, _ in out))

    def test_held_out_sentence_never_made(self):
        base = [['phrase', 'The dog is here.', 'El perro está aquí.']]
        out = self.rows(base, variants=20, held=['the owl is here'])
        self.assertTrue(out)
        self.assertNotIn('The owl is here.', [en for _, en, _ in out])

    def test_deterministic_and_domains(self):
        base = [['help', 'Feed the dog and the frog.', 'Alimenta al perro y a la rana.']]
        a, b = self.rows(base), self.rows(base)
        self.assertEqual(a, b)
        self.assertEqual(len(a), 4)
        self.assertEqual(self.rows(base, domains=['story']), [])


class Recall(unittest.TestCase):
    def test_rare_nouns_of_the_reference_written(self):
        test = [['nouns', 'The tourists saw an owl.', 'Los turistas vieron un búho.'],
                ['nouns', 'A frog and a dog.', 'Una rana y un can.'],    # dog: not in the reference
                ['nouns', 'The house is red.', 'La casa es roja.']]
        seen = nouns.english_counts(SEEN + [['ui', 'house', 'casa']] * 60, LEX)
        hyp = ['Los turistas vieron una lechuza.', 'Una rana y un perro.', 'La casa es roja.']
        # house is seen 61 times: not rare; dog never: not rare either
        self.assertEqual(nouns.recall(test, hyp, LEX, seen), (2, 3))
        self.assertEqual(nouns.recall(test, ['The tourists saw an owl.', 'A toad and a dog.', ''],
                                      LEX, seen, reverse=True), (2, 3))
        self.assertEqual(nouns.recall(test, hyp, LEX, seen, max_count=100), (3, 4))


class Cli(unittest.TestCase):
    def run_cli(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, 'nouns.py'), *args],
                              capture_output=True, text=True)

    def test_swap_writes_tsv(self):
        with tempfile.TemporaryDirectory() as d:
            lex, base = os.path.join(d, 'nouns.tsv'), os.path.join(d, 'base.tsv')
            with open(lex, 'w', encoding='utf-8') as f:
                f.writelines('\t'.join(r) + '\n' for r in LEX)
            with open(base, 'w', encoding='utf-8') as f:
                f.writelines('\t'.join(r) + '\n' for r in
                             [['story', 'The dog sleeps.', 'El perro duerme.']] + SEEN)
            r = self.run_cli('swap', '--lexicon', lex, '--variants', '2', base)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.splitlines()
            self.assertEqual(len(lines), 2)
            self.assertTrue(all(line.count('\t') == 2 for line in lines))

    def test_errors(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, 'bad.tsv')
            with open(bad, 'w', encoding='utf-8') as f:
                f.write('dog\tperro\n')
            r = self.run_cli('swap', '--lexicon', bad, '--variants', '1', bad)
            self.assertEqual(r.returncode, 2)
            self.assertIn('is not en', r.stderr)
            r = self.run_cli('swap', '--lexicon', os.path.join(d, 'missing.tsv'), '--variants', '1', bad)
            self.assertEqual(r.returncode, 2)
            r = self.run_cli('swap', '--lexicon', bad, '--variants', '0', bad)
            self.assertEqual(r.returncode, 2)


if __name__ == '__main__':
    unittest.main()
