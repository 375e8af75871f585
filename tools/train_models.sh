#!/bin/sh
# tools/train_models.sh — reproduce the shipped models from data/ (run
# `npm run data` first). Trains natively with OpenBLAS, keeps the best
# checkpoint by dev BLEU, then quantizes to int8 into models/ and adds the
# lexical shortlist (s2s shortlist) and the confidence calibration; the
# Transformer also gets its length penalty (tools/tune_length_penalty.sh).
#   tools/train_models.sh attention      models/en-es.s2s        (110 minutes)
#   tools/train_models.sh es-en          models/es-en.s2s        (110 minutes)
#   tools/train_models.sh noattention    models/en-es-noattn.s2s (30 minutes)
#   tools/train_models.sh transformer    models/en-es-transformer.s2s (90 minutes)
#   tools/train_models.sh es-en-transformer models/es-en-transformer.s2s (90 minutes)
# es-en is the attention recipe on the same files with the columns swapped
# (s2s train --reverse); the vocabulary is shared by both languages.
# es-en-transformer starts from the shipped English -> Spanish Transformer's
# f32 master (models/f32/en-es-transformer.f32.s2s.xz) and trains it the other
# way: same shape and vocabulary, and it starts knowing both languages' pieces
# (models/es-en.md measures what that buys).
# CONTINUE=1 (the two Transformer recipes) goes on from the recipe's own
# committed f32 master, models/f32/NAME.f32.s2s.xz, where its checkpoint did
# not survive (a fresh machine): s2s train --init --continue takes the step,
# epoch and batch position from the file, so the schedule's rate and the
# batch order go on where that run stopped; Adam's moments start at zero,
# hence a 200-step --rewarm. RESUME=1 then resumes it like any run.
# CONTINUE_FROM=FILE does the same from another f32 master (plain or .xz),
# e.g. `git show REV:models/f32/NAME.f32.s2s.xz` saved aside, for ablations.
# RUN_DIR (default build-train/) holds checkpoints and logs; RESUME=1 continues;
# TIME_LIMIT=MINUTES overrides the time limit, PATIENCE=N the Transformers'
# early stop (N dev evaluations without a better single checkpoint, default
# 8: single checkpoints are noisy, their mean can still gain); POST_ONLY=1
# skips training and only makes models/ from what RUN_DIR holds. REMAKE=1 skips training too and
# makes models/NAME.s2s from the committed master models/f32/NAME.f32.s2s.xz
# (int8, shortlist, length penalty, calibration), as a fresh machine can; the
# Transformers' shortlists need their UPSAMPLE (see their cards), and
# LENGTH_PENALTY=x gives a Transformer that penalty instead of tuning one. Every
# recipe keeps the weights of its last 8 evaluations and ships the mean of
# the newest AVERAGE (default 8) when that scores better on dev than its best
# single checkpoint (tools/average_checkpoints.sh; runs from before
# --keep-checkpoints have none and ship the best single one). EXTRA_TRAIN="FILE ..." adds
# training pairs from tools/data/back_translate.sh: data/bt.tsv (synthetic
# English) for the English -> Spanish recipes, data/bt-es-en.tsv (synthetic
# Spanish) for the Spanish -> English ones. UPSAMPLE="DOMAIN ..." adds a
# second copy of data/train.tsv's pairs of those domains (one more copy each
# time a domain is named); TITLE_CASE=N adds every Nth short pair again
# with its source in title case (either direction), CAPITALS=N with its
# English in capitals (English -> Spanish only), LOWER_CASE=N every Nth
# pair of up to 30 words with its source in lower case, NO_ACCENTS=N (Spanish ->
# English only) every Nth pair with accents again with its Spanish typed
# without them, NO_FINAL_MARK=N every Nth sentence pair again without its
# final . ! or ? (and opening ¿ ¡), COUNTRIES=K K copies of
# each pair that names countries with the names swapped for others
# (data/countries.tsv, tools/data/countries.py), NOUNS=K K copies of each
# sentence pair with a dictionary noun, swapped for a rare noun of the same
# gender and number (data/nouns.tsv, tools/data/nouns.py). The run's training
# file is tools/data/training_mix.sh's, which says more. Dev BLEU is
# scored on the first DEV_SELECTED (tools/dev_split.sh) dev pairs.
set -eu
cd "$(dirname "$0")/.."
# The whole script is one function, read before anything runs: sh reads a
# script as it goes, so editing it during a two-hour run would otherwise make
# the run execute other lines than it started with (it once went on from the
# es-en case into the noattention one).
main() {
which=${1:-attention}
run=${RUN_DIR:-build-train}/$which
# REMAKE=1: no training, the master is the weights to ship
[ -z "${REMAKE:-}" ] || POST_ONLY=1
mkdir -p "$run" models
# configured once, built every time: a build from an older checkout once
# trained without the training-pair fingerprint that --resume checks
[ -f build-blas/CMakeCache.txt ] ||
  cmake -S . -B build-blas -DCMAKE_BUILD_TYPE=Release -DS2S_USE_BLAS=ON -DS2S_BUILD_TESTS=OFF >/dev/null
cmake --build build-blas --target s2s -j"$(nproc)" >/dev/null
# Debian's OpenBLAS 0.3.21 misdetects recent Xeons as Prescott (SSE3).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
train=data/train.tsv
if [ -n "${EXTRA_TRAIN:-}${UPSAMPLE:-}${TITLE_CASE:-}${CAPITALS:-}${LOWER_CASE:-}${NO_ACCENTS:-}${NO_FINAL_MARK:-}${COUNTRIES:-}${NOUNS:-}" ]; then
  mix_rev=
  case "$which" in es-en*) mix_rev=--reverse ;; esac
  # shellcheck disable=SC2086
  sh tools/data/training_mix.sh $mix_rev ${UPSAMPLE:+--upsample "$UPSAMPLE"} \
    ${TITLE_CASE:+--title-case "$TITLE_CASE"} ${CAPITALS:+--capitals "$CAPITALS"} ${LOWER_CASE:+--lower-case "$LOWER_CASE"} ${NO_ACCENTS:+--no-accents "$NO_ACCENTS"} ${NO_FINAL_MARK:+--no-final-mark "$NO_FINAL_MARK"} ${COUNTRIES:+--countries "$COUNTRIES"} ${NOUNS:+--nouns "$NOUNS"} $(for f in ${EXTRA_TRAIN:-}; do printf ' --extra %s' "$f"; done) \
    > "$run/train.tsv"
  train=$run/train.tsv
fi
# the first dev pairs choose checkpoints (see the header); the rest stay
# unseen by that choice and judge the averaging
. tools/dev_split.sh
common="--train $train --dev data/dev.tsv --vocab data/spm.vocab
  --out $run/model-f32.s2s --checkpoint $run/model.ckpt --cell lstm --bridge project
  --emb 256 --hidden 128 --dec-hidden 256 --bidirectional 1 --batch 64 --epochs 40
  --lr 2e-3 --lr-decay 0.5 --dropout 0.2 --label-smoothing 0.1 --clip 5 --seed 1
  --max-len 100 --eval-every 500 --dev-bleu-sentences $DEV_SELECTED --patience 5 --log-every 50
  --keep-checkpoints 8"
# the Transformers' training options; the shape (transformer) or the start
# file (es-en-transformer), rate, warm-up and seed are per recipe
transformer_common="--train $train --dev data/dev.tsv
  --out $run/model-f32.s2s --checkpoint $run/model.ckpt --batch 96 --epochs 40
  --lr-schedule inverse-sqrt --dropout 0.1 --label-smoothing 0.1 --clip 1
  --max-len 100 --eval-every 500 --dev-bleu-sentences $DEV_SELECTED --patience ${PATIENCE:-8} --log-every 50
  --keep-checkpoints 8 --time-limit ${TIME_LIMIT:-90}"
tf_lr=7e-4 tf_warmup=1000
# CONTINUE=1: the s2s train options that go on from the master $1 (xz);
# CONTINUE_FROM=FILE (.f32.s2s, or .xz) starts from another master instead,
# such as an earlier one from git for an ablation, and implies CONTINUE=1
continue_from() {
  from=${CONTINUE_FROM:-$1}
  case "$from" in
    *.xz) xz -dc "$from" > "$run/continue.f32.s2s" ;;
    *) cp "$from" "$run/continue.f32.s2s" ;;
  esac
  echo "--init $run/continue.f32.s2s --continue --rewarm 200"
}
case "$which" in
  attention)
    # shellcheck disable=SC2086
    [ -n "${POST_ONLY:-}" ] || build-blas/s2s train $common --attention bahdanau --input-feed 1 --tie 1 --time-limit "${TIME_LIMIT:-110}" \
      --meta source_language=en --meta target_language=es ${RESUME:+--resume} 2>&1 | tee -a "$run/train.log"
    out=models/en-es.s2s ;;
  es-en)
    # shellcheck disable=SC2086
    [ -n "${POST_ONLY:-}" ] || build-blas/s2s train $common --attention bahdanau --input-feed 1 --tie 1 --time-limit "${TIME_LIMIT:-110}" \
      --reverse --meta source_language=es --meta target_language=en ${RESUME:+--resume} 2>&1 \
      | tee -a "$run/train.log"
    out=models/es-en.s2s ;;
  noattention)
    # shellcheck disable=SC2086
    [ -n "${POST_ONLY:-}" ] || build-blas/s2s train $common --attention none --input-feed 0 --tie 1 --time-limit "${TIME_LIMIT:-30}" \
      --meta source_language=en --meta target_language=es ${RESUME:+--resume} 2>&1 | tee -a "$run/train.log"
    out=models/en-es-noattn.s2s ;;
  transformer)
    # pre-norm Transformer, 4 encoder + 2 decoder layers (a shallow decoder
    # decodes faster; the encoder runs once per sentence); learning rate
    # warmed up then inverse-sqrt, as pre-norm Transformers train best
    start="--vocab data/spm.vocab --arch transformer --emb 256 --heads 4 --ff 1024 --layers 4
      --dec-layers 2 --positions sinusoidal --activation relu --tie 1"
    if [ -n "${CONTINUE:-}${CONTINUE_FROM:-}" ] && [ -z "${RESUME:-}${POST_ONLY:-}" ]; then
      start=$(continue_from models/f32/en-es-transformer.f32.s2s.xz)
    fi
    # shellcheck disable=SC2086
    [ -n "${POST_ONLY:-}" ] || build-blas/s2s train $transformer_common $start \
      --lr "$tf_lr" --warmup "$tf_warmup" --seed 1 \
      --meta source_language=en --meta target_language=es ${RESUME:+--resume} 2>&1 | tee -a "$run/train.log"
    out=models/en-es-transformer.s2s ;;
  es-en-transformer)
    # the shape comes from the start file; the schedule is the one from
    # scratch, so that the two runs compare step for step
    start=''
    if [ -n "${RESUME:-}${POST_ONLY:-}" ]; then :
    elif [ -n "${CONTINUE:-}${CONTINUE_FROM:-}" ]; then
      start=$(continue_from models/f32/es-en-transformer.f32.s2s.xz)
    else
      xz -dc models/f32/en-es-transformer.f32.s2s.xz > "$run/init-en-es.f32.s2s"
      start="--init $run/init-en-es.f32.s2s"
    fi
    # shellcheck disable=SC2086
    [ -n "${POST_ONLY:-}" ] || build-blas/s2s train $transformer_common $start --reverse \
      --lr "$tf_lr" --warmup "$tf_warmup" --seed 1 \
      --meta source_language=es --meta target_language=en ${RESUME:+--resume} 2>&1 | tee -a "$run/train.log"
    out=models/es-en-transformer.s2s ;;
  *) echo "usage: $0 attention|es-en|noattention|transformer|es-en-transformer" >&2; exit 2 ;;
esac
rev=
case "$which" in es-en*) rev=--reverse ;; esac
# the f32 weights to ship: the mean of the last kept checkpoints when that is
# better on dev than the best single one, else that one
if [ -n "${REMAKE:-}" ]; then
  final=$run/master.f32.s2s
  xz -dc "models/f32/$(basename "$out" .s2s).f32.s2s.xz" > "$final"
else
  # shellcheck disable=SC2086
  final=$(sh tools/average_checkpoints.sh "$run" "${AVERAGE:-8}" $rev)
fi
# what every file tells the search by default (the Transformers' also their
# length penalty, tuned with this on): never write a word's piece right after
# itself (meta block_repeats; models/README.md measures it)
decode_meta="--meta block_repeats=1"
# the Transformers also recommend the weight of reranking by the shipped
# Transformer of the other direction (meta.rerank_weight, the default of
# s2s --rerank and of the JS API's rerank): 0.02, where beam 4 on dev is
# flat from 0.01 to 0.08 (en-es on the whole dev set, es-en on its first
# 1,553 pairs; the cards measure it; tools/tune_rerank_weight.sh sweeps it)
case "$which" in *transformer) decode_meta="$decode_meta --meta rerank_weight=0.02" ;; esac
# shellcheck disable=SC2086
build-blas/s2s quantize "$final" "$out" $decode_meta
# the lexical shortlist from the same training pairs, then the confidence
# calibration on translations that use it (the JS API's, hence the engines)
build-blas/s2s shortlist --model "$out" --train "$train" $rev --out "$out"
case "$which" in *transformer)
  # the length penalty its beam search should use by default, chosen on dev
  # data (meta.length_penalty); the recurrent models keep the library's 1
  # (LENGTH_PENALTY=x skips the tune: its beam search runs on OpenBLAS, whose
  # thread count can flip a near-tie, so a REMAKE names the shipped value)
  # shellcheck disable=SC2086
  lp=${LENGTH_PENALTY:-$(sh tools/tune_length_penalty.sh "$out" data/dev.tsv $rev)}
  # shellcheck disable=SC2086
  build-blas/s2s quantize "$final" "$out" $decode_meta --meta length_penalty="$lp"
  # shellcheck disable=SC2086
  build-blas/s2s shortlist --model "$out" --train "$train" $rev --out "$out" ;;
esac
sh tools/ensure_engines.sh
node tools/calibrate_confidence.mjs "$out" data/dev.tsv $rev --write "$out"
build-blas/s2s info "$out"
}
main "$@"
exit
