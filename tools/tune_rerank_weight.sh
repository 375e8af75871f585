#!/bin/sh
# tools/tune_rerank_weight.sh MODEL.s2s REVERSE.s2s [DEV.tsv] [--reverse] — the
# weight a model should recommend for reranking by REVERSE, the shipped model
# of the other direction (its meta.rerank_weight, the default of s2s
# --rerank and the JS API's rerank): beam 4 on the first 1,000 pairs of the
# dev file (default data/dev.tsv) at each weight of the grid, a table on
# stderr, the best by chrF2 (then BLEU) on stdout. Weight 0 is the search
# without reranking. tools/train_models.sh sets what this chose for the
# Transformers (see there). S2S names the binary (default build-blas/s2s, else
# build/s2s).
set -eu
usage='usage: tools/tune_rerank_weight.sh MODEL.s2s REVERSE.s2s [DEV.tsv] [--reverse]'
model=${1:?$usage}
reverse_model=${2:?$usage}
dev=${3:-data/dev.tsv}
rev=
[ "${4:-}" = --reverse ] && rev=--reverse
s2s=${S2S:-build-blas/s2s}
[ -x "$s2s" ] || s2s=build/s2s
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -n 1000 "$dev" > "$tmp/dev.tsv"
printf 'rerank weight  BLEU   chrF2  (beam 4, first 1,000 pairs of %s)\n' "$dev" >&2
for w in ${WEIGHTS:-0 0.01 0.02 0.04 0.08}; do
  # shellcheck disable=SC2086
  "$s2s" eval --model "$model" --test "$tmp/dev.tsv" --beam 4 --rerank "$reverse_model" \
    --rerank-weight "$w" $rev --json "$tmp/e.json" > /dev/null
  # "overall": {"sentences": N, "bleu": B, "chrf2": C, ...}
  sed -n 's/.*"overall": {[^}]*"bleu": \([0-9.]*\), "chrf2": \([0-9.]*\),.*/\1 \2/p' "$tmp/e.json" |
    { read -r b c; printf '%s %s %s\n' "$w" "$b" "$c"; } >> "$tmp/scores"
  tail -n 1 "$tmp/scores" | awk '{ printf "%-14s %-6.2f %.2f\n", $1, $2, $3 }' >&2
done
# the first of the best: ties keep the smaller weight
sort -s -k3,3gr -k2,2gr "$tmp/scores" | head -n 1 | cut -d' ' -f1
