"""Checks of tools/case_robustness.py (standard library only).

    cd tools && python3 -m unittest test_case_robustness -v
"""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import case_robustness as cr  # noqa: E402

ROWS = [["story", "the wrath of Neptune", "la ira de Neptuno"],
        ["greetings", "Thank you, señor.", "Gracias, señor."]]


class TestCaseRobustness(unittest.TestCase):
    def test_title_case_capitalises_lower_case_words_only(self):
        self.assertEqual(cr.title_case("the wrath of Neptune"), "The Wrath Of Neptune")
        self.assertEqual(cr.title_case("¿dónde está 3rd?"), "¿dónde Está 3rd?")
        self.assertEqual(cr.title_case("éxito  total"), "Éxito  Total")

    def test_variants_change_the_source_and_keep_the_reference(self):
        upper = dict(cr.VARIANTS)["capitals"]
        self.assertEqual(cr.variant_rows(ROWS, upper, reverse=False)[1],
                         ["greetings", "THANK YOU, SEÑOR.", "Gracias, señor."])
        self.assertEqual(cr.variant_rows(ROWS, upper, reverse=True)[1],
                         ["greetings", "Thank you, señor.", "GRACIAS, SEÑOR."])
        self.assertEqual(ROWS[1][1], "Thank you, señor.", "the input rows stay as they were")

    def test_capitals_are_scored_blind_to_case(self):
        self.assertEqual(cr.CASE_BLIND, {"capitals"})
        self.assertEqual(cr.in_capitals(ROWS, reverse=False)[1], ["greetings", "Thank you, señor.", "GRACIAS, SEÑOR."])
        self.assertEqual(cr.in_capitals(ROWS, reverse=True)[1], ["greetings", "THANK YOU, SEÑOR.", "Gracias, señor."])

    def test_the_variants_in_order(self):
        self.assertEqual([name for name, _ in cr.VARIANTS],
                         ["as written", "title case", "capitals", "lower case", "no final mark"])

    def test_without_final_mark(self):
        self.assertEqual(cr.without_final_mark("¿Cómo estás?"), "Cómo estás")
        self.assertEqual(cr.without_final_mark("I love you so much!!"), "I love you so much")
        self.assertEqual(cr.without_final_mark("Wait..."), "Wait")
        self.assertEqual(cr.without_final_mark("¡Hola! ¿Qué tal?"), "¡Hola! ¿Qué tal", "another mark inside: the first stays")
        self.assertEqual(cr.without_final_mark("Save"), "Save")

    def test_spanish_without_accents_keeps_enye_and_marks(self):
        self.assertEqual(cr.without_accents("¿Cómo estás, señor? Él está aquí. Pingüino"),
                         "¿Como estas, señor? El esta aqui. Pinguino")
        self.assertEqual(cr.without_accents_or_enye("¿Cómo estás, señor? ¡Ñandú!"),
                         "Como estas, senor? Nandu!")
        self.assertEqual([name for name, _ in cr.SPANISH_VARIANTS], ["no accents", "no accents or ñ"])

    def test_overall_reads_s2s_eval_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "e.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"overall": {"sentences": 2, "bleu": 12.5, "chrf2": 40.25, "bp": 1.0}}, f)
            self.assertEqual(cr.overall(path), (12.5, 40.25))

    def test_a_malformed_test_file_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "t.tsv")
            with open(path, "w", encoding="utf-8") as f:
                f.write("only\ttwo\n")
            with self.assertRaises(SystemExit):
                cr.read_tsv(path)


if __name__ == "__main__":
    unittest.main()
