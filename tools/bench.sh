#!/bin/sh
# tools/bench.sh — `npm run bench`: builds what the benchmark suite needs and
# is missing or out of date, then runs it (bench/run.mjs; see bench/README.md).
#   sh tools/bench.sh [--quick] [--only translation,tfjs,training,memory,kernels,text]
#                     [--models lstm,transformer] [--transformer PATH]
# Builds: build/ (native, CMake: s2s, bench_translate, bench_kernels),
# build-relaxed/ (bench_translate with -DS2S_RELAXED_SIMD=ON) and dist/ (the
# WebAssembly engines, emscripten/build.sh, incremental).
set -eu
cd "$(dirname "$0")/.."
# Debian packages (PyTorch, OpenBLAS, the reference BLAS, Chromium; as root
# they are installed, otherwise named) and the npm devDependencies (TF.js,
# playwright-core)
sh tools/setup.sh --bench
[ -d node_modules/playwright-core ] && [ -d node_modules/@tensorflow/tfjs-backend-wasm ] &&
  [ -d node_modules/typescript ] ||
  npm install --no-audit --no-fund

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# incremental: only what changed is rebuilt (one job: the machine is shared)
cmake --build build --target s2s bench_translate bench_kernels >/dev/null
# the relaxed flavour's int8 arithmetic natively (7-bit activations, S2S_RELAXED_SIMD)
if [ ! -f build-relaxed/CMakeCache.txt ]; then
  cmake -S . -B build-relaxed -DCMAKE_BUILD_TYPE=Release -DS2S_RELAXED_SIMD=ON >/dev/null
fi
cmake --build build-relaxed --target bench_translate >/dev/null

if command -v emcc >/dev/null 2>&1; then
  # with the control build: SIMD through the relaxed flavour's toolchain (build-wasm/simd-llvm16/)
  S2S_WASM_CONTROL=1 sh emscripten/build.sh
elif [ ! -f dist/seq2seq-simd.wasm ] || [ ! -f dist/seq2seq-scalar.wasm ] || [ ! -f dist/seq2seq-relaxed.wasm ]; then
  echo "tools/bench.sh: dist/ lacks an engine and emcc is missing (run tools/setup.sh)" >&2
  exit 1
else
  echo "tools/bench.sh: emcc is missing; benchmarking dist/ as it is" >&2
fi

exec node bench/run.mjs "$@"
