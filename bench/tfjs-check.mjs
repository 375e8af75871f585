#!/usr/bin/env node
// tfjs-check.mjs — the TensorFlow.js re-implementation (bench/tfjs-model.mjs)
// against our WebAssembly engine (src/js Translator): the same tokens on the
// same f32 weights, then a small speed table on a fixed set of dev sentences.
//
//   node bench/tfjs-check.mjs                 # equivalence + benchmark (a few minutes, 1 core)
//   node bench/tfjs-check.mjs --check-only    # equivalence only
//   node bench/tfjs-check.mjs --bench-only    # benchmark only
//   options: --model PATH (int8 .s2s, default models/en-es.s2s)
//            --f32 PATH   (its f32 copy; default: expanded in memory, byte-identical
//                          to `build/s2s dequantize`)
//            --n N (benchmark sentences, default 50)  --json (print the results as JSON too)
//
// Sentences: N lines spread evenly over data/dev.tsv (English is column 2;
// column 1 is the domain), the first sentence of each as our Translator splits
// it, so one sentence is one engine call on both sides.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Translator } from '../src/js/index.js';
import { loadTfjsModel, dequantizeS2s, initTfjs } from './tfjs-model.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(ROOT, 'models/en-es.s2s') },
    f32: { type: 'string' },
    n: { type: 'string', default: '50' },
    'check-only': { type: 'boolean', default: false },
    'bench-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const int8Bytes = new Uint8Array(readFileSync(args.model));
const f32Bytes = args.f32 ? new Uint8Array(readFileSync(args.f32)) : dequantizeS2s(int8Bytes);
const tinyInt8 = new Uint8Array(readFileSync(path.join(ROOT, 'tests/fixtures/js/tiny-en-es.s2s')));

const info = await initTfjs();
console.log(`TF.js ${info.tfjsVersion}, backend ${info.backend}, SIMD ${info.simd ? 'on' : 'off'}, `
  + `multithread support ${info.multithreadSupport ? 'yes' : 'no'}, threads ${info.threads}; Node ${process.version}`);

const cpuSince = (c0) => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Sentence texts: the first sentence of `count` lines spread over data/dev.tsv. */
async function devSentences(translator, count) {
  const lines = readFileSync(path.join(ROOT, 'data/dev.tsv'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[1]);
  const out = [];
  for (let i = 0; out.length < count && i < lines.length; i++) {
    const line = lines[Math.floor((i * lines.length) / count) % lines.length];
    const first = (await translator.translate(line)).sentences[0];
    if (!first || first.sourceIds.length === 0) continue;
    const again = await translator.translate(first.source);
    if (again.sentences.length === 1 && !out.includes(first.source)) out.push(first.source);
  }
  return out;
}

/** Our engine on each sentence (one call each): ids, source ids, total seconds. */
async function ours(translator, texts, beamSize) {
  const outputs = [], sources = [];
  await translator.translate(texts[0], { beamSize }); // warm-up
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (const text of texts) {
    const r = await translator.translate(text, { beamSize });
    outputs.push(r.sentences[0].targetIds);
    sources.push(r.sentences[0].sourceIds);
  }
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSince(c0), outputs, sources };
}

/** Our engine's time to the first streamed token (greedy), mean over the texts. */
async function oursFirstToken(translator, texts) {
  let sum = 0;
  for (const text of texts) {
    const t0 = performance.now();
    for await (const chunk of translator.translateStreaming(text)) {
      if (chunk.id !== null) break; // breaking frees the stream
    }
    sum += performance.now() - t0;
  }
  return sum / texts.length;
}

/** TF.js on each source (one call each). */
function tfjsRun(model, sources, beamSize) {
  model.translateIds(sources[0], { beamSize }); // warm-up
  const outputs = [];
  let first = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (const src of sources) {
    const r = model.translateIds(src, { beamSize });
    outputs.push(r.ids);
    first += r.firstTokenMs;
  }
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSince(c0), outputs, firstTokenMsMean: first / sources.length };
}

function compare(label, texts, want, got) {
  let equal = 0;
  const diffs = [];
  for (let i = 0; i < want.length; i++) {
    if (same(want[i], got[i])) equal++;
    else {
      let at = 0;
      while (at < want[i].length && want[i][at] === got[i][at]) at++;
      diffs.push(`    "${texts[i].slice(0, 60)}": first difference at token ${at} (ours ${want[i].length} tokens, TF.js ${got[i].length})`);
    }
  }
  console.log(`  ${label}: ${equal}/${want.length} identical`);
  for (const d of diffs) console.log(d);
  return { equal, total: want.length };
}

const results = { tfjs: info, equivalence: {}, bench: {} };
const N = Number(args.n);

// --------------------------------------------------------------- equivalence
if (!args['bench-only']) {
  console.log('\nEquivalence: TF.js vs our engine (SIMD build) on the same f32 weights, token ids');
  // the fixture model (f32 copy) on the fixture sentences
  const tinyF32 = dequantizeS2s(tinyInt8);
  const tTiny = await Translator.create({ model: tinyF32, engine: 'simd' });
  const mTiny = await loadTfjsModel(tinyF32);
  const fixture = readFileSync(path.join(ROOT, 'tests/fixtures/js/sentences.txt'), 'utf8').split('\n').filter(Boolean);
  for (const beamSize of [1, 4]) {
    const o = await ours(tTiny, fixture, beamSize);
    const g = tfjsRun(mTiny, o.sources, beamSize);
    results.equivalence[`tiny-beam${beamSize}`] = compare(`tiny fixture model, ${fixture.length} sentences, beam ${beamSize}`, fixture, o.outputs, g.outputs);
  }
  tTiny.destroy();
  mTiny.dispose();
}

// ------------------------------------------------------------ the benchmark
const tF32 = await Translator.create({ model: f32Bytes, engine: 'simd' });
const texts = await devSentences(tF32, N);
const model = await loadTfjsModel(f32Bytes);
const rows = [];
let sources;
{
  const eqOnly = args['check-only'];
  const runs = {};
  for (const beamSize of [1, 4]) {
    const o = await ours(tF32, texts, beamSize);
    sources ??= o.sources;
    const g = tfjsRun(model, sources, beamSize);
    runs[beamSize] = { o, g };
  }
  const srcTokens = sources.reduce((a, s) => a + s.length, 0);
  console.log(`\nShipped model (${path.basename(args.model)} expanded to f32), ${texts.length} dev sentences `
    + `(${srcTokens} source tokens), TF.js vs our engine:`);
  for (const beamSize of [1, 4]) {
    results.equivalence[`shipped-f32-beam${beamSize}`] = compare(`beam ${beamSize}`, texts, runs[beamSize].o.outputs, runs[beamSize].g.outputs);
  }
  if (!eqOnly) {
    const tInt8 = await Translator.create({ model: int8Bytes, engine: 'simd' });
    const tokens = (outs) => outs.reduce((a, x) => a + x.length, 0);
    for (const beamSize of [1, 4]) {
      // alternate the systems so they see the same background load
      const q = await ours(tInt8, texts, beamSize);
      const { o, g } = runs[beamSize];
      const o2 = await ours(tF32, texts, beamSize);
      const g2 = tfjsRun(model, sources, beamSize);
      const q2 = await ours(tInt8, texts, beamSize);
      const best = (a, b) => (a.seconds <= b.seconds ? a : b);
      const firstOurs = beamSize === 1 ? { f32: await oursFirstToken(tF32, texts), int8: await oursFirstToken(tInt8, texts) } : null;
      for (const [name, r, first] of [
        ['TF.js wasm SIMD, f32', best(g, g2), best(g, g2).firstTokenMsMean],
        ['ours wasm SIMD, f32', best(o, o2), firstOurs?.f32],
        ['ours wasm SIMD, int8', best(q, q2), firstOurs?.int8],
      ]) {
        const tok = tokens(r.outputs);
        rows.push({ system: name, beamSize, sentences: texts.length, seconds: r.seconds, sentencesPerSec: texts.length / r.seconds,
          targetTokens: tok, tokensPerSec: tok / r.seconds, cpuSeconds: r.cpuSeconds, tokensPerCpuSec: tok / r.cpuSeconds, firstTokenMs: first ?? null });
      }
      const agree = q.outputs.filter((x, i) => same(x, runs[beamSize].o.outputs[i])).length;
      console.log(`  (ours int8 vs ours f32, beam ${beamSize}: ${agree}/${texts.length} identical)`);
    }
    tInt8.destroy();
    results.bench = rows;
    const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`\nload average at the end: ${load} (2 cores shared; the CPU-time column is the steadier one)`);
    console.log('| system | beam | sentences/s | target tokens/s | target tokens / CPU-s | target tokens | mean first-token ms |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.system} | ${r.beamSize} | ${r.sentencesPerSec.toFixed(1)} | ${r.tokensPerSec.toFixed(0)} | ${r.tokensPerCpuSec.toFixed(0)} | ${r.targetTokens} | `
        + `${r.firstTokenMs === null ? 'n/a' : r.firstTokenMs.toFixed(2)} |`);
    }
    console.log('\nTime: best of 2 passes (one untimed warm-up call each); one call per sentence.'
      + '\nFirst token: TF.js = start of the call to the end of the first decoder step (for beam 4 that is the'
      + '\nfirst step\'s candidates); ours = translateStreaming to its first token (greedy only; no beam streaming).');
  }
}
tF32.destroy();
model.dispose();
if (args.json) console.log(JSON.stringify(results, null, 2));
const eq = Object.values(results.equivalence);
const bad = eq.reduce((a, r) => a + r.total - r.equal, 0);
console.log(`\nEquivalence overall: ${eq.reduce((a, r) => a + r.equal, 0)}/${eq.reduce((a, r) => a + r.total, 0)} identical (${bad} differ)`);
