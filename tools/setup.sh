#!/bin/sh
# tools/setup.sh — install what the build and tests need from Debian 12.
# As root it installs missing packages with apt; otherwise it names them.
# Usage: tools/setup.sh [--train] [--browser] [--bench]
#   --train    the tools to build data and models: sentencepiece, OpenBLAS,
#              PyTorch for reference fixtures, and Apertium eng-spa, the
#              baseline npm run eval scores beside the models, with lt-print
#              (lttoolbox-dev), which lists its bilingual dictionary for data/dict.tsv
#   --browser  Debian's Chromium for the browser tests (tests/browser/, which
#              drive it with the npm devDependency playwright-core; no browser
#              is ever downloaded by a test tool)
#   --bench    what `npm run bench` compares against: PyTorch with OpenBLAS
#              and with the reference BLAS (libblas3), and Chromium
# Always: the native toolchain, clang 14 with its libFuzzer runtime (the fuzz
# targets in tests/fuzz/), and Emscripten (emcc 3.1.6, which brings Binaryen's
# wasm-opt) plus wabt (wasm-objdump) for the WebAssembly build; clang 16 with
# lld 16 and llvm 16 (llvm-objcopy), which emcc runs for the relaxed-SIMD
# engine (clang 14 emits pre-standard relaxed opcodes); PyTorch and numpy for
# test_torch_train (tools/torch_train.py against s2s train).
set -eu

need="cmake gcc make libsimde-dev valgrind clang-14 libclang-rt-14-dev emscripten binaryen wabt clang-16 lld-16 llvm-16
  python3-torch python3-numpy"
for arg in "$@"; do
  case "$arg" in
    --train) need="$need libopenblas-dev sentencepiece python3-numpy python3-torch python3-pysword apertium apertium-eng-spa lttoolbox-dev" ;;
    --browser) need="$need chromium" ;;
    --bench) need="$need libopenblas-dev libblas3 python3-numpy python3-torch chromium" ;;
    *) echo "tools/setup.sh: unknown option $arg (known: --train, --browser, --bench)" >&2; exit 2 ;;
  esac
done

missing=""
for pkg in $need; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "seq2seq-wasm needs these Debian packages:$missing" >&2
  echo "install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "installing:$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
