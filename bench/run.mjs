// run.mjs — the benchmark suite (`npm run bench`, through tools/bench.sh,
// which builds what is missing first). It measures every runtime side by side
// in one run on this machine, prints one table and writes it to
// build-bench/results.json and build-bench/results.md. Numbers, not tests:
// a missed target is shown (✗), never an exit status.
//
//   node bench/run.mjs [--quick] [--only translation,tfjs,training,memory,kernels,text]
//                      [--models lstm,transformer] [--transformer PATH]
//
// Sections (bench/README.md says what each number means):
//   1 translation  each model on bench/dev-sample.en, one call per sentence:
//                  native C, WASM SIMD and scalar in Node, WASM SIMD in a
//                  Chromium Web Worker; int8 and its f32 copy
//   2 tfjs         the LSTM's network in TensorFlow.js (bench/tfjs-model.mjs)
//   3 training     bench/run_core_bench.sh (C vs PyTorch) + fine-tuning in WASM
//   4 memory       model load time, peak WASM memory, engine size gzipped
//   5 kernels      build/bench_kernels --json next to streaming-read bandwidth
//   6 text         sentence splitting of hostile texts
// The models (--models picks some; sections 1 and 4 measure each, section 2
// is the LSTM's): the shipped LSTM, models/en-es.s2s, and the Transformer,
// models/en-es-transformer.s2s (or --transformer PATH, or the environment's
// S2S_BENCH_TRANSFORMER); a model whose file is missing gets a note, not rows.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { Translator } from '../src/js/index.js';
import { measure, measureBatch } from './translate-loop.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'build-bench');
const SAMPLE = 'bench/dev-sample.en';
const SECTIONS = ['translation', 'tfjs', 'training', 'memory', 'kernels', 'text'];
const TRANSFORMER = 'models/en-es-transformer.s2s';

// ------------------------------------------------------------------ options
const args = process.argv.slice(2);
let quick = false, only = SECTIONS, modelIds = ['lstm', 'transformer'];
let transformerPath = process.env.S2S_BENCH_TRANSFORMER || TRANSFORMER;
/** A list option's value: `--name a,b` or `--name=a,b`. */
const listArg = (a, name, i) => (a === name ? args[i + 1] ?? '' : a.slice(name.length + 1))
  .split(',').map((s) => s.trim()).filter(Boolean);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const takes = (name) => a === name || a.startsWith(`${name}=`);
  if (a === '--quick') quick = true;
  else if (takes('--only')) {
    only = listArg(a, '--only', i).map((s) => SECTIONS[Number(s) - 1] ?? s);
    if (a === '--only') i++;
    const bad = only.filter((s) => !SECTIONS.includes(s));
    if (bad.length || !only.length) usage(`unknown section ${bad.join(', ') || '(none)'}`);
  } else if (takes('--models')) {
    modelIds = listArg(a, '--models', i);
    if (a === '--models') i++;
    const bad = modelIds.filter((s) => !['lstm', 'transformer'].includes(s));
    if (bad.length || !modelIds.length) usage(`unknown model ${bad.join(', ') || '(none)'}`);
  } else if (takes('--transformer')) {
    transformerPath = a === '--transformer' ? args[++i] ?? '' : a.slice(14);
    if (!transformerPath) usage('--transformer needs a path');
  } else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
function usage(why) {
  if (why) console.error(`bench/run.mjs: ${why}`);
  console.error(`usage: node bench/run.mjs [--quick] [--only ${SECTIONS.join(',')}] (or section numbers 1-6)\n` +
    `                         [--models lstm,transformer] [--transformer PATH (default ${TRANSFORMER}, or S2S_BENCH_TRANSFORMER)]`);
  process.exit(why ? 2 : 0);
}

/**
 * The models: `file` (int8) and `f32` (its `s2s dequantize` copy in build-bench/), both
 * relative to the repository root, which the Chromium page is served from; `targets`
 * holds each model's own (null: the number is shown, no target). A file outside the
 * repository is copied into build-bench/models/ first (see prepareModel).
 */
const MODELS = {
  lstm: { id: 'lstm', name: 'LSTM', file: 'models/en-es.s2s', what: 'LSTM, Bahdanau attention',
    targets: { simdNative: 0.8, simdScalar: 3, int8F32: 1.6, workerWps: 1000, firstTokenMs: 20, workerBeam4Wps: 1500, memory: 2 } },
  // the Transformer's targets: the LSTM's minus SIMD / scalar and the beam-4 words/s
  transformer: { id: 'transformer', name: 'Transformer', file: transformerPath, what: 'Transformer',
    targets: { simdNative: 0.8, simdScalar: null, int8F32: 1.6, workerWps: 1000, firstTokenMs: 20, workerBeam4Wps: null, memory: 2 } },
};
for (const M of Object.values(MODELS)) M.f32 = `build-bench/${basename(M.file, '.s2s')}-f32.s2s`;
const LSTM = MODELS.lstm; // the one model of the TF.js comparison and of fine-tuning
const models = Object.values(MODELS).filter((M) => modelIds.includes(M.id)); // in MODELS' order

// --quick: a smoke run of about 3 minutes; the full run is for real numbers.
const S = quick
  ? { sentences: 50, reps: 2, warmup: 3, tfjsSentences: 10, fineTuneSteps: 3, loadReps: 3, streamMb: 256 }
  : { sentences: 200, reps: 3, warmup: 5, tfjsSentences: 50, fineTuneSteps: 10, loadReps: 5, streamMb: 256 };

// ------------------------------------------------------------------ helpers
const log = (...m) => console.error('==', ...m);
const sum = (a) => a.reduce((x, y) => x + y, 0);
const mean = (a) => sum(a) / a.length;
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v, digits = 0) => (v == null || !Number.isFinite(v) ? '-' : v.toLocaleString('en-US', {
  minimumFractionDigits: digits, maximumFractionDigits: digits }));
const mb = (bytes) => `${fmt(bytes / 1e6, 1)} MB`; // decimal, as the README gives sizes
const why = (e) => String(e?.message ?? e).split('\n')[0];

function sh(cmd, argv, { env = {}, stdio } = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8',
    maxBuffer: 256 << 20, stdio: stdio ?? ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`);
  return r.stdout ?? '';
}
const version = (cmd, argv) => { try { return sh(cmd, argv).split('\n')[0].trim(); } catch { return 'not found'; } };

// The table: one row per measurement. A target row has a ratio (or a value)
// checked against `target` (`min` or `max`); the others only report.
const rows = [];
let section = '';
const raw = {};
function info(name, value) { rows.push({ section, name, value }); }
function target(name, value, { ratio, min, max, unit = 'x' }) {
  const met = ratio == null ? null : min != null ? ratio >= min : ratio <= max;
  const t = min != null ? `≥ ${min}${unit}` : `≤ ${max}${unit}`;
  rows.push({ section, name, value, target: t, ratio: ratio == null ? null : `${fmt(ratio, { x: 2, ' words/s': 0 }[unit] ?? 1)}${unit}`, met });
}
function missing(name, reason) { rows.push({ section, name, value: `not available: ${reason}` }); }

// The sentences: the fixed sample, one per line; words are whitespace-split.
const sentences = readFileSync(join(ROOT, SAMPLE), 'utf8').split('\n').filter(Boolean).slice(0, S.sentences);
const words = sentences.map((s) => s.split(/\s+/).filter(Boolean).length);

/** words/s, target tokens/s and first-token latency of a run (on its first n sentences). */
function rates(r, n = r.tokens.length) {
  const secs = r.callMs ? sum(r.callMs.slice(0, n)) / 1e3 : r.seconds;
  const ft = r.firstTokenMs?.slice(0, n);
  return { wps: sum(words.slice(0, n)) / secs, tps: sum(r.tokens.slice(0, n)) / secs,
    ftMean: ft ? mean(ft) : null, ftP50: ft ? median(ft) : null, seconds: secs };
}
const speed = (r) => `${fmt(r.wps)} words/s · ${fmt(r.tps)} tok/s`;
const latency = (r) => (r.ftMean == null ? '' : ` · first token ${fmt(r.ftMean, 1)} / ${fmt(r.ftP50, 1)} ms`);

// ------------------------------------------------------------------ models
/**
 * Readies model M before the sections run: a missing file sets M.missing (its sections
 * then print that note instead of rows); a file outside the repository is copied into
 * build-bench/models/ (the Chromium page fetches models from the server of the repository
 * root); `s2s info` gives its family, size and whether it has a lexical shortlist; and
 * with needF32 its f32 copy is made (build/s2s dequantize) when missing or older.
 */
function prepareModel(M, needF32) {
  const abs = resolve(ROOT, M.file);
  if (!existsSync(abs)) {
    M.missing = 'no such file, rows skipped' +
      (M.id === 'transformer' ? ' (tools/train_models.sh transformer makes it; --transformer PATH takes another)' : '');
    log(`note: ${M.name}: ${M.file}: ${M.missing}`);
    return;
  }
  const rel = relative(ROOT, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    const copy = join('build-bench/models', basename(abs));
    const src = statSync(abs);
    const dst = existsSync(join(ROOT, copy)) ? statSync(join(ROOT, copy)) : null;
    if (!dst || dst.size !== src.size || Math.abs(dst.mtimeMs - src.mtimeMs) >= 1) {
      log(`copying ${abs} to ${copy} (the Chromium page loads models from the repository)`);
      mkdirSync(join(OUT, 'models'), { recursive: true });
      copyFileSync(abs, join(ROOT, copy));
      utimesSync(join(ROOT, copy), src.mtimeMs / 1e3, src.mtimeMs / 1e3); // so the f32 copy's age compares with the original's
    }
    M.file = copy;
    M.f32 = join('build-bench/models', `${basename(abs, '.s2s')}-f32.s2s`);
  } else {
    M.file = rel;
  }
  try {
    const text = sh(join(ROOT, 'build/s2s'), ['info', M.file]);
    const field = (k) => text.match(new RegExp(`^${k}\\s+(.*)$`, 'm'))?.[1].trim();
    M.info = { architecture: field('architecture') ?? 'rnn', parameters: Number(field('parameters')?.split(' ')[0]),
      shortlist: field('shortlist') ?? 'none' };
    M.shortlist = M.info.shortlist !== 'none';
    const family = M.id === 'lstm' ? 'rnn' : 'transformer';
    if (M.info.architecture !== family) log(`warning: ${M.file} is a ${M.info.architecture} model, not a ${family}; its rows are labelled ${M.name}`);
  } catch (e) {
    log(`warning: build/s2s info ${M.file}: ${why(e)}`);
    M.shortlist = true; // unknown: measure the whole-vocabulary row too
  }
  const f32 = join(ROOT, M.f32);
  if (needF32 && (!existsSync(f32) || statSync(f32).mtimeMs < statSync(join(ROOT, M.file)).mtimeMs)) {
    log(`making ${M.f32} (build/s2s dequantize)`);
    sh(join(ROOT, 'build/s2s'), ['dequantize', M.file, M.f32]);
  }
}

// ------------------------------------------------------------------ runs
// Each runtime is measured once per (model, beam) and kept, so that sections
// sharing a run (TF.js reuses the WASM numbers) do not repeat it.
const cache = new Map();
async function once(key, fn) {
  if (!cache.has(key)) {
    try {
      cache.set(key, await fn());
    } catch (e) { // kept as a rejection, so that every row it fails says why without running it again
      const failed = Promise.reject(e);
      failed.catch(() => {});
      cache.set(key, failed);
    }
  }
  return cache.get(key);
}

// Every configuration runs its passes in turn with the others (pass 1 of
// each, then pass 2 of each, ...) and each sentence keeps its fastest time:
// a slow spell of the shared machine then hits every configuration alike,
// which keeps the ratios between them fair.

/** Per-sentence minimum of callMs and firstTokenMs over passes. */
function fastest(acc, r) {
  if (!acc) return { ...r, callMs: [...r.callMs], firstTokenMs: [...r.firstTokenMs] };
  for (let i = 0; i < r.callMs.length; i++) {
    acc.callMs[i] = Math.min(acc.callMs[i], r.callMs[i]);
    acc.firstTokenMs[i] = Math.min(acc.firstTokenMs[i], r.firstTokenMs[i]);
  }
  acc.reps += r.reps;
  return acc;
}

/** One pass of build/bench_translate (a fresh process: warm it up every time); build-relaxed's
 *  (-DS2S_RELAXED_SIMD=ON: the relaxed flavour's 7-bit int8 arithmetic, natively) with relaxed. */
function nativePass(model, beam, relaxed = false, shortlist = true) {
  const out = sh(join(ROOT, relaxed ? 'build-relaxed/bench_translate' : 'build/bench_translate'),
    [model, SAMPLE, '--beam', String(beam), '--limit', String(sentences.length), '--warmup', String(S.warmup), '--reps', '1', '--ids',
      ...(shortlist ? [] : ['--no-shortlist'])]);
  const r = JSON.parse(out);
  return { ...r, reps: 1, callMs: r.call_ms, firstTokenMs: r.first_token_ms };
}

/** A Translator in this Node process kept for all passes: one pass per call; shortlist
 *  false scores the whole vocabulary even where the model carries a lexical shortlist. */
async function nodeConfig(flavor, model, shortlist = true) {
  const t = await Translator.create({ model: join(ROOT, model), engine: flavor });
  let warm = false;
  return {
    pass: async (beam) => {
      const r = await measure(t, sentences, { beamSize: beam, warmup: warm ? 0 : S.warmup, reps: 1, shortlist });
      warm = true;
      return r;
    },
    destroy: () => t.destroy(),
  };
}

/** The native and Node configurations of section 1 for model M, their passes interleaved. */
async function interleavedRuns(M, beam) {
  const node = {};
  const configs = [
    { key: `native:${M.file}:${beam}`, pass: async () => nativePass(M.file, beam) },
    { key: `native:${M.f32}:${beam}`, pass: async () => nativePass(M.f32, beam) },
  ];
  if (existsSync(join(ROOT, 'build-relaxed/bench_translate'))) {
    configs.push({ key: `native-relaxed:${M.file}:${beam}`, pass: async () => nativePass(M.file, beam, true) });
  }
  for (const [flavor, model] of [['simd', M.file], ['simd', M.f32], ['scalar', M.file]]) {
    const key = `node:${flavor}:${model}:${beam}`;
    configs.push({ key, pass: async () => (node[key] ??= await nodeConfig(flavor, model)).pass(beam) });
  }
  // the shortlist lever: the same int8 model on the whole vocabulary (without a
  // shortlist that is the run above again, so it is left out)
  const full = `node:simd-full:${M.file}:${beam}`;
  if (M.shortlist) {
    configs.push({ key: full, pass: async () => (node[full] ??= await nodeConfig('simd', M.file, false)).pass(beam) });
  }
  const acc = {};
  try {
    for (let p = 0; p < S.reps; p++) {
      for (const c of configs) {
        if (cache.has(c.key) || acc[c.key] instanceof Error) continue;
        log(`pass ${p + 1}/${S.reps}: ${c.key}`);
        try {
          acc[c.key] = fastest(acc[c.key], await c.pass());
        } catch (e) {
          acc[c.key] = e;
        }
      }
    }
  } finally {
    for (const n of Object.values(node)) n.destroy();
  }
  for (const [key, r] of Object.entries(acc)) {
    if (!(r instanceof Error)) cache.set(key, r);
    else { // kept as a rejection, reported where the row is made
      const failed = Promise.reject(r);
      failed.catch(() => {});
      cache.set(key, failed);
    }
  }
}

/** build/bench_translate: per-sentence times of the native engine. */
function nativeRun(model, beam) {
  return once(`native:${model}:${beam}`, async () => {
    log(`native C, ${model}, beam ${beam}, ${sentences.length} sentences`);
    let acc;
    for (let p = 0; p < S.reps; p++) acc = fastest(acc, nativePass(model, beam));
    return acc;
  });
}

/** The native f32 engine on the whole vocabulary: what TF.js computes, so its outputs must equal these. */
function nativeFullRun(model, beam) {
  return once(`native-full:${model}:${beam}`, async () => nativePass(model, beam, false, false));
}

/** build-relaxed/bench_translate (when section 1 did not run it). */
function nativeRelaxedRun(model, beam) {
  return once(`native-relaxed:${model}:${beam}`, async () => {
    if (!existsSync(join(ROOT, 'build-relaxed/bench_translate'))) throw new Error('build-relaxed/bench_translate is not built');
    let acc;
    for (let p = 0; p < S.reps; p++) acc = fastest(acc, nativePass(model, beam, true));
    return acc;
  });
}

/** Translator in this Node process, one call per sentence (when section 1 did not run it). */
function nodeRun(flavor, model, beam) {
  return once(`node:${flavor}:${model}:${beam}`, async () => {
    log(`WASM ${flavor} in Node, ${model}, beam ${beam}, ${sentences.length} sentences`);
    const c = await nodeConfig(flavor, model);
    try {
      let acc;
      for (let p = 0; p < S.reps; p++) acc = fastest(acc, await c.pass(beam));
      return acc;
    } finally {
      c.destroy();
    }
  });
}

function nodeBatch(model, beam) {
  return once(`batch:${model}:${beam}`, async () => {
    log(`WASM simd in Node, ${model}, all ${sentences.length} sentences as one call, beam ${beam}`);
    const t = await Translator.create({ model: join(ROOT, model), engine: 'simd' });
    try {
      return await measureBatch(t, sentences, { beamSize: beam });
    } finally {
      t.destroy();
    }
  });
}

/** A page of bench/browser/ in headless Chromium, ready once `ready` is true: calls fn(page, browser). */
async function withChromiumPage(path, ready, fn) {
  const { chromium, CHROMIUM, CHROMIUM_ARGS, skip } = await import('../tests/browser/helpers.js');
  if (skip) throw new Error(skip);
  const { startServer } = await import('../tools/serve.js');
  const srv = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${srv.origin}${path}`);
    await page.waitForFunction(ready, null, { timeout: 30_000 }).catch((e) => {
      throw new Error(errors[0] ?? why(e));
    });
    return await fn(page, browser);
  } finally {
    await browser.close();
    await srv.close();
  }
}

// The flavours compared in Chromium: SIMD, and relaxed SIMD where built (the page
// measures it only if it passes its self-test there).
const CHROMIUM_ENGINES = existsSync(join(ROOT, 'dist/seq2seq-relaxed.wasm')) ? ['simd', 'relaxed'] : ['simd'];
// The control (tools/bench.sh builds it): the SIMD flavour through the relaxed flavour's
// toolchain (clang 16, no Binaryen), which splits the relaxed build's gain into its two levers.
const CONTROL = { name: 'simd-llvm16', engine: 'simd', base: '/build-wasm/simd-llvm16/' };
const WORKER_ENGINES = [...CHROMIUM_ENGINES,
  ...(existsSync(join(ROOT, 'build-wasm/simd-llvm16/seq2seq-simd.wasm')) ? [CONTROL] : [])];

/**
 * WorkerTranslator in headless Chromium (bench/browser/bench.html) on `model`, greedy and
 * beam 4, each flavour of CHROMIUM_ENGINES in its own worker, passes in turn:
 * { version, [flavour]: { createMs, engine, runs, memoryBytes } }.
 */
function chromiumRun(model) {
  return once(`chromium:${model}`, async () => {
    log(`WASM ${WORKER_ENGINES.map((e) => e.name ?? e).join(', ')} in Chromium Web Workers, ${model}, ${sentences.length} sentences`);
    return withChromiumPage('/bench/browser/bench.html', () => window.benchReady === true, async (page, browser) => {
      const engines = await page.evaluate((list) => window.benchEngines(list), WORKER_ENGINES);
      const r = await page.evaluate((o) => window.bench(o),
        { model: `/${model}`, engines, sentences, beams: [1, 4], warmup: S.warmup, reps: S.reps });
      return { ...r, version: browser.version() };
    });
  });
}

// ------------------------------------------------------------------ 1. translation
// One table per model (its own section), the same rows for each.
async function translation() {
  for (const M of models) {
    section = `1. Translation, ${M.name}`;
    if (M.missing) { missing(`${M.name} (${M.file})`, M.missing); continue; }
    await translationOf(M);
  }
}

async function translationOf(M) {
  const T = M.targets;
  const note = `${M.file} (${M.what}, int8${M.info ? `, ${fmt(M.info.parameters / 1e6, 2)} M parameters` : ''}) and ${M.f32} ` +
    `(its f32 copy); ${sentences.length} sentences of ${SAMPLE}, ` +
    `one call each${S.reps > 1 ? `, each sentence's fastest of ${S.reps} passes` : ''}; words = whitespace-split source words, tok = target tokens (EOS not counted); ` +
    'first token mean / p50 (beam 4: the whole call, nothing is decided earlier)';
  info('what', note);
  const res = {};
  for (const beam of [1, 4]) {
    const b = beam === 1 ? 'greedy' : 'beam 4';
    const add = async (key, label, fn) => {
      try {
        res[`${key}${beam}`] = rates(await fn());
        info(`${label}, ${b}`, speed(res[`${key}${beam}`]) + latency(res[`${key}${beam}`]));
      } catch (e) {
        missing(`${label}, ${b}`, why(e));
      }
    };
    await interleavedRuns(M, beam);
    await add('native', 'native C, int8', () => nativeRun(M.file, beam));
    await add('nativeRelaxed', 'native C, int8 with 7-bit activations (S2S_RELAXED_SIMD, SSSE3 pmaddubsw)', () => nativeRelaxedRun(M.file, beam));
    await add('nativeF32', 'native C, f32', () => nativeRun(M.f32, beam));
    await add('simd', 'WASM SIMD in Node, int8', () => nodeRun('simd', M.file, beam));
    await add('simdF32', 'WASM SIMD in Node, f32', () => nodeRun('simd', M.f32, beam));
    await add('scalar', 'WASM scalar in Node, int8', () => nodeRun('scalar', M.file, beam));
    if (M.shortlist) {
      await add('simdFull', 'WASM SIMD in Node, int8, whole vocabulary (shortlist: false)',
        () => cache.get(`node:simd-full:${M.file}:${beam}`) ?? Promise.reject(new Error('not run')));
    }
    // a flavour the page could not load the model in carries its error instead of runs
    const runOf = (r) => { if (r.error) throw new Error(r.error); return r.runs[`beam${beam}`]; };
    await add('chromium', 'WASM SIMD in a Chromium Web Worker, int8', async () => runOf((await chromiumRun(M.file)).simd));
    await add('chromiumRelaxed', 'WASM relaxed SIMD in a Chromium Web Worker, int8', async () => {
      const r = (await chromiumRun(M.file)).relaxed;
      if (!r) throw new Error(CHROMIUM_ENGINES.includes('relaxed') ? 'Chromium failed the relaxed-SIMD self-test' : 'dist/seq2seq-relaxed.wasm is not built');
      return runOf(r);
    });
    await add('chromiumControl', 'control: WASM SIMD built like the relaxed flavour (clang 16, no wasm-opt), Chromium worker, int8', async () => {
      const r = (await chromiumRun(M.file))[CONTROL.name];
      if (!r) throw new Error('build-wasm/simd-llvm16/ is not built (S2S_WASM_CONTROL=1 sh emscripten/build.sh)');
      return runOf(r);
    });
    await add('batch', `WASM SIMD in Node, int8, all ${sentences.length} in one array call`, () => nodeBatch(M.file, beam));
  }
  if (!M.shortlist) info('lexical shortlist', `none in ${M.file}: every row scores the whole vocabulary`);
  // a ratio with a target (min), or without one (null: shown for scale)
  const ratio = (name, a, b, min, what = 'tps') => {
    if (!res[a] || !res[b]) return missing(name, 'a run is missing');
    const value = `${fmt(res[a][what])} vs ${fmt(res[b][what])} ${what === 'tps' ? 'tok/s' : 'words/s'}`;
    if (min != null) target(name, value, { ratio: res[a][what] / res[b][what], min });
    else info(name, `${value} = ${fmt(res[a][what] / res[b][what], 2)}x (no target for the ${M.name})`);
  };
  for (const [beam, b] of [[1, 'greedy'], [4, 'beam 4']]) {
    ratio(`WASM SIMD / native C, int8, ${b}`, `simd${beam}`, `native${beam}`, T.simdNative);
    ratio(`WASM SIMD / WASM scalar, int8, ${b}`, `simd${beam}`, `scalar${beam}`, T.simdScalar);
    ratio(`int8 / f32, native C, ${b}`, `native${beam}`, `nativeF32${beam}`, T.int8F32);
    ratio(`int8 / f32, WASM SIMD, ${b}`, `simd${beam}`, `simdF32${beam}`, T.int8F32);
    // the relaxed flavour against SIMD in the same run (no target of its own), and its two
    // levers: the toolchain (the control against SIMD) and the dot product (relaxed against the control)
    for (const [a, s, what] of [[`chromiumRelaxed${beam}`, `chromium${beam}`, 'relaxed flavour / SIMD, Chromium worker'],
      [`chromiumControl${beam}`, `chromium${beam}`, 'lever 1, toolchain: control (clang 16, no wasm-opt) / SIMD, Chromium worker'],
      [`chromiumRelaxed${beam}`, `chromiumControl${beam}`, 'lever 2, relaxed dot + 7-bit activations: relaxed / control, Chromium worker'],
      [`nativeRelaxed${beam}`, `native${beam}`, 'native C: 7-bit activations (SSSE3 emulation) / int8'],
      [`simd${beam}`, `simdFull${beam}`, 'lexical shortlist / whole vocabulary, WASM SIMD in Node, int8']]) {
      if (res[a] && res[s]) info(`${what}, ${b}`, `${fmt(res[a].tps)} vs ${fmt(res[s].tps)} tok/s = ${fmt(res[a].tps / res[s].tps, 2)}x`);
    }
  }
  // the targets hold for the build a browser picks by itself: relaxed where it passes its self-test
  const auto = res.chromiumRelaxed1 ? 'chromiumRelaxed' : 'chromium';
  const which = auto === 'chromium' ? 'SIMD' : 'relaxed SIMD';
  const c = res[`${auto}1`], c4 = res[`${auto}4`];
  if (c) {
    target(`Chromium worker (${which}), greedy: words/s`, `${fmt(c.wps)} words/s`, { ratio: c.wps, min: T.workerWps, unit: ' words/s' });
    target(`Chromium worker (${which}), greedy: first token, mean (p50)`, `${fmt(c.ftMean, 1)} ms (p50 ${fmt(c.ftP50, 1)} ms)`,
      { ratio: c.ftMean, max: T.firstTokenMs, unit: ' ms' });
  } else missing('Chromium worker targets', 'no Chromium run');
  if (c4 && T.workerBeam4Wps != null) {
    target(`Chromium worker (${which}), beam 4: words/s`, `${fmt(c4.wps)} words/s`, { ratio: c4.wps, min: T.workerBeam4Wps, unit: ' words/s' });
  }
  (raw.translation ??= {})[M.id] = res;
}

// ------------------------------------------------------------------ 2. TF.js
async function tfjs() {
  const n = Math.min(S.tfjsSentences, sentences.length);
  // bench/tfjs-model.mjs builds the recurrent network only: the LSTM's comparison
  if (!models.includes(LSTM)) return missing('TF.js', 'the LSTM is not among --models (this section compares it alone)');
  if (LSTM.missing) return missing('TF.js', LSTM.missing);
  info('what', `bench/tfjs-model.mjs: the same network with ${LSTM.f32}'s weights in TensorFlow.js ` +
    `(@tensorflow/tfjs-backend-wasm, Node), given the source ids s2s_encode gives; first ${n} sentences, one call each; ` +
    `TF.js and ours take turns, ${S.reps} passes each, fastest pass kept`);
  let benchTfjs;
  try {
    ({ benchTfjs } = await import('./tfjs-model.mjs'));
    if (typeof benchTfjs !== 'function') throw new Error('bench/tfjs-model.mjs exports no benchTfjs');
  } catch (e) {
    missing('TF.js', why(e));
    return;
  }
  raw.tfjs = {};
  for (const [beam, b] of [[1, 'greedy'], [4, 'beam 4']]) {
    try {
      // the source ids and the f32 outputs of the native engine (bit-identical to WASM's), on
      // the whole vocabulary as TF.js has no shortlist
      const ref = await nativeFullRun(LSTM.f32, beam);
      const sources = ref.src_ids.slice(0, n).map((ids) => Int32Array.from(ids));
      // TF.js and our engine (f32 and int8) take turns pass by pass, each keeping
      // its fastest pass, so their ratio sees the same machine load
      // (with the model's lexical shortlist, the default, and the int8 model without it:
      // exactly the computation TF.js does)
      const ours = { f32: await Translator.create({ model: join(ROOT, LSTM.f32), engine: 'simd' }),
        int8: await Translator.create({ model: join(ROOT, LSTM.file), engine: 'simd' }) };
      ours.int8full = ours.int8;
      const best = { tfjs: null, f32: null, int8: null, int8full: null };
      try {
        for (let p = 0; p < S.reps; p++) {
          log(`TF.js vs WASM SIMD, beam ${beam}, ${n} sentences, pass ${p + 1}/${S.reps}`);
          const r = await benchTfjs({ modelPath: join(ROOT, LSTM.f32), sources, beamSize: beam,
            maxLenFactor: ref.max_len_factor, maxLenExtra: ref.max_len_extra, lengthPenalty: ref.length_penalty });
          if (!best.tfjs || r.seconds < best.tfjs.seconds) best.tfjs = r;
          for (const q of ['f32', 'int8', 'int8full']) {
            const m = await measure(ours[q], sentences.slice(0, n), { beamSize: beam, warmup: p ? 0 : S.warmup, reps: 1,
              shortlist: q !== 'int8full' });
            const run = { seconds: sum(m.callMs) / 1e3, tokens: sum(m.tokens) };
            if (!best[q] || run.seconds < best[q].seconds) best[q] = run;
          }
        }
      } finally {
        ours.f32.destroy();
        ours.int8.destroy();
      }
      const r = best.tfjs;
      const tps = r.targetTokens / r.seconds;
      const same = r.outputs?.filter((o, i) => String(Array.from(o)) === String(ref.out_ids[i])).length;
      raw.tfjs[`beam${beam}`] = { seconds: r.seconds, targetTokens: r.targetTokens, firstTokenMsMean: r.firstTokenMsMean,
        sameOutputs: same, info: r.info, ours: best };
      info(`TF.js, f32, ${b}`, `${fmt(sum(words.slice(0, n)) / r.seconds)} words/s · ${fmt(tps)} tok/s` +
        (beam === 1 ? ` · first token ${fmt(r.firstTokenMsMean, 1)} ms mean` : '') + ` · output = ours on ${same ?? '?'}/${n}` +
        (r.info ? ` (${r.info.backend}, SIMD ${r.info.simd}, ${r.info.threads} thread(s))` : ''));
      for (const q of ['f32', 'int8']) {
        const ourTps = best[q].tokens / best[q].seconds;
        target(`WASM SIMD ${q} / TF.js f32, ${b}`, `${fmt(ourTps)} vs ${fmt(tps)} tok/s`, { ratio: ourTps / tps, min: 5 });
      }
      const fullTps = best.int8full.tokens / best.int8full.seconds;
      info(`WASM SIMD int8, whole vocabulary / TF.js f32, ${b}`, `${fmt(fullTps)} vs ${fmt(tps)} tok/s = ${fmt(fullTps / tps, 2)}x`);
    } catch (e) {
      missing(`TF.js, ${b}`, why(e));
    }
  }
  await tfjsChromium(n);
}

/** Section 2 in Chromium: TF.js and our Translator (int8, each of CHROMIUM_ENGINES) in one page (bench/browser/tfjs.html). */
async function tfjsChromium(n) {
  info('what', `the same in headless Chromium (bench/browser/tfjs.html): TF.js (wasm backend, SIMD, one thread: ` +
    `the page is not cross-origin isolated) and our Translator on ${LSTM.file} in the page's main thread, ` +
    `${CHROMIUM_ENGINES.join(' and ')}; first ${n} sentences, ${S.reps} passes in turn, fastest kept`);
  try {
    const refs = { 1: await nativeFullRun(LSTM.f32, 1), 4: await nativeFullRun(LSTM.f32, 4) };
    const ref = refs[1];
    log(`TF.js vs ours (${CHROMIUM_ENGINES.join(', ')}) in Chromium, ${n} sentences, ${S.reps} passes`);
    const r = await withChromiumPage('/bench/browser/tfjs.html', () => window.benchTfjsReady === true, (page) =>
      page.evaluate((o) => window.benchTfjs(o), {
        f32Url: `/${LSTM.f32}`, int8Url: `/${LSTM.file}`, engines: CHROMIUM_ENGINES, sentences: sentences.slice(0, n),
        sources: ref.src_ids.slice(0, n), beams: [1, 4], reps: S.reps, warmup: S.warmup,
        search: { maxLenFactor: ref.max_len_factor, maxLenExtra: ref.max_len_extra, lengthPenalty: ref.length_penalty },
      }));
    raw.tfjsChromium = { info: r.info, runs: {} };
    for (const [beam, b] of [[1, 'greedy'], [4, 'beam 4']]) {
      const run = r.runs[`beam${beam}`];
      const tf = run.tfjs;
      const tps = tf.targetTokens / tf.seconds;
      const same = tf.outputs.filter((o, i) => String(o) === String(refs[beam].out_ids[i])).length;
      raw.tfjsChromium.runs[`beam${beam}`] = { ...run, tfjs: { ...tf, outputs: undefined, sameOutputs: same } };
      info(`TF.js in Chromium, f32, ${b}`, `${fmt(sum(words.slice(0, n)) / tf.seconds)} words/s · ${fmt(tps)} tok/s` +
        ` · output = ours on ${same}/${n} (${r.info.backend}, SIMD ${r.info.simd}, ${r.info.threads} thread(s))`);
      for (const e of CHROMIUM_ENGINES) {
        const name = `Chromium: WASM ${e === 'relaxed' ? 'relaxed SIMD' : 'SIMD'} int8 / TF.js f32, ${b}`;
        if (!run[e]) { missing(name, 'Chromium failed the relaxed-SIMD self-test'); continue; }
        const ours = run[e].tokens / run[e].seconds;
        target(name, `${fmt(ours)} vs ${fmt(tps)} tok/s`, { ratio: ours / tps, min: 5 });
      }
    }
  } catch (e) {
    missing('TF.js in Chromium', why(e));
  }
}

// ------------------------------------------------------------------ 3. training
async function training() {
  // C vs PyTorch: bench/run_core_bench.sh does it all (builds, runs, JSON)
  try {
    log(`bench/run_core_bench.sh${quick ? ' (QUICK=1)' : ''}: C vs PyTorch training, a few minutes`);
    // only the shipped model's size, h256 (h512 would double the time)
    const text = sh('sh', [join(ROOT, 'bench/run_core_bench.sh')], { env: { SHAPE: 'h256', ...(quick ? { QUICK: '1' } : {}) },
      stdio: ['ignore', 'pipe', 'inherit'] }); // its progress lines go to our stderr
    writeFileSync(join(OUT, 'results-core.txt'), text);
    const core = JSON.parse(readFileSync(join(OUT, 'results-core.json'), 'utf8'));
    raw.core = { machine: core.machine, ratios: core.ratios };
    const tok = (cfg) => core.runs[cfg]?.shapes?.h256?.train?.tok_s;
    info('what', 'bench/run_core_bench.sh (full table: build-bench/results-core.txt): target tokens/s of a ' +
      'batch-64 training step, the shipped model\'s shape h256 (untied output: 7.7 M parameters), random ids, same data both sides');
    const names = { c_blas_t2: ['native C + OpenBLAS, 2 threads', 'C+OpenBLAS 2t'],
      c_blas_t1: ['native C + OpenBLAS, 1 thread', 'C+OpenBLAS 1t'],
      c_simd: ['native C, own SIMD GEMM (the WASM code), 1 thread', 'C own GEMM 1t'],
      torch_openblas_t2: ['PyTorch 1.13 + OpenBLAS, 2 threads', 'PyTorch+OpenBLAS 2t'],
      torch_openblas_t1: ['PyTorch 1.13 + OpenBLAS, 1 thread', 'PyTorch+OpenBLAS 1t'],
      torch_refblas_t1: ['PyTorch 1.13 + reference BLAS (its default BLAS on Debian), 1 thread', 'PyTorch+ref BLAS 1t'] };
    for (const [cfg, [label]] of Object.entries(names)) {
      if (tok(cfg)) info(label, `${fmt(tok(cfg))} tok/s`);
      else missing(label, 'not run');
    }
    for (const [a, b, min] of [['c_blas_t1', 'torch_openblas_t1', 1.5], ['c_blas_t2', 'torch_openblas_t2', 1.5],
      // the own-GEMM build (what WASM runs) is shown for scale, not held to the target:
      // native training is the OpenBLAS build
      ['c_simd', 'torch_openblas_t1'], ['c_blas_t1', 'torch_refblas_t1'], ['c_simd', 'torch_refblas_t1']]) {
      const name = `training: ${names[a][1]} / ${names[b][1]}`;
      if (!tok(a) || !tok(b)) missing(name, 'a run is missing');
      else if (min) target(name, `${fmt(tok(a))} vs ${fmt(tok(b))} tok/s`, { ratio: tok(a) / tok(b), min });
      else info(name, `${fmt(tok(a) / tok(b), 1)}x`);
    }
  } catch (e) {
    missing('C vs PyTorch training', why(e));
  }

  // fine-tuning in WASM: Translator.fineTune on the shipped model
  const steps = S.fineTuneSteps, batchSize = 64;
  try {
    const dev = join(ROOT, 'data/dev.tsv');
    if (!existsSync(dev)) throw new Error('data/dev.tsv is missing (npm run data builds it): no Spanish side');
    const es = new Map(readFileSync(dev, 'utf8').split('\n').map((l) => l.split('\t')).map(([, en, s]) => [en, s]));
    const all = readFileSync(join(ROOT, SAMPLE), 'utf8').split('\n').filter(Boolean); // --quick too: 64 pairs
    const pairs = all.map((en) => [en, es.get(en)]).filter(([, s]) => s).slice(0, batchSize);
    if (pairs.length < batchSize) throw new Error(`only ${pairs.length} sample sentences found in data/dev.tsv`);
    log(`WASM SIMD fine-tuning, ${steps} steps of ${batchSize} pairs`);
    const t = await Translator.create({ model: join(ROOT, LSTM.file), engine: 'simd' });
    try {
      const o = { batchSize, dropout: 0, learningRate: 1e-4 };
      await t.fineTune(pairs, { ...o, steps: 1 }); // untimed: the f32 copy and the trainer are made here
      let tokens = 0;
      const t0 = performance.now();
      await t.fineTune(pairs, { ...o, steps, onProgress: (p) => { tokens += p.tokens; } });
      const secs = (performance.now() - t0) / 1e3;
      raw.fineTune = { steps, batchSize, tokens, seconds: secs, memoryBytes: t.memoryBytes };
      info(`WASM SIMD in Node: fine-tuning ${LSTM.file} (Translator.fineTune, batch ${batchSize} sample pairs, dropout 0)`,
        `${fmt(tokens / secs)} tok/s (${steps} steps, ${fmt(secs * 1e3 / steps)} ms/step; WASM memory then ${mb(t.memoryBytes)})`);
    } finally {
      t.destroy();
    }
  } catch (e) {
    missing('WASM fine-tuning', why(e));
  }
}

// ------------------------------------------------------------------ 4. memory and size
async function memory() {
  const js = jsModules(['src/js/index.js', 'src/js/worker.js']);
  info('what', `memory: WebAssembly.Memory size (it only grows, so the peak), per model; sizes: gzip -9 of one engine ` +
    `(both model families) plus the ` +
    `${js.length} JS modules a page with a WorkerTranslator loads (${js.map((p) => p.replace('src/js/', '')).join(', ')}), KB = 1000 bytes`);
  raw.load = {};
  raw.memory = {};
  for (const M of models) {
    if (M.missing) { missing(`${M.name} (${M.file})`, M.missing); continue; }
    await memoryOf(M);
  }

  // engine size: one .wasm plus every JS module a page loads, each gzipped -9
  const gz = (p) => gzipSync(readFileSync(join(ROOT, p)), { level: 9 }).length;
  const jsGz = sum(js.map(gz));
  const sizes = {};
  for (const f of ['simd', 'scalar']) {
    const w = `dist/seq2seq-${f}.wasm`;
    if (!existsSync(join(ROOT, w))) { missing(`engine size (${f})`, `${w} is missing`); continue; }
    sizes[f] = { wasm: statSync(join(ROOT, w)).size, wasmGz: gz(w), jsGz, js };
    target(`engine size, gzipped: ${w} + the JS`,
      `${fmt((sizes[f].wasmGz + jsGz) / 1e3, 1)} KB (wasm ${fmt(sizes[f].wasmGz / 1e3, 1)} + JS ${fmt(jsGz / 1e3, 1)})`,
      { ratio: (sizes[f].wasmGz + jsGz) / 1e3, max: 150, unit: ' KB' });
  }
  raw.memory.sizes = sizes;
}

/** Section 4's rows of one model, each named after it. */
async function memoryOf(M) {
  const fileBytes = statSync(join(ROOT, M.file)).size;
  const row = (name) => `${M.name}: ${name}`;
  // load time: Translator.create from the file (read, engine instance, parse;
  // the compiled WebAssembly.Module is cached per process, so not its compilation)
  const times = [];
  for (let i = 0; i < S.loadReps; i++) {
    const t0 = performance.now();
    const t = await Translator.create({ model: join(ROOT, M.file), engine: 'simd' });
    times.push(performance.now() - t0);
    t.destroy();
  }
  raw.load[M.id] = { createMs: times };
  info(row(`model load: Translator.create({ model: '${M.file}' }) in Node, SIMD`),
    `${fmt(median(times), 1)} ms median of ${S.loadReps} (${fmt(Math.min(...times), 1)}–${fmt(Math.max(...times), 1)} ms)`);
  const nat = [...cache.entries()].find(([k, v]) => k.startsWith(`native:${M.file}:`) && v.load_ms != null)?.[1];
  if (nat) info(row('model load: s2s_model_load (native, bytes already in memory)'), `${fmt(nat.load_ms, 1)} ms median of 5`);
  const chr = cache.get(`chromium:${M.file}`)?.simd;
  if (chr?.createMs != null) info(row('model load: WorkerTranslator.create in Chromium (worker, engine compiled, model over HTTP)'), `${fmt(chr.createMs, 1)} ms (once, cold)`);

  // peak WebAssembly memory (it only grows): each run has its own Translator,
  // so this is the largest after translating the sample, one sentence per call
  const peakOf = (prefix) => Math.max(0, ...[...cache].filter(([k, v]) => k.startsWith(prefix) && v.memoryBytes > 0)
    .map(([, v]) => v.memoryBytes)); // failed runs are rejections, without memoryBytes
  let peak = peakOf(`node:simd:${M.file}:`);
  if (!peak) peak = (await nodeRun('simd', M.file, 4)).memoryBytes;
  target(row(`peak WASM memory, one sentence per call, Node / model file (${mb(fileBytes)})`),
    mb(peak), { ratio: peak / fileBytes, max: M.targets.memory });
  if (chr?.memoryBytes) target(row('peak WASM memory, one sentence per call, Chromium worker / model file'), mb(chr.memoryBytes),
    { ratio: chr.memoryBytes / fileBytes, max: M.targets.memory });
  const peakBatch = peakOf(`batch:${M.file}:`);
  if (peakBatch) info(row(`peak WASM memory, ${sentences.length} sentences in one call (the engine takes 16 at a time)`),
    `${mb(peakBatch)} (${fmt(peakBatch / fileBytes, 2)}x the file)`);
  raw.memory[M.id] = { fileBytes, peakNode: peak, peakNodeBatched: peakBatch, peakChromium: chr?.memoryBytes };
}

/** The JS files a page loads: the static imports and `new URL('./x.js', import.meta.url)` workers, from `entries`. */
function jsModules(entries) {
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    const src = readFileSync(join(ROOT, p), 'utf8');
    for (const m of src.matchAll(/(?:\bfrom\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+\.js)['"]/g)) {
      visit(join(dirname(p), m[1]));
    }
  };
  entries.forEach(visit);
  return [...seen].sort();
}

// ------------------------------------------------------------------ 5. kernels
async function kernels() {
  log('build/bench_kernels --json');
  const k = JSON.parse(sh(join(ROOT, 'build/bench_kernels'), ['--json', '--stream-mb', String(S.streamMb)]));
  raw.kernels = k;
  const stream = k.results.find((r) => r.kernel === 'stream_read');
  info('what', `build/bench_kernels (${k.build}), one thread, best of 5 batches of calls; ` +
    `streaming read = sum over a ${S.streamMb} MB array, the ceiling for a matrix not in cache`);
  if (stream) info('streaming-read bandwidth (this machine)', `${fmt(stream.gbs, 1)} GB/s`);
  for (const r of k.results) {
    if (r.kernel === 'gemm_f32') info(`GEMM f32 ${r.what} (${r.M}x${r.N}x${r.K})`, `${fmt(r.gflops, 1)} GFLOP/s`);
    else if (r.kernel === 'gemm_q8') info(`GEMM int8 ${r.M}x${r.K}, ${r.N} rows (beam)`, `${fmt(r.gflops, 1)} GFLOP/s (${fmt(r.speedup_vs_f32, 2)}x f32)`);
    else if (r.kernel.startsWith('matvec')) {
      info(`matvec ${r.kernel.slice(7)} ${r.M}x${r.K} (${mb(r.kernel === 'matvec_f32' ? 4 * r.M * r.K : r.M * r.K + 4 * r.M)})`,
        `${fmt(r.gbs, 1)} GB/s, ${fmt(r.gflops, 1)} GFLOP/s` + (stream ? ` (${fmt(r.gbs / stream.gbs, 2)}x streaming read)` : '') +
        (r.speedup_vs_f32 ? `; ${fmt(r.speedup_vs_f32, 2)}x f32` : ''));
    }
  }
}

// ------------------------------------------------------------------ 6. text
// Sentence splitting of hostile texts (the shapes of tests/js/hostile.test.js,
// which checks the work by counting): time for 100k and 400k code units.
async function splitting() {
  const { splitSentences } = await import('../src/js/text.js');
  const shapes = {
    'whitespace run': (n) => 'a' + ' \t'.repeat(n / 2) + 'b.',
    dots: (n) => '.'.repeat(n),
    'lowercase continuations': (n) => 'x. '.repeat(n / 3),
    sentences: (n) => 'Open the file. '.repeat(n / 15),
    'one long sentence': (n) => 'and the word '.repeat(n / 13),
  };
  info('what', 'splitSentences (src/js/text.js) on texts built to defeat rescans; fastest of 5 calls; ' +
    'linear work gives about 4x for 4x the text');
  for (const [name, make] of Object.entries(shapes)) {
    for (const useIntl of [true, false]) {
      const ms = [100_152, 400_608].map((n) => {
        const t = make(n);
        let best = Infinity;
        for (let i = 0; i < (quick ? 2 : 5); i++) {
          const t0 = performance.now();
          splitSentences(t, { useIntl });
          best = Math.min(best, performance.now() - t0);
        }
        return best;
      });
      info(`${name}${useIntl ? ' (Intl.Segmenter)' : ' (fallback rule)'}: 100k / 400k code units`,
        `${fmt(ms[0], 1)} / ${fmt(ms[1], 1)} ms (${fmt(ms[1] / ms[0], 2)}x)`);
    }
  }
}

// ------------------------------------------------------------------ the run
function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? '?', cores: cpus.length, node: process.version,
    chromium: version('/usr/lib/chromium/chromium', ['--version']), emcc: version('emcc', ['--version']),
    gcc: version('gcc', ['--version']), clang16: version('/usr/lib/llvm-16/bin/clang', ['--version']),
    load: os.loadavg().map((x) => x.toFixed(2)).join(' ') };
}

mkdirSync(OUT, { recursive: true });
const started = new Date();
const m = machine();
log(`${quick ? 'quick' : 'full'} run of ${only.join(', ')}; load average ${m.load}`);
for (const M of models) prepareModel(M, only.includes('translation') || (M === LSTM && only.includes('tfjs')));
const titles = { translation: '1. Translation', tfjs: '2. TF.js, the same model', training: '3. Training',
  memory: '4. Load time, memory, size', kernels: '5. Kernels', text: '6. Sentence splitting' };
const fns = { translation, tfjs, training, memory, kernels, text: splitting };
for (const s of SECTIONS.filter((x) => only.includes(x))) {
  section = titles[s];
  try {
    await fns[s]();
  } catch (e) {
    missing(s, why(e));
  }
}
m.loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
m.chromiumInPage = [...cache].find(([k, v]) => k.startsWith('chromium:') && !(v instanceof Promise))?.[1].version;
const seconds = (Date.now() - started) / 1e3;

// ------------------------------------------------------------------ output
const header = [
  `seq2seq-wasm benchmarks, ${started.toISOString()} (${quick ? '--quick' : 'full'}, ${fmt(seconds)} s)`,
  `machine: ${m.cpu}, ${m.cores} cores; load average (1/5/15 min) at start ${m.load}, at end ${m.loadEnd}`,
  `Node ${m.node}; ${m.chromium}; ${m.emcc.replace(/ \(Emscripten gcc\/clang-like replacement[^)]*\)/, '')} ` +
    `(relaxed flavour: ${m.clang16}); ${m.gcc}`,
];
const mark = (r) => (r.met == null ? '' : r.met ? '✓' : '✗');
const cols = ['measurement', 'value', 'target', 'ratio', 'met'];
const cells = (r) => [r.name, r.value ?? '', r.target ?? '', r.ratio ?? '', mark(r)];
const text = [...header, ''];
const md = [`# ${header[0]}`, '', ...header.slice(1).map((h) => `- ${h}`), ''];
for (const sec of [...new Set(rows.map((r) => r.section))]) {
  const rs = rows.filter((r) => r.section === sec);
  const what = rs.find((r) => r.name === 'what');
  const body = rs.filter((r) => r !== what);
  const w = cols.map((c, i) => Math.max(c.length, ...body.map((r) => [...cells(r)[i]].length)));
  const line = (cs) => cs.map((c, i) => c + ' '.repeat(Math.max(0, w[i] - [...c].length))).join('  ').trimEnd();
  text.push(sec, ...(what ? [`  (${what.value})`] : []), line(cols), ...body.map((r) => line(cells(r))), '');
  md.push(`## ${sec}`, '', ...(what ? [what.value, ''] : []), `| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`,
    ...body.map((r) => `| ${cells(r).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`), '');
}
const targets = rows.filter((r) => r.met != null);
const summary = `targets met: ${targets.filter((r) => r.met).length} of ${targets.length}`;
text.push(summary);
md.push(summary, '');
console.log(text.join('\n'));
writeFileSync(join(OUT, 'results.md'), md.join('\n'));
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ started, seconds, quick, sections: only, settings: S,
  machine: m, rows, raw }, null, 1));
console.log(`wrote build-bench/results.json and build-bench/results.md`);
// Chromium's and TF.js's handles may keep Node alive
process.exit(0);
