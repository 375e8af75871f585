#!/bin/sh
# tests/js/native_ref.sh MODEL SENTENCES — build tests/js/native_ref.c against
# the native library (build/, made by `cmake --build build`) and print its
# JSON. tools/test.sh runs it at test time; tools/make_js_fixture.sh writes the
# committed copy tests/fixtures/js/native_expected.json.
set -eu
cd "$(dirname "$0")/../.."
[ -f build/libs2s_core.a ] || { echo "native_ref.sh: build/libs2s_core.a is missing (cmake --build build)" >&2; exit 1; }
bin=build/js_native_ref
if [ ! -x "$bin" ] || [ tests/js/native_ref.c -nt "$bin" ] || [ build/libs2s_core.a -nt "$bin" ]; then
  ${CC:-cc} -O2 -std=c11 -ffp-contract=off -Wall -Isrc tests/js/native_ref.c build/libs2s_core.a -lm -o "$bin"
fi
"$bin" "$1" "$2"
