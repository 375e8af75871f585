#!/usr/bin/env python3
"""Write the tokenizer fixture of the English-Spanish vocabulary.

Every English and Spanish sentence of data/dev.tsv, with the ids spm_encode
gives under data/spm.model and the text spm_decode gives back, so that
test_tokenizer proves the engine's own tokenizer agrees with SentencePiece on
the whole dev set of the shipped vocabulary. Also 200 random id sequences
and their spm_decode text. Deterministic; rerun after `npm run data`.

Output (tests/fixtures/tokenizer/): vocab_en_es.tsv, cases_en_es.tsv,
decode_cases_en_es.tsv, in make_tokenizer_fixture.py's formats.
usage: /usr/bin/python3 tools/make_dev_tokenizer_fixture.py [DATA_DIR] [OUT_DIR]
"""
import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import spm_model_vocab  # noqa: E402
from make_tokenizer_fixture import esc, run  # noqa: E402


def main():
    root = os.path.dirname(HERE)
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "data")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "tests", "fixtures", "tokenizer")
    model = os.path.join(data, "spm.model")
    pieces = list(spm_model_vocab.pieces(open(model, "rb").read()))
    with open(os.path.join(out, "vocab_en_es.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write("".join(f"{p}\t{s:.9g}\n" for p, s, _ in pieces))
    sentences = []
    with open(os.path.join(data, "dev.tsv"), encoding="utf-8") as f:
        for line in f:
            _, en, es = line.rstrip("\n").split("\t")
            sentences += [en, es]
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "dev.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("".join(s + "\n" for s in sentences))
        ids = run(["spm_encode", f"--model={model}", "--output_format=id"], text)
        ids_path = os.path.join(tmp, "ids.txt")
        open(ids_path, "wb").write(ids)
        dec = run(["spm_decode", f"--model={model}", "--input_format=id"], ids_path)
        ids_lines = ids.decode().split("\n")[:len(sentences)]
        dec_lines = dec.decode("utf-8").split("\n")[:len(sentences)]
        with open(os.path.join(out, "cases_en_es.tsv"), "w", encoding="utf-8", newline="") as f:
            f.write("# text\tids (spm_encode)\tdecoded (spm_decode)\n")
            for s, i, d in zip(sentences, ids_lines, dec_lines):
                f.write(f"{esc(s)}\t{i}\t{esc(d)}\n")
        rng = random.Random(7)
        newline_byte = 4 + 0x0A  # would split spm_decode's line-based output
        seqs = [[i for i in (rng.randint(0, len(pieces) - 1) for _ in range(rng.randint(0, 12)))
                 if i != newline_byte] for _ in range(200)]
        seq_path = os.path.join(tmp, "seqs.txt")
        open(seq_path, "w").write("".join(" ".join(map(str, s)) + "\n" for s in seqs))
        dec = run(["spm_decode", f"--model={model}", "--input_format=id"], seq_path)
        dec_lines = dec.decode("utf-8").split("\n")[:len(seqs)]
        with open(os.path.join(out, "decode_cases_en_es.tsv"), "w", encoding="utf-8",
                  newline="") as f:
            f.write("# ids\tdecoded (spm_decode)\n")
            for s, d in zip(seqs, dec_lines):
                f.write(" ".join(map(str, s)) + "\t" + esc(d) + "\n")
    print(f"vocab_en_es: {len(pieces)} pieces, {len(sentences)} dev sentences, {len(seqs)} decode cases")


if __name__ == "__main__":
    main()
