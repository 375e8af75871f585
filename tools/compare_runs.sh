#!/bin/sh
# tools/compare_runs.sh STEP RUN_DIR... — an ablation table: the weights each
# run kept at the same training step (RUN_DIR/model.ckpt.step-STEP.s2s, from
# `s2s train --keep-checkpoints`) translate the whole dev set greedily
# (data/dev.tsv, or DEV=FILE), and a markdown table of BLEU / chrF2 per domain
# goes to stdout. Comparing runs at the same step, not at the same minute,
# keeps the machine's load out of the comparison: runs that share a learning
# rate schedule have then seen the same number of batches.
#   tools/compare_runs.sh 24000 build-train/transformer build-train-bt/transformer
# REVERSE=1 scores Spanish -> English runs; S2S=PATH names the native tool.
# Each evaluation's JSON and translations stay beside its checkpoint as
# model.ckpt.step-STEP.dev.json and .dev.hyp.txt (with DEV=FILE, FILE's name
# for dev) and are reused while newer than it. Below the table, each run after
# the first is set against the first by paired bootstrap resampling (s2s
# compare --by-domain, 1,000 draws): the difference per domain with its 95 %
# interval, which says whether the difference is more than the dev set's noise.
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: tools/compare_runs.sh STEP RUN_DIR..." >&2; exit 2; }
step=$1
shift
dev=${DEV:-data/dev.tsv}
s2s=${S2S:-build-blas/s2s}
[ -x "$s2s" ] || s2s=build/s2s
rev=
[ -n "${REVERSE:-}" ] && rev=--reverse
jsons=
hyps=
for run in "$@"; do
  model=$run/model.ckpt.step-$step.s2s
  [ -f "$model" ] || { echo "compare_runs.sh: $model not found (kept steps: $(find "$run" -maxdepth 1 -name 'model.ckpt.step-*.s2s' | sed 's/.*step-\([0-9]*\)\.s2s/\1/' | sort -n | paste -sd' ' -))" >&2; exit 1; }
  base=$run/model.ckpt.step-$step.dev
  [ -n "${DEV:-}" ] && base=$run/model.ckpt.step-$step.$(basename "$dev" .tsv)
  json=$base.json hyp=$base.hyp.txt
  # reused only when newer than its checkpoint (find -newer: POSIX sh has no -nt)
  if [ -z "$(find "$json" -newer "$model" 2>/dev/null)" ] || [ -z "$(find "$hyp" -newer "$model" 2>/dev/null)" ]; then
    # shellcheck disable=SC2086
    "$s2s" eval --model "$model" --test "$dev" --by-domain --batch 64 $rev \
      --json "$json.tmp" --hyp-out "$hyp.tmp" >/dev/null
    mv "$hyp.tmp" "$hyp"
    mv "$json.tmp" "$json"
  fi
  jsons="$jsons $json"
  hyps="$hyps $hyp"
done
# shellcheck disable=SC2086
/usr/bin/python3 - "$step" "$dev" $jsons <<'EOF'
import json, sys
step, dev, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
runs = [(p.rsplit("/model.ckpt", 1)[0], json.load(open(p))) for p in paths]
domains = sorted({d for _, r in runs for d in r.get("by_domain", {})})
print(f"step {step}, greedy, {dev}: BLEU / chrF2")
print()
print("| run | all | " + " | ".join(domains) + " |")
print("|---|---:|" + "---:|" * len(domains))
for name, r in runs:
    cells = [r["overall"]] + [r["by_domain"].get(d) for d in domains]
    print(f"| {name} | " + " | ".join(
        f"{c['bleu']:.2f} / {c['chrf2']:.2f}" if c else "–" for c in cells) + " |")
EOF
# each later run against the first: paired bootstrap on the same dev pairs
first=
for hyp in $hyps; do
  if [ -z "$first" ]; then first=$hyp; continue; fi
  echo
  # shellcheck disable=SC2086
  "$s2s" compare --test "$dev" $rev --by-domain --hyp "$hyp" --hyp "$first"
done
