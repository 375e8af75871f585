#!/usr/bin/env python3
"""Regenerate tests/fixtures/tokenizer/ from SentencePiece itself.

Trains two small unigram models on a generated English/Spanish corpus (one
with byte fallback, one without), and writes for each:
  vocab*.tsv         the vocabulary, `piece<TAB>score` in id order
  cases*.tsv         text<TAB>ids<TAB>decoded: spm_encode --output_format=id
                     of the text, and spm_decode of those ids
  decode_cases*.tsv  ids<TAB>decoded: spm_decode of random id sequences
Text fields escape \\ \t \n \r and other control bytes as \\xHH, and a
leading '#' as \\x23, so every case is one line. Needs spm_train,
spm_encode, spm_decode and spm_export_vocab on PATH. Deterministic.

usage: tools/make_tokenizer_fixture.py [OUT_DIR]
"""
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import spm_model_vocab  # noqa: E402

SPM_FLAGS = ["--model_type=unigram", "--normalization_rule_name=identity",
             "--character_coverage=1.0", "--pad_id=0", "--unk_id=1", "--bos_id=2",
             "--eos_id=3", "--hard_vocab_limit=false", "--seed_sentencepiece_size=100000",
             "--num_threads=1"]

EN_SUBJ = ["the dog", "my sister", "our teacher", "a small child", "the old man", "they",
           "we", "the farmers", "John", "María", "the cat", "everyone", "nobody", "the city"]
EN_VERB = ["eats", "sees", "wants", "finds", "builds", "paints", "remembers", "sells",
           "carries", "opens", "loves", "forgets", "explains", "writes"]
EN_OBJ = ["an apple", "the red house", "three books", "a letter", "the bridge",
          "some water", "the answer", "a new song", "the garden", "two tickets",
          "the window", "his keys", "a strange dream", "the morning news"]
EN_TAIL = ["today", "every morning", "in the park", "before dinner", "at 7:30",
           "on Monday", "with great care", "again", "for 12 dollars", "near the river"]
ES_SUBJ = ["el perro", "mi hermana", "nuestro profesor", "un niño pequeño", "el señor",
           "ellos", "nosotros", "los campesinos", "Juan", "la niña", "el gato", "todos",
           "nadie", "la ciudad"]
ES_VERB = ["come", "ve", "quiere", "encuentra", "construye", "pinta", "recuerda", "vende",
           "lleva", "abre", "ama", "olvida", "explica", "escribe"]
ES_OBJ = ["una manzana", "la casa roja", "tres libros", "una carta", "el puente",
          "un poco de agua", "la respuesta", "una canción nueva", "el jardín",
          "dos billetes", "la ventana", "sus llaves", "un sueño extraño", "las noticias"]
ES_TAIL = ["hoy", "cada mañana", "en el parque", "antes de la cena", "a las 7:30",
           "el lunes", "con mucho cuidado", "otra vez", "por 12 euros", "cerca del río"]
EXTRA = ["¿Dónde está la estación?", "¡Qué día tan bonito!", "Añadió azúcar y café.",
         "El pingüino comió atún en Cádiz.", "Über die Brücke, señorita.",
         "Price: $1,234.56 (approx.)", "e-mail: ana@example.com", "50% off — today only!",
         "I ❤️ tacos 🌮 and café ☕", "東京 is 東京; 北京 is 北京.", "日本語の文章です。",
         "Cafe\u0301 con n\u0303 combinado", "tab\tseparated\tvalues", "many     spaces   here",
         "«comillas» y “quotes” y 'apóstrofos'", "1, 2, 3... 10, 100, 1000, 3.14159",
         "Ñandú, ñoño, año, niño, España", "¿Por qué? ¡Porque sí!", "x² + y² = z²",
         "smile 😀 grin 😁 wink 😉", "A–Z and a—z", "C'est la vie, dit-il."]

CASES = [
    "", " ", "   ", "\t", "a", "hello", "hello world", "  hello world  ", "hello   world",
    " leading", "trailing ", "multiple   spaces    between   words",
    "tab\tinside", "\tleading tab", "trailing tab\t", "mixed \t spaces \t and tabs",
    "carriage\rreturn", "nul\x00byte", "\x00", "bell\x07", "del\x7f",
    "¿Dónde está el baño?", "¡Hola, señor Muñoz!", "El niño comió una manzana.",
    "The quick brown fox jumps over the lazy dog.", "1234567890", "3.14159 2.71828",
    "I ❤️ tacos 🌮", "東京 北京", "日本語", "Cafe\u0301", "e\u0301\u0301\u0301",
    "▁", "▁▁", "a▁", "▁a", "a ▁ b", "a▁b", " ▁ ", "x ▁▁ ", "▁ ▁ x",
    # characters the models never saw: byte fallback or <unk>
    "Привет, мир!", "Γειά σου κόσμε", "مرحبا بالعالم", "नमस्ते दुनिया", "안녕하세요 세계",
    "🦜🦩🪿 birds", "∮ E⋅da = Q", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 fraktur", "mixed Ω and ж and 字", "z̤̈ zalgo",
    "\u00a0non-breaking\u00a0space", "zero\u200bwidth", "\ufeffBOM", "\U0010FFFD",
    "<unk> <s> </s> <pad>", "<0x41> is not a byte", "\\backslash\\", "#hash at start",
    "100% of 0.5 is 0.5", "a" * 300, "ñ" * 50, "🌮" * 20, "ab " * 40,
]

UNSEEN = "жшщюяΩλπαβγδ字汉한국مرحναनहीं🦜🪿∮⋅𝔘"


def esc(s):
    out = []
    for i, c in enumerate(s):
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == "\t":
            out.append("\\t")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F or (i == 0 and c == "#"):
            out.append("\\x%02x" % o)
        else:
            out.append(c)
    return "".join(out)


def corpus(rng):
    lines = []
    for _ in range(500):
        if rng.random() < 0.5:
            s = f"{rng.choice(EN_SUBJ)} {rng.choice(EN_VERB)} {rng.choice(EN_OBJ)} {rng.choice(EN_TAIL)}"
        else:
            s = f"{rng.choice(ES_SUBJ)} {rng.choice(ES_VERB)} {rng.choice(ES_OBJ)} {rng.choice(ES_TAIL)}"
        s = s[0].upper() + s[1:] + rng.choice([".", ".", "!", "?", ",", ";", "..."])
        if s.startswith(tuple(x.capitalize() for x in ES_SUBJ)) and s.endswith("?"):
            s = "¿" + s
        if s.endswith("!") and rng.random() < 0.5 and s[0] != "¿":
            s = "¡" + s
        if rng.random() < 0.2:
            s += " " + str(rng.randint(0, 99999))
        if rng.random() < 0.05:
            s = s.replace(" ", "  ", 1)
        lines.append(s)
    lines += EXTRA * 3
    rng.shuffle(lines)
    return lines


def heldout(rng, n):
    """Sentences like the corpus but recombined, plus random strings over the
    corpus alphabet and unseen characters, with odd spacing."""
    out = []
    for s in corpus(rng)[:n]:
        out.append(s)
    alphabet = sorted(set("".join(EXTRA) + "".join(ES_OBJ) + "abcdefghijklmnopqrstuvwxyz"))
    alphabet = [c for c in alphabet if c not in "\t\n"]
    for _ in range(n):
        k = rng.randint(1, 30)
        chars = [rng.choice(alphabet) if rng.random() < 0.85 else rng.choice(UNSEEN)
                 for _ in range(k)]
        for _ in range(rng.randint(0, 4)):
            chars.insert(rng.randint(0, len(chars)), rng.choice([" ", "  ", "\t", "▁"]))
        out.append("".join(chars))
    return out


def run(cmd, stdin_path=None):
    with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as f:
        return subprocess.run(cmd, stdin=f, check=True, capture_output=True).stdout


def make(tmp, out_dir, suffix, lines, byte_fallback, vocab_size, cases, rng):
    prefix = os.path.join(tmp, "m" + suffix)
    corpus_path = os.path.join(tmp, "corpus.txt")
    run(["spm_train", f"--input={corpus_path}", f"--model_prefix={prefix}",
         f"--vocab_size={vocab_size}", f"--byte_fallback={'true' if byte_fallback else 'false'}"]
        + SPM_FLAGS)
    model = prefix + ".model"
    exported = run(["spm_export_vocab", f"--model={model}"]).decode("utf-8")
    exact = "".join(f"{p}\t{s:.9g}\n" for p, s, _ in
                    spm_model_vocab.pieces(open(model, "rb").read()))
    # Same pieces in the same order as spm_export_vocab; only score digits differ.
    assert [l.rsplit("\t", 1)[0] for l in exported.splitlines()] == \
           [l.rsplit("\t", 1)[0] for l in exact.splitlines()]
    with open(os.path.join(out_dir, f"vocab{suffix}.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write(exact)

    text_path = os.path.join(tmp, "cases.txt")
    with open(text_path, "wb") as f:
        for c in cases:
            f.write(c.encode("utf-8") + b"\n")
    ids = run(["spm_encode", f"--model={model}", "--output_format=id"], text_path)
    ids_path = os.path.join(tmp, "ids.txt")
    with open(ids_path, "wb") as f:
        f.write(ids)
    dec = run(["spm_decode", f"--model={model}", "--input_format=id"], ids_path)
    ids_lines = ids.decode().split("\n")[:len(cases)]
    dec_lines = dec.decode("utf-8").split("\n")[:len(cases)]
    assert len(ids_lines) == len(dec_lines) == len(cases)
    with open(os.path.join(out_dir, f"cases{suffix}.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write("# text\tids (spm_encode)\tdecoded (spm_decode)\n")
        for c, i, d in zip(cases, ids_lines, dec_lines):
            f.write(f"{esc(c)}\t{i}\t{esc(d)}\n")

    # Decoding arbitrary id sequences: specials, bytes (valid and broken
    # UTF-8 runs), pieces with and without a leading "▁".
    n = len(exact.splitlines())
    seqs = []
    for _ in range(150):
        k = rng.randint(0, 12)
        seq = []
        for _ in range(k):
            r = rng.random()
            if r < 0.15:
                seq.append(rng.randint(0, 3))
            elif r < 0.45 and byte_fallback:
                seq.append(rng.randint(4, 259))
            else:
                seq.append(rng.randint(0, n - 1))
        # <0x0A> would put a newline in spm_decode's line-based output.
        seqs.append([i for i in seq if not (byte_fallback and i == 4 + 0x0A)])
    if byte_fallback:  # whole characters spelled in bytes, then truncated
        for ch in "ñ€🌮字":
            bs = [4 + b for b in ch.encode("utf-8")]
            seqs += [bs, bs[:-1], bs + bs[:1], [bs[0]] + bs]
    seq_path = os.path.join(tmp, "seqs.txt")
    with open(seq_path, "w") as f:
        for s in seqs:
            f.write(" ".join(map(str, s)) + "\n")
    dec = run(["spm_decode", f"--model={model}", "--input_format=id"], seq_path)
    dec_lines = dec.decode("utf-8").split("\n")[:len(seqs)]
    with open(os.path.join(out_dir, f"decode_cases{suffix}.tsv"), "w", encoding="utf-8",
              newline="") as f:
        f.write("# ids\tdecoded (spm_decode)\n")
        for s, d in zip(seqs, dec_lines):
            f.write(" ".join(map(str, s)) + "\t" + esc(d) + "\n")
    print(f"vocab{suffix}: {n} pieces, {len(cases)} cases, {len(seqs)} decode cases")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "tests", "fixtures", "tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(20240601)
    lines = corpus(rng)
    cases = CASES + heldout(rng, 150)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "corpus.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        make(tmp, out_dir, "", lines, True, 1000, cases, random.Random(1))
        make(tmp, out_dir, "_nobyte", lines, False, 600, cases, random.Random(2))


if __name__ == "__main__":
    main()
