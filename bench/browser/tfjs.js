// tfjs.js — the Chromium side of bench/run.mjs's TF.js section: the same
// network in TensorFlow.js (bench/tfjs-model.mjs, wasm backend, SIMD, one
// thread: the page is not cross-origin isolated) against our Translator in
// the same page, each engine flavour given, pass by pass in turn; each keeps
// its fastest pass. Returns plain numbers.
import { Translator, relaxedSupported } from '../../src/js/index.js';
import { benchTfjs, initTfjs } from '../tfjs-model.mjs';
import { measure } from '../translate-loop.js';

const sum = (a) => a.reduce((x, y) => x + y, 0);

/**
 * options: f32Url (the f32 model TF.js runs), int8Url (ours), engines,
 * sentences, sources (their source ids, as s2s_encode gives them), beams,
 * reps, warmup, search ({ maxLenFactor, maxLenExtra, lengthPenalty }).
 * Returns { info, runs: { beamN: { tfjs: { seconds, targetTokens, outputs },
 * [engine]: { seconds, tokens, outputs } } } }.
 */
window.benchTfjs = async ({ f32Url, int8Url, engines, sentences, sources, beams = [1, 4], reps = 1, warmup = 5, search }) => {
  const info = await initTfjs({ wasmDir: new URL('/node_modules/@tensorflow/tfjs-backend-wasm/dist/', location.href).href });
  const f32 = new Uint8Array(await (await fetch(f32Url)).arrayBuffer());
  const ids = sources.map((s) => Int32Array.from(s));
  const ours = {};
  engines = engines.filter((e) => e !== 'relaxed' || relaxedSupported());
  for (const e of engines) ours[e] = await Translator.create({ model: int8Url, engine: e });
  const runs = {};
  try {
    for (let p = 0; p < reps; p++) {
      for (const beamSize of beams) {
        const best = (runs[`beam${beamSize}`] ??= {});
        const r = await benchTfjs({ modelPath: f32, sources: ids, beamSize, ...search });
        if (!best.tfjs || r.seconds < best.tfjs.seconds) {
          best.tfjs = { seconds: r.seconds, targetTokens: r.targetTokens, firstTokenMsMean: r.firstTokenMsMean,
            outputs: r.outputs.map((o) => Array.from(o)) };
        }
        for (const e of engines) {
          const m = await measure(ours[e], sentences, { beamSize, warmup: p ? 0 : warmup, reps: 1 });
          const run = { seconds: sum(m.callMs) / 1e3, tokens: sum(m.tokens), flavor: ours[e].engine.flavor };
          if (!best[e] || run.seconds < best[e].seconds) best[e] = run;
        }
      }
    }
  } finally {
    for (const t of Object.values(ours)) t.destroy();
  }
  return { info, runs };
};
window.benchTfjsReady = true;
