#!/usr/bin/env bash
# Build the whole data set: private apt indexes, fetch + unpack packages (cached in
# data/cache/), extract the sources, clean, subsample UI, split, monolingual Spanish
# and English text, SentencePiece. Idempotent and deterministic: rerunning it
# rewrites the same bytes. Usage: tools/data/build.sh [--no-spm]
# The package list of the gettext sweep is tools/data/mo_packages.txt (regenerate with
# tools/data/make_mo_list.sh > tools/data/mo_packages.txt; not part of the build, so
# that a build reads exactly the committed list).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3            # Debian's python3
# python3-pysword is unpacked from its .deb by fetch.sh, not installed
export PYTHONPATH="$ROOT/data/cache/unpacked/python3-pysword/usr/lib/python3/dist-packages"
export PYTHONHASHSEED=0 LC_ALL=C.UTF-8
mkdir -p data/cache data/work
T=tools/data
W=data/work

stage() {  # stage NAME CMD... : run and time one stage
  local name=$1; shift
  local t0=$EPOCHREALTIME
  "$@"
  awk -v n="$name" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "stage %-8s %7.1f s\n", n, b-a}' \
    | tee -a $W/times.txt >&2
}
: > $W/times.txt
stage fetch    "$T/fetch.sh"
stage licenses "$PY" "$T/licenses.py" data/cache/unpacked "$T/mo_packages.txt" "$T/packages.txt" $W/licenses.tsv
stage bible    "$PY" "$T/extract_bible.py" data/cache/unpacked $W/bible.tsv $W/bible_report.json
stage mo       "$PY" "$T/extract_mo.py" data/cache/unpacked "$T/mo_packages.txt" "$T/packages.txt" \
                     $W/mo.tsv $W/mo_report.json $W/reserved_en.txt
stage desc     "$PY" "$T/extract_desc.py" data/cache/apt/lists $W/desc.tsv $W/desc_report.json
stage help     "$PY" "$T/extract_help.py" data/cache/unpacked $W/help.tsv $W/help_report.json
stage split    "$PY" "$T/clean_split.py" data $W/reserved_en.txt \
                     $W/bible.tsv $W/mo.tsv $W/desc.tsv $W/help.tsv
# the project's own text: phrasebook into train (x8), everyday dev in front of dev
stage corpus   "$PY" "$T/add_corpus.py" data corpus/phrasebook.tsv corpus/everyday/test.tsv \
                     corpus/everyday/dev.tsv 8 $W/corpus_report.json
stage mono     "$PY" "$T/extract_mono.py" data/cache/unpacked data data/mono.es $W/mono_report.json \
                     $W/mo.tsv $W/desc.tsv
stage mono_en  "$PY" "$T/extract_mono_en.py" data/cache/unpacked data $W/reserved_en.txt \
                     corpus/everyday/test.tsv corpus/everyday/dev.tsv data/mono.en $W/mono_en_report.json
# GCompris' activity text and word lists (data/gcompris.tsv; not in train.tsv:
# a recipe adds it with EXTRA_TRAIN, see docs/data.md)
stage gcompris "$PY" "$T/extract_gcompris.py" data/cache/unpacked data $W/reserved_en.txt \
                     data/gcompris.tsv $W/gcompris_report.json corpus/everyday/test.tsv \
                     corpus/everyday/dev.tsv corpus/countries_probe.tsv corpus/nouns_probe.tsv
# word pairs from Apertium's English-Spanish dictionary (data/dict.tsv; not in
# train.tsv: a recipe adds it with EXTRA_TRAIN, see docs/data.md)
dict_listing() {
  local bil=/usr/share/apertium/apertium-eng-spa/eng-spa.autobil.bin
  if ! command -v lt-print >/dev/null || [ ! -f "$bil" ]; then
    echo "dict: needs lt-print and apertium-eng-spa (sh tools/setup.sh --train)" >&2; return 1
  fi
  # capped: it needs about 45 MB, and DATA.md records a listing that ate 24 GB
  ( ulimit -v 1000000; lt-print "$bil" ) > $W/dict.att
}
# country names for training_mix.sh --countries (iso-codes' ISO 3166-1 catalog)
stage countries "$PY" "$T/countries.py" table \
                     data/cache/unpacked/iso-codes/usr/share/locale/es/LC_MESSAGES/iso_3166-1.mo data/countries.tsv
stage dict_att dict_listing
stage dict     "$PY" "$T/extract_dict.py" $W/dict.att data corpus/everyday/test.tsv \
                     corpus/everyday/dev.tsv data/dict.tsv $W/dict_report.json
# the same dictionary's nouns in both numbers, for training_mix.sh --nouns
stage nouns    "$PY" "$T/nouns.py" lexicon $W/dict.att data/nouns.tsv
if [ "${1:-}" != "--no-spm" ]; then
  stage spm "$T/train_spm.sh"
fi
# record exactly which package versions went in (the .done stamps name the .deb files)
cat data/cache/unpacked/*/.done | awk '{print $1}' | sort > $W/packages_used.txt
