#!/bin/sh
# tools/tune_length_penalty.sh MODEL.s2s [DEV.tsv] [--reverse] — the length
# penalty a model should recommend (its meta.length_penalty, the default of
# the CLI and the JS API): beam 4 on the first 1,000 pairs of the dev file
# (default data/dev.tsv) at each penalty of the grid, a table on stderr, the
# best by BLEU (then chrF2) on stdout. tools/train_models.sh runs it for the
# Transformer, whose beam output is short at penalty 1 (BP 0.91 on the test
# split). S2S names the binary (default build-blas/s2s, else build/s2s).
set -eu
model=${1:?usage: tools/tune_length_penalty.sh MODEL.s2s [DEV.tsv] [--reverse]}
dev=${2:-data/dev.tsv}
rev=
[ "${3:-}" = --reverse ] && rev=--reverse
s2s=${S2S:-build-blas/s2s}
[ -x "$s2s" ] || s2s=build/s2s
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 1000 "$dev" > "$tmp/dev.tsv"
printf 'length penalty  BLEU   chrF2  BP     (beam 4, first 1,000 pairs of %s)\n' "$dev" >&2
for lp in 0.6 0.8 1.0 1.2 1.4 1.6 1.8 2.0 2.5 3.0; do
  # shellcheck disable=SC2086
  "$s2s" eval --model "$model" --test "$tmp/dev.tsv" --beam 4 --length-penalty "$lp" $rev \
    --json "$tmp/e.json" > /dev/null
  # "overall": {"sentences": N, "bleu": B, "chrf2": C, "precisions": [...], "bp": P, ...}
  sed -n 's/.*"overall": {[^}]*"bleu": \([0-9.]*\), "chrf2": \([0-9.]*\),.*"bp": \([0-9.]*\),.*/\1 \2 \3/p' \
    "$tmp/e.json" | { read -r b c p; printf '%s %s %s %s\n' "$lp" "$b" "$c" "$p"; } >> "$tmp/scores"
  tail -n 1 "$tmp/scores" | awk '{ printf "%-15s %-6.2f %-6.2f %.3f\n", $1, $2, $3, $4 }' >&2
done
# the first of the best: ties keep the smaller penalty
sort -s -k2,2gr -k3,3gr "$tmp/scores" | head -n 1 | cut -d' ' -f1
