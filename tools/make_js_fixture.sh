#!/bin/sh
# tools/make_js_fixture.sh — regenerate the small model the JS tests use,
# tests/fixtures/js/tiny-en-es.s2s (int8, 120 KB, 90k parameters): an LSTM
# with Bahdanau attention, bidirectional encoder, E = H = 32, trained for a
# fixed 10000 steps on a fixed 3000-pair sample of data/train.tsv with the
# 768-piece test vocabulary (about 5 minutes on one core). Its translations
# are poor but deterministic; the tests only need a real model of the shipped
# shape family. Then it writes the native reference outputs
# (tests/fixtures/js/native_expected.json, and native_expected_relaxed.json
# from a build with 7-bit activations) with tests/js/native_ref.c.
# The same recipe with the columns swapped (s2s train --reverse) gives
# tests/fixtures/js/tiny-es-en.s2s, Spanish -> English, for the tests of the
# two directions (the page's swap button, the CLI's --from), and
# tests/fixtures/js/tiny-en-es-shortlist.s2s adds a lexical shortlist.
# tests/fixtures/js/tiny-tf-en-es.s2s is a Transformer (int8, ~100 KB, 93k
# parameters: E = 32, 4 heads, feed-forward 64, 2 + 2 layers, tied output)
# trained 3000 steps on the same sample, for the tests of attention: 'heads'
# (tests/js/attention-heads.test.js) with its native outputs and per-head
# digests in tests/fixtures/js/native_expected_tf.json (native_ref --heads),
# and the native trainer's first 8 fine-tuning steps on it
# (tests/fixtures/js/native_train_tf.json, native_ref --train, for
# tests/js/finetune-transformer.test.js).
# Needs: the native build (cmake), data/train.tsv (npm run data).
set -eu
cd "$(dirname "$0")/.."
out=tests/fixtures/js
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f data/train.tsv ] || { echo "data/train.tsv is missing: run npm run data" >&2; exit 1; }
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target s2s -j2
# every 20th pair with a short English side: ~3000 pairs
awk -F'\t' 'NR % 20 == 0 && length($2) < 60' data/train.tsv | head -n 3000 >"$tmp/train.tsv"
build/s2s train --train "$tmp/train.tsv" --vocab tests/fixtures/tokenizer/vocab.tsv \
  --out "$tmp/tiny.s2s" --cell lstm --attention bahdanau --bridge project \
  --emb 32 --hidden 32 --dec-hidden 32 --tie 1 --bidirectional 1 \
  --batch 32 --epochs 1000 --max-steps 10000 --max-len 60 --lr 1e-2 --dropout 0 --label-smoothing 0 \
  --seed 7 --checkpoint "$tmp/tiny.ckpt" --log-every 1000
build/s2s quantize "$tmp/tiny.s2s" "$out/tiny-en-es.s2s"
# a confidence calibration (meta.confidence) for the tests of the confidence path:
# the tiny model is never good by the shipped models' chrF2 >= 50, hence 10
node tools/calibrate_confidence.mjs "$out/tiny-en-es.s2s" data/dev.tsv --threshold 10 \
  --write "$out/tiny-en-es.s2s" >/dev/null
build/s2s info "$out/tiny-en-es.s2s"
sh tests/js/native_ref.sh "$out/tiny-en-es.s2s" tests/fixtures/js/sentences.txt >"$out/native_expected.json"
# the same model with a lexical shortlist from its training sample, for the
# tests of the shortlist option (134 of 768 pieces per sentence on average)
build/s2s shortlist --model "$out/tiny-en-es.s2s" --train "$tmp/train.tsv" \
  --out "$out/tiny-en-es-shortlist.s2s" --frequent 64 --candidates 8 --min-count 1
# the relaxed-SIMD flavour's arithmetic (7-bit activations), natively: tests/browser/relaxed.test.js
cmake -S . -B build-relaxed -DCMAKE_BUILD_TYPE=Release -DS2S_RELAXED_SIMD=ON >/dev/null
cmake --build build-relaxed --target s2s_core -j2
S2S_NATIVE_BUILD=build-relaxed sh tests/js/native_ref.sh "$out/tiny-en-es.s2s" tests/fixtures/js/sentences.txt \
  >"$out/native_expected_relaxed.json"
build/s2s train --train "$tmp/train.tsv" --vocab tests/fixtures/tokenizer/vocab.tsv --reverse \
  --meta source_language=es --meta target_language=en \
  --out "$tmp/tiny-es-en.s2s" --cell lstm --attention bahdanau --bridge project \
  --emb 32 --hidden 32 --dec-hidden 32 --tie 1 --bidirectional 1 \
  --batch 32 --epochs 1000 --max-steps 10000 --max-len 60 --lr 1e-2 --dropout 0 --label-smoothing 0 \
  --seed 7 --checkpoint "$tmp/tiny-es-en.ckpt" --log-every 1000
build/s2s quantize "$tmp/tiny-es-en.s2s" "$out/tiny-es-en.s2s"
build/s2s info "$out/tiny-es-en.s2s"
build/s2s train --train "$tmp/train.tsv" --vocab tests/fixtures/tokenizer/vocab.tsv \
  --out "$tmp/tiny-tf.s2s" --arch transformer --emb 32 --heads 4 --ff 64 --layers 2 --dec-layers 2 \
  --tie 1 --batch 32 --epochs 1000 --max-steps 3000 --max-len 60 --lr 2e-3 --warmup 200 --dropout 0 \
  --label-smoothing 0 --seed 7 --checkpoint "$tmp/tiny-tf.ckpt" --log-every 500
build/s2s quantize "$tmp/tiny-tf.s2s" "$out/tiny-tf-en-es.s2s"
build/s2s info "$out/tiny-tf-en-es.s2s"
sh tests/js/native_ref.sh "$out/tiny-tf-en-es.s2s" tests/fixtures/js/sentences.txt --heads \
  >"$out/native_expected_tf.json"
sh tests/js/native_ref.sh "$out/tiny-tf-en-es.s2s" "$out/finetune_pairs.tsv" --train 8 0.01 \
  >"$out/native_train_tf.json"
