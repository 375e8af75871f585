#!/bin/sh
# emscripten/measure.sh MODEL.s2s — what each wasm-opt step gains: size (raw,
# gzip -9) and speed (emscripten/bench.mjs) of the SIMD and scalar engines
# after each candidate step, starting from build-wasm/<flavour>/linked.wasm
# (emcc's -O0 link of the -O3 objects; run emscripten/build.sh first).
# Writes build-wasm/measure/<step>/seq2seq-<flavour>.wasm and prints a table.
set -eu
cd "$(dirname "$0")/.."
model=${1:?usage: emscripten/measure.sh MODEL.s2s}
out=build-wasm/measure
rm -rf "$out"
strip="--strip-debug --strip-dwarf --strip-producers --strip-target-features"
emx="--post-emscripten --low-memory-unused --zero-filled-memory"
steps="linked O3 O3-strip O4-strip Os-strip Oz-strip O3-converge-strip O3-then-Os-strip"
for flavour in simd scalar; do
  features="--mvp-features"; [ "$flavour" = simd ] && features="$features --enable-simd"
  in=build-wasm/$flavour/linked.wasm
  for step in $steps; do
    mkdir -p "$out/$step"
    dst=$out/$step/seq2seq-$flavour.wasm
    case $step in
      linked) cp "$in" "$dst" ;;
      O3) wasm-opt $features $emx -O3 "$in" -o "$dst" ;;
      O3-strip) wasm-opt $features $strip $emx -O3 "$in" -o "$dst" ;;
      O4-strip) wasm-opt $features $strip $emx -O4 "$in" -o "$dst" ;;
      Os-strip) wasm-opt $features $strip $emx -Os "$in" -o "$dst" ;;
      Oz-strip) wasm-opt $features $strip $emx -Oz "$in" -o "$dst" ;;
      O3-converge-strip) wasm-opt $features $strip $emx -O3 --converge "$in" -o "$dst" ;;
      O3-then-Os-strip) wasm-opt $features $strip $emx -O3 "$in" -o "$dst.tmp" && wasm-opt $features -Os "$dst.tmp" -o "$dst" && rm "$dst.tmp" ;;
    esac
  done
done
printf '%-20s %-7s %9s %9s\n' step flavour raw gzip
for step in $steps; do
  for flavour in simd scalar; do
    f=$out/$step/seq2seq-$flavour.wasm
    printf '%-20s %-7s %9d %9d\n' "$step" "$flavour" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
  done
done
echo
dirs=""
for step in $steps; do dirs="$dirs $out/$step"; done
# shellcheck disable=SC2086
node emscripten/bench.mjs "$model" $dirs
