#!/usr/bin/env node
// cli.js — the package's command line: npx seq2seq-wasm translate ...
//
//   seq2seq-wasm translate [--model FILE] [--beam N] [options] "text" ...
//   seq2seq-wasm translate [--model FILE] < input.txt > output.txt   (line by line)
//   seq2seq-wasm info [--model FILE]
//
// Without --model it uses the package's shipped model (models/en-es.s2s).

import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Translator } from './translator.js';
import { Seq2SeqError } from './errors.js';

const SHIPPED_MODEL = fileURLToPath(new URL('../../models/en-es.s2s', import.meta.url));

const USAGE = `usage: seq2seq-wasm translate [--model FILE] [--beam N] [--max-length N]
                                [--length-penalty A] [--engine auto|simd|scalar]
                                [--json] [TEXT ...]
       seq2seq-wasm info [--model FILE] [--engine auto|simd|scalar]
translate: English to Spanish. Translates each TEXT argument; without any,
reads stdin line by line and writes one line per input line to stdout
(an interactive prompt when stdin is a terminal).
  --model FILE         a .s2s model (default: the package's models/en-es.s2s)
  --beam N             beam size, 1-32 (default 1: greedy)
  --max-length N       at most N target tokens per sentence (default 2 x source + 10)
  --length-penalty A   score = logprob / length^A, 0-5 (default 1)
  --engine E           the WebAssembly build: auto (default), simd or scalar
  --json               print each result as a JSON line (text, tokens, score)
  -h, --help           this help;  --version  the package version`;

class UsageError extends Error {}
class CliError extends Error {}

function parseArgs(argv) {
  const o = { command: null, texts: [], model: null, engine: 'auto', json: false, options: {} };
  const int = (name, v) => {
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number (got "${v}")`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') o.command = 'help';
    else if (a === '--version') o.command = 'version';
    else if (a === '--model') o.model = val();
    else if (a === '--beam') o.options.beamSize = int(a, val());
    else if (a === '--max-length') o.options.maxLength = int(a, val());
    else if (a === '--length-penalty') {
      const v = val();
      if (!Number.isFinite(Number(v))) throw new UsageError(`--length-penalty must be a number (got "${v}")`);
      o.options.lengthPenalty = Number(v);
    } else if (a === '--engine') o.engine = val();
    else if (a === '--json') o.json = true;
    else if (a === '--') { o.texts.push(...argv.slice(i + 1)); break; }
    else if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown option ${a}`);
    else if (!o.command) o.command = a;
    else o.texts.push(a);
  }
  return o;
}

function modelPath(o) {
  if (o.model) return o.model;
  if (existsSync(SHIPPED_MODEL)) return SHIPPED_MODEL;
  throw new CliError(`no model: the package's ${SHIPPED_MODEL} is missing; pass --model FILE`);
}

function format(r, json) {
  if (!json) return r.text;
  return JSON.stringify({ text: r.text, sourceTokens: r.sourceTokens, targetTokens: r.targetTokens, score: r.score });
}

async function translateCommand(o) {
  const t = await Translator.create({ model: modelPath(o), engine: o.engine });
  try {
    if (o.texts.length) {
      for (const text of o.texts) process.stdout.write(format(await t.translate(text, o.options), o.json) + '\n');
      return;
    }
    const interactive = process.stdin.isTTY && process.stdout.isTTY;
    const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
    if (interactive) {
      process.stderr.write(`seq2seq-wasm (${t.engine.flavor} engine): type English, get Spanish; Ctrl-D ends.\n`);
      rl.setPrompt('en> ');
      rl.prompt();
    }
    for await (const line of rl) {
      const r = await t.translate(line, o.options);
      process.stdout.write((interactive ? 'es> ' : '') + format(r, o.json) + '\n');
      if (interactive) rl.prompt();
    }
  } finally {
    t.destroy();
  }
}

async function infoCommand(o) {
  const path = modelPath(o);
  const t = await Translator.create({ model: path, engine: o.engine });
  try {
    const m = t.model;
    const meta = {};
    for (const k of ['name', 'license', 'description', 'source', 'target']) {
      const v = t.metadata(k);
      if (v !== null) meta[k] = v;
    }
    process.stdout.write(JSON.stringify({ model: path, engine: t.engine.flavor, ...m, metadata: meta }, null, 2) + '\n');
  } finally {
    t.destroy();
  }
}

async function main(argv) {
  const o = parseArgs(argv);
  switch (o.command) {
    case 'help': case null:
      process.stdout.write(USAGE + '\n');
      if (o.command === null) process.exitCode = 2;
      return;
    case 'version': {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      process.stdout.write(pkg.version + '\n');
      return;
    }
    case 'translate': return translateCommand(o);
    case 'info': return infoCommand(o);
    default: throw new UsageError(`unknown command "${o.command}" (translate or info)`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) process.stderr.write(`seq2seq-wasm: ${e.message}\n${USAGE}\n`);
  else if (e instanceof Seq2SeqError || e instanceof CliError) process.stderr.write(`seq2seq-wasm: ${e.message}\n`);
  else process.stderr.write(`seq2seq-wasm: ${e?.stack ?? e}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
