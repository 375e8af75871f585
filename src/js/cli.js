#!/usr/bin/env node
// cli.js — the package's command line: npx seq2seq-wasm translate ...
//
//   seq2seq-wasm translate [--from L --to L | --model FILE] [--beam N] [options] "text" ...
//   seq2seq-wasm translate [--model FILE] < input.txt > output.txt   (line by line)
//   seq2seq-wasm info [--from L --to L | --model FILE]
//
// Without --model it uses a shipped model: models/en-es-transformer.s2s (the
// best English -> Spanish model; the LSTM models/en-es.s2s ships beside it for
// --model), or with --from es models/es-en-transformer.s2s (the LSTM
// models/es-en.s2s beside it likewise).

import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LIMITS, Translator } from './translator.js';
import { Seq2SeqError } from './errors.js';

// The shipped models by direction; the first is the default.
const SHIPPED = {
  'en-es': fileURLToPath(new URL('../../models/en-es-transformer.s2s', import.meta.url)),
  'es-en': fileURLToPath(new URL('../../models/es-en-transformer.s2s', import.meta.url)),
};
const LANGUAGE_NAMES = { en: 'English', es: 'Spanish' };

const USAGE = `usage: seq2seq-wasm translate [--from en|es] [--to es|en] [--model FILE] [--beam N]
                                [--max-length N] [--length-penalty A] [--block-repeats 0|1]
                                [--no-shortlist] [--rerank] [--rerank-model FILE] [--rerank-weight W]
                                [--engine auto|relaxed|simd|scalar] [--json] [TEXT ...]
       seq2seq-wasm info [--from L] [--to L] [--model FILE] [--engine auto|relaxed|simd|scalar]
translate: English to Spanish (--from es: Spanish to English). Translates each
TEXT argument; without any, reads stdin line by line and writes one line per
input line to stdout (an interactive prompt when stdin is a terminal).
  --from L, --to L     the direction: en to es (default) or es to en; giving one
                       is enough. Picks the shipped model models/L1-L2.s2s; with
                       --model, the file must translate that way when it says
  --model FILE         a .s2s model (default: the shipped model of the direction)
  --beam N             beam size, 1-32 (default 4, as the page; 1: greedy, faster)
  --max-length N       at most N target tokens per sentence (default 2 x source + 10)
  --length-penalty A   score = logprob / length^A, 0-5 (default: the model's, else 1)
  --block-repeats B    1: never write a word's piece right after itself ("the
                       the"); 0: allow it (default: the model's, else 0)
  --no-shortlist       score the whole vocabulary, not the model's lexical shortlist
  --rerank             with --beam N > 1: pick among the beam's translations with
                       the shipped model of the other direction (score + W x its
                       log P(source | translation) per token); slower, keeps more
                       of long sentences
  --rerank-model FILE  --rerank with that model of the other direction
  --rerank-weight W    W, 0-100 (default: the model's rerank_weight)
  --engine E           the WebAssembly build: auto (default), relaxed, simd or scalar
  --json               print each result as a JSON line (text, tokens, score)
  -h, --help           this help;  --version  the package version
A line (or TEXT) that cannot be translated (invalid UTF-8, too long: see
docs/limits.md) gives an empty output line and a message naming it on
stderr; the others go on. Exit status: 0 when everything was translated,
1 when something was not (or the model could not be loaded), 2 for a usage
error.`;

const DEFAULT_BEAM = 4;

class UsageError extends Error {}
class CliError extends Error {}

function parseArgs(argv) {
  const o = { command: null, texts: [], model: null, from: null, to: null, engine: 'auto', json: false, rerank: null, options: {} };
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
    else if (a === '--from') o.from = val();
    else if (a === '--to') o.to = val();
    else if (a === '--beam') o.options.beamSize = int(a, val());
    else if (a === '--max-length') o.options.maxLength = int(a, val());
    else if (a === '--length-penalty') {
      const v = val();
      if (!Number.isFinite(Number(v))) throw new UsageError(`--length-penalty must be a number (got "${v}")`);
      o.options.lengthPenalty = Number(v);
    } else if (a === '--block-repeats') {
      const v = val();
      if (v !== '0' && v !== '1') throw new UsageError(`--block-repeats must be 0 or 1 (got "${v}")`);
      o.options.blockRepeats = v === '1';
    } else if (a === '--no-shortlist') o.options.shortlist = false;
    else if (a === '--rerank') o.rerank ??= 'shipped';
    else if (a === '--rerank-model') o.rerank = val();
    else if (a === '--rerank-weight') {
      const v = val();
      if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 100) throw new UsageError(`--rerank-weight must be a number in [0, 100] (got "${v}")`);
      o.options.rerankWeight = Number(v);
    }
    else if (a === '--engine') o.engine = val();
    else if (a === '--json') o.json = true;
    else if (a === '--') { o.texts.push(...argv.slice(i + 1)); break; }
    else if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown option ${a}`);
    else if (!o.command) o.command = a;
    else o.texts.push(a);
  }
  if (o.options.rerankWeight !== undefined && !o.rerank) throw new UsageError('--rerank-weight needs --rerank or --rerank-model');
  // the page's beam (web/config.js): the shipped Transformers' length
  // penalties are tuned for it, and it gains about 1 chrF2 over greedy on
  // the test split (docs/evaluation.md), at half the speed
  o.options.beamSize ??= DEFAULT_BEAM;
  return o;
}

/** The direction asked for ('en-es', 'es-en'), or null when neither --from nor --to was given. */
function direction(o) {
  if (o.from === null && o.to === null) return null;
  // the shipped direction that agrees with every side given
  const d = Object.keys(SHIPPED).find((k) => {
    const [from, to] = k.split('-');
    return (o.from ?? from) === from && (o.to ?? to) === to;
  });
  if (!d) {
    throw new UsageError(`no shipped model translates ${o.from ?? '?'} to ${o.to ?? '?'} (there are: ${Object.keys(SHIPPED).join(', ')})`);
  }
  return d;
}

function modelPath(o) {
  const d = direction(o);
  if (o.model) return o.model;
  const path = SHIPPED[d ?? 'en-es'];
  if (existsSync(path)) return path;
  throw new CliError(`no model: the package's ${path} is missing; pass --model FILE`);
}

/** Loads the model of `o`; with --from/--to and --model, a file that names other languages is refused. */
async function open(o) {
  const t = await Translator.create({ model: modelPath(o), engine: o.engine });
  const d = o.model && direction(o);
  const m = t.model;
  if (d && m.sourceLanguage && m.targetLanguage && d !== `${m.sourceLanguage}-${m.targetLanguage}`) {
    t.destroy();
    throw new CliError(`${o.model} translates ${m.sourceLanguage} to ${m.targetLanguage}, not ${d.replace('-', ' to ')}`);
  }
  if (o.rerank) {
    // the shipped model of the other direction, unless --rerank-model names one
    const back = o.rerank === 'shipped' ? SHIPPED[`${m.targetLanguage ?? 'es'}-${m.sourceLanguage ?? 'en'}`] : o.rerank;
    try {
      if (!back || !existsSync(back)) throw new CliError(`--rerank: no model of the other direction (${back ?? `${m.targetLanguage} to ${m.sourceLanguage}`} is missing)`);
      await t.loadRerankModel(back);
    } catch (e) {
      t.destroy();
      throw e;
    }
  }
  return t;
}

function format(r, json) {
  if (!json) return r.text;
  return JSON.stringify({ text: r.text, sourceTokens: r.sourceTokens, targetTokens: r.targetTokens, score: r.score });
}

// The longest line read from stdin, in bytes: no text of LIMITS.maxTextLength
// UTF-16 code units takes more than 3 bytes per unit in UTF-8, so a longer
// line is refused unread (its bytes are skipped, memory stays bounded).
const MAX_LINE_BYTES = 3 * LIMITS.maxTextLength;

/**
 * The lines of a byte stream: { text } for each, or { error } for one that
 * is not UTF-8 or is longer than MAX_LINE_BYTES. A final line without a
 * newline counts; "\r\n" endings lose their "\r".
 */
async function* readLines(stream) {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let chunks = [], size = 0, tooLong = false, any = false;
  const finish = () => {
    let bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    chunks = [];
    size = 0;
    if (tooLong) { tooLong = false; return { error: `longer than ${MAX_LINE_BYTES} bytes` }; }
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    try {
      return { text: utf8.decode(bytes) };
    } catch {
      return { error: 'not valid UTF-8' };
    }
  };
  for await (const buf of stream) {
    let at = 0;
    while (at < buf.length) {
      any = true;
      const nl = buf.indexOf(0x0a, at);
      const end = nl < 0 ? buf.length : nl;
      if (!tooLong) {
        if (size + (end - at) > MAX_LINE_BYTES) {
          tooLong = true;
          chunks = [];
          size = 0;
        } else if (end > at) {
          chunks.push(buf.subarray(at, end));
          size += end - at;
        }
      }
      if (nl < 0) break;
      yield finish();
      any = false;
      at = nl + 1;
    }
  }
  if (any) yield finish();
}

async function translateCommand(o) {
  const t = await open(o);
  let failed = 0;
  // one input: its translation, or an empty line and the reason on stderr
  const one = async (text, where) => {
    try {
      return format(await t.translate(text, o.options), o.json);
    } catch (e) {
      if (!(e instanceof Seq2SeqError) || e.name === 'InvalidArgumentError') throw e; // bad options: stop
      failed++;
      process.stderr.write(`seq2seq-wasm: ${where}: ${e.message}\n`);
      return o.json ? JSON.stringify({ error: e.name, message: e.message }) : '';
    }
  };
  try {
    if (o.texts.length) {
      for (let i = 0; i < o.texts.length; i++) process.stdout.write(await one(o.texts[i], `text ${i + 1}`) + '\n');
    } else if (process.stdin.isTTY && process.stdout.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      const src = t.model.sourceLanguage ?? 'en', tgt = t.model.targetLanguage ?? 'es';
      const name = (l) => LANGUAGE_NAMES[l] ?? l;
      process.stderr.write(`seq2seq-wasm (${t.engine.flavor} engine): type ${name(src)}, get ${name(tgt)}; Ctrl-D ends.\n`);
      rl.setPrompt(`${src}> `);
      rl.prompt();
      let n = 0;
      for await (const line of rl) {
        process.stdout.write(`${tgt}> ` + await one(line, `line ${++n}`) + '\n');
        rl.prompt();
      }
    } else {
      let n = 0;
      for await (const line of readLines(process.stdin)) {
        n++;
        let out;
        if (line.error !== undefined) {
          failed++;
          process.stderr.write(`seq2seq-wasm: line ${n}: ${line.error}\n`);
          out = o.json ? JSON.stringify({ error: 'BadTextError', message: line.error }) : '';
        } else out = await one(line.text, `line ${n}`);
        if (!process.stdout.write(out + '\n')) await new Promise((r) => process.stdout.once('drain', r));
      }
    }
    if (failed) {
      process.stderr.write(`seq2seq-wasm: ${failed} input${failed === 1 ? '' : 's'} could not be translated (left empty)\n`);
      process.exitCode = 1;
    }
  } finally {
    t.destroy();
  }
}

const RNN_ONLY = ['encHidden', 'decHidden', 'bidirectional', 'cell', 'cellName', 'attention',
  'attentionName', 'bridge', 'bridgeName', 'inputFeed'];
const TRANSFORMER_ONLY = ['heads', 'ffDim', 'decLayers', 'positions', 'positionsName', 'maxPositions',
  'activation', 'activationName'];

async function infoCommand(o) {
  const path = modelPath(o);
  const t = await open(o);
  try {
    const m = t.model;
    const meta = {};
    for (const k of ['name', 'license', 'description', 'source', 'target']) {
      const v = t.metadata(k);
      if (v !== null) meta[k] = v;
    }
    // only the fields of the model's own family: a Transformer's file holds 0 in the recurrent
    // ones (cell 0 would read as "rnn"), a recurrent model's 0 in the Transformer's
    const info = { ...m };
    for (const k of m.architectureName === 'transformer' ? RNN_ONLY : TRANSFORMER_ONLY) delete info[k];
    process.stdout.write(JSON.stringify({ model: path, engine: t.engine.flavor, ...info, metadata: meta }, null, 2) + '\n');
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
