// bench.js — the Chromium side of bench/run.mjs: WorkerTranslator (the
// engine in one Web Worker, as the web page runs it) timed with the same loop
// as Node (../translate-loop.js). run.mjs calls window.bench(options) and
// gets plain numbers back. With several engines (flavours), each gets its
// own worker and they take turns pass by pass, each sentence keeping its
// fastest time, so a slow spell of the machine hits them alike.
import { WorkerTranslator, relaxedSupported } from '../../src/js/index.js';
import { measure, measureBatch } from '../translate-loop.js';

function fastest(acc, r) {
  if (!acc) return { ...r, callMs: [...r.callMs], firstTokenMs: [...r.firstTokenMs] };
  for (let i = 0; i < r.callMs.length; i++) {
    acc.callMs[i] = Math.min(acc.callMs[i], r.callMs[i]);
    acc.firstTokenMs[i] = Math.min(acc.firstTokenMs[i], r.firstTokenMs[i]);
  }
  acc.reps += r.reps;
  return acc;
}

/** An engines entry: a flavour name, or { name, engine, base } (a build outside dist/). */
const spec = (e) => (typeof e === 'string' ? { name: e, engine: e } : e);

/**
 * options: model (URL), engines (default [engine]), sentences, beams,
 * warmup, reps, batched. Returns { [name]: { createMs, engine, runs: {
 * beamN, batched }, memoryBytes } }, or { [name]: { error } } for a flavour
 * that could not load the model; with a single `engine` option and no
 * `engines`, that one engine's object. Throws when no flavour loads it.
 */
window.bench = async ({ model, engine = 'simd', engines, sentences, beams = [1, 4], warmup = 5, reps = 1, batched = false }) => {
  const specs = (engines ?? [engine]).map(spec);
  const out = {}, ts = {};
  let list = [];
  try {
    for (const s of specs) {
      const t0 = performance.now();
      const engineBaseUrl = s.base ? new URL(s.base, location.href).href : undefined;
      try {
        ts[s.name] = await WorkerTranslator.create({ model, engine: s.engine, engineBaseUrl });
      } catch (e) {
        // one flavour that cannot load the model (e.g. a build older than its file format)
        // must not cost the others their rows
        if (specs.length === 1) throw e;
        out[s.name] = { error: String(e?.message ?? e) };
        continue;
      }
      out[s.name] = { createMs: performance.now() - t0, engine: ts[s.name].engine, runs: {} };
    }
    list = specs.map((s) => s.name).filter((n) => ts[n]);
    if (!list.length) throw new Error(Object.values(out)[0].error);
    for (let p = 0; p < reps; p++) {
      for (const beamSize of beams) {
        for (const e of list) {
          const r = await measure(ts[e], sentences, { beamSize, warmup: p ? 0 : warmup, reps: 1 });
          out[e].runs[`beam${beamSize}`] = fastest(out[e].runs[`beam${beamSize}`], r);
        }
      }
    }
    for (const e of list) {
      if (batched) out[e].runs.batched = await measureBatch(ts[e], sentences, { beamSize: 1 });
      out[e].memoryBytes = await ts[e].memoryBytes();
    }
  } finally {
    for (const t of Object.values(ts)) t.destroy();
  }
  return engines ? out : out[list[0]];
};
/** The flavours of `list` this browser runs ('relaxed' only where its self-test passes). */
window.benchEngines = (list) => list.filter((e) => spec(e).engine !== 'relaxed' || relaxedSupported());
window.benchReady = true;
