#!/usr/bin/env bash
# Download (apt-get download, no install) and unpack every package listed in
# tools/data/packages.txt into data/cache/. Idempotent: a package whose .deb is
# already cached is not fetched again; an unpacked tree with a .done stamp is reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="$ROOT/data/cache"
mkdir -p "$CACHE/debs" "$CACHE/unpacked"
grep -v '^#' "$ROOT/tools/data/packages.txt" | awk 'NF{print $1}' | while read -r pkg; do
  deb=$(ls "$CACHE/debs/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    echo "fetch: downloading $pkg" >&2
    if ! (cd "$CACHE/debs" && apt-get download -q "$pkg" >/dev/null 2>&1); then
      echo "fetch: apt-get download $pkg failed; running apt-get update once and retrying" >&2
      apt-get update -qq >/dev/null 2>&1 || true
      (cd "$CACHE/debs" && apt-get download -q "$pkg" >/dev/null)
    fi
    deb=$(ls "$CACHE/debs/${pkg}"_*.deb | head -n1)
  fi
  dest="$CACHE/unpacked/$pkg"
  if [ ! -f "$dest/.done" ]; then
    rm -rf "$dest"; mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
    basename "$deb" > "$dest/.done"
  fi
done
