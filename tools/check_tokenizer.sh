#!/bin/sh
# check_tokenizer.sh MODEL_PREFIX TEXT_FILE
# Encodes every line of TEXT_FILE with spm_encode (MODEL_PREFIX.model) and
# with our tokenizer, and prints the lines where the ids differ.
# The vocabulary is exported with exact scores (tools/spm_model_vocab.py);
# set SPM_EXPORT_VOCAB=1 to use spm_export_vocab's 6-digit scores instead,
# as a CLI fed by spm_export_vocab would see them.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 MODEL_PREFIX TEXT_FILE" >&2; exit 2; }
model=$1.model
text=$2
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ "${SPM_EXPORT_VOCAB:-0}" = 1 ]; then
    spm_export_vocab --model="$model" > "$tmp/vocab.tsv"
else
    python3 "$root/tools/spm_model_vocab.py" "$model" "$tmp/vocab.tsv"
fi
spm_encode --model="$model" --output_format=id < "$text" > "$tmp/spm_ids.txt"
${CC:-cc} -std=c11 -O2 -I"$root/src" "$root/src/util.c" "$root/src/tokenizer.c" \
    "$root/tools/spm_check.c" -o "$tmp/spm_check" -lm
"$tmp/spm_check" "$tmp/vocab.tsv" "$text" "$tmp/spm_ids.txt"
