"""Checks of tools/data/extract_mono_en.py on a made-up WordNet (standard library only).

    cd tools/data && python3 -m unittest test_extract_mono_en -v
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

# a licence line (two leading spaces) quoting a text, then synset lines
DATA_VERB = """  1 This software and database is provided "as is without any warranty" by Princeton
00001740 29 v 04 breathe 0 take_a_breath 0 005 @ 02 + 00 00 | draw air into the lungs; "The patient breathes slowly"; "breathe deeply now"
00002325 29 v 01 cook 0 001 | prepare a hot meal; "she cooks very well"; "Where is the station?"; "cook"
00002400 29 v 01 open 0 001 | make accessible; "Open the file"; "the door <b>opened</b> slowly"; "open the file."
00002500 29 v 01 save 0 001 | keep; "save your work before you quit"; "The patient breathes slowly"
"""
DATA_NOUN = """00003000 03 n 01 kitchen 0 001 | a room for cooking; "a small kitchen with a big window"
"""


class TestExtractMonoEn(unittest.TestCase):
    def run_extract(self, d):
        out, report = os.path.join(d, "mono.en"), os.path.join(d, "report.json")
        subprocess.run([sys.executable, os.path.join(HERE, "extract_mono_en.py"),
                        os.path.join(d, "unpacked"), os.path.join(d, "data"),
                        os.path.join(d, "reserved_en.txt"), os.path.join(d, "everyday.tsv"),
                        out, report], check=True, capture_output=True)
        with open(out, encoding="utf-8") as f, open(report, encoding="utf-8") as g:
            return f.read().splitlines(), json.load(g)

    def test_examples_kept_and_held_text_left_out(self):
        with tempfile.TemporaryDirectory() as d:
            wn = os.path.join(d, "unpacked/wordnet-base/usr/share/wordnet")
            os.makedirs(wn)
            os.makedirs(os.path.join(d, "data"))
            with open(os.path.join(wn, "data.verb"), "w") as f:
                f.write(DATA_VERB)
            with open(os.path.join(wn, "data.noun"), "w") as f:
                f.write(DATA_NOUN)
            with open(os.path.join(d, "data/dev.tsv"), "w") as f:
                f.write("ui\tSave your work before you quit!\tGuarde su trabajo antes de salir.\n")
            with open(os.path.join(d, "data/test.tsv"), "w") as f:
                f.write("story\tSomething else entirely here.\tOtra cosa.\n")
            with open(os.path.join(d, "reserved_en.txt"), "w") as f:
                f.write("Breathe deeply now\n")
            with open(os.path.join(d, "everyday.tsv"), "w") as f:
                f.write("directions\tWhere is the station?\t¿Dónde está la estación?\n")
            lines, report = self.run_extract(d)
            # files in name order (data.noun first), examples in file order; the
            # licence block, markup, one-word texts, held and reserved text and
            # repeats (case and punctuation ignored) are left out
            self.assertEqual(lines, ["a small kitchen with a big window", "The patient breathes slowly",
                                     "she cooks very well", "Open the file"])
            self.assertEqual(report, {"dropped_dev_test_or_everyday": 2, "dropped_duplicate": 2,
                                      "dropped_length": 1, "dropped_markup": 1, "dropped_reserved": 1,
                                      "lines": 4, "words": 18})
            # deterministic
            self.assertEqual(self.run_extract(d)[0], lines)


if __name__ == "__main__":
    unittest.main()
