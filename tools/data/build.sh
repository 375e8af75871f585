#!/usr/bin/env bash
# Build the whole data set: fetch + unpack packages (cached in data/cache/), extract
# the three sources, clean, split, train SentencePiece. Idempotent and deterministic:
# rerunning it rewrites the same bytes. Usage: tools/data/build.sh [--no-spm]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3            # Debian's python3: has pysword and numpy
export PYTHONHASHSEED=0 LC_ALL=C.UTF-8
mkdir -p data/cache data/work
T=tools/data

stage() {  # stage NAME CMD... : run and time one stage
  local name=$1; shift
  local t0=$EPOCHREALTIME
  "$@"
  awk -v n="$name" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "stage %-6s %7.1f s\n", n, b-a}' \
    | tee -a data/work/times.txt >&2
}
: > data/work/times.txt
stage fetch "$T/fetch.sh"
stage bible "$PY" "$T/extract_bible.py" data/cache/unpacked data/work/bible.tsv data/work/bible_report.json
stage ui    "$PY" "$T/extract_mo.py" data/cache/unpacked "$T/packages.txt" data/work/ui.tsv data/work/ui_report.json
stage help  "$PY" "$T/extract_help.py" data/cache/unpacked data/work/help.tsv data/work/help_report.json
stage split "$PY" "$T/clean_split.py" data data/work/bible.tsv data/work/ui.tsv data/work/help.tsv
if [ "${1:-}" != "--no-spm" ]; then
  stage spm "$T/train_spm.sh"
fi
# record exactly which package versions went in
ls data/cache/debs > data/work/packages_used.txt
