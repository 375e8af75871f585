#!/bin/sh
# tests/js/native_ref.sh MODEL SENTENCES [--heads] — build tests/js/native_ref.c against
# the native library (build/, made by `cmake --build build`) and print its
# JSON. tools/test.sh runs it at test time; tools/make_js_fixture.sh writes the
# committed copy tests/fixtures/js/native_expected.json.
# S2S_NATIVE_BUILD names another build folder (build-relaxed, configured with
# -DS2S_RELAXED_SIMD=ON, gives the relaxed-SIMD flavour's arithmetic).
set -eu
cd "$(dirname "$0")/../.."
b=${S2S_NATIVE_BUILD:-build}
[ -f "$b/libs2s_core.a" ] || { echo "native_ref.sh: $b/libs2s_core.a is missing (cmake --build $b)" >&2; exit 1; }
bin=$b/js_native_ref
if [ ! -x "$bin" ] || [ tests/js/native_ref.c -nt "$bin" ] || [ "$b/libs2s_core.a" -nt "$bin" ]; then
  ${CC:-cc} -O2 -std=c11 -ffp-contract=off -Wall -Isrc tests/js/native_ref.c "$b/libs2s_core.a" -lm -o "$bin"
fi
"$bin" "$@"
