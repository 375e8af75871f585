#!/bin/sh
# tools/eval.sh — the whole evaluation in one command (npm run eval).
#
#   sh tools/eval.sh [--reverse] [--f32 FILE] [--noattn FILE] [--transformer FILE]
#                    [--test FILE] [--beam N] [--rerank FILE] [--out DIR] [MODEL ...]
#
# MODEL ...      models to evaluate; the first is the main model (greedy and beam
#                N), the others are scored greedy. Default: models/en-es.s2s
#                (with --reverse: models/es-en.s2s).
# --reverse      Spanish -> English: translate the Spanish column, score against
#                the English one, Apertium as spa-eng (default out build-eval-es-en)
# --noattn FILE  the no-attention model (default models/en-es-noattn.s2s, skipped
#                with a note when that file does not exist)
# --transformer FILE  the Transformer, scored greedy and beam N beside the main
#                model (default models/en-es-transformer.s2s, with --reverse
#                models/es-en-transformer.s2s; skipped when absent)
# --f32 FILE     the f32 model the main (int8) model was quantized from
# --test FILE    test set, domain<TAB>en<TAB>es (default data/test.tsv; with the
#                default, the everyday test set corpus/everyday/test.tsv is then
#                evaluated the same way into DIR/everyday/, categories as domains,
#                and the probes corpus/countries_probe.tsv and
#                corpus/nouns_probe.tsv into DIR/countries/ and DIR/nouns/ with
#                the country names and rare nouns each system gets right, and
#                English -> Spanish corpus/start_probe.tsv into DIR/start/)
# --beam N       beam size of the main model's second run (default 4)
# --rerank FILE  also the main model through the packaged CLI with beam N
#                reranked by FILE, a model of the other direction
#                (--rerank-model; its weight the main model's rerank_weight),
#                compared with Apertium and with the packaged CLI without it
# --out DIR      results (default build-eval)
#
# Builds the CLI (DIR/cli/s2s, incremental) unless S2S=/path/to/s2s is set, runs
# `s2s eval --by-domain --by-length --json` per system (the main model also
# with --no-shortlist when it carries a shortlist), translates with beam N
# through the packaged command line too (node src/js/cli.js: the JS API, as the
# page and npm users get it, which splits each line into sentences; skipped
# without node or dist/), scored with `s2s eval --hyp`, runs Apertium on the same
# English sentences (cached under DIR keyed by the test file's SHA-256), scores
# it with `s2s eval --hyp`, then writes DIR/report.md (also printed) with
# tools/eval_report.py, including tools/everyday.txt translated by both, and
# DIR/architectures.json (each architecture's BLEU by source length: the chart of
# web/compare.html; the default English -> Spanish run, without MODEL arguments,
# copies it to web/).
# docs/evaluation.md explains every number.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

TEST=data/test.tsv
TEST_GIVEN=0
OUT=
REVERSE=
BEAM=4
F32=
NOATTN=
NOATTN_DEFAULT=models/en-es-noattn.s2s
NOATTN_GIVEN=0
TRANSFORMER=
TRANSFORMER_DEFAULT=models/en-es-transformer.s2s
TRANSFORMER_GIVEN=0
RERANK=
PYTHON=${PYTHON:-python3}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
die() { echo "eval.sh: $*" >&2; exit 1; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --f32) need "$@"; F32=$2; shift 2 ;;
    --noattn) need "$@"; NOATTN=$2; NOATTN_GIVEN=1; shift 2 ;;
    --transformer) need "$@"; TRANSFORMER=$2; TRANSFORMER_GIVEN=1; shift 2 ;;
    --test) need "$@"; TEST=$2; TEST_GIVEN=1; shift 2 ;;
    --beam) need "$@"; BEAM=$2; shift 2 ;;
    --rerank) need "$@"; RERANK=$2; shift 2 ;;
    --out) need "$@"; OUT=$2; shift 2 ;;
    --reverse) REVERSE=--reverse; shift ;;
    --) shift; break ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
# Remaining arguments are the models (paths without newlines or tabs).
MODELS_GIVEN=$#
if [ -n "$REVERSE" ]; then
  [ $# -gt 0 ] || set -- models/es-en.s2s
  : "${OUT:=build-eval-es-en}"
  AP_MODE=spa-eng
  NOATTN_DEFAULT=   # no Spanish -> English no-attention model is shipped
  TRANSFORMER_DEFAULT=models/es-en-transformer.s2s
else
  [ $# -gt 0 ] || set -- models/en-es.s2s
  : "${OUT:=build-eval}"
  AP_MODE=eng-spa
fi
if [ "$NOATTN_GIVEN" = 0 ] && [ -n "$NOATTN_DEFAULT" ]; then
  if [ -f "$NOATTN_DEFAULT" ]; then NOATTN=$NOATTN_DEFAULT
  else echo "eval.sh: note: $NOATTN_DEFAULT not found; no attention/no-attention comparison" >&2
  fi
fi

if [ "$TRANSFORMER_GIVEN" = 0 ] && [ -n "$TRANSFORMER_DEFAULT" ]; then
  if [ -f "$TRANSFORMER_DEFAULT" ]; then TRANSFORMER=$TRANSFORMER_DEFAULT
  else echo "eval.sh: note: $TRANSFORMER_DEFAULT not found; no Transformer rows" >&2
  fi
fi

for m in "$@" $F32 $NOATTN $TRANSFORMER $RERANK; do
  [ -f "$m" ] || die "model $m not found (train one, or pass MODEL / --f32 / --noattn; see --help)"
done
[ -f "$TEST" ] || die "test set $TEST not found (npm run data builds it)"
case $BEAM in ''|*[!0-9]*|0) die "--beam needs a positive integer" ;; esac

mkdir -p "$OUT"
# Results of an earlier run would be mistaken for this one's: start clean, but
# keep the Apertium cache and the build.
rm -f "$OUT"/*.json "$OUT"/*.hyp.txt "$OUT"/*.log "$OUT"/*.cli.log "$OUT"/systems.tsv "$OUT"/meta.tsv \
      "$OUT"/everyday.*.txt "$OUT"/report.md

# ---------------------------------------------------------------- the CLI
if [ -n "${S2S:-}" ]; then
  [ -x "$S2S" ] || die "S2S=$S2S is not an executable"
else
  S2S=$OUT/cli/s2s
  if [ ! -f "$OUT/cli/CMakeCache.txt" ]; then
    echo "== configuring the CLI in $OUT/cli" >&2
    cmake -S "$ROOT" -B "$OUT/cli" -DS2S_BUILD_TESTS=OFF >/dev/null
  fi
  echo "== building $S2S" >&2
  cmake --build "$OUT/cli" --target s2s -j "${JOBS:-2}" >"$OUT/cli/build.log" 2>&1 ||
    { tail -20 "$OUT/cli/build.log" >&2; die "build failed (log: $OUT/cli/build.log)"; }
fi

TAB=$(printf '\t')
SYSTEMS=$OUT/systems.tsv   # role<TAB>file<TAB>json, in report order
META=$OUT/meta.tsv         # key<TAB>value
: >"$SYSTEMS"
: >"$META"
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }

# eval ROLE MODEL BEAM [--no-shortlist]
run_eval() {
  echo "== $1: $2, beam $3 ${4:-}" >&2
  # $REVERSE and $4: an option or nothing, so unquoted
  # shellcheck disable=SC2086
  "$S2S" eval --model "$2" --test "$TEST" --beam "$3" --by-domain --by-length $REVERSE ${4:-} \
    --json "$OUT/$1.json" --hyp-out "$OUT/$1.hyp.txt" >"$OUT/$1.log" ||
    die "s2s eval failed for $2 (see $OUT/$1.log)"
  sed -n '1,3p' "$OUT/$1.log" | sed 's/^/   /' >&2
  printf '%s\t%s\t%s\n' "$1" "$2" "$1.json" >>"$SYSTEMS"
}

ALL_MODELS=$*   # for eval_again at the end (paths without spaces)
MAIN=$1
shift
[ "$TRANSFORMER" = "$MAIN" ] && TRANSFORMER=   # evaluated as the main model already
run_eval main-greedy "$MAIN" 1
[ "$BEAM" -gt 1 ] && run_eval "main-beam$BEAM" "$MAIN" "$BEAM"
# a model with a lexical shortlist is also scored on the whole vocabulary:
# what the shortlist costs in quality (and saves in time)
if "$S2S" info "$MAIN" | grep -q '^shortlist *[0-9]'; then
  run_eval main-greedy-full "$MAIN" 1 --no-shortlist
  [ "$BEAM" -gt 1 ] && run_eval "main-beam$BEAM-full" "$MAIN" "$BEAM" --no-shortlist
fi
[ -n "$F32" ] && run_eval f32-greedy "$F32" 1
[ -n "$NOATTN" ] && run_eval noattn-greedy "$NOATTN" 1
if [ -n "$TRANSFORMER" ]; then
  run_eval transformer-greedy "$TRANSFORMER" 1
  [ "$BEAM" -gt 1 ] && run_eval "transformer-beam$BEAM" "$TRANSFORMER" "$BEAM"
fi
i=0
for m in "$@"; do
  i=$((i + 1))
  run_eval "other$i-greedy" "$m" 1
done

# ---------------------------------------------------------------- the packaged CLI
# The source column exactly as `s2s eval` reads it: blank lines skipped, a
# trailing CR dropped, the column before the last (English), or with --reverse
# the last (Spanish).
src_column() {
  awk -F '\t' -v last="${REVERSE:+1}" '{ sub(/\r$/, "") } $0 != "" { print last ? $NF : $(NF - 1) }' "$1"
}
# package ROLE MODEL [OPTION ...]: beam N through the JS command line, one line per line
run_package() {
  echo "== $1: $2, beam $BEAM, packaged CLI (node src/js/cli.js) ${3:+$3 $4}" >&2
  # shellcheck disable=SC2086
  src_column "$TEST" | node src/js/cli.js translate --model "$2" --beam "$BEAM" --engine simd ${3:+"$3" "$4"} \
    >"$OUT/$1.hyp.txt" 2>"$OUT/$1.cli.log" || die "the packaged CLI failed for $2 (see $OUT/$1.cli.log)"
  "$S2S" eval --hyp "$OUT/$1.hyp.txt" --test "$TEST" --by-domain --by-length $REVERSE \
    --json "$OUT/$1.json" >"$OUT/$1.log" || die "scoring the packaged CLI's output failed (see $OUT/$1.log)"
  sed -n '3p' "$OUT/$1.log" | sed 's/^/   /' >&2
  printf '%s\t%s\t%s\n' "$1" "$2" "$1.json" >>"$SYSTEMS"
}
if command -v node >/dev/null 2>&1 && [ -f dist/seq2seq-simd.wasm ]; then
  run_package "main-beam$BEAM-package" "$MAIN"
  [ -n "$RERANK" ] && run_package "main-beam$BEAM-rerank-package" "$MAIN" --rerank-model "$RERANK"
  [ -n "$TRANSFORMER" ] && run_package "transformer-beam$BEAM-package" "$TRANSFORMER"
else
  echo "eval.sh: note: node or dist/seq2seq-simd.wasm missing (npm run build): no packaged-CLI rows" >&2
fi

# ---------------------------------------------------------------- Apertium
# One line in, one line out. Apertium treats a single newline as a space, so its
# reordering rules can move words from one line into the next; a blank line
# between sentences makes each a paragraph of its own. Every second output line
# must then be blank, which checks the alignment.
apertium_lines() {
  awk '{ print; print "" }' | apertium -u "$AP_MODE" | awk '
    NR % 2 == 0 { if ($0 != "") bad = 1; next }
    { sub(/^[ \t]+/, ""); sub(/[ \t]+$/, ""); print }
    END { if (bad || NR % 2) exit 3 }'
}

meta test "$TEST"
meta test_sha256 "$(sha256sum "$TEST" | cut -c1-64)"
meta test_pairs "$(src_column "$TEST" | wc -l | tr -d ' ')"
meta commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta beam "$BEAM"

meta direction "$([ -n "$REVERSE" ] && echo es-en || echo en-es)"

if command -v apertium >/dev/null 2>&1 && apertium -l 2>/dev/null | grep -qE "^[[:space:]]*${AP_MODE}[[:space:]]*\$"; then
  AP_VERSION=$(dpkg-query -W -f '${Version}' apertium-eng-spa 2>/dev/null || echo unknown)
  KEY=$(sha256sum "$TEST" | cut -c1-16)
  CACHE=$OUT/apertium-$AP_MODE-$KEY.txt
  if [ -f "$CACHE" ] && [ -f "$CACHE.meta" ] && grep -qx "version$TAB$AP_VERSION" "$CACHE.meta"; then
    echo "== apertium: cached $CACHE" >&2
    meta apertium_cached yes
  else
    echo "== apertium $AP_MODE $AP_VERSION on $TEST" >&2
    src_column "$TEST" >"$CACHE.src"
    t0=$(date +%s%N)
    apertium_lines <"$CACHE.src" >"$CACHE.tmp" || die "apertium failed or lost the line alignment"
    t1=$(date +%s%N)
    rm -f "$CACHE.src"
    mv "$CACHE.tmp" "$CACHE"
    printf 'version\t%s\nseconds\t%s\n' "$AP_VERSION" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" >"$CACHE.meta"
    meta apertium_cached no
  fi
  meta apertium_version "$AP_VERSION"
  meta apertium_seconds "$(awk -F '\t' '$1 == "seconds" { print $2 }' "$CACHE.meta")"
  echo "== apertium: scoring with s2s eval --hyp" >&2
  "$S2S" eval --hyp "$CACHE" --test "$TEST" --by-domain --by-length $REVERSE \
    --json "$OUT/apertium.json" >"$OUT/apertium.log" || die "scoring Apertium failed (see $OUT/apertium.log)"
  sed -n '3p' "$OUT/apertium.log" | sed 's/^/   /' >&2
  printf '%s\t%s\t%s\n' apertium "apertium -u $AP_MODE" apertium.json >>"$SYSTEMS"
  HAVE_APERTIUM=1
else
  echo "eval.sh: note: apertium $AP_MODE not installed; no Apertium rows" >&2
  HAVE_APERTIUM=0
fi

# ---------------------------------------------------------------- paired bootstrap
# How sure the differences are (s2s compare, docs/evaluation.md): our main model
# as users get it against Apertium, and the Transformer against the main model.
# Each system's best output: the packaged CLI's, else beam N, else greedy (the
# report's choice too).
best_hyp() {
  for r in "$1-beam$BEAM-package" "$1-beam$BEAM" "$1-greedy"; do
    [ -f "$OUT/$r.hyp.txt" ] && { echo "$OUT/$r.hyp.txt"; return; }
  done
}
# compare NAME HYP_A HYP_B: s2s compare into OUT/compare-NAME.json and .log
compare() {
  echo "== paired bootstrap: $(basename "$2") against $(basename "$3")" >&2
  # shellcheck disable=SC2086
  "$S2S" compare --test "$TEST" $REVERSE --by-domain --hyp "$2" --hyp "$3" \
    --json "$OUT/compare-$1.json" >"$OUT/compare-$1.log" ||
    die "s2s compare failed (see $OUT/compare-$1.log)"
}
MAIN_HYP=$(best_hyp main)
[ "$HAVE_APERTIUM" = 1 ] && compare apertium "$MAIN_HYP" "$CACHE"
[ -n "$TRANSFORMER" ] && compare transformer "$(best_hyp transformer)" "$MAIN_HYP"
RERANK_HYP=$OUT/main-beam$BEAM-rerank-package.hyp.txt
if [ -f "$RERANK_HYP" ]; then
  [ "$HAVE_APERTIUM" = 1 ] && compare rerank-apertium "$RERANK_HYP" "$CACHE"
  compare rerank "$RERANK_HYP" "$MAIN_HYP"
fi

# ---------------------------------------------------------------- everyday sentences
EVERYDAY=tools/everyday.txt   # English: only for English -> Spanish
if [ -z "$REVERSE" ] && [ -f "$EVERYDAY" ]; then
  echo "== everyday sentences ($EVERYDAY)" >&2
  "$S2S" translate --model "$MAIN" --beam "$BEAM" <"$EVERYDAY" >"$OUT/everyday.ours.txt" ||
    die "s2s translate failed on $EVERYDAY"
  if [ "$HAVE_APERTIUM" = 1 ]; then
    apertium_lines <"$EVERYDAY" >"$OUT/everyday.apertium.txt" || die "apertium failed on $EVERYDAY"
  fi
fi

# ---------------------------------------------------------------- report
"$PYTHON" tools/eval_report.py --dir "$OUT" --everyday "$EVERYDAY" --out "$OUT/report.md" \
  --architectures "$OUT/architectures.json"
echo "== report: $OUT/report.md" >&2
# the page's architecture chart shows the default run (shipped models, the
# held-out test split)
if [ "$TEST_GIVEN" = 0 ] && [ -z "$REVERSE" ] && [ "$MODELS_GIVEN" = 0 ]; then
  cp "$OUT/architectures.json" web/architectures.json
  echo "== web/architectures.json updated (the chart of web/compare.html)" >&2
fi

# this whole evaluation again, with the same systems, on another test set
eval_again() { # TEST OUT_SUBDIR
  # shellcheck disable=SC2086
  sh "$0" $REVERSE --test "$1" --out "$OUT/$2" --beam "$BEAM" \
    ${F32:+--f32 "$F32"} ${NOATTN:+--noattn "$NOATTN"} ${TRANSFORMER:+--transformer "$TRANSFORMER"} \
    ${RERANK:+--rerank "$RERANK"} \
    $ALL_MODELS
}

# ---------------------------------------------------------------- everyday test set
if [ "$TEST_GIVEN" = 0 ] && [ -f corpus/everyday/test.tsv ]; then
  echo "== the everyday test set: corpus/everyday/test.tsv -> $OUT/everyday/" >&2
  eval_again corpus/everyday/test.tsv everyday
fi

# ---------------------------------------------------------------- probes
# country names and rare nouns in sentences no model trained on, each with
# the count its recall command gives of what every translation gets right
probe() { # TEST OUT_SUBDIR WORD_LIST HEADING RECALL_COMMAND...
  p_test=$1 p_sub=$2 p_list=$3 p_heading=$4
  shift 4
  if [ "$TEST_GIVEN" != 0 ] || [ ! -f "$p_test" ]; then return 0; fi
  echo "== the probe $p_test -> $OUT/$p_sub/" >&2
  eval_again "$p_test" "$p_sub"
  if [ ! -f "$p_list" ]; then
    echo "== no $p_list (npm run data): the probe's words not counted" >&2
    return 0
  fi
  {
    echo
    echo "$p_heading"
    echo
    # shellcheck disable=SC2046
    "$PYTHON" "$@" ${REVERSE:+--reverse} "$p_test" \
      $(ls "$OUT/$p_sub"/main-beam*.hyp.txt "$OUT/$p_sub"/apertium-*.txt 2>/dev/null) | sed 's/^/- /'
  } | tee -a "$OUT/$p_sub/report.md"
}
probe corpus/countries_probe.tsv countries data/countries.tsv \
  "Country names written (\`tools/data/countries.py recall\`, the names of data/countries.tsv in the references):" \
  tools/data/countries.py recall --table data/countries.tsv
probe corpus/nouns_probe.tsv nouns data/nouns.tsv \
  "Rare nouns written (\`tools/data/nouns.py recall\`, the nouns of data/nouns.tsv seen 1 to 50 times in data/train.tsv's English whose translation is in the reference; Apertium's dictionary is that lexicon):" \
  tools/data/nouns.py recall --lexicon data/nouns.tsv --train data/train.tsv
# English sentences that start with a common word ("Students need ...";
# corpus/README.md): scored like a test set, no word list
if [ "$TEST_GIVEN" = 0 ] && [ -z "$REVERSE" ] && [ -f corpus/start_probe.tsv ]; then
  echo "== the probe corpus/start_probe.tsv -> $OUT/start/" >&2
  eval_again corpus/start_probe.tsv start
fi
