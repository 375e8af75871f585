#!/bin/sh
# tools/start.sh — `npm start`: install what is missing, build the WebAssembly
# engine if it is missing or out of date, then translate with the shipped
# model (models/en-es.s2s): an interactive prompt on a terminal, otherwise
# stdin to stdout line by line. (The web page is a later issue; it will be
# served from here.)
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
sh emscripten/build.sh
model=models/en-es.s2s
if [ ! -f "$model" ]; then
  echo "npm start: the shipped model $model is missing." >&2
  echo "  Train one (README, \"Train a model\") and write it there, or run the CLI with" >&2
  echo "  another model: node src/js/cli.js translate --model FILE" >&2
  exit 1
fi
exec node src/js/cli.js translate --model "$model" "$@"
