#!/bin/sh
# tools/ensure_engines.sh — make sure dist/ holds the three WebAssembly engines,
# up to date where emcc is installed. Used by `npm start` and by `npm pack` /
# `npm publish` (the package.json "prepack" script), so a tarball never
# ships without its engines.
#   emcc, wasm-opt and wasm-objdump installed: emscripten/build.sh (rebuilds
#     only what is out of date);
#   otherwise, all engines already in dist/: use them as built, and say so;
#   otherwise: tools/setup.sh installs the toolchain (as root), then build.
set -eu
cd "$(dirname "$0")/.."
if command -v emcc >/dev/null 2>&1 && command -v wasm-opt >/dev/null 2>&1 && command -v wasm-objdump >/dev/null 2>&1; then
  sh emscripten/build.sh
elif [ -f dist/seq2seq-simd.wasm ] && [ -f dist/seq2seq-scalar.wasm ] && [ -f dist/seq2seq-relaxed.wasm ]; then
  echo "tools/ensure_engines.sh: emcc is not installed; using the engines already in dist/" >&2
else
  sh tools/setup.sh
  sh emscripten/build.sh
fi
