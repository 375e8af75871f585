#!/bin/sh
# emscripten/build.sh — build the three WebAssembly engines into dist/:
#   dist/seq2seq-simd.wasm     SIMD128 kernels (-msimd128)
#   dist/seq2seq-scalar.wasm   the scalar _ref kernels (-DS2S_NO_SIMD, no SIMD opcodes)
#   dist/seq2seq-relaxed.wasm  SIMD128 plus relaxed SIMD's int8 dot product
#                              (-mrelaxed-simd; 7-bit activations, src/kernels.h)
# Each is a standalone module (no Emscripten JS glue; src/js/engine.js loads
# it) exporting the symbols in emscripten/exports.txt.
#
# Steps per flavour, in build-wasm/<flavour>/:
#   1. emcc -O3 compiles each C file of S2S_CORE_SOURCES (read from
#      CMakeLists.txt) plus src/wasm_api.c; only changed files are rebuilt.
#   2. emcc links at -O0 (no Binaryen pass yet): linked.wasm.
#   3. wasm-opt, as an explicit step: strip what a release does not need
#      (debug info, producers, target features), then the passes emcc -O3
#      would run (--post-emscripten -O3 --low-memory-unused --zero-filled-memory).
#      emscripten/measure.sh compares this with other wasm-opt choices
#      (-O4, -Os, -Oz, --converge, -O3 then -Os): none paid (docs/performance.md, "The WebAssembly build").
# The relaxed flavour differs in two ways. emcc runs Debian's clang 16
# (S2S_LLVM16, /usr/lib/llvm-16/bin) instead of clang 14, which emits
# pre-standard relaxed opcodes that current runtimes reject. And Binaryen 108
# never touches it: it mis-decodes the standard i32x4.relaxed_dot_i8x16_i7x16_add_s
# (fd 93 02) and writes a module that fails validation. So no wasm-opt step,
# and the link avoids emcc's own Binaryen use (-sWASM_BIGINT: no i64 dynCall
# wrappers to add; EMCC_READ_METADATA=python: metadata read without
# wasm-emscripten-finalize); llvm-objcopy strips it instead.
# The result is checked: the scalar module must contain no SIMD instruction,
# the SIMD ones must contain some, the relaxed one the relaxed dot product,
# and the imports must be the expected one.
#
# Usage: emscripten/build.sh [--force]   (rebuilds only what is out of date)
set -eu
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}" # Debian's emcc needs acorn from here

force=0
[ "${1:-}" = "--force" ] && force=1

for tool in emcc wasm-opt wasm-objdump; do
  command -v "$tool" >/dev/null || { echo "emscripten/build.sh: $tool is missing (run tools/setup.sh)" >&2; exit 1; }
done
llvm16="${S2S_LLVM16:-/usr/lib/llvm-16/bin}"
for tool in clang wasm-ld llvm-objcopy; do
  [ -x "$llvm16/$tool" ] || { echo "emscripten/build.sh: $llvm16/$tool is missing (run tools/setup.sh: clang-16, lld-16)" >&2; exit 1; }
done

srcs="$(sed -n '/^set(S2S_CORE_SOURCES/,/^)/p' CMakeLists.txt | grep -o 'src/[^ )]*\.c') src/wasm_api.c"
exports="$(grep -v '^#' emscripten/exports.txt | sed 's/[[:space:]]//g' | grep . | sed 's/^/_/' | paste -sd, -)"
headers="$(find src -name '*.h' -not -path 'src/cli/*' | sort)"
jobs="${S2S_WASM_JOBS:-2}"

CFLAGS="-O3 -DNDEBUG -std=c11 -ffp-contract=off -Wall -Wextra -Wno-unused-parameter -Isrc"
LDFLAGS="--no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sINITIAL_MEMORY=4MB -sTOTAL_STACK=1MB -sEXPORTED_FUNCTIONS=$exports"
# what emcc -O3 runs after linking, minus the stripping (a separate step)
OPT_SPEED="--post-emscripten -O3 --low-memory-unused --zero-filled-memory"
OPT_STRIP="--strip-debug --strip-dwarf --strip-producers --strip-target-features"

newer() { # newer TARGET FILES...: true when TARGET is missing or older than a file
  t=$1; shift
  [ "$force" = 1 ] || [ ! -f "$t" ] && return 0
  for f in "$@"; do [ "$f" -nt "$t" ] && return 0; done
  return 1
}

build_flavour() {
  flavour=$1 flags=$2 features=$3 link_extra=${4:-} out=${5:-dist/seq2seq-$1.wasm}
  dir=build-wasm/$flavour
  mkdir -p "$dir/obj" dist
  objs=""
  todo=""
  for src in $srcs; do
    obj="$dir/obj/$(echo "$src" | sed 's|^src/||; s|/|_|g; s|\.c$|.o|')"
    objs="$objs $obj"
    # shellcheck disable=SC2086
    if newer "$obj" "$src" $headers emscripten/build.sh; then todo="$todo $src:$obj"; fi
  done
  if [ -n "$todo" ]; then
    echo "emcc ($flavour): compiling$(echo "$todo" | wc -w | tr -d ' ') files" >&2
    # shellcheck disable=SC2086
    printf '%s\n' $todo | xargs -P "$jobs" -I{} sh -c \
      'src=${1%%:*}; obj=${1#*:}; emcc -c '"$CFLAGS $flags"' "$src" -o "$obj"' _ {}
  fi
  # shellcheck disable=SC2086
  if newer "$out" $objs emscripten/exports.txt; then
    # shellcheck disable=SC2086
    emcc -O0 $flags $objs $LDFLAGS $link_extra -o "$dir/linked.wasm"
    if [ "$features" = none ]; then
      "$llvm16/llvm-objcopy" --strip-all --remove-section=target_features "$dir/linked.wasm" "$out"
    else
      # one invocation: a separate strip pass after -O3 re-encodes the module 500 bytes larger
      # shellcheck disable=SC2086
      wasm-opt $features $OPT_STRIP $OPT_SPEED "$dir/linked.wasm" -o "$out"
    fi
    check "$flavour" "$out"
    echo "built $out: $(wc -c <"$out") bytes, $(gzip -9c "$out" | wc -c) gzipped" >&2
  fi
}

check() {
  flavour=$1 wasm=$2
  simd_ops=$(wasm-objdump -d "$wasm" | grep -c -E '\b(v128|[if](8x16|16x8|32x4|64x2))\.' || true)
  if [ "$flavour" = scalar ] && [ "$simd_ops" -ne 0 ]; then
    echo "emscripten/build.sh: the scalar build contains $simd_ops SIMD instructions" >&2; exit 1
  fi
  if [ "$flavour" != scalar ] && [ "$simd_ops" -eq 0 ]; then
    echo "emscripten/build.sh: the $flavour build contains no SIMD instruction" >&2; exit 1
  fi
  relaxed_ops=$(wasm-objdump -d "$wasm" | grep -c 'dot_i8x16_i7x16_add_s' || true)
  if [ "$flavour" = relaxed ] && [ "$relaxed_ops" -eq 0 ]; then
    echo "emscripten/build.sh: the relaxed build contains no relaxed dot product" >&2; exit 1
  fi
  if [ "$flavour" != relaxed ] && [ "$relaxed_ops" -ne 0 ]; then
    echo "emscripten/build.sh: the $flavour build contains relaxed SIMD instructions" >&2; exit 1
  fi
  imports=$(wasm-objdump -x -j Import "$wasm" | grep -c ' <- ' || true)
  if ! wasm-objdump -x -j Import "$wasm" | grep -q 'env.emscripten_notify_memory_growth' || [ "$imports" -ne 1 ]; then
    echo "emscripten/build.sh: unexpected imports in $wasm:" >&2
    wasm-objdump -x -j Import "$wasm" >&2
    exit 1
  fi
}

build_flavour simd "-msimd128" "--mvp-features --enable-simd"
build_flavour scalar "-DS2S_NO_SIMD" "--mvp-features"
# in a subshell: the LLVM 16 settings stay with this flavour
(
  export EM_LLVM_ROOT="$llvm16" EM_LLVM_ADD_VERSION= EM_CLANG_ADD_VERSION= EMCC_READ_METADATA=python
  build_flavour relaxed "-msimd128 -mrelaxed-simd -Wno-version-check" none "-sWASM_BIGINT"
  # S2S_WASM_CONTROL=1 (tools/bench.sh): the SIMD flavour through this toolchain, not shipped, so
  # that the benchmark can tell the toolchain's share of the relaxed build's speed from the dot product's
  if [ "${S2S_WASM_CONTROL:-0}" = 1 ]; then
    mkdir -p build-wasm/simd-llvm16
    build_flavour simd-llvm16 "-msimd128 -Wno-version-check" none "-sWASM_BIGINT" build-wasm/simd-llvm16/seq2seq-simd.wasm
  fi
)
