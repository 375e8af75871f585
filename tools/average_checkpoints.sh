#!/bin/sh
# tools/average_checkpoints.sh RUN_DIR [N] [--reverse] — checkpoint averaging for a run of
# tools/train_models.sh: the mean of the newest N weights that `s2s train
# --keep-checkpoints` kept (RUN_DIR/model.ckpt.step-STEP.s2s) goes to
# RUN_DIR/model-avg.s2s, then it and the run's best single model
# (RUN_DIR/model-f32.s2s, chosen by dev BLEU) translate greedily the dev
# pairs that choice did not see: all but the first DEV_SELECTED of
# tools/dev_split.sh (the recipes' --dev-bleu-sentences; SELECTED=N for
# another count): on the pairs that
# picked it, the best single checkpoint is flattered by its own luck. The
# path of the one with the higher BLEU is printed on stdout (the single model
# on a tie), the scores on stderr. With fewer than two kept checkpoints it
# prints the single model's path. --reverse: a
# Spanish -> English run (scored as s2s eval --reverse).
set -eu
cd "$(dirname "$0")/.."
run=${1:?usage: tools/average_checkpoints.sh RUN_DIR [N] [--reverse]}
n=${2:-8}
rev=
[ "${3:-}" = --reverse ] && rev=--reverse
single=$run/model-f32.s2s
s2s=build-blas/s2s
[ -x "$s2s" ] || s2s=build/s2s
[ -f "$single" ] || { echo "average_checkpoints.sh: $single not found" >&2; exit 1; }
# the newest N by step (the names sort by step with sort -V)
kept=$(find "$run" -maxdepth 1 -name 'model.ckpt.step-*.s2s' | sort -V | tail -n "$n")
count=$(printf '%s\n' "$kept" | grep -c . || true)
if [ "$count" -lt 2 ]; then
  echo "average_checkpoints.sh: $count kept checkpoint(s) in $run: the single model" >&2
  echo "$single"
  exit 0
fi
steps=$(printf '%s\n' "$kept" | sed 's/.*\.step-\([0-9]*\)\.s2s$/\1/' | paste -sd, -)
# shellcheck disable=SC2086
"$s2s" average $kept --out "$run/model-avg.s2s" --meta averaged_steps="$steps" >&2
. tools/dev_split.sh
selected=${SELECTED:-$DEV_SELECTED}
tail -n +"$((selected + 1))" data/dev.tsv > "$run/dev-unselected.tsv"
bleu() {
  # shellcheck disable=SC2086
  "$s2s" eval --model "$1" --test "$run/dev-unselected.tsv" --beam 1 --no-shortlist $rev 2>/dev/null |
    awk '$1 == "all" { print $3; exit }'
}
b_single=$(bleu "$single")
b_avg=$(bleu "$run/model-avg.s2s")
echo "average_checkpoints.sh: dev BLEU (the $(wc -l < "$run/dev-unselected.tsv") pairs after the first $selected, greedy): best single $b_single," \
  "mean of steps $steps $b_avg" >&2
if awk -v a="$b_avg" -v s="$b_single" 'BEGIN { exit !(a > s) }'; then
  echo "$run/model-avg.s2s"
else
  echo "$single"
fi
