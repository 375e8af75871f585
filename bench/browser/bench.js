// bench.js — the Chromium side of bench/run.mjs: WorkerTranslator (the
// engine in one Web Worker, as the web page runs it) timed with the same loop
// as Node (../translate-loop.js). run.mjs calls window.bench(options) and
// gets plain numbers back.
import { WorkerTranslator } from '../../src/js/index.js';
import { measure, measureBatch } from '../translate-loop.js';

window.bench = async ({ model, engine = 'simd', sentences, beams = [1, 4], warmup = 5, reps = 1, batched = false }) => {
  const t0 = performance.now();
  const t = await WorkerTranslator.create({ model, engine });
  const out = { createMs: performance.now() - t0, engine: t.engine, runs: {} };
  try {
    for (const beamSize of beams) out.runs[`beam${beamSize}`] = await measure(t, sentences, { beamSize, warmup, reps });
    if (batched) out.runs.batched = await measureBatch(t, sentences, { beamSize: 1 });
    out.memoryBytes = await t.memoryBytes();
  } finally {
    t.destroy();
  }
  return out;
};
window.benchReady = true;
