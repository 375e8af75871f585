"""Checks of tools/eval_report.py on a made-up run (standard library only).

    cd tools && python3 -m unittest test_eval_report -v

The report takes its numbers from the JSON files only: the Apertium target
reads the packaged CLI's row when the run has one (what users get), else the
native beam row; labels name each system's role.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def result(chrf, beam=1, domains=None):
    bins = {d: {"sentences": 10, "bleu": c - 20, "chrf2": c, "bp": 1.0} for d, c in (domains or {}).items()}
    return {"beam": beam, "cell": "lstm", "attention": "bahdanau", "quantized": True, "seconds": 1.0,
            "overall": {"sentences": 20, "bleu": chrf - 20, "chrf2": chrf, "precisions": [50, 30, 20, 10],
                        "bp": 1.0, "hyp_len": 100, "ref_len": 100},
            "by_domain": bins, "by_length": {}}


class TestEvalReport(unittest.TestCase):
    def report(self, systems, extra=None):
        with tempfile.TemporaryDirectory() as d:
            for name, data in (extra or {}).items():
                with open(os.path.join(d, name), "w") as f:
                    json.dump(data, f)
            with open(os.path.join(d, "meta.tsv"), "w") as f:
                f.write("test\tnone.tsv\nbeam\t4\ndirection\ten-es\n")
            with open(os.path.join(d, "systems.tsv"), "w") as f:
                for role, data in systems:
                    with open(os.path.join(d, role + ".json"), "w") as g:
                        json.dump(data, g)
                    f.write("%s\tmodels/x.s2s\t%s.json\n" % (role, role))
            out = subprocess.run([sys.executable, os.path.join(HERE, "eval_report.py"), "--dir", d],
                                 check=True, capture_output=True, text=True).stdout
        return out

    def target_rows(self, out):
        lines = out.split("### Our chrF2 minus Apertium's")[1].split("\n\n")[1].splitlines()
        return lines[0], {r.split("|")[1].strip(): [c.strip() for c in r.split("|")[2:-1]]
                          for r in lines[2:]}

    def test_the_target_reads_the_packaged_cli_when_there_is_one(self):
        out = self.report([
            ("main-greedy", result(50, 1, {"story": 48, "ui": 60})),
            ("main-beam4", result(52, 4, {"story": 49, "ui": 61})),
            ("main-beam4-package", result(53, 4, {"story": 56, "ui": 61})),
            ("apertium", result(47, 1, {"story": 50, "ui": 50})),
        ])
        header, rows = self.target_rows(out)
        self.assertIn("target (ours beam 4, packaged CLI)", header)
        self.assertEqual(rows["all"], ["+3.00", "+5.00", "+6.00", "met"])
        self.assertEqual(rows["story"], ["-2.00", "-1.00", "+6.00", "met"])  # met only as users get it
        self.assertEqual(rows["ui"], ["+10.00", "+11.00", "+11.00", "met"])
        self.assertIn("| ours beam 4, packaged CLI | `models/x.s2s` |", out)
        self.assertIn("that of “ours beam 4”", out)

    def test_a_reranked_row_is_listed_but_the_target_reads_the_defaults(self):
        out = self.report([
            ("main-greedy", result(50, 1, {"story": 48})),
            ("main-beam4", result(52, 4, {"story": 49})),
            ("main-beam4-package", result(53, 4, {"story": 51})),
            ("main-beam4-rerank-package", result(54, 4, {"story": 53})),
            ("apertium", result(47, 1, {"story": 50})),
        ])
        header, rows = self.target_rows(out)
        self.assertIn("target (ours beam 4, packaged CLI)", header)
        self.assertEqual(rows["story"][-2:], ["+1.00", "**not met**"])  # not the reranked +3
        self.assertIn("| ours beam 4 reranked by the other direction, packaged CLI | `models/x.s2s` |", out)

    def test_without_the_packaged_cli_the_native_beam_row_decides(self):
        out = self.report([
            ("main-greedy", result(50, 1, {"story": 48})),
            ("main-beam4", result(52, 4, {"story": 49})),
            ("apertium", result(47, 1, {"story": 50})),
        ])
        header, rows = self.target_rows(out)
        self.assertIn("target (ours beam 4)", header)
        self.assertEqual(rows["all"], ["+3.00", "+5.00", "met"])
        self.assertEqual(rows["story"], ["-2.00", "-1.00", "**not met**"])
        self.assertNotIn("packaged", out)

    def test_the_paired_bootstrap_adds_an_interval_for_the_system_it_compared(self):
        def boot(a, lo, hi):
            m = {"a": 0, "b": 0, "delta": (lo + hi) / 2, "low": lo, "high": hi, "p": 0.01}
            return {"a": "build-eval/%s.hyp.txt" % a, "b": "build-eval/apertium-eng-spa-0.txt",
                    "samples": 1000, "overall": {"sentences": 20, "bleu": m, "chrf2": m},
                    "by_domain": {"story": {"sentences": 10, "bleu": m, "chrf2": m}}}
        systems = [
            ("main-greedy", result(50, 1, {"story": 48})),
            ("main-beam4", result(52, 4, {"story": 49})),
            ("main-beam4-package", result(53, 4, {"story": 56})),
            ("apertium", result(47, 1, {"story": 50})),
        ]
        header, rows = self.target_rows(self.report(systems, {"compare-apertium.json": boot("main-beam4-package", 4.5, 7.25)}))
        self.assertIn("95 % interval", header)
        self.assertEqual(rows["all"], ["+3.00", "+5.00", "+6.00", "[+4.50, +7.25]", "met"])
        self.assertEqual(rows["story"][3], "[+4.50, +7.25]")
        # a bootstrap of another system than the one the target reads is left out
        header, rows = self.target_rows(self.report(systems, {"compare-apertium.json": boot("main-beam4", 1, 2)}))
        self.assertNotIn("interval", header)
        self.assertEqual(rows["all"], ["+3.00", "+5.00", "+6.00", "met"])

    def test_the_transformer_bootstrap_table(self):
        m = {"a": 0, "b": 0, "delta": 1.25, "low": 0.5, "high": 2.0, "p": 0.002}
        boot = {"a": "x/transformer-beam4-package.hyp.txt", "b": "x/main-beam4-package.hyp.txt",
                "samples": 1000, "overall": {"sentences": 20, "bleu": m, "chrf2": m},
                "by_domain": {"ui": {"sentences": 10, "bleu": m, "chrf2": m}}}
        out = self.report([
            ("main-greedy", result(50, 1, {"ui": 60})),
            ("main-beam4", result(52, 4, {"ui": 61})),
            ("main-beam4-package", result(53, 4, {"ui": 61})),
            ("transformer-greedy", result(51, 1, {"ui": 61})),
            ("transformer-beam4", result(53, 4, {"ui": 62})),
            ("transformer-beam4-package", result(54, 4, {"ui": 62})),
        ], {"compare-transformer.json": boot})
        self.assertIn("Paired bootstrap, Transformer", out)
        self.assertIn("| all | +1.25 [+0.50, +2.00], p 0.002 | +1.25 [+0.50, +2.00], p 0.002 |", out)
        self.assertIn("| ui | +1.25 [+0.50, +2.00], p 0.002 |", out)


if __name__ == "__main__":
    unittest.main()
