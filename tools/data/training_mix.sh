#!/bin/sh
# tools/data/training_mix.sh [--reverse] [--base FILE] [--extra FILE]...
#     [--upsample "DOMAIN ..."] [--title-case N] [--capitals N] [--lower-case N] [--no-accents N]
#     [--no-final-mark N]
#     [--countries K] [--countries-table TSV] [--nouns K] [--nouns-lexicon TSV]
# The training pairs of one run of tools/train_models.sh on stdout, in this
# order:
#   1. the base file (default data/train.tsv);
#   2. each --extra file: synthetic pairs from tools/data/back_translate.sh,
#      whose synthetic side must be the source: data/bt.tsv (synthetic
#      English) serves English -> Spanish, data/bt-es-en.tsv (synthetic
#      Spanish) serves Spanish -> English (--reverse);
#   3. --upsample: one more copy of the base file's pairs of each domain
#      named, a copy more each time it is named ("story story bible": story
#      three times in all, Bible twice). ui is most of data/train.tsv; this
#      gives the others more weight. A domain with no pairs is an error;
#   4. --title-case N: every Nth base pair whose source (English; Spanish
#      with --reverse) has 2 to 12 words again, its source in title case and
#      its target as it is ("Train Faster, Train Harder" was nonsense to a
#      model that had seen few headings so written). Every other such pair
#      keeps short function words small ("Saledus is Very Sad and Anxious"),
#      as titles are written both ways; pairs already so written, and
#      sources that hold code, are skipped (also in 5). awk capitalises
#      ASCII letters only: a Spanish word that starts with "á" or "ñ" stays
#      as it is;
#   5. --capitals N (English -> Spanish only): every Nth base pair whose
#      English has 1 to 12 words again, counted from pair N/2 so as to miss
#      the title-cased ones, its English in capitals and its Spanish as it
#      is (the model before it translated "THANK YOU." as nonsense; the
#      Spanish stays as written because awk cannot capitalise "ñ", and an
#      answer in ordinary case reads well). Pairs already so written are
#      skipped;
#   5b. --lower-case N: every Nth base pair whose source has 1 to 30 words
#      again, counted from pair N/3 so as to miss most title-cased and
#      capitalised ones, its source in lower case and its target as it is
#      (either direction). People type so in messages, and a common noun
#      that starts a sentence ("Students are here.") splits into other,
#      rarer pieces than the word in lower case ("▁St ud ent s" against
#      "▁student s"). awk lowers ASCII letters only ("Á" stays); sources
#      already in lower case, and sources that hold code, are skipped;
#   5c. --no-accents N (Spanish -> English only): every Nth base pair whose
#      Spanish has 1 to 30 words and an accent (á é í ó ú ü, small or
#      capital) again, counted from pair 3N/4 so as to miss most of the
#      copies above, its Spanish without the accents and its English as it
#      is; every other such copy also writes ñ as n and drops ¿ and ¡, as
#      on a keyboard without them. People type Spanish so ("como estas",
#      "donde esta el bano"), and the model read "¿como estas?" as "Is
#      these?". Sources that hold code are skipped;
#   5d. --no-final-mark N (either direction): every Nth base pair whose
#      source has 2 to 30 words and whose two sides each end with one . ! or
#      ? again, counted from pair N/5, without those marks, and without the
#      Spanish ¿ or ¡ that opens it. People type messages so ("te quiero
#      mucho", "see you tomorrow"), and the models, which saw such text
#      almost only in program labels, translated them as labels ("I love a
#      lot"). Pairs that end in "..", hold another ¿ or ¡, or hold code are
#      skipped;
#   6. --countries K: K copies of each distinct base pair that names countries,
#      the names swapped for others on both sides (tools/data/countries.py
#      swap with --countries-table, default data/countries.tsv);
#   7. --nouns K: K copies of each distinct sentence pair (phrase, story, help,
#      desc) with a dictionary noun on both sides, that noun swapped for a rare
#      one of the same gender and number (tools/data/nouns.py swap with
#      --nouns-lexicon, default data/nouns.tsv).
#   In 6 and 7 a copy whose English is a sentence of the everyday test or dev
#   set or of a probe (corpus/countries_probe.tsv, corpus/nouns_probe.tsv,
#   corpus/start_probe.tsv) is dropped.
# Exit status 2 and a message on stderr for a bad option or combination.
set -eu
base=data/train.tsv reverse=0 extra='' upsample='' title_case='' capitals='' lower_case='' no_accents='' no_final_mark=''
countries='' countries_table=data/countries.tsv
nouns='' nouns_lexicon=data/nouns.tsv
usage='usage: tools/data/training_mix.sh [--reverse] [--base FILE] [--extra FILE]... [--upsample "DOMAIN ..."] [--title-case N] [--capitals N] [--lower-case N] [--no-accents N] [--no-final-mark N] [--countries K] [--countries-table TSV] [--nouns K] [--nouns-lexicon TSV]'
while [ $# -gt 0 ]; do
  case "$1" in
    --reverse) reverse=1 ;;
    --base) base=${2:?$usage}; shift ;;
    --extra) extra="$extra ${2:?$usage}"; shift ;;
    --upsample) upsample=${2?$usage}; shift ;;
    --title-case) title_case=${2:?$usage}; shift ;;
    --capitals) capitals=${2:?$usage}; shift ;;
    --lower-case) lower_case=${2:?$usage}; shift ;;
    --no-accents) no_accents=${2:?$usage}; shift ;;
    --no-final-mark) no_final_mark=${2:?$usage}; shift ;;
    --countries) countries=${2:?$usage}; shift ;;
    --countries-table) countries_table=${2:?$usage}; shift ;;
    --nouns) nouns=${2:?$usage}; shift ;;
    --nouns-lexicon) nouns_lexicon=${2:?$usage}; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
for f in $base $extra ${countries:+"$countries_table"} ${nouns:+"$nouns_lexicon"}; do
  [ -r "$f" ] || { echo "training_mix.sh: cannot read $f" >&2; exit 2; }
done
for f in $extra; do
  case "$reverse:$(basename "$f")" in
    1:bt.tsv) echo "training_mix.sh: $f has synthetic English; Spanish -> English takes data/bt-es-en.tsv" >&2; exit 2 ;;
    0:bt-es-en.tsv) echo "training_mix.sh: $f has synthetic Spanish; English -> Spanish takes data/bt.tsv" >&2; exit 2 ;;
  esac
done
check_every() { # OPTION VALUE
  [ -n "$2" ] || return 0
  case "$1:$reverse" in
    --capitals:1) echo "training_mix.sh: --capitals makes synthetic English; Spanish -> English cannot take it" >&2; exit 2 ;;
    --no-accents:0) echo "training_mix.sh: --no-accents changes Spanish sources; it needs --reverse (Spanish -> English)" >&2; exit 2 ;;
  esac
  case "$2" in
    0* | *[!0-9]*) echo "training_mix.sh: $1 takes a whole number from 1, not '$2'" >&2; exit 2 ;;
  esac
}
check_every --title-case "$title_case"
check_every --capitals "$capitals"
check_every --lower-case "$lower_case"
check_every --no-accents "$no_accents"
check_every --no-final-mark "$no_final_mark"
check_every --countries "$countries"
check_every --nouns "$nouns"

# a source that holds code (placeholders, paths, addresses, markup) keeps its
# case (and accents, and marks) in 4, 5, 5b, 5c and 5d: "%S" or "HTTP://" would teach the model wrong pairs
code='[%\\\\{}<>@/]|http|www[.]'

# shellcheck disable=SC2086
cat "$base" $extra
[ -z "$upsample" ] || awk -F'\t' -v domains="$upsample" '
  BEGIN { n = split(domains, d, " "); for (i = 1; i <= n; i++) copies[d[i]]++ }
  NF == 3 && ($1 in copies) { for (k = 0; k < copies[$1]; k++) print; seen[$1] = 1 }
  END {
    for (i = 1; i <= n; i++) if (!(d[i] in seen)) {
      print "training_mix.sh: " FILENAME " has no pairs of the domain " d[i] > "/dev/stderr"; bad = 2
    }
    exit bad
  }' "$base"
[ -z "$title_case" ] || awk -F'\t' -v OFS='\t' -v every="$title_case" -v code="$code" -v reverse="$reverse" '
  BEGIN {
    src = reverse ? 3 : 2
    if (reverse) split("a al con de del el en la las los o para por un una y", w, " ")
    else split("a an and as at by for in is of on or the to with", w, " ")
    for (i in w) small[w[i]] = 1
  }
  NF == 3 && NR % every == 0 {
    n = split($src, word, " ")
    if (n < 2 || n > 12 || $src ~ code) next
    keep_small = (NR / every) % 2
    out = ""
    for (i = 1; i <= n; i++) {
      t = word[i]
      if (t ~ /^[a-z]/ && !(i > 1 && keep_small && (t in small))) t = toupper(substr(t, 1, 1)) substr(t, 2)
      out = out (i > 1 ? " " : "") t
    }
    if (out == $src) next
    $src = out
    print
  }' "$base"
[ -z "$capitals" ] || awk -F'\t' -v OFS='\t' -v every="$capitals" -v code="$code" '
  NF == 3 && (NR + int(every / 2)) % every == 0 {
    n = split($2, word, " ")
    if (n < 1 || n > 12 || $2 ~ code) next
    out = toupper($2)
    if (out != $2) print $1, out, $3
  }' "$base"
[ -z "$lower_case" ] || awk -F'\t' -v OFS='\t' -v every="$lower_case" -v code="$code" -v reverse="$reverse" '
  NF == 3 && (NR + int(every / 3)) % every == 0 {
    src = reverse ? 3 : 2
    n = split($src, word, " ")
    if (n < 1 || n > 30 || $src ~ code) next
    out = tolower($src)
    if (out == $src) next
    $src = out
    print
  }' "$base"
# mawk and gawk alike: the accented letters are replaced as byte strings
[ -z "$no_accents" ] || awk -F'\t' -v OFS='\t' -v every="$no_accents" -v code="$code" '
  BEGIN { pairs = split("á a é e í i ó o ú u ü u Á A É E Í I Ó O Ú U Ü U", plain, " ") }
  NF == 3 && (NR + int(3 * every / 4)) % every == 0 {
    n = split($3, word, " ")
    if (n < 1 || n > 30 || $3 ~ code) next
    out = $3
    for (i = 1; i < pairs; i += 2) gsub(plain[i], plain[i + 1], out)
    if (out == $3) next
    copies++
    if (copies % 2 == 0) { gsub("ñ", "n", out); gsub("Ñ", "N", out); gsub("¿", "", out); gsub("¡", "", out) }
    $3 = out
    print
  }' "$base"
# the marks compared as bytes: the last byte of a line ending in "." "!" or
# "?" is that mark in mawk and gawk alike
[ -z "$no_final_mark" ] || awk -F'\t' -v OFS='\t' -v every="$no_final_mark" -v code="$code" -v reverse="$reverse" '
  NF == 3 && (NR + int(every / 5)) % every == 0 {
    n = split(reverse ? $3 : $2, word, " ")
    if (n < 2 || n > 30 || $2 ~ code || $3 ~ code) next
    if ($2 !~ /[^.][.!?]$/ || $3 !~ /[^.][.!?]$/) next
    en = substr($2, 1, length($2) - 1)
    es = substr($3, 1, length($3) - 1)
    if (es ~ /^¿/) sub(/^¿/, "", es)
    else if (es ~ /^¡/) sub(/^¡/, "", es)
    if (index(es, "¿") || index(es, "¡")) next
    print $1, en, es
  }' "$base"
# the sentences no swapped copy may be (6 and 7)
held='--held corpus/everyday/test.tsv --held corpus/everyday/dev.tsv
  --held corpus/countries_probe.tsv --held corpus/nouns_probe.tsv --held corpus/start_probe.tsv'
# shellcheck disable=SC2086
[ -z "$countries" ] || "${PYTHON:-python3}" "$(dirname "$0")/countries.py" swap --table "$countries_table" \
  --variants "$countries" $held "$base"
# shellcheck disable=SC2086
[ -z "$nouns" ] || "${PYTHON:-python3}" "$(dirname "$0")/nouns.py" swap --lexicon "$nouns_lexicon" \
  --variants "$nouns" $held "$base"
