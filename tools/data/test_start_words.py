"""Tests of start_words.py on a made-up corpus (standard library only)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import start_words as sw  # noqa: E402


class TestStartWords(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.tsv = os.path.join(self.tmp.name, "train.tsv")
        with open(self.tsv, "w", encoding="utf-8") as f:
            for _ in range(3):
                f.write("phrase\tThanks! Please wait. NASA is here.\tx\n")
                f.write("ui\tI see. Thanks_2 and Please\tx\n")
            f.write("story\tStudents are here? Thanks.\tx\n")
            f.write("broken line without tabs\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_counts_capitalised_words_that_start_a_sentence(self):
        # "Please" inside a sentence and "Thanks_2" (not a word) do not count;
        # "I" and "NASA" are not one capital and small letters
        self.assertEqual(sw.count_starts([self.tsv]), {"Thanks": 4, "Please": 3, "Students": 1})

    def test_min_count_and_module(self):
        words = sw.start_words(sw.count_starts([self.tsv]), 3)
        self.assertEqual(words, ["Please", "Thanks"])
        out = sw.module(words, ["t.tsv"])
        self.assertIn("export const START_WORDS = 'Please Thanks';", out)
        self.assertEqual(out, sw.module(words, ["t.tsv"]))


if __name__ == "__main__":
    unittest.main()
