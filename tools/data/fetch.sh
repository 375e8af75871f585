#!/usr/bin/env bash
# Download (apt-get download with the private apt state of tools/data/apt.sh; nothing is
# installed) and unpack the packages of tools/data/packages.txt and
# tools/data/mo_packages.txt into data/cache/. Idempotent: a cached .deb is not fetched
# again; an unpacked tree with a .done stamp is reused.
# - packages.txt: column 3 says what to unpack: `all`, or comma-separated tar patterns.
# - mo_packages.txt (status use or reserved; skip-size is never fetched): only the Spanish
#   catalogs `*/es/LC_MESSAGES/*.mo` and usr/share/doc/PKG/copyright (or the doc link)
#   are unpacked, which keeps the cache small (the sweep's .debs are 3.6 GB).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/data/cache"
T="$ROOT/tools/data"
JOBS=${FETCH_JOBS:-2}
mkdir -p "$CACHE/debs" "$CACHE/unpacked"
"$T/apt.sh" update
# package <TAB> extract-spec
{ grep -v '^#' "$T/packages.txt" | awk -F'\t' 'NF>=3{print $1"\t"$3}'
  grep -v '^#' "$T/mo_packages.txt" | awk -F'\t' '$4=="use"||$4=="reserved"{print $1"\tmo"}'
} | sort -u -k1,1 > "$CACHE/fetch_list.tsv"
shopt -s nullglob
missing=()
while IFS=$'\t' read -r pkg spec; do
  debs=("$CACHE/debs/${pkg}"_*.deb)
  [ ${#debs[@]} -gt 0 ] || missing+=("$pkg")
done < "$CACHE/fetch_list.tsv"
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch: downloading ${#missing[@]} packages" >&2
  printf '%s\n' "${missing[@]}" | (cd "$CACHE/debs" && xargs -n 100 "$T/apt.sh" get download -q 2>&1 \
    | grep -v -e '^Get:' -e 'unsandboxed' -e '^Fetched' >&2 || true)
  for pkg in "${missing[@]}"; do
    ls "$CACHE/debs/${pkg}"_*.deb >/dev/null 2>&1 || { echo "fetch: $pkg not downloaded" >&2; exit 1; }
  done
fi
unpack() {  # unpack PKG SPEC
  local pkg=$1 spec=$2 deb dest
  deb=$(ls "$CACHE/debs/${pkg}"_*.deb | head -n1)
  dest="$CACHE/unpacked/$pkg"
  [ -f "$dest/.done" ] && [ "$(cat "$dest/.done")" = "$(basename "$deb") $spec" ] && return 0
  rm -rf "$dest"; mkdir -p "$dest"
  if [ "$spec" = all ]; then
    dpkg-deb -x "$deb" "$dest"
  else
    local pats=()
    if [ "$spec" = mo ]; then pats=('*/es/LC_MESSAGES/*.mo' "./usr/share/doc/$pkg/copyright")
    else IFS=, read -r -a pats <<< "$spec,./usr/share/doc/$pkg/copyright"; fi
    # the doc entry itself (a directory, or a link to another package's doc directory)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" --wildcards --no-recursion \
      --ignore-failed-read -f - "./usr/share/doc/$pkg" "${pats[@]}" 2>/dev/null || true
  fi
  echo "$(basename "$deb") $spec" > "$dest/.done"
}
export -f unpack; export CACHE
# only the packages whose stamp is missing or names another .deb or spec go to unpack
while IFS=$'\t' read -r pkg spec; do
  debs=("$CACHE/debs/${pkg}"_*.deb); stamp=""
  [ -f "$CACHE/unpacked/$pkg/.done" ] && read -r stamp < "$CACHE/unpacked/$pkg/.done"
  [ "$stamp" = "${debs[0]##*/} $spec" ] || echo "$pkg $spec"
done < "$CACHE/fetch_list.tsv" | xargs -r -P "$JOBS" -n 2 bash -c 'unpack "$0" "$1"'
echo "fetch: $(wc -l < "$CACHE/fetch_list.tsv") packages unpacked in data/cache/unpacked" >&2
