#!/bin/sh
# tools/setup.sh — install what the build and tests need from Debian 12.
# As root it installs missing packages with apt; otherwise it names them.
# Usage: tools/setup.sh [--train]   (--train adds the tools to build data
# and models: sentencepiece, OpenBLAS, PyTorch for reference fixtures)
# Always: the native toolchain, and Emscripten (emcc 3.1.6, which brings
# Binaryen's wasm-opt) plus wabt (wasm-objdump) for the WebAssembly build.
set -eu

need="cmake gcc make libsimde-dev valgrind emscripten binaryen wabt"
if [ "${1:-}" = "--train" ]; then
  need="$need libopenblas-dev sentencepiece python3-numpy python3-torch python3-pysword"
fi

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
