// page.js — the browser side of tests/browser/api.test.js. It imports the
// package's own ES modules as a page would and exposes
// window.s2sBrowserTest.run(params): one pass over the API (create from a
// URL with progress and integrity, translate one text and a batch,
// streaming, fineTune, destroy) with Translator or WorkerTranslator, whose
// results come back as plain JSON for the Node side to check.

import {
  Translator, WorkerTranslator, DownloadProgressEvent, simdSupported, relaxedSupported, chooseFlavor,
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
 * params: { kind: 'main' | 'worker', engine: 'auto' | 'relaxed' | 'simd' | 'scalar',
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
  info: () => ({
    simd: simdSupported(), relaxed: relaxedSupported(), auto: chooseFlavor('auto'),
    secure: window.isSecureContext, userAgent: navigator.userAgent,
  }),
  translateAll,
  withFailingSelfTest,
};

/**
 * Each text translated with beam sizes 1 and 4 by a Translator on `engine`
 * (model: a URL relative to this page): [{ beam1, beam4 }] of { targetIds,
 * score, tokenLogprobs }, plus the flavour that ran.
 */
async function translateAll({ engine, model = MODEL, texts }) {
  const t = await Translator.create({ model, engine });
  try {
    const out = [];
    for (const text of texts) {
      const r = {};
      for (const beamSize of [1, 4]) {
        const x = await t.translate(text, { beamSize });
        r[`beam${beamSize}`] = { text: x.text, sourceIds: Array.from(x.sourceIds), targetIds: Array.from(x.targetIds),
          score: x.score, tokenLogprobs: Array.from(x.sentences[0].tokenLogprobs) };
      }
      out.push(r);
    }
    return { flavor: t.engine.flavor, results: out };
  } finally {
    t.destroy();
  }
}

/**
 * What the engine choice does when the relaxed probe validates but its
 * self-test answers wrong (WebAssembly.Instance replaced for the probe only,
 * then restored): the flavour 'auto' picks, whether 'relaxed' is refused, and
 * a translation on the build that runs.
 */
async function withFailingSelfTest() {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function PreStandard(module, imports) {
    const real = new Instance(module, imports);
    if (!('t' in real.exports)) return real;
    this.exports = { t: () => 0 };
  };
  try {
    let forced = 'chosen';
    try { chooseFlavor('relaxed'); } catch (e) { forced = e.name; }
    const t = await Translator.create({ model: MODEL });
    const text = (await t.translate('Open the file.')).text;
    const flavor = t.engine.flavor;
    t.destroy();
    return { supported: relaxedSupported(), auto: chooseFlavor('auto'), forced, flavor, text };
  } finally {
    WebAssembly.Instance = Instance;
  }
}
status.textContent = 'ready';
