#!/bin/sh
# tools/test.sh — every test, as `npm test` and CI run them:
#   1. the native build (SIMD kernels through SIMDe) and its CTest suite;
#   2. the WebAssembly build and the JS tests against its SIMD and scalar
#      flavours (tools/test_js.sh);
#   3. the JS API in headless Chromium, in the page and in a Web Worker
#      (tests/browser/: Debian's chromium, npm's playwright-core);
#   4. each fuzz target (tests/fuzz/: libFuzzer for C, Node for the HTML path)
#      for S2S_FUZZ_SECONDS (60) seconds;
#   5. the C suite built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   6. the C suite under valgrind memcheck (leaks and invalid accesses), built
#      without -march=native because valgrind does not decode AVX-512.
# S2S_TEST_QUICK=1 runs only steps 1 to 3; S2S_TEST_BROWSER=0 skips step 3
# (and does not install Chromium).
set -eu
cd "$(dirname "$0")/.."
browser=${S2S_TEST_BROWSER:-1}
if [ "$browser" = 1 ]; then sh tools/setup.sh --browser; else sh tools/setup.sh; fi
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n== %s\n' "$*"; }

step "native build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

# the npm devDependencies: playwright-core (browser tests), TensorFlow.js
# (the TF.js equivalence test; the benchmark's comparison), TypeScript (tsc
# checks index.d.ts)
[ -d node_modules/playwright-core ] && [ -d node_modules/@tensorflow/tfjs-backend-wasm ] &&
  [ -d node_modules/typescript ] ||
  npm install --no-audit --no-fund

sh tools/test_js.sh

if [ "$browser" = 1 ]; then
  step "browser tests (headless Chromium: page and Web Worker)"
  # playwright-core only drives /usr/bin/chromium; it downloads no browser
  S2S_BROWSER_REQUIRED=1 node --test --test-reporter=spec tests/browser/
fi

[ "${S2S_TEST_QUICK:-0}" = 1 ] && exit 0

step "fuzzing: each target for ${S2S_FUZZ_SECONDS:-60} s (tests/fuzz/)"
sh tools/fuzz.sh --seconds "${S2S_FUZZ_SECONDS:-60}"

step "AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DS2S_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
# (the pure-Python tests have nothing for the sanitizers to see; step 1 ran them.
# test_grow_transformer stays: it drives the sanitized s2s binary)
ctest --test-dir build-asan --output-on-failure -E 'test_torch_ref|test_eval_report|test_extract_mono_en|test_extract_dict|test_countries|test_nouns|test_rare_word_recall|test_training_mix|test_case_robustness'

step "valgrind memcheck"
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DS2S_NATIVE_ARCH=OFF >/dev/null
cmake --build build-valgrind -j"$jobs"
# the synthetic training test alone would take most of an hour under valgrind;
# its code paths are the same as test_train's and test_translate's. test_cli is
# a shell script: valgrind would check dash (which leaks by design), not s2s,
# whose code it drives is the library's, checked by the C tests here; so is
# test_torch_train and the other Python tests (valgrind would check the interpreter)
ctest --test-dir build-valgrind --output-on-failure -E 'test_synthetic|test_cli|test_training_mix|test_torch_train|test_torch_ref|test_eval_report|test_extract_mono_en|test_extract_dict|test_countries|test_nouns|test_rare_word_recall|test_case_robustness|test_grow_transformer' \
  --overwrite MemoryCheckCommandOptions="--error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
  -T memcheck
