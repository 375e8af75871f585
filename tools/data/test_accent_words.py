"""Tests of accent_words.py on a made-up corpus (standard library only)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accent_words as aw  # noqa: E402


class TestAccentWords(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        tsv = os.path.join(self.tmp.name, "train.tsv")
        with open(tsv, "w", encoding="utf-8") as f:
            for _ in range(20):
                f.write("phrase\tAlso the phone.\tTambién el teléfono.\n")
                f.write("phrase\tThis is it, where is it?\tEsta es, ¿dónde está?\n")
            for _ in range(12):
                f.write("phrase\tOne nail, tomorrow, a company.\tUna uña, mañana, una compañía.\n")
            f.write("ui\tx\tel telefono\n")  # one plain "telefono" in 21
            f.write("ui\tx\tdonde\n")
        text = os.path.join(self.tmp.name, "mono.es")
        with open(text, "w", encoding="utf-8") as f:
            f.write("Más canción, más.\n" * 3)
        self.inputs = [tsv], [text]

    def tearDown(self):
        self.tmp.cleanup()

    def words(self, **kw):
        return aw.accent_words(aw.count_words(*self.inputs), kw.get("min_count", 10), kw.get("share", 0.05))

    def test_keeps_forms_whose_plain_form_is_rare(self):
        # "telefono" 1 time beside "teléfono" 20: within 5 %; "donde" 1 beside
        # "dónde" 20 too; "esta" 20 beside "está" 20: both are words. ñ
        # typed as n counts as plain too: "manana" and "compania" are no
        # words, "una" (uña) is one
        self.assertEqual(self.words(), ["compañía", "dónde", "mañana", "también", "teléfono"])

    def test_min_count_and_share(self):
        self.assertEqual(self.words(min_count=3),
                         ["canción", "compañía", "dónde", "mañana", "más", "también", "teléfono"])
        self.assertEqual(self.words(share=0.01), ["compañía", "mañana", "también"])

    def test_module_is_one_sorted_string_and_deterministic(self):
        out = aw.module(self.words(), ["t.tsv"])
        self.assertIn("export const ACCENT_WORDS = 'compañía dónde mañana también teléfono';", out)
        self.assertEqual(out, aw.module(self.words(), ["t.tsv"]))


if __name__ == "__main__":
    unittest.main()
