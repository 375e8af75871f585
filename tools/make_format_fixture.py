#!/usr/bin/env python3
"""Write tests/fixtures/format_sample.s2s: every kv type and F32/I32/Q8
tensors with deterministic content. tests/test_format.c rebuilds the same
values (sample_* there), checks every one, and checks that the C writer
produces the same bytes. Change both together.

    /usr/bin/python3 tools/make_format_fixture.py [OUT]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s2sfile  # noqa: E402


def sample():
    """(kv, tensors) of the fixture. Values are exact in float32 except
    0.1 and 1e-3, which C spells 0.1f and 1e-3f (the same nearest float).
    dec.q8 is quantize_q8 of a (4, 48) float32 source (see below)."""
    kv = {
        "s2s.emb_dim": 256,
        "test.i32_min": -2147483648,
        "test.f32": -1.5,
        "test.f32_tenth": 0.1,
        "meta.name": "fixture \u2713 h\u00e9llo",
        "meta.empty": "",
        "tokenizer.types": np.array([1, 2, 3, -4, 2147483647], np.int32),
        "tokenizer.scores": np.array([0.0, -1.25, 1e-3, -0.0], np.float32),
        "tokenizer.pieces": ["<pad>", "<unk>", "", "\u2581hello", "w\u00f6rld"],
        "test.empty_i32s": np.zeros(0, np.int32),
        "test.empty_f32s": np.zeros(0, np.float32),
        "test.empty_strs": [],
    }
    i = np.arange(15)
    f32 = (((i * 37) % 101 - 50) / 16).astype(np.float32).reshape(3, 5)
    i32 = (np.arange(7) ** 2 - 20).astype(np.int32)
    # Q8 (per-row int8): 48 columns, a multiple of 16 but not of 32.
    j = np.arange(4 * 48)
    q = (((j * 7919) % 255 - 127) / 64).astype(np.float32).reshape(4, 48)
    q[1, :] = 0         # an all-zero row: scale 0, q 0
    q[2, 7] = np.nan    # NaN: ignored by amax, q 0
    q[3, :4] = [127, 2.5, -0.5, -1.5]  # scale exactly 1: ties round to even (2, -0, -2)
    f4 = (np.arange(12) * 0.25).astype(np.float32).reshape(2, 1, 3, 2)
    tensors = [
        ("enc.f32", f32),
        ("enc.i32", i32),
        ("dec.q8", s2sfile.quantize_q8(q)),
        ("dec.4d", f4),
    ]
    return kv, tensors


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(
        os.path.join(here, "..", "tests", "fixtures", "format_sample.s2s"))
    kv, tensors = sample()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    s2sfile.write(out, kv, tensors)
    # Read back as a self-check of the Python side.
    kv2, t2 = s2sfile.read(out)
    assert list(kv2) == list(kv)
    for name, v in tensors:
        assert (t2[name] == v) if isinstance(v, s2sfile.Q8Tensor) else np.array_equal(t2[name], v)
    print(f"wrote {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
