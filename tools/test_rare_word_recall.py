"""Checks of tools/rare_word_recall.py on made-up files (standard library only).

    cd tools && python3 -m unittest test_rare_word_recall -v
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rare_word_recall as rwr  # noqa: E402

DICT = [("dict", "quarry", "cantera"), ("dict", "house", "casa"),
        ("dict", "census", "censo"), ("dict", "wrath", "ira"), ("dict", "take out", "sacar")]
TRAIN = [("story", "The house is big.", "La casa es grande."),
         ("story", "A house.", "Una casa."), ("story", "My house!", "¡Mi casa!"),
         ("ui", "Census", "Censo")]
TEST = [("story", "The quarry is near the house.", "Las canteras están cerca de la casa."),
        ("bible", "The census and the wrath.", "El censo y la furia."),
        ("ui", "Quarry", "Mina")]


class TestRareWordRecall(unittest.TestCase):
    def test_occurrences_need_rarity_and_the_reference(self):
        found = rwr.occurrences(DICT, TRAIN, TEST, reverse=False, max_count=2)
        # house is seen 3 times; wrath's "ira" is not in its reference; the
        # third quarry's reference says "mina"; multi-word entries are skipped
        self.assertEqual(found, [(0, "story", "quarry", ["cantera"]),
                                 (1, "bible", "census", ["censo"])])
        self.assertEqual(len(rwr.occurrences(DICT, TRAIN, TEST, False, max_count=0)), 1)

    def test_reverse_reads_spanish(self):
        found = rwr.occurrences(DICT, TRAIN, [("story", "The quarry.", "La cantera.")],
                                reverse=True, max_count=2)
        self.assertEqual(found, [(0, "story", "cantera", ["quarry"])])

    def test_inflections_match(self):
        self.assertTrue(rwr.matches(["canteras"], "cantera"))
        self.assertTrue(rwr.matches(["abandoned"], "abandon"))
        self.assertFalse(rwr.matches(["ire"], "ira"))  # too short for the stem rule
        self.assertFalse(rwr.matches(["cuarto"], "cantera"))

    def test_command_counts_hits_per_domain(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for name, rows in (("dict", DICT), ("train", TRAIN), ("test", TEST)):
                paths[name] = os.path.join(d, name + ".tsv")
                with open(paths[name], "w", encoding="utf-8") as f:
                    f.writelines("\t".join(r) + "\n" for r in rows)
            good = os.path.join(d, "good.txt")
            with open(good, "w", encoding="utf-8") as f:
                f.write("La cantera está cerca de la casa.\nEl censo y la ira.\nCantera\n")
            bad = os.path.join(d, "bad.txt")
            with open(bad, "w", encoding="utf-8") as f:
                f.write("El cuarto está cerca.\nEl censo.\nMina\n")
            out = subprocess.run([sys.executable, os.path.join(HERE, "rare_word_recall.py"),
                                  "--dict", paths["dict"], "--train", paths["train"],
                                  "--test", paths["test"], good, bad],
                                 capture_output=True, text=True, check=True).stdout
            self.assertIn("2 occurrences", out)
            self.assertIn("good.txt: 2/2 (100.0 %)  bible 1/1  story 1/1", out)
            self.assertIn("bad.txt: 1/2 (50.0 %)  bible 1/1  story 0/1", out)
            short = os.path.join(d, "short.txt")
            with open(short, "w", encoding="utf-8") as f:
                f.write("one line\n")
            r = subprocess.run([sys.executable, os.path.join(HERE, "rare_word_recall.py"),
                                "--dict", paths["dict"], "--train", paths["train"],
                                "--test", paths["test"], short], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("1 lines", r.stderr)


if __name__ == "__main__":
    unittest.main()
