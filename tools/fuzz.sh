#!/bin/sh
# tools/fuzz.sh — build the libFuzzer targets of tests/fuzz/ with clang 14
# (-fsanitize=fuzzer,address,undefined) into build-fuzz/ and run each for a
# while against a copy of its seed corpus.
#
#   sh tools/fuzz.sh [--seconds N] [--build-only] [--fresh] [target...]
#
# Targets: loader, tokenizer, translate (libFuzzer, C) and html (the JS markup
# path, tests/fuzz/fuzz_html.mjs, a mutation fuzzer in Node); default: all four,
# one after the other. N defaults to $FUZZ_SECONDS or 60. The checked-in seeds in
# tests/fuzz/corpus/<target>/ are never written to: they are copied into
# build-fuzz/corpus/<target>/ (kept between runs; --fresh starts it again),
# where libFuzzer adds what it finds. Crashes, leaks, UB and timeouts stop a
# run; the script then names the saved input (build-fuzz/artifacts/<target>/)
# and exits non-zero. Reproduce one with: build-fuzz/fuzz_<target> FILE
# libFuzzer's output goes to build-fuzz/logs/<target>.log ($FUZZ_LOG_DIR
# instead when set).
#
# One fuzzing process at a time, single-threaded; the build compiles one
# file at a time. Installs nothing: it needs clang-14 and libclang-rt-14-dev
# (Debian 12), and the SIMDe headers (libsimde-dev).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${FUZZ_SECONDS:-60}
build_only=0
fresh=0
targets=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || { echo "fuzz.sh: --seconds needs a value" >&2; exit 2; }
               seconds=$2; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    --build-only) build_only=1; shift ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    loader|tokenizer|translate|html) targets="$targets $1"; shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (targets: loader tokenizer translate html)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds wants a whole number" >&2; exit 2 ;; esac
[ -n "$targets" ] || targets="loader tokenizer translate html"
# the C targets need the clang build below; html needs only Node
ctargets=$(for t in $targets; do [ "$t" = html ] || printf '%s ' "$t"; done)

# ---------------------------------------------------------------- toolchain
CC=${FUZZ_CC:-clang-14}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz.sh: $CC not found. Install Debian's clang 14 and its runtime libraries:" >&2
  echo "  apt-get install clang-14 libclang-rt-14-dev" >&2
  exit 3
fi
rtdir=$("$CC" -print-resource-dir 2>/dev/null || true)
if ! ls "$rtdir"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
   ! ls "$rtdir"/lib/linux/libclang_rt.asan-*.a >/dev/null 2>&1; then
  echo "fuzz.sh: the libFuzzer/ASan runtime of $CC is missing ($rtdir/lib/linux)." >&2
  echo "  apt-get install libclang-rt-14-dev" >&2
  exit 3
fi
if [ ! -f /usr/include/simde/wasm/simd128.h ]; then
  echo "fuzz.sh: SIMDe headers missing: apt-get install libsimde-dev" >&2
  exit 3
fi

# -------------------------------------------------------------------- build
out=build-fuzz
mkdir -p "$out/obj"
# The core sources are CMakeLists.txt's S2S_CORE_SOURCES, read from there so
# the list has one home.
core=$(sed -n '/^set(S2S_CORE_SOURCES/,/^)/p' CMakeLists.txt | grep -o 'src/[A-Za-z0-9_/]*\.c')
[ -n "$core" ] || { echo "fuzz.sh: cannot read S2S_CORE_SOURCES from CMakeLists.txt" >&2; exit 1; }
# No -march=native: SIMDe maps the WASM intrinsics onto the baseline SSE2.
# No FMA contraction, as in CMake (results stay those of the other builds).
cflags="-std=c11 -O1 -g -fno-omit-frame-pointer -ffp-contract=off -Wall -Wextra \
 -Wno-unused-parameter -fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc"
fuzzflags="-fsanitize=fuzzer-no-link"
# An object is rebuilt when its source, any header or this script is newer.
newest_header=$(ls -t src/*.h src/nn/*.h src/arch/*/*.h tests/fuzz/*.h tools/fuzz.sh 2>/dev/null | head -n 1)
objs=
for src in $core; do
  obj="$out/obj/$(echo "$src" | sed 's|^src/||; s|/|_|g; s|\.c$|.o|')"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    echo "  CC $src"
    # shellcheck disable=SC2086
    "$CC" $cflags $fuzzflags -c "$src" -o "$obj"
  fi
  objs="$objs $obj"
done
for t in $ctargets; do
  exe="$out/fuzz_$t"
  src="tests/fuzz/fuzz_$t.c"
  rebuild=0
  [ -f "$exe" ] || rebuild=1
  for f in $src tests/fuzz/fuzz_common.h $objs; do [ "$f" -nt "$exe" ] && rebuild=1; done
  if [ "$rebuild" = 1 ]; then
    echo "  LD $exe"
    # shellcheck disable=SC2086
    "$CC" $cflags -fsanitize=fuzzer -DS2S_FIXTURE_DIR="\"$root/tests/fixtures\"" \
      "$src" $objs -lm -o "$exe"
  fi
done
[ "$build_only" = 1 ] && { echo "fuzz.sh: built$(for t in $ctargets; do printf ' %s' "$out/fuzz_$t"; done)"; exit 0; }

# ---------------------------------------------------------------------- run
# Inputs beyond these sizes only slow the search down: the loader's seed
# models are at most 28 KB, sentences are short, and a translate input is 8
# option bytes and a sentence (the engine's work grows with its length).
max_len_of() {
  case "$1" in
    loader) echo 32768 ;;
    tokenizer) echo 4096 ;;
    translate) echo 160 ;;
  esac
}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
status=0
logdir=${FUZZ_LOG_DIR:-$out/logs}
mkdir -p "$logdir"
for t in $targets; do
  work="$out/corpus/$t"
  art="$out/artifacts/$t"
  [ "$fresh" = 1 ] && rm -rf "$work"
  mkdir -p "$work" "$art"
  cp -p tests/fuzz/corpus/"$t"/* "$work"/ # seeds, into the copy; the checked-in corpus stays as it is
  log="$logdir/$t.log"
  if [ "$t" = html ]; then
    printf '\n== fuzz_html (node): %s s, corpus tests/fuzz/corpus/html (%s files)\n' "$seconds" "$(ls tests/fuzz/corpus/html | wc -l)"
    rc=0
    node tests/fuzz/fuzz_html.mjs --seconds "$seconds" --artifacts "$art" >"$log" 2>&1 || rc=$?
    tail -n 3 "$log"
    if [ "$rc" != 0 ]; then status=1; echo "fuzz.sh: fuzz_html FAILED (exit $rc); log: $log" >&2; else echo "fuzz.sh: fuzz_html clean ($log)"; fi
    continue
  fi
  printf '\n== fuzz_%s: %s s, -max_len=%s, corpus %s (%s files)\n' "$t" "$seconds" \
    "$(max_len_of "$t")" "$work" "$(ls "$work" | wc -l)"
  rc=0
  "$out/fuzz_$t" -max_total_time="$seconds" -max_len="$(max_len_of "$t")" -timeout=120 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$art/" "$work" >"$log" 2>&1 || rc=$?
  # the last status line (#N DONE cov: ... ft: ... corp: ... exec/s: ...) and the final stats
  grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if [ "$rc" != 0 ]; then
    status=1
    echo "fuzz.sh: fuzz_$t FAILED (exit $rc); log: $log" >&2
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$log" | head -n 5 >&2 || true
    saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$saved" ]; then
      echo "fuzz.sh: the input was saved to $saved" >&2
      echo "fuzz.sh: reproduce with: $out/fuzz_$t $saved" >&2
    fi
  else
    echo "fuzz.sh: fuzz_$t clean ($log)"
  fi
done
exit "$status"
