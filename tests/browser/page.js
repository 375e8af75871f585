// page.js — the browser side of tests/browser/api.test.js. It imports the
// package's own ES modules as a page would and exposes
// window.s2sBrowserTest.run(params): one pass over the API (create from a
// URL with progress and integrity, translate one text and a batch,
// streaming, fineTune, destroy) with Translator or WorkerTranslator, whose
// results come back as plain JSON for the Node side to check.

import {
  Translator, WorkerTranslator, DownloadProgressEvent, simdSupported,
} from '../../src/js/index.js';
import { plain } from './plain.js';

// relative to this page: the API resolves it against location.href
const MODEL = '../fixtures/js/tiny-en-es.s2s';

const status = document.getElementById('status');
const rows = document.getElementById('runs');


function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
}

async function errorName(promise) {
  try {
    await promise;
    return 'resolved';
  } catch (e) {
    return e?.name ?? String(e);
  }
}

/**
 * params: { kind: 'main' | 'worker', engine: 'auto' | 'simd' | 'scalar',
 * integrity, sentence, batch, paragraph, pairs, fineTune (options) }.
 */
async function run(params) {
  const { kind, engine, integrity, sentence, batch, paragraph, pairs, fineTune } = params;
  const Cls = kind === 'worker' ? WorkerTranslator : Translator;
  const started = performance.now();
  const progress = [];
  let progressTyped = true;
  const t = await Cls.create({
    model: MODEL,
    engine,
    integrity,
    monitor(m) {
      m.addEventListener('downloadprogress', (e) => {
        progressTyped &&= e instanceof DownloadProgressEvent;
        progress.push([e.loaded, e.total]);
      });
    },
  });
  const out = { kind, requested: engine, engine: { ...t.engine }, progress, progressTyped };
  const model0 = kind === 'worker' ? await t.getModel() : t.model;
  out.modelBefore = { fineTuned: model0.fineTuned, fineTuneSteps: model0.fineTuneSteps, quantized: model0.quantized };

  out.single = plain(await t.translate(sentence, { attention: true }));
  out.batch = (await t.translate(batch)).map(plain);
  out.paragraph = plain(await t.translate(paragraph, { attention: true }));
  out.stream = [];
  for await (const p of t.translateStreaming(paragraph)) {
    out.stream.push({ text: p.text, id: p.id, token: p.token, sentence: p.sentence });
  }

  const tuneProgress = [];
  const losses = await t.fineTune(pairs, { ...fineTune, onProgress: (p) => tuneProgress.push({ step: p.step, steps: p.steps, loss: p.loss }) });
  out.losses = Array.from(losses);
  out.tuneProgress = tuneProgress;
  const model1 = kind === 'worker' ? await t.getModel() : t.model;
  out.modelAfter = { fineTuned: model1.fineTuned, fineTuneSteps: model1.fineTuneSteps, quantized: model1.quantized };
  out.tuned = plain(await t.translate(sentence));

  t.destroy();
  out.destroyed = t.destroyed;
  out.afterDestroy = await errorName(t.translate(sentence));
  t.destroy(); // a second call is harmless
  out.ms = Math.round(performance.now() - started);

  const tr = document.createElement('tr');
  cell(tr, `${kind === 'worker' ? 'WorkerTranslator' : 'Translator'} (${engine})`);
  cell(tr, out.engine.flavor);
  cell(tr, String(progress.at(-1)?.[0] ?? '?'), 'num');
  cell(tr, sentence);
  cell(tr, out.single.text);
  cell(tr, out.losses.map((l) => l.toFixed(3)).join(' → '));
  cell(tr, String(out.ms), 'num');
  rows.append(tr);
  return out;
}

/** A create whose integrity does not match must reject (main thread and worker). */
async function badIntegrity(kind) {
  const Cls = kind === 'worker' ? WorkerTranslator : Translator;
  return errorName(Cls.create({ model: MODEL, integrity: 'sha256-' + 'A'.repeat(43) + '=' }));
}

function finish(ok, message) {
  status.textContent = message;
  status.className = ok ? 'ok' : 'fail';
}

window.s2sBrowserTest = {
  run,
  badIntegrity,
  finish,
  info: () => ({ simd: simdSupported(), secure: window.isSecureContext, userAgent: navigator.userAgent }),
};
status.textContent = 'ready';
