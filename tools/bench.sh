#!/bin/sh
# tools/bench.sh — `npm run bench`: builds what the benchmark suite needs and
# is missing or out of date, then runs it (bench/run.mjs; see bench/README.md).
#   sh tools/bench.sh [--quick] [--only translation,tfjs,training,memory,kernels]
# Builds: build/ (native, CMake: s2s, bench_translate, bench_kernels) and
# dist/ (the WebAssembly engines, emscripten/build.sh, incremental).
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

if command -v emcc >/dev/null 2>&1; then
  sh emscripten/build.sh
elif [ ! -f dist/seq2seq-simd.wasm ] || [ ! -f dist/seq2seq-scalar.wasm ] || [ ! -f dist/seq2seq-relaxed.wasm ]; then
  echo "tools/bench.sh: dist/ lacks an engine and emcc is missing (run tools/setup.sh)" >&2
  exit 1
else
  echo "tools/bench.sh: emcc is missing; benchmarking dist/ as it is" >&2
fi

exec node bench/run.mjs "$@"
