"""Checks of tools/grow_transformer.py: a grown Transformer translates exactly
as the model it grew from, and has the shape asked for (numpy and the s2s
binary of S2S_BUILD_DIR, default build/).

    cd tools && S2S_BUILD_DIR=../build /usr/bin/python3 -m unittest test_grow_transformer -v
"""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import grow_transformer  # noqa: E402
import s2sfile  # noqa: E402

BUILD = os.environ.get("S2S_BUILD_DIR", os.path.join(ROOT, "build"))
FIXTURE = os.path.join(ROOT, "tests/fixtures/js/tiny-tf-en-es.s2s")
SENTENCES = os.path.join(ROOT, "tests/fixtures/js/sentences.txt")


def f32_copy(src, dst):
    """The int8 fixture as an f32 model: the weights it holds, dequantized."""
    kv, tensors = s2sfile.read(src)
    s2sfile.write(dst, kv, [(n, t.dequantize() if isinstance(t, s2sfile.Q8Tensor) else t)
                            for n, t in tensors.items()])


def translate(model, beam):
    s2s = os.path.join(BUILD, "s2s")
    with open(SENTENCES, "rb") as f:
        return subprocess.run([s2s, "translate", "--model", model, "--beam", str(beam)],
                              stdin=f, capture_output=True, check=True).stdout


class TestGrowTransformer(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(os.path.join(BUILD, "s2s")):
            raise AssertionError("%s/s2s missing: build the project first (S2S_BUILD_DIR)" % BUILD)
        self.dir = tempfile.TemporaryDirectory()
        self.small = os.path.join(self.dir.name, "small.s2s")
        f32_copy(FIXTURE, self.small)

    def tearDown(self):
        self.dir.cleanup()

    def test_grown_model_translates_the_same(self):
        grown = os.path.join(self.dir.name, "grown.s2s")
        subprocess.run([sys.executable, os.path.join(HERE, "grow_transformer.py"), self.small, grown,
                        "--layers", "5", "--dec-layers", "3", "--ff", "96"],
                       check=True, capture_output=True)
        kv, tensors = s2sfile.read(grown)
        self.assertEqual((kv["s2s.layers"], kv["s2s.dec_layers"], kv["s2s.ff_dim"]), (5, 3, 96))
        self.assertEqual(kv["meta.grown_from"], "layers 2+2, ff 64")
        self.assertEqual(tensors["enc.4.ff.w1"].shape, (96, 32))
        self.assertEqual(tensors["dec.2.cross.w_kv"].shape, (64, 32))
        self.assertEqual(tensors["enc.0.ff.w2"].shape, (32, 96))
        # the new capacity is real: new weights drawn, only the branch ends zero
        self.assertGreater(np.abs(tensors["enc.4.att.w_qkv"]).max(), 0.05)
        self.assertEqual(np.abs(tensors["enc.4.att.w_o"]).max(), 0.0)
        self.assertEqual(np.abs(tensors["dec.2.ff.w2"]).max(), 0.0)
        for beam in (1, 4):
            out = translate(grown, beam)
            self.assertTrue(out.strip())
            self.assertEqual(out, translate(self.small, beam))

    def test_a_nonzero_branch_end_would_change_the_translations(self):
        # the check above can fail: the same growth with w_o drawn at random
        # instead of zero translates differently
        kv, tensors = s2sfile.read(self.small)
        kv, grown = grow_transformer.grow(kv, tensors, 5, 3, 96, seed=1)
        grown = [(n, np.random.default_rng(2).uniform(-0.5, 0.5, t.shape).astype(np.float32)
                  if n.endswith(("enc.4.att.w_o", "dec.2.ff.w2")) else t) for n, t in grown]
        path = os.path.join(self.dir.name, "broken.s2s")
        s2sfile.write(path, kv, grown)
        self.assertNotEqual(translate(path, 1), translate(self.small, 1))

    def test_refuses_int8_and_shrinking(self):
        kv, tensors = s2sfile.read(FIXTURE)
        with self.assertRaisesRegex(ValueError, "int8"):
            grow_transformer.grow(kv, tensors, 3, 2, 64, seed=1)
        kv, tensors = s2sfile.read(self.small)
        with self.assertRaisesRegex(ValueError, "smaller"):
            grow_transformer.grow(kv, tensors, 1, 2, 64, seed=1)


if __name__ == "__main__":
    unittest.main()
