#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/ (run from anywhere):

    /usr/bin/python3 tests/fuzz/make_corpus.py

loader/     small valid models (three reference fixtures, two made here with
            a 24-piece vocabulary: f32 and int8), the format sample, and
            damaged variants of one model: truncated, a flipped byte with a
            repaired checksum, a wrong version, a huge count.
tokenizer/  sentences: ASCII, Spanish, emoji, RTL, combining marks, CJK,
            NUL bytes, tabs and space runs, invalid UTF-8 of every kind;
            and small vocabularies (spm_export_vocab lines), valid and not,
            for the target's vocabulary path.
translate/  8 option bytes (see fuzz_translate.c) then a sentence.
regress_*   inputs that found bugs, copied from build-fuzz/artifacts/ by
            hand; this script keeps them.

Deterministic: running it again gives the same files. Uses numpy and
tools/s2sfile.py.
"""
import os
import struct
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import s2sfile  # noqa: E402

FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def clean(target):
    """Remove the seeds made here; keep regress_* (inputs that found bugs)."""
    d = os.path.join(OUT, target)
    if os.path.isdir(d):
        for name in os.listdir(d):
            if not name.startswith("regress_"):
                os.remove(os.path.join(d, name))


def repair(b):
    """Set file_size and the CRC-32 trailer to match the bytes."""
    b = bytearray(b)
    struct.pack_into("<Q", b, 24, len(b))
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    return bytes(b)


PIECES = ["<pad>", "<unk>", "<s>", "</s>", "\u2581", "\u2581a", "\u2581the", "a", "e", "o",
          "s", "t", "th", "he", "n", "\u2581el", ".", "\u00e1", "<0x41>", "<0xC3>", "<0xA9>",
          "<0xF0>", "<0x9F>", "<0x98>"]
TYPES = [3, 2, 3, 3] + [1] * 14 + [6] * 6


def vocab_model(q8, extra_kv=None):
    """RNN, no attention, unidirectional, copy bridge: the smallest layout
    (model.c's model_walk), with a vocabulary. E = H = 32 for int8 (Q8 rows
    need a multiple of 16 columns)."""
    rng = np.random.default_rng(7)
    V, E, H = len(PIECES), (32 if q8 else 8), (32 if q8 else 8)
    kv = {"s2s.src_vocab": V, "s2s.tgt_vocab": V, "s2s.emb_dim": E, "s2s.enc_hidden": H,
          "s2s.dec_hidden": H, "s2s.layers": 1, "s2s.bidirectional": 0, "s2s.cell": 0,
          "s2s.attention": 0, "s2s.bridge": 0, "s2s.input_feed": 0, "s2s.tie_output": 0,
          "tokenizer.pieces": PIECES,
          "tokenizer.scores": np.array([0, 0, 0, 0] + [-1.0 - 0.25 * i for i in range(20)],
                                       np.float32),
          "tokenizer.types": np.array(TYPES, np.int32),
          "meta.name": "fuzz seed" + (" int8" if q8 else "")}
    kv.update(extra_kv or {})

    def mat(r, c):
        x = (rng.standard_normal((r, c)) * 0.3).astype(np.float32)
        return s2sfile.quantize_q8(x) if q8 and c % 16 == 0 else x

    def vec(n):
        return (rng.standard_normal(n) * 0.1).astype(np.float32)

    tensors = [("src_emb", vec(V * E).reshape(V, E)), ("tgt_emb", vec(V * E).reshape(V, E)),
               ("enc.0.fwd.w_ih", mat(H, E)), ("enc.0.fwd.w_hh", mat(H, H)),
               ("enc.0.fwd.b_ih", vec(H)), ("enc.0.fwd.b_hh", vec(H)),
               ("dec.0.w_ih", mat(H, E)), ("dec.0.w_hh", mat(H, H)),
               ("dec.0.b_ih", vec(H)), ("dec.0.b_hh", vec(H)),
               ("out.w", mat(V, H)), ("out.b", vec(V))]
    return s2sfile.to_bytes(kv, tensors)


def loader():
    clean("loader")
    for name in ["rnn_none_uni_copy", "rnn_general_uni_project_tied", "gru_none_uni_copy"]:
        with open(os.path.join(FIX, "ref", name + ".s2s"), "rb") as f:
            put("loader", name + ".s2s", f.read())
    with open(os.path.join(FIX, "format_sample.s2s"), "rb") as f:
        put("loader", "format_sample.s2s", f.read())
    f32 = vocab_model(False)
    q8 = vocab_model(True)
    put("loader", "vocab_f32.s2s", f32)
    put("loader", "vocab_q8.s2s", q8)
    # a lexical shortlist (src/shortlist.h): 3 frequent ids, 2 candidates per
    # source piece; and one whose candidate table has a hole after a -1
    V = len(PIECES)
    cand = np.array([[(s * 7 + 4) % V, -1 if s % 3 == 0 else (s + 5) % V] for s in range(V)],
                    np.int32).reshape(-1)
    put("loader", "vocab_q8_shortlist.s2s",
        vocab_model(True, {"shortlist.k": 2, "shortlist.frequent": np.array([5, 6, 16], np.int32),
                           "shortlist.candidates": cand}))
    holed = cand.copy()
    holed[0], holed[1] = -1, 7
    put("loader", "damaged_shortlist_hole.s2s",
        vocab_model(True, {"shortlist.k": 2, "shortlist.frequent": np.array([5], np.int32),
                           "shortlist.candidates": holed}))
    # damaged variants of the f32 vocabulary model
    put("loader", "damaged_truncated_header.s2s", f32[:20])
    put("loader", "damaged_truncated_half.s2s", f32[:len(f32) // 2])
    put("loader", "damaged_truncated_half_repaired.s2s", repair(f32[:len(f32) // 2]))
    put("loader", "damaged_no_trailer.s2s", f32[:-4])
    b = bytearray(f32)
    b[len(b) // 3] ^= 0x40
    put("loader", "damaged_flipped_crc_bad.s2s", bytes(b))
    put("loader", "damaged_flipped_repaired.s2s", repair(b))
    b = bytearray(f32)
    struct.pack_into("<I", b, 4, 3)
    put("loader", "damaged_version3.s2s", repair(b))
    b = bytearray(f32)
    struct.pack_into("<I", b, 8, 0xFFFFFFFF)
    put("loader", "damaged_huge_n_kv.s2s", repair(b))
    b = bytearray(f32)
    struct.pack_into("<Q", b, 16, 0x7FFFFFFFFFFFFFE0)
    put("loader", "damaged_huge_data_offset.s2s", repair(b))
    put("loader", "empty", b"")
    put("loader", "magic_only", b"S2SM")


SENTENCES = [
    b"Open the file.",
    b"Save it.",
    b"The quick brown fox jumps over the lazy dog.",
    b"  leading and trailing spaces   ",
    b"many     spaces\tand\ttabs\r\nand a newline",
    b"",
    b" ",
    b"\xe2\x96\x81",                                   # a literal U+2581
    b"\xe2\x96\x81\xe2\x96\x81 word \xe2\x96\x81",
    "¿Dónde está la biblioteca? Él comió pingüinos.".encode(),
    "Ça va? Übergrößenträger naïve façade".encode(),
    "e\u0301 a\u0300\u0302\u0303 combining n\u0303".encode(),  # combining marks
    "Z\u0351\u0362\u036b\u0343a\u0352\u0364\u0300l\u0315g\u0330o".encode(),  # zalgo
    "😀 emoji 👍🏽 👨‍👩‍👧 🇪🇸 flags".encode(),
    "שלום עולם".encode(),                              # Hebrew (RTL)
    "مرحبا بالعالم".encode(),                           # Arabic (RTL)
    "mixed \u202eRTL override\u202c and \u200fmarks\u200e".encode(),
    "日本語のテキスト、中文文本".encode(),
    "한국어 텍스트".encode(),
    "\ufeffBOM at the start".encode(),
    "zero\u200bwidth\u200djoiner\u2060".encode(),
    "\U0010FFFF last code point, \uFFFD replacement, \uFFFF noncharacter".encode(),
    b"NUL\x00in\x00the middle",
    b"\x00",
    b"\x00\x00 \x00",
    b"control \x01\x02\x1b[31m\x7f chars",
    b"<s> </s> <unk> <pad> <0x41>",
    b"\xff\xfe invalid lead bytes",
    b"truncated \xe2\x96",
    b"stray continuation \x80\xbf",
    b"overlong \xc0\xaf and \xe0\x80\xaf",
    b"surrogate \xed\xa0\x80",
    b"above U+10FFFF \xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80 five-byte form",
    b"a" * 300,
    ("word " * 60).encode(),
    "ñ" * 100,
]


VOCABS = [
    "<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n\u2581\t-2.5\n\u2581the\t-3\ne\t-3.5\n"
    "\u2581file\t-4\n<0x41>\t0\nOpen\t-5.25\n",
    "<unk>\t0\na\t-1\nb\t-1e3\n\ntab\tin piece\t-2\n",
    "<pad>\t0\n<s>\t0\na\t-1\n",                     # no <unk>: refused
    "<unk>\t0\na\tnot-a-score\n",                      # bad score
    "<unk>\t0\n\t-1\n",                               # empty piece
    "<unk>\t0\na\t-1\na\t-2\n",                      # duplicate piece
]


def tokenizer():
    clean("tokenizer")
    for i, s in enumerate(SENTENCES):
        if isinstance(s, str):
            s = s.encode()
        put("tokenizer", "s%02d" % i, s)
    for i, v in enumerate(VOCABS):
        put("tokenizer", "vocab%02d" % i, v.encode())


def opts(beam=1, flags=0, penalty=16 + 40, factor=16 + 30, extra=10, extra_hi=0, ref=0,
         pattern=0):
    return bytes([beam, flags, penalty, factor, extra, extra_hi, ref, pattern])


def translate():
    clean("translate")
    seeds = {
        "greedy": opts(0) + b"Open the file.",
        "greedy_attention_stream": opts(0, 1, pattern=0x0F) + b"Save the document.",
        "beam4": opts(3, 1) + b"The file was not found.",
        "beam32_f32": opts(31, 4 | 1) + b"Hello world",
        "beam33_invalid": opts(32) + b"Too wide a beam",
        "beam0_invalid": opts(0xF8) + b"zero",
        "batch": opts(1, 0x10 | 1) + b"One.\nTwo sentences here.\nThree",
        "batch_empty_line": opts(0, 0x10) + b"first\n\nthird",
        "raw_ids_specials": opts(0, 0x20) + bytes([0, 1, 2, 3, 4, 5]),
        "bad_id": opts(0, 0x40, ref=1, pattern=7) + b"out of range",
        "empty_sentence": opts(0, 0x80) + b"x",
        "nan_penalty": opts(2, 0, penalty=0) + b"NaN penalty",
        "factor_zero": opts(0, 0, factor=3) + b"factor zero",
        "factor_16": opts(0, 0, factor=11, extra=200, extra_hi=0x80) + b"long",
        "extra_negative": opts(0, 0, extra=0xFF, extra_hi=0xFF) + b"negative extra",
        "extra_512": opts(0, 0, extra=0x00, extra_hi=0x82) + b"extra 512",
        "ref_gru_general": opts(1, 0x06 | 1, ref=1) + b"reference model",
        "ref_lstm_dot": opts(2, 0x08 | 1, ref=4) + b"dot attention",
        "ref_rnn_none": opts(0, 0x0A, ref=8, pattern=1) + b"no attention",
        "bad_utf8": opts(0) + b"\xff\xfe",
        "unicode": opts(0, 1) + "¿Dónde está? 😀 שלום".encode(),
    }
    for name, data in seeds.items():
        put("translate", name, data)


if __name__ == "__main__":
    loader()
    tokenizer()
    translate()
