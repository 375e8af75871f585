#!/bin/sh
# tests/test_cli.sh S2S — the native command line's direction and metadata
# options: `s2s train --reverse --meta`, `s2s quantize --meta`, `s2s train --keep-checkpoints`, `s2s average`, tools/compare_runs.sh, the file's
# length_penalty as the default, `--rerank`, `s2s eval --reverse`, `s2s shortlist`, `s2s compare`. Run by CTest with the s2s binary; the tiny JS fixture model is the
# starting point, so it takes a second.
set -eu
S2S=$1
FIX=$(cd "$(dirname "$0")" && pwd)/fixtures/js/tiny-en-es.s2s
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_cli: FAIL: $*" >&2; exit 1; }

# short English, long Spanish: the token counts tell which side was read as source
printf 'ui\tOpen.\tAbra el archivo que usted quiere ver ahora mismo, por favor.\n' > "$T/c.tsv"
printf 'ui\tClose.\tCierre la ventana que usted abrió hace un momento, por favor.\n' >> "$T/c.tsv"

"$S2S" train --train "$T/c.tsv" --init "$FIX" --out "$T/fwd.s2s" --max-steps 1 --batch 2 \
  2> "$T/fwd.log" || fail "train (forward)"
"$S2S" train --train "$T/c.tsv" --init "$FIX" --out "$T/rev.s2s" --max-steps 1 --batch 2 \
  --reverse --meta source_language=es --meta target_language=en 2> "$T/rev.log" || fail "train --reverse"
counts() { sed -n 's/.*; \([0-9.]*\) source and \([0-9.]*\) target tokens per sentence/\1 \2/p' "$1"; }
set -- $(counts "$T/fwd.log")
fs=$1 ft=$2
set -- $(counts "$T/rev.log")
[ "$1" = "$ft" ] && [ "$2" = "$fs" ] || fail "--reverse: forward $fs/$ft, reversed $1/$2 source/target tokens"
awk -v s="$fs" -v t="$ft" 'BEGIN { exit !(s < t) }' || fail "fixture: English should be the shorter side ($fs vs $ft)"

"$S2S" info "$T/rev.s2s" > "$T/info.txt"
grep -q ' source_language *es$' "$T/info.txt" || fail "train --meta source_language missing"
grep -q '^ *target_language *en$' "$T/info.txt" || fail "train --meta target_language missing"

# quantize keeps the file's meta and adds (or replaces) what --meta says
"$S2S" quantize "$T/rev.s2s" "$T/q.s2s" --meta name=tiny --meta source_language=xx || fail "quantize --meta"
"$S2S" info "$T/q.s2s" > "$T/qinfo.txt"
grep -q ' name *tiny$' "$T/qinfo.txt" || fail "quantize --meta name"
grep -q 'source_language *xx$' "$T/qinfo.txt" || fail "quantize --meta replaces a key"
grep -q 'target_language *en$' "$T/qinfo.txt" || fail "quantize keeps the other meta"
grep -q '^quantized *yes' "$T/qinfo.txt" || fail "quantize did not quantize"
grep -q '^cell *' "$T/qinfo.txt" && grep -q '^enc hidden *' "$T/qinfo.txt" &&
  grep -q '^input feed *' "$T/qinfo.txt" || fail "info: RNN rows"
grep -q 's2s: model [a-z]*/[a-z-]*/[a-z]*, emb ' "$T/fwd.log" || fail "train log: RNN model line"
if "$S2S" quantize "$T/rev.s2s" "$T/bad.s2s" --meta novalue 2> "$T/err.txt"; then fail "--meta without '=' accepted"; fi
grep -q "not KEY=VALUE" "$T/err.txt" || fail "--meta error message"
[ ! -e "$T/bad.s2s" ] || fail "a refused --meta still wrote the file"

# average: the mean of f32 models, the last one's metadata; an int8 input is refused
"$S2S" average "$T/fwd.s2s" "$T/fwd.s2s" --out "$T/avg1.s2s" || fail "average"
cmp -s "$T/avg1.s2s" "$T/fwd.s2s" || fail "average: a model averaged with itself changed"
"$S2S" average "$T/fwd.s2s" "$T/rev.s2s" --out "$T/avg.s2s" --meta name=averaged || fail "average two"
"$S2S" info "$T/avg.s2s" > "$T/ainfo.txt"
grep -q ' name *averaged$' "$T/ainfo.txt" && grep -q ' source_language *es$' "$T/ainfo.txt" ||
  fail "average: --meta name or the last input's metadata missing"
! cmp -s "$T/avg.s2s" "$T/rev.s2s" || fail "average: two different models averaged to the last"
if "$S2S" average "$T/fwd.s2s" "$T/q.s2s" --out "$T/bad.s2s" 2> "$T/err.txt"; then fail "average accepted int8"; fi
grep -q "int8" "$T/err.txt" && [ ! -e "$T/bad.s2s" ] || fail "average: int8 refusal message or a file written"

# --keep-checkpoints: the weights of each evaluation, the newest N kept, ready to average
"$S2S" train --train "$T/c.tsv" --dev "$T/c.tsv" --init "$FIX" --out "$T/k.s2s" --checkpoint "$T/k.ckpt" \
  --max-steps 3 --batch 2 --eval-every 1 --keep-checkpoints 2 2> "$T/k.log" || fail "train --keep-checkpoints"
[ "$(cd "$T" && echo k.ckpt.step-*.s2s)" = "k.ckpt.step-2.s2s k.ckpt.step-3.s2s" ] ||
  fail "--keep-checkpoints 2 left: $(cd "$T" && echo k.ckpt.step-*)"
cmp -s "$T/k.ckpt" "$T/k.ckpt.step-3.s2s" || fail "--keep-checkpoints: the last kept differs from the checkpoint"
"$S2S" average "$T/k.ckpt.step-2.s2s" "$T/k.ckpt.step-3.s2s" --out "$T/kavg.s2s" || fail "average kept checkpoints"
# a model trained from an averaged one is not that mean: --init drops averaged_steps
"$S2S" average "$T/k.ckpt.step-2.s2s" "$T/k.ckpt.step-3.s2s" --out "$T/kavg2.s2s" --meta averaged_steps=2,3 ||
  fail "average --meta"
"$S2S" info "$T/kavg2.s2s" | grep -q 'averaged_steps *2,3' || fail "average --meta averaged_steps not in the file"
"$S2S" train --train "$T/c.tsv" --init "$T/kavg2.s2s" --out "$T/fromavg.s2s" --max-steps 1 --batch 2 2> /dev/null ||
  fail "train --init an averaged model"
if "$S2S" info "$T/fromavg.s2s" | grep -q averaged_steps; then fail "train --init kept averaged_steps"; fi
# tools/compare_runs.sh: two runs' weights at one step, a row each, a column per domain
mkdir "$T/ra" "$T/rb"
cp "$T/k.ckpt.step-3.s2s" "$T/ra/model.ckpt.step-3.s2s"
cp "$T/kavg.s2s" "$T/rb/model.ckpt.step-3.s2s"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
S2S=$S2S DEV=$T/c.tsv sh "$TOOLS/compare_runs.sh" 3 "$T/ra" "$T/rb" > "$T/cmp.md" || fail "compare_runs.sh"
grep -q '^| run | all | ui |$' "$T/cmp.md" && [ "$(grep -c "^| $T/r[ab] | [0-9.]* / [0-9.]* | [0-9.]* / [0-9.]* |$" "$T/cmp.md")" = 2 ] ||
  fail "compare_runs.sh table: $(cat "$T/cmp.md")"
# scores and translations kept under the dev set's name; the second run set
# against the first by paired bootstrap
[ -f "$T/ra/model.ckpt.step-3.c.json" ] && [ -f "$T/rb/model.ckpt.step-3.c.hyp.txt" ] ||
  fail "compare_runs.sh kept no JSON or translations: $(ls "$T/ra" "$T/rb")"
grep -q "^A $T/rb/model.ckpt.step-3.c.hyp.txt\$" "$T/cmp.md" && grep -q "^B $T/ra/model.ckpt.step-3.c.hyp.txt\$" "$T/cmp.md" &&
  grep -q '^domain ui  *2 ' "$T/cmp.md" || fail "compare_runs.sh bootstrap: $(cat "$T/cmp.md")"
if S2S=$S2S DEV=$T/c.tsv sh "$TOOLS/compare_runs.sh" 2 "$T/ra" 2> "$T/err.txt"; then fail "compare_runs.sh: a missing step accepted"; fi
grep -q 'kept steps: 3' "$T/err.txt" || fail "compare_runs.sh: missing-step message: $(cat "$T/err.txt")"

# a file's length_penalty metadata is the default of translate and eval; the option overrides it
"$S2S" quantize "$FIX" "$T/lp.s2s" --meta length_penalty=2 || fail "quantize --meta length_penalty"
"$S2S" quantize "$FIX" "$T/nolp.s2s" || fail "quantize"
printf 'Open the file.\nAnd God said, let there be light.\nClose the window now, please.\n' > "$T/lp.en"
"$S2S" translate --model "$T/lp.s2s" --beam 4 < "$T/lp.en" > "$T/lp.out" || fail "translate (length_penalty meta)"
"$S2S" translate --model "$T/nolp.s2s" --beam 4 --length-penalty 2 < "$T/lp.en" > "$T/lp2.out" || fail "translate --length-penalty"
"$S2S" translate --model "$T/nolp.s2s" --beam 4 < "$T/lp.en" > "$T/lp1.out" || fail "translate"
cmp -s "$T/lp.out" "$T/lp2.out" || fail "translate: the file's length_penalty is not the default"
! cmp -s "$T/lp.out" "$T/lp1.out" || fail "fixture: length penalties 1 and 2 should translate differently"
lp_json() { sed -n 's/.*"length_penalty": \([0-9.]*\).*/\1/p' "$1"; }
"$S2S" eval --model "$T/lp.s2s" --test "$T/c.tsv" --beam 2 --json "$T/lp.json" > /dev/null || fail "eval (length_penalty meta)"
[ "$(lp_json "$T/lp.json")" = 2.000 ] || fail "eval: length_penalty $(lp_json "$T/lp.json"), not the file's 2"
"$S2S" eval --model "$T/lp.s2s" --test "$T/c.tsv" --beam 2 --length-penalty 0.5 --json "$T/lp.json" > /dev/null || fail "eval --length-penalty"
[ "$(lp_json "$T/lp.json")" = 0.500 ] || fail "eval: --length-penalty 0.5 gave $(lp_json "$T/lp.json")"
"$S2S" eval --model "$T/nolp.s2s" --test "$T/c.tsv" --beam 2 --json "$T/lp.json" > /dev/null || fail "eval (no meta)"
[ "$(lp_json "$T/lp.json")" = 1.000 ] || fail "eval: a file without the metadata gave length_penalty $(lp_json "$T/lp.json")"

# block_repeats: the file's metadata is the default of eval (its JSON says so) and translate; the
# option overrides it, takes 0 or 1 only, and needs --model
br_json() { sed -n 's/.*"block_repeats": \([a-z]*\).*/\1/p' "$1"; }
"$S2S" quantize "$FIX" "$T/br.s2s" --meta block_repeats=1 || fail "quantize --meta block_repeats"
"$S2S" eval --model "$T/br.s2s" --test "$T/c.tsv" --json "$T/br.json" > /dev/null || fail "eval (block_repeats meta)"
[ "$(br_json "$T/br.json")" = true ] || fail "eval: block_repeats $(br_json "$T/br.json"), not the file's 1"
"$S2S" eval --model "$T/br.s2s" --test "$T/c.tsv" --block-repeats 0 --json "$T/br.json" > /dev/null || fail "eval --block-repeats 0"
[ "$(br_json "$T/br.json")" = false ] || fail "eval: --block-repeats 0 gave $(br_json "$T/br.json")"
"$S2S" eval --model "$T/nolp.s2s" --test "$T/c.tsv" --json "$T/br.json" > /dev/null || fail "eval (no block_repeats meta)"
[ "$(br_json "$T/br.json")" = false ] || fail "eval: a file without the metadata gave block_repeats $(br_json "$T/br.json")"
"$S2S" translate --model "$T/br.s2s" --block-repeats 0 < "$T/lp.en" > /dev/null || fail "translate --block-repeats 0"
if "$S2S" translate --model "$T/br.s2s" --block-repeats 2 < "$T/lp.en" > /dev/null 2> "$T/err.txt"; then
  fail "translate --block-repeats 2 accepted"
fi
grep -q 'block-repeats' "$T/err.txt" || fail "translate --block-repeats 2: $(cat "$T/err.txt")"
if "$S2S" eval --hyp "$T/lp.en" --test "$T/c.tsv" --block-repeats 1 > /dev/null 2>&1; then
  fail "eval --hyp --block-repeats accepted"
fi

# --rerank: a model of the other direction picks among the beam's hypotheses, with --rerank-weight
# or else the file's rerank_weight metadata (neither: an error); eval's JSON names both
rr_json() { sed -n 's/.*"rerank_weight": \([0-9.]*\).*/\1/p' "$1"; }
"$S2S" translate --model "$T/fwd.s2s" --beam 3 --rerank "$T/rev.s2s" --rerank-weight 0.5 \
  < "$T/lp.en" > "$T/rr.out" || fail "translate --rerank"
[ "$(wc -l < "$T/rr.out")" = "$(wc -l < "$T/lp.en")" ] || fail "translate --rerank: a line per line"
if "$S2S" translate --model "$T/fwd.s2s" --rerank "$T/rev.s2s" < "$T/lp.en" > /dev/null 2> "$T/err.txt"; then
  fail "translate --rerank without a weight accepted"
fi
grep -q 'rerank_weight' "$T/err.txt" || fail "translate --rerank without a weight: $(cat "$T/err.txt")"
if "$S2S" translate --model "$T/fwd.s2s" --rerank-weight 1 < "$T/lp.en" > /dev/null 2>&1; then
  fail "translate --rerank-weight without --rerank accepted"
fi
"$S2S" quantize "$T/fwd.s2s" "$T/rw.s2s" --meta rerank_weight=0.25 || fail "quantize --meta rerank_weight"
"$S2S" eval --model "$T/rw.s2s" --test "$T/c.tsv" --beam 2 --rerank "$T/rev.s2s" --json "$T/rr.json" \
  > /dev/null || fail "eval --rerank (the file's weight)"
[ "$(rr_json "$T/rr.json")" = 0.2500 ] || fail "eval --rerank: weight $(rr_json "$T/rr.json"), not the file's 0.25"
grep -q '"rerank": ".*rev.s2s"' "$T/rr.json" || fail "eval --rerank: the JSON does not name the rerank model"

# eval --reverse scores against the English column
cut -f2 "$T/c.tsv" > "$T/en.txt"
"$S2S" eval --hyp "$T/en.txt" --test "$T/c.tsv" --reverse > "$T/rev_eval.txt" || fail "eval --reverse"
all_chrf() { awk '$1 == "all" { print $4 }' "$1"; }
[ "$(all_chrf "$T/rev_eval.txt")" = 100.00 ] || fail "eval --reverse: English hypotheses vs the English column: $(cat "$T/rev_eval.txt")"
"$S2S" eval --hyp "$T/en.txt" --test "$T/c.tsv" > "$T/fwd_eval.txt" || fail "eval"
if [ "$(all_chrf "$T/fwd_eval.txt")" = 100.00 ]; then fail "eval without --reverse scored English as Spanish"; fi
# shortlist: learned from a corpus, shown by info, used unless --no-shortlist,
# removed by --remove; its check reports coverage
"$S2S" shortlist --model "$FIX" --train "$T/c.tsv" --out "$T/sl.s2s" --frequent 3 --candidates 2 \
  --min-count 1 --check "$T/c.tsv" > "$T/sl.txt" || fail "shortlist"
grep -q 'reference pieces in the list' "$T/sl.txt" || fail "shortlist --check report: $(cat "$T/sl.txt")"
"$S2S" info "$T/sl.s2s" | grep -q '^shortlist *3 frequent pieces + 2 candidates' || fail "info: shortlist"
"$S2S" info "$FIX" | grep -q '^shortlist *none' || fail "info: no shortlist"
"$S2S" eval --model "$T/sl.s2s" --test "$T/c.tsv" | grep -q 'beam 1, shortlist,' || fail "eval: shortlist not used"
"$S2S" eval --model "$T/sl.s2s" --test "$T/c.tsv" --no-shortlist | grep -q 'shortlist' &&
  fail "eval --no-shortlist still used it"
printf 'Open.\n' | "$S2S" translate --model "$T/sl.s2s" --no-shortlist > /dev/null || fail "translate --no-shortlist"
"$S2S" shortlist --model "$T/sl.s2s" --remove --out "$T/nosl.s2s" || fail "shortlist --remove"
"$S2S" info "$T/nosl.s2s" | grep -q '^shortlist *none' || fail "shortlist --remove kept it"
if "$S2S" shortlist --model "$FIX" --out "$T/x.s2s" 2> "$T/err.txt"; then fail "shortlist without --train"; fi

# compare: paired bootstrap of two outputs of the same test set. System A is the
# reference itself, B drops the last word of every sentence: A is ahead on every
# draw (p 0, an interval above zero); a system against itself: difference 0, p 1
: > "$T/b.tsv"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  d=ui; [ "$i" -gt 8 ] && d=story
  printf '%s\tLine %s.\tEsta es la frase número %s del conjunto de prueba.\n' "$d" "$i" "$i" >> "$T/b.tsv"
done
cut -f3 "$T/b.tsv" > "$T/good.txt"
sed 's/ [^ ]*$//' "$T/good.txt" > "$T/bad.txt"
"$S2S" compare --test "$T/b.tsv" --hyp "$T/good.txt" --hyp "$T/bad.txt" --by-domain --samples 200 \
  --json "$T/cmp.json" > "$T/cmp.txt" || fail "compare"
awk '$1 == "all" { ok = $2 == 12 && $3 == "100.00" && $8 == "100.00" && $5 > 0 && $10 > 0 && $7 == "0.000" && $12 == "0.000" }
  END { exit !ok }' "$T/cmp.txt" || fail "compare: reference against a truncated copy: $(cat "$T/cmp.txt")"
grep -q '^domain ui  *8 ' "$T/cmp.txt" && grep -q '^domain story  *4 ' "$T/cmp.txt" ||
  fail "compare --by-domain: $(cat "$T/cmp.txt")"
grep -q '"by_domain": {' "$T/cmp.json" && grep -q '"samples": 200,' "$T/cmp.json" ||
  fail "compare --json: $(cat "$T/cmp.json")"
# the 95% interval of chrF2: both ends above zero, the difference inside it
awk '$1 == "all" { gsub(/[][]/, "", $11); split($11, e, ","); ok = 0 < e[1] && e[1] <= $10 && $10 <= e[2] }
  END { exit !ok }' "$T/cmp.txt" || fail "compare: chrF2 interval: $(cat "$T/cmp.txt")"
"$S2S" compare --test "$T/b.tsv" --hyp "$T/bad.txt" --hyp "$T/bad.txt" --samples 50 > "$T/same.txt" ||
  fail "compare (a system against itself)"
awk '$1 == "all" { ok = $5 == "+0.00" && $7 == "1.000" && $10 == "+0.00" && $12 == "1.000" } END { exit !ok }' "$T/same.txt" ||
  fail "compare: a system against itself: $(cat "$T/same.txt")"
# the same seed draws the same samples; the order of A and B only flips the sign
"$S2S" compare --test "$T/b.tsv" --hyp "$T/bad.txt" --hyp "$T/good.txt" --by-domain --samples 200 \
  > "$T/cmp2.txt" || fail "compare (B, A)"
awk '$1 == "all" { print $5 }' "$T/cmp2.txt" | grep -q '^-' || fail "compare: B against A: $(cat "$T/cmp2.txt")"
"$S2S" compare --test "$T/b.tsv" --hyp "$T/good.txt" --hyp "$T/bad.txt" --by-domain --samples 200 \
  | cmp -s - "$T/cmp.txt" || fail "compare: the same seed gave other draws"
head -5 "$T/bad.txt" > "$T/short.txt"
if "$S2S" compare --test "$T/b.tsv" --hyp "$T/good.txt" --hyp "$T/short.txt" 2> "$T/err.txt"; then
  fail "compare: a hypothesis file of the wrong length"
fi
grep -q 'has 5 lines but' "$T/err.txt" || fail "compare: wrong length: $(cat "$T/err.txt")"
if "$S2S" compare --test "$T/b.tsv" --hyp "$T/good.txt" 2> "$T/err.txt"; then fail "compare with one --hyp"; fi

# train --init FILE --continue goes on where FILE's run was: ten steps straight, or
# five and then five more from the saved file, see the same batches (step, epoch,
# batch, tokens of the step log); the rate follows the schedule at the global step,
# ramped up over --rewarm steps
sched="--lr 1e-3 --lr-schedule inverse-sqrt --warmup 2 --batch 3 --dropout 0"
# shellcheck disable=SC2086
"$S2S" train --train "$T/b.tsv" --init "$FIX" --out "$T/ten.s2s" $sched --max-steps 10 \
  --step-log "$T/ten.steps" 2> "$T/ten.log" || fail "train (ten steps)"
# shellcheck disable=SC2086
"$S2S" train --train "$T/b.tsv" --init "$FIX" --out "$T/five.s2s" $sched --max-steps 5 \
  --step-log "$T/five.steps" 2> "$T/five.log" || fail "train (five steps)"
"$S2S" info "$T/five.s2s" | grep -q '^ *train.step *5$' || fail "train: the saved file's train.step"
"$S2S" train --train "$T/b.tsv" --init "$T/five.s2s" --continue --rewarm 2 --out "$T/more.s2s" \
  --lr 1e-3 --lr-schedule inverse-sqrt --warmup 2 --dropout 0 --max-steps 10 \
  --step-log "$T/more.steps" 2> "$T/more.log" || fail "train --continue: $(cat "$T/more.log")"
grep -q "continuing .*five.s2s's run at epoch [0-9]*, batch [0-9]*, step 5 (rate ramped up again)" "$T/more.log" ||
  fail "train --continue: $(head -3 "$T/more.log")"
[ "$(wc -l < "$T/more.steps")" -eq 5 ] || fail "train --continue: $(wc -l < "$T/more.steps") steps, not 5"
[ "$(cut -d' ' -f1-4 "$T/more.steps")" = "$(sed -n '6,10p' "$T/ten.steps" | cut -d' ' -f1-4)" ] ||
  fail "train --continue: other batches than the straight run: $(cut -d' ' -f1-4 "$T/more.steps" | tr '\n' ' ') against $(sed -n '6,10p' "$T/ten.steps" | cut -d' ' -f1-4 | tr '\n' ' ')"
# step 6: 1e-3 sqrt(2 / 6) / 2 (first of two ramp steps); step 7: 1e-3 sqrt(2 / 7)
awk 'function near(x, y) { return x > y * 0.99999 && x < y * 1.00001 }
  $1 == 6 { a = near($6, 1e-3 * sqrt(2 / 6) / 2) } $1 == 7 { b = near($6, 1e-3 * sqrt(2 / 7)) }
  END { exit !(a && b) }' "$T/more.steps" || fail "train --continue --rewarm: rates $(cut -d' ' -f1,6 "$T/more.steps" | tr '\n' ' ')"
! grep -q "starts again" "$T/more.log" || fail "train --continue, same pairs: $(cat "$T/more.log")"
"$S2S" info "$T/five.s2s" | grep -q '^ *train.data *[0-9a-f]\{16\}$' || fail "train: the saved file's train.data"
# ... with other training pairs, where the saved batch position (epoch 2, batch 1)
# would skip a batch of the new order: that epoch starts again at its first batch
sed 1d "$T/b.tsv" > "$T/b-other.tsv"
"$S2S" train --train "$T/b-other.tsv" --init "$T/five.s2s" --continue --out "$T/other.s2s" \
  --lr 1e-3 --lr-schedule inverse-sqrt --warmup 2 --dropout 0 --max-steps 6 \
  --step-log "$T/other.steps" 2> "$T/other.log" || fail "train --continue, other pairs: $(cat "$T/other.log")"
grep -q "not the ones that run used (train.data [0-9a-f]*, now [0-9a-f]*): epoch 2 starts again at its first batch" \
  "$T/other.log" || fail "train --continue, other pairs: $(cat "$T/other.log")"
[ "$(cut -d' ' -f1-3 "$T/other.steps")" = "6 2 0" ] ||
  fail "train --continue, other pairs: first step $(cut -d' ' -f1-3 "$T/other.steps"), not step 6 at epoch 2, batch 0"
if "$S2S" train --train "$T/b.tsv" --vocab "$FIX" --continue --out "$T/x.s2s" 2> "$T/err.txt"; then
  fail "train --continue without --init"
fi
if "$S2S" train --train "$T/b.tsv" --init "$FIX" --out "$T/x.s2s" --rewarm 5 2> "$T/err.txt"; then
  fail "train --rewarm without --continue"
fi
grep -q -- "--rewarm needs --continue" "$T/err.txt" || fail "train --rewarm: $(cat "$T/err.txt")"

# a Transformer from the same vocabulary, with warm-up: info names its fields, it translates
VOCAB=$(cd "$(dirname "$0")/.." && pwd)/data/spm.vocab
if [ -f "$VOCAB" ]; then
  "$S2S" train --train "$T/c.tsv" --vocab "$VOCAB" --out "$T/tf.s2s" --arch transformer --emb 32 --layers 2 \
    --heads 4 --ff 64 --dec-layers 1 --activation gelu --warmup 2 --max-steps 3 --batch 2 \
    --step-log "$T/tf.steps" 2> "$T/tf.log" || fail "train --arch transformer"
  head -1 "$T/tf.steps" | awk '{ exit !($6 > 0.00049 && $6 < 0.00051) }' || fail "--warmup: first step's lr"
  # inverse-sqrt: lr x step / 2 for steps 1-2, then lr x sqrt(2 / step): step 2 1e-3, step 8 5e-4
  "$S2S" train --train "$T/c.tsv" --init "$T/tf.s2s" --out "$T/isq.s2s" --lr-schedule inverse-sqrt \
    --warmup 2 --max-steps 8 --batch 2 --step-log "$T/isq.steps" 2> "$T/isq.log" ||
    fail "--lr-schedule inverse-sqrt"
  awk 'function near(x, y) { return x > y * 0.99999 && x < y * 1.00001 }
    $1 == 1 { a = near($6, 5e-4) } $1 == 2 { b = near($6, 1e-3) } $1 == 8 { c = near($6, 5e-4) }
    END { exit !(a && b && c) }' "$T/isq.steps" ||
    fail "--lr-schedule inverse-sqrt: logged rates $(cut -d' ' -f1,6 "$T/isq.steps" | tr '\n' ' ')"
  if "$S2S" train --train "$T/c.tsv" --init "$T/tf.s2s" --out "$T/x.s2s" --lr-schedule inverse-sqrt \
    --max-steps 1 2> "$T/err.txt"; then fail "inverse-sqrt without --warmup accepted"; fi
  grep -q 'needs --warmup' "$T/err.txt" || fail "inverse-sqrt without --warmup: $(cat "$T/err.txt")"
  "$S2S" info "$T/tf.s2s" > "$T/tfinfo.txt"
  grep -q '^architecture *transformer' "$T/tfinfo.txt" || fail "info: architecture"
  grep -q '^activation *gelu' "$T/tfinfo.txt" || fail "info: activation"
  grep -q '^layers *2 encoder, 1 decoder$' "$T/tfinfo.txt" || fail "info: layers"
  grep -q '^heads *4$' "$T/tfinfo.txt" && grep -q '^ff_dim *64$' "$T/tfinfo.txt" &&
    grep -q '^positions *sinusoidal$' "$T/tfinfo.txt" && grep -q '^emb *32$' "$T/tfinfo.txt" ||
    fail "info: heads, ff_dim, positions, emb: $(cat "$T/tfinfo.txt")"
  if grep -q '^cell\|^bridge\|^enc hidden\|^input feed' "$T/tfinfo.txt"; then
    fail "info: RNN rows for a Transformer"
  fi
  grep -q 's2s: model transformer, emb 32, heads 4, ff 64, layers 2+1, sinusoidal positions, gelu,' \
    "$T/tf.log" || fail "train log: Transformer model line: $(grep 's2s: model' "$T/tf.log")"
  printf 'Open.\n' | "$S2S" translate --model "$T/tf.s2s" --beam 2 > /dev/null || fail "translate (transformer)"
  # eval --json names the family; the RNN-only fields are null
  "$S2S" eval --model "$T/tf.s2s" --test "$T/c.tsv" --json "$T/tf.json" > /dev/null || fail "eval (transformer)"
  grep -q '"architecture": "transformer"' "$T/tf.json" && grep -q '"cell": null' "$T/tf.json" &&
    grep -q '"attention": null' "$T/tf.json" || fail "eval --json (transformer): $(head -8 "$T/tf.json")"
  if "$S2S" train --train "$T/c.tsv" --vocab "$VOCAB" --out "$T/x.s2s" --arch transformer --emb 32 \
    --heads 3 --max-steps 1 2> "$T/err.txt"; then fail "heads must divide emb"; fi
fi
echo "test_cli: ok"
