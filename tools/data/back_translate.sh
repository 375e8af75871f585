#!/bin/sh
# tools/data/back_translate.sh — synthetic source sentences for monolingual text,
# so that a model trains on real text on its target side (back-translation).
#   tools/data/back_translate.sh [MODEL] [OUT]   (defaults: models/es-en.s2s, data/bt.tsv)
#     the Spanish-only text of data/mono.es (game stories, package descriptions,
#     fortunes: tools/data/extract_mono.py) translated by a Spanish -> English model:
#     pairs for training English -> Spanish (EXTRA_TRAIN=data/bt.tsv)
#   tools/data/back_translate.sh --reverse [MODEL] [OUT]
#     (defaults: models/en-es-transformer.s2s, data/bt-es-en.tsv)
#     the English-only text of data/mono.en (WordNet's usage examples:
#     tools/data/extract_mono_en.py) translated by an English -> Spanish model:
#     pairs for training Spanish -> English (EXTRA_TRAIN=data/bt-es-en.tsv)
# Writes OUT as bt<TAB>English<TAB>Spanish, one side synthetic, greedy,
# deterministic (the same model and text give the same bytes). Lines that are
# already the same-language side of a pair in data/train.tsv are skipped (24,910
# of 35,825 in mono.es): they have a real translation, and a second, synthetic
# one would only repeat them. Of the rest it keeps only plausible pairs:
# a non-empty output that is not a copy of the input, at most 3x longer or
# shorter in characters, and without one to four words said three times in a
# row (the model's failure loop). data/work/bt_report.json (with --reverse,
# bt_es_en_report.json) counts what was dropped.
set -eu
cd "$(dirname "$0")/../.."
if [ "${1:-}" = --reverse ]; then
  shift
  model=${1:-models/en-es-transformer.s2s}
  mono=${MONO:-data/mono.en}   # another English file, one sentence a line
  out=${2:-data/bt-es-en.tsv}
  column=2 report=data/work/bt_es_en_report.json
else
  model=${1:-models/es-en.s2s}
  mono=${MONO:-data/mono.es}   # another Spanish file, one sentence a line
  out=${2:-data/bt.tsv}
  column=3 report=data/work/bt_report.json
fi
[ -f "$mono" ] || { echo "back_translate.sh: $mono is missing: run npm run data" >&2; exit 1; }
[ -f "$model" ] || { echo "back_translate.sh: $model not found" >&2; exit 1; }
s2s=build-blas/s2s
[ -x "$s2s" ] || s2s=build/s2s
[ -x "$s2s" ] || { echo "back_translate.sh: build the native tool first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
mkdir -p data/work
tmp=$(mktemp)
new=$(mktemp)
trap 'rm -f "$tmp" "$new"' EXIT
# the lines no training pair has on its side of the same language
/usr/bin/python3 -c '
import sys
col = int(sys.argv[4]) - 1
known = {line.rstrip("\n").split("\t")[col] for line in open(sys.argv[1], encoding="utf-8")}
with open(sys.argv[2], encoding="utf-8") as f, open(sys.argv[3], "w", encoding="utf-8") as out:
    out.writelines(line for line in f if line.rstrip("\n") not in known)
' data/train.tsv "$mono" "$new" "$column"
mono=$new
# one line in, one line out: a line the model refuses comes back empty and is dropped below
"$s2s" translate --model "$model" --beam 1 --batch 64 < "$mono" > "$tmp" 2> data/work/bt_translate.log || true
[ "$(wc -l < "$tmp")" -eq "$(wc -l < "$mono")" ] ||
  { echo "back_translate.sh: the output lost the line alignment (see data/work/bt_translate.log)" >&2; exit 1; }
paste "$tmp" "$mono" | /usr/bin/python3 -c '
import json, re, sys
out_path, model, report, column = sys.argv[1:5]
# one to four words said three times in a row ("of the form of the form of the form")
loop = re.compile(r"\b((?:\w+\W+){1,4}?)\1\1", re.IGNORECASE)
kept, dropped = 0, {"empty": 0, "copy": 0, "length": 0, "loop": 0}
out = open(out_path, "w", encoding="utf-8")
for line in sys.stdin:
    synthetic, real = line.rstrip("\n").split("\t")
    synthetic = synthetic.strip()
    why = ("empty" if not synthetic else "copy" if synthetic == real.strip() else
           "length" if not (len(real) / 3 <= len(synthetic) <= 3 * len(real)) else
           "loop" if loop.search(synthetic) else None)
    if why:
        dropped[why] += 1
        continue
    en, es = (synthetic, real) if column == "3" else (real, synthetic)
    out.write(f"bt\t{en}\t{es}\n")
    kept += 1
json.dump({"kept": kept, "dropped": dropped, "model": model}, open(report, "w"), indent=1)
print(f"back-translation: {kept} pairs kept, dropped {dropped} -> {out_path}", file=sys.stderr)
' "$out" "$model" "$report" "$column"
