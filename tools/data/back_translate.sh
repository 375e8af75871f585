#!/bin/sh
# tools/data/back_translate.sh — synthetic English for the Spanish-only text of
# data/mono.es (game stories, package descriptions, fortunes: tools/data/
# extract_mono.py), translated by the Spanish -> English model, for training
# English -> Spanish on real Spanish targets (back-translation).
#   tools/data/back_translate.sh [MODEL] [OUT]   (defaults: models/es-en.s2s, data/bt.tsv)
# Writes OUT as bt<TAB>synthetic English<TAB>real Spanish, greedy, deterministic
# (the same model and mono.es give the same bytes). Lines that are already the
# Spanish side of a pair in data/train.tsv are skipped (24,910 of 35,825 in
# mono.es): they have a real English source, and a second, synthetic one would
# only repeat them. Of the rest it keeps only plausible pairs:
# a non-empty output that is not a copy of the input, at most 3x longer or
# shorter in characters, and without one to four words said three times in a
# row (the model's failure loop). data/work/bt_report.json counts what was dropped.
# Use it with tools/train_models.sh: EXTRA_TRAIN=data/bt.tsv.
set -eu
cd "$(dirname "$0")/../.."
model=${1:-models/es-en.s2s}
mono=${MONO:-data/mono.es}   # another Spanish file, one sentence a line
out=${2:-data/bt.tsv}
[ -f "$mono" ] || { echo "back_translate.sh: $mono is missing: run npm run data" >&2; exit 1; }
[ -f "$model" ] || { echo "back_translate.sh: $model not found" >&2; exit 1; }
s2s=build-blas/s2s
[ -x "$s2s" ] || s2s=build/s2s
[ -x "$s2s" ] || { echo "back_translate.sh: build the native tool first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
mkdir -p data/work
tmp=$(mktemp)
new=$(mktemp)
trap 'rm -f "$tmp" "$new"' EXIT
# the Spanish lines no training pair has as its target
/usr/bin/python3 -c '
import sys
known = {line.rstrip("\n").split("\t")[2] for line in open(sys.argv[1], encoding="utf-8")}
with open(sys.argv[2], encoding="utf-8") as f, open(sys.argv[3], "w", encoding="utf-8") as out:
    out.writelines(line for line in f if line.rstrip("\n") not in known)
' data/train.tsv "$mono" "$new"
mono=$new
# one line in, one line out: a line the model refuses comes back empty and is dropped below
"$s2s" translate --model "$model" --beam 1 --batch 64 < "$mono" > "$tmp" 2> data/work/bt_translate.log || true
[ "$(wc -l < "$tmp")" -eq "$(wc -l < "$mono")" ] ||
  { echo "back_translate.sh: the output lost the line alignment (see data/work/bt_translate.log)" >&2; exit 1; }
paste "$tmp" "$mono" | /usr/bin/python3 -c '
import json, re, sys
# one to four words said three times in a row ("of the form of the form of the form")
loop = re.compile(r"\b((?:\w+\W+){1,4}?)\1\1", re.IGNORECASE)
kept, dropped = 0, {"empty": 0, "copy": 0, "length": 0, "loop": 0}
out = open(sys.argv[1], "w", encoding="utf-8")
for line in sys.stdin:
    en, es = line.rstrip("\n").split("\t")
    en = en.strip()
    why = ("empty" if not en else "copy" if en == es.strip() else
           "length" if not (len(es) / 3 <= len(en) <= 3 * len(es)) else
           "loop" if loop.search(en) else None)
    if why:
        dropped[why] += 1
        continue
    out.write(f"bt\t{en}\t{es}\n")
    kept += 1
json.dump({"kept": kept, "dropped": dropped, "model": sys.argv[2]},
          open("data/work/bt_report.json", "w"), indent=1)
print(f"back-translation: {kept} pairs kept, dropped {dropped} -> {sys.argv[1]}", file=sys.stderr)
' "$out" "$model"
