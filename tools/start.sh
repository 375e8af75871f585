#!/bin/sh
# tools/start.sh — `npm start`: build what is missing, then serve the
# translation page (web/) on http://127.0.0.1:8080/web/ and print the address.
#
#   npm start                      the page (PORT=N or -- --port N for another port)
#   npm start -- --cli [ARGS...]   the command-line translator instead, with the
#                                  shipped model: an interactive prompt on a
#                                  terminal, otherwise stdin to stdout line by line
#
# "What is missing": the WebAssembly engines in dist/ (tools/ensure_engines.sh:
# emscripten/build.sh rebuilds only what is out of date; without emcc but
# with both engines in dist/, the page is served as built).
# The models are not built here (README, "Train a model"): without
# models/en-es.s2s the page says so; --cli needs models/en-es-transformer.s2s,
# the CLI's default (src/js/cli.js).
set -eu
cd "$(dirname "$0")/.."

model=models/en-es.s2s
cli_model=models/en-es-transformer.s2s

build_engines() { sh tools/ensure_engines.sh; }

if [ "${1:-}" = "--cli" ]; then
  shift
  build_engines
  # --from/--to/--model choose another model; the CLI checks those itself
  case " $* " in *" --from "*|*" --to "*|*" --model "*) ;; *)
    if [ ! -f "$cli_model" ]; then
      echo "npm start: the shipped model $cli_model is missing." >&2
      echo "  Train one (README, \"Train a model\") and write it there, or run the CLI with" >&2
      echo "  another model: node src/js/cli.js translate --model FILE" >&2
      exit 1
    fi ;;
  esac
  exec node src/js/cli.js translate "$@"
fi

port="${PORT:-8080}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "npm start: unknown option $1 (known: --port N, --cli [ARGS...])" >&2; exit 2 ;;
  esac
done

build_engines
if [ ! -f "$model" ]; then
  echo "npm start: note: $model is missing, so the page will say it cannot load the model." >&2
  echo "  Train one (README, \"Train a model\") and write it there." >&2
fi
[ -f models/en-es-noattn.s2s ] || echo "npm start: note: models/en-es-noattn.s2s is missing; the page shows no baseline." >&2
exec node tools/serve.js --port "$port"
