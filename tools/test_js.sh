#!/bin/sh
# tools/test_js.sh — the WebAssembly build and the JS tests (part of npm test):
#   1. emscripten/build.sh: dist/seq2seq-{simd,scalar,relaxed}.wasm (relaxed SIMD does not run
#      in Node 20: tests/js checks its fallback, tests/browser runs it in Chromium);
#   2. the native reference outputs for the equivalence tests (needs build/,
#      which tools/test.sh builds first; skipped with the committed files otherwise):
#      translations of the RNN fixture, fine-tuning losses of the Transformer fixture;
#   3. node --test tests/js/ against the SIMD build, then the scalar build
#      (the package test runs in the SIMD pass only).
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "seq2seq-wasm needs Node.js 20 or later (found $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

printf '\n== WebAssembly build\n'
sh emscripten/build.sh

if [ -f build/libs2s_core.a ]; then
  mkdir -p build
  sh tests/js/native_ref.sh tests/fixtures/js/tiny-en-es.s2s tests/fixtures/js/sentences.txt >build/js-native-expected.json
  export S2S_NATIVE_EXPECTED="$PWD/build/js-native-expected.json"
  sh tests/js/native_ref.sh tests/fixtures/js/tiny-tf-en-es.s2s tests/fixtures/js/finetune_pairs.tsv --train 8 0.01 \
    >build/js-native-train-tf.json
  export S2S_NATIVE_TRAIN_EXPECTED="$PWD/build/js-native-train-tf.json"
else
  echo "(no native build: the equivalence tests use tests/fixtures/js/native_expected.json and native_train_tf.json)" >&2
fi

for engine in simd scalar; do
  printf '\n== JS tests, %s build\n' "$engine"
  S2S_TEST_ENGINE=$engine node --test --test-reporter=spec tests/js/
done
