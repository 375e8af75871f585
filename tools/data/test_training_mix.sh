#!/bin/sh
# tools/data/test_training_mix.sh — checks tools/data/training_mix.sh on a
# small corpus of its own: the order and number of copies, the title-cased
# and capitalised pairs, and the refusals. Run by CTest (test_training_mix).
set -eu
cd "$(dirname "$0")/../.."
mix=tools/data/training_mix.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else
    printf 'FAIL %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"; fails=$((fails + 1)); fi
}
refused() { # NAME MESSAGE-PART ARGS...
  name=$1 part=$2; shift 2
  if sh "$mix" "$@" > /dev/null 2> "$tmp/err"; then check "$name" "exit 2" "exit 0"
  else
    status=$?
    check "$name: exit status" 2 "$status"
    grep -q -- "$part" "$tmp/err" && check "$name: message" ok ok ||
      check "$name: message" "… $part …" "$(cat "$tmp/err")"
  fi
}
T=$(printf '\t')
cat > "$tmp/base.tsv" <<EOF
ui${T}Open the file${T}Abrir el archivo
story${T}the wrath of the king is great${T}la ira del rey es grande
ui${T}Save${T}Guardar
story${T}Come along with us, sire.${T}Venid con nosotros, señor.
bible${T}and he went to the city of David in the night${T}y fue a la ciudad de David en la noche
ui${T}Already Title Case${T}Ya en mayúsculas
phrase${T}one two three four five six seven eight nine ten eleven twelve thirteen${T}uno
phrase${T}where is the station?${T}¿dónde está la estación?
EOF
printf 'ui\tsynthetic English\tespañol\n' > "$tmp/bt.tsv"
printf 'ui\tinglés\tsynthetic Spanish\n' > "$tmp/bt-es-en.tsv"

sh "$mix" --base "$tmp/base.tsv" > "$tmp/out"
check "no options: the base file as it is" "$(cat "$tmp/base.tsv")" "$(cat "$tmp/out")"

sh "$mix" --base "$tmp/base.tsv" --extra "$tmp/bt.tsv" --upsample "story story bible" > "$tmp/out"
check "extra after the base, then the copies" 14 "$(wc -l < "$tmp/out")"
check "extra pair right after the base" "ui${T}synthetic English${T}español" "$(sed -n 9p "$tmp/out")"
check "story named twice: three times in all" 3 "$(grep -c "^story${T}the wrath" "$tmp/out")"
check "bible named once: twice in all" 2 "$(grep -c "^bible${T}" "$tmp/out")"
check "ui not named: once" 1 "$(grep -c "^ui${T}Save" "$tmp/out")"

sh "$mix" --base "$tmp/base.tsv" --title-case 2 > "$tmp/out"
tail -n +9 "$tmp/out" > "$tmp/titled"
# pairs 2, 4, 6, 8: pair 2 keeps small words small (2 / 2 odd), 4 and 8 capitalize
# every word, 6 is already title case and is skipped
check "title case: every other pair, English only" \
  "story${T}The Wrath of the King is Great${T}la ira del rey es grande
story${T}Come Along With Us, Sire.${T}Venid con nosotros, señor.
phrase${T}Where Is The Station?${T}¿dónde está la estación?" "$(cat "$tmp/titled")"
sh "$mix" --base "$tmp/base.tsv" --title-case 1 | tail -n +9 > "$tmp/titled"
check "title case: one word and 13 words are left out" "" "$(grep -e "${T}Save${T}" -e "${T}One Two" "$tmp/titled" || true)"

printf 'ui\tOpen %%s in a new window\tAbrir %%s en una ventana nueva\n' >> "$tmp/code.tsv"
printf 'ui\tsee http://example.org for more\tvéase http://example.org\n' >> "$tmp/code.tsv"
sh "$mix" --base "$tmp/code.tsv" --title-case 1 --capitals 1 --lower-case 1 > "$tmp/out"
check "English that holds code keeps its case" "$(cat "$tmp/code.tsv")" "$(cat "$tmp/out")"

sh "$mix" --base "$tmp/base.tsv" --capitals 4 | tail -n +9 > "$tmp/caps"
# pairs 2 and 6 ((N + 4/2) % 4 == 0): pair 2 in capitals; pair 6 is the one
# already in title case, in capitals too; the Spanish as it is
check "capitals: from pair N/2, every Nth, English only" \
  "story${T}THE WRATH OF THE KING IS GREAT${T}la ira del rey es grande
ui${T}ALREADY TITLE CASE${T}Ya en mayúsculas" "$(cat "$tmp/caps")"
sh "$mix" --base "$tmp/base.tsv" --capitals 1 | tail -n +9 > "$tmp/caps"
check "capitals: one word is in, 13 words are out" "ui${T}SAVE${T}Guardar|" \
  "$(grep -e "${T}SAVE${T}" "$tmp/caps")|$(grep "${T}ONE TWO" "$tmp/caps" || true)"
sh "$mix" --base "$tmp/base.tsv" --title-case 2 --capitals 2 > "$tmp/out"
check "title case, then capitals: 8 + 3 + 3 pairs" 14 "$(wc -l < "$tmp/out")"
check "title case, then capitals: the order" "The Wrath of the King is Great|OPEN THE FILE" \
  "$(sed -n 9p "$tmp/out" | cut -f2)|$(sed -n 12p "$tmp/out" | cut -f2)"

sh "$mix" --base "$tmp/base.tsv" --lower-case 2 | tail -n +9 > "$tmp/lower"
# pairs 2, 4, 6, 8 ((N + 2/3) % 2 == 0): 2 and 8 are already in lower case
check "lower case: every other pair, the English only" \
  "story${T}come along with us, sire.${T}Venid con nosotros, señor.
ui${T}already title case${T}Ya en mayúsculas" "$(cat "$tmp/lower")"
sh "$mix" --base "$tmp/base.tsv" --lower-case 3 | tail -n +9 > "$tmp/lower"
# pairs 2, 5, 8 ((N + 3/3) % 3 == 0): only 5 has a capital, a name
check "lower case: from pair N/3, every Nth" \
  "bible${T}and he went to the city of david in the night${T}y fue a la ciudad de David en la noche" "$(cat "$tmp/lower")"
printf 'ui\tSay%s\tDi\n' "$(printf ' Word%.0s' $(seq 30))" > "$tmp/long.tsv"
check "lower case: 31 words are left out" "" "$(sh "$mix" --base "$tmp/long.tsv" --lower-case 1 | tail -n +2)"
sh "$mix" --base "$tmp/base.tsv" --reverse --lower-case 2 | tail -n +9 > "$tmp/lower"
check "lower case, Spanish -> English: the Spanish in lower case" \
  "story${T}Come along with us, sire.${T}venid con nosotros, señor.
ui${T}Already Title Case${T}ya en mayúsculas" "$(cat "$tmp/lower")"
refused "lower case 0" "whole number" --base "$tmp/base.tsv" --lower-case 0
cat > "$tmp/accents.tsv" <<EOF
phrase${T}How are you, sir?${T}¿Cómo estás, señor?
ui${T}no accent${T}sin acento
phrase${T}Small tree, now!${T}Árbol pequeño, ¡ya!
ui${T}Open %s${T}Abrir %s en la página
phrase${T}The penguin${T}El pingüino
EOF
sh "$mix" --base "$tmp/accents.tsv" --reverse --no-accents 1 | tail -n +6 > "$tmp/plain"
check "no accents: the Spanish without them, every other copy without ñ, ¿ and ¡ too; code and unaccented pairs skipped" \
  "phrase${T}How are you, sir?${T}¿Como estas, señor?
phrase${T}Small tree, now!${T}Arbol pequeno, ya!
phrase${T}The penguin${T}El pinguino" "$(cat "$tmp/plain")"
# pairs 3N/4 on: with N = 4, pairs 1 and 5
check "no accents: from pair 3N/4, every Nth" \
  "¿Como estas, señor?|El pinguino" "$(sh "$mix" --base "$tmp/accents.tsv" --reverse --no-accents 4 | tail -n +6 | cut -f3 | paste -s -d '|')"
refused "no accents for English -> Spanish" "needs --reverse" --base "$tmp/accents.tsv" --no-accents 10
refused "no accents 0" "whole number" --base "$tmp/accents.tsv" --reverse --no-accents 0

cat > "$tmp/marks.tsv" <<EOF
phrase${T}How are you, sir?${T}¿Cómo estás, señor?
phrase${T}I love you so much.${T}Te quiero mucho.
phrase${T}Wait for me!${T}¡Espérame!
ui${T}Open %s now.${T}Abre %s ahora.
story${T}Well...${T}Bueno...
phrase${T}Hi! How are you?${T}¡Hola! ¿Qué tal?
ui${T}Save${T}Guardar
phrase${T}Hello.${T}Hola.
phrase${T}We are here.${T}Estamos aquí
EOF
sh "$mix" --base "$tmp/marks.tsv" --no-final-mark 1 | tail -n +10 > "$tmp/unmarked"
check "no final mark: both sides without it, and without an opening ¿ or ¡; code, '..', inner ¿ ¡, one word and unmarked pairs skipped" \
  "phrase${T}How are you, sir${T}Cómo estás, señor
phrase${T}I love you so much${T}Te quiero mucho
phrase${T}Wait for me${T}Espérame" "$(cat "$tmp/unmarked")"
check "no final mark: Spanish -> English counts the Spanish words (¡Espérame! is one)" \
  "$(head -n 2 "$tmp/unmarked")" "$(sh "$mix" --base "$tmp/marks.tsv" --reverse --no-final-mark 1 | tail -n +10)"
# from pair N/5: with N = 5, pairs 4 and 9 (code; no Spanish mark)
check "no final mark: from pair N/5, every Nth" "" "$(sh "$mix" --base "$tmp/marks.tsv" --no-final-mark 5 | tail -n +10)"
check "no final mark: N = 2, pairs 2, 4, 6 and 8" "I love you so much" \
  "$(sh "$mix" --base "$tmp/marks.tsv" --no-final-mark 2 | tail -n +10 | cut -f2 | paste -s -d '|')"
refused "no final mark 0" "whole number" --base "$tmp/marks.tsv" --no-final-mark 0

printf 'Finland\tFinlandia\nJapan\tJapón\nPortugal\tPortugal\n' > "$tmp/countries.tsv"
printf 'phrase\tWe went to Japan.\tFuimos a Japón.\n' > "$tmp/names.tsv"
sh "$mix" --base "$tmp/names.tsv" --countries 3 --countries-table "$tmp/countries.tsv" > "$tmp/out"
check "countries: the base, then 3 copies with other names" \
  "1|3|0" "$(grep -c Japan "$tmp/out")|$(tail -n 3 "$tmp/out" | grep -c -e "Finland.*Finlandia" -e "Portugal.*Portugal")|$(tail -n 3 "$tmp/out" | grep -c Japan || true)"
refused "countries 0" "whole number" --base "$tmp/names.tsv" --countries 0 --countries-table "$tmp/countries.tsv"
refused "countries without its table" "cannot read" --base "$tmp/names.tsv" --countries 2 --countries-table "$tmp/none.tsv"
printf 'dog\tdogs\tperro\tperros\tm\nowl\towls\tbúho\tbúhos\tm\n' > "$tmp/nouns.tsv"
printf 'story\tThe dog sleeps.\tEl perro duerme.\nui\tOwl\tBúho\n' > "$tmp/animals.tsv"
sh "$mix" --base "$tmp/animals.tsv" --nouns 2 --nouns-lexicon "$tmp/nouns.tsv" > "$tmp/out"
check "nouns: the base, then 2 copies with the rare noun" \
  "4|2" "$(wc -l < "$tmp/out" | tr -d ' ')|$(tail -n 2 "$tmp/out" | grep -c "The owl sleeps.${T}El búho duerme.")"
refused "nouns 0" "whole number" --base "$tmp/animals.tsv" --nouns 0 --nouns-lexicon "$tmp/nouns.tsv"
refused "nouns without its lexicon" "cannot read" --base "$tmp/animals.tsv" --nouns 1 --nouns-lexicon "$tmp/none.tsv"
refused "capitals for Spanish -> English" "cannot take it" --base "$tmp/base.tsv" --reverse --capitals 20
refused "capitals 0" "whole number" --base "$tmp/base.tsv" --capitals 07
refused "a domain with no pairs" "no pairs of the domain help" --base "$tmp/base.tsv" --upsample "story help"
sh "$mix" --base "$tmp/base.tsv" --reverse --title-case 2 | tail -n +9 > "$tmp/titled"
# pairs 2 and 6 keep Spanish function words small; pair 8's first word
# starts with "¿", which awk leaves as it is
check "title case, Spanish -> English: the Spanish in title case" \
  "story${T}the wrath of the king is great${T}La Ira del Rey Es Grande
story${T}Come along with us, sire.${T}Venid Con Nosotros, Señor.
ui${T}Already Title Case${T}Ya en Mayúsculas
phrase${T}where is the station?${T}¿dónde Está La Estación?" "$(cat "$tmp/titled")"
refused "title case 0" "whole number" --base "$tmp/base.tsv" --title-case 0
refused "title case not a number" "whole number" --base "$tmp/base.tsv" --title-case x
refused "synthetic Spanish for English -> Spanish" "takes data/bt.tsv" --base "$tmp/base.tsv" --extra "$tmp/bt-es-en.tsv"
refused "synthetic English for Spanish -> English" "takes data/bt-es-en.tsv" --base "$tmp/base.tsv" --reverse --extra "$tmp/bt.tsv"
refused "a missing file" "cannot read" --base "$tmp/none.tsv"
refused "an unknown option" "usage" --base "$tmp/base.tsv" --shuffle

[ "$fails" = 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
