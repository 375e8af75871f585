#!/usr/bin/env bash
# Private apt state for the data build: its own sources, lists and archive cache under
# data/cache/apt/, so the system's apt state is never changed. Besides the Packages
# indexes it fetches the Contents indexes (which package ships which file: used by
# make_mo_list.sh) and the English and Spanish description translations (DDTP:
# extract_desc.py). Usage:
#   tools/data/apt.sh update          # (re)fetch the indexes (once; skipped when present)
#   tools/data/apt.sh get ARGS...     # apt-get ARGS with the private config
#   tools/data/apt.sh conf            # print the config file path
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
A="$ROOT/data/cache/apt"
mkdir -p "$A/lists/partial" "$A/archives/partial" "$A/etc/sources.list.d" "$A/etc/preferences.d"
cat > "$A/etc/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
SRC
cat > "$A/etc/apt.conf" <<CONF
Dir::Etc::SourceList "$A/etc/sources.list";
Dir::Etc::SourceParts "$A/etc/sources.list.d";
Dir::Etc::Preferences "$A/etc/preferences";
Dir::Etc::PreferencesParts "$A/etc/preferences.d";
Dir::State::Lists "$A/lists";
Dir::Cache "$A/cache";
Dir::Cache::Archives "$A/archives";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
#clear Acquire::Languages;
Acquire::Languages { "en"; "es"; };
Acquire::GzipIndexes "true";
Acquire::IndexTargets::deb::Contents-deb::MetaKey "\$(COMPONENT)/Contents-\$(ARCHITECTURE)";
Acquire::IndexTargets::deb::Contents-deb::ShortDescription "Contents-\$(ARCHITECTURE)";
Acquire::IndexTargets::deb::Contents-deb::Description "\$(RELEASE)/\$(COMPONENT) \$(ARCHITECTURE) Contents (deb)";
Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "true";
# (Contents-all comes with Contents-deb: apt adds the "all" architecture itself)
CONF
mkdir -p "$A/cache"
case "${1:-}" in
  update)
    if ls "$A/lists/"*Contents-amd64* >/dev/null 2>&1 && ls "$A/lists/"*Translation-es* >/dev/null 2>&1; then
      echo "apt: private indexes present (rm -r data/cache/apt to refresh)" >&2
    else
      apt-get -c "$A/etc/apt.conf" update -q >&2
    fi ;;
  get) shift; exec apt-get -c "$A/etc/apt.conf" "$@" ;;
  conf) echo "$A/etc/apt.conf" ;;
  *) echo "usage: $0 update|get ARGS|conf" >&2; exit 2 ;;
esac
