// The JS API in a real browser: headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) loads tests/browser/index.html from a local
// server (server.js, 127.0.0.1 only) and runs page.js: Translator in the
// page's main thread and WorkerTranslator (a module Web Worker), each with
// the relaxed-SIMD build (chosen automatically: Chromium passes its
// self-test), the SIMD build and the scalar build (forced with engine).
// Every SIMD and scalar result must equal the in-process Node Translator's
// on the same inputs and build; Node cannot run the relaxed build, whose
// translations relaxed.test.js checks, so here it shares with Node's SIMD
// results what does not depend on the int8 kernels (the source tokens, and
// fine-tuning, which runs in f32). The page may log no error and may ask for
// nothing outside the local server. A screenshot of the page is kept in
// build-browser/api.png.
//
// Without playwright-core or Chromium the tests are skipped, unless
// S2S_BROWSER_REQUIRED=1 (as tools/test.sh sets), when they fail.
// S2S_CHROMIUM overrides the browser's path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { ROOT, skip, openTestPage, closeAll } from './helpers.js';
import { plain } from './plain.js';

const MODEL_PATH = join(ROOT, 'tests/fixtures/js/tiny-en-es.s2s');
const MODEL_URL_PATH = '/tests/fixtures/js/tiny-en-es.s2s';
const SHOT = join(ROOT, 'build-browser/api.png');

const modelBytes = readFileSync(MODEL_PATH);
const fixtureSentences = readFileSync(join(ROOT, 'tests/fixtures/js/sentences.txt'), 'utf8').split('\n').filter(Boolean);

// The inputs of every run, in the page and in Node.
const PARAMS = {
  integrity: 'sha256-' + createHash('sha256').update(modelBytes).digest('base64'),
  sentence: 'Save the document before closing it.',
  batch: fixtureSentences.slice(0, 6),
  paragraph: 'Open the file. Select the cells you want to delete.\n\nThe man went to the house.',
  pairs: [['Open the file.', 'Abre el archivo.'], ['Save the document.', 'Guarda el documento.']],
  fineTune: { steps: 4, learningRate: 5e-3, batchSize: 2, seed: 7 },
};

// --- the same pass in Node (page.js's run(), without the page) -------------


async function nodeRun(engine) {
  const t = await Translator.create({ model: MODEL_PATH, engine, integrity: PARAMS.integrity });
  try {
    const out = { engine: { ...t.engine } };
    out.single = plain(await t.translate(PARAMS.sentence, { attention: true }));
    out.batch = (await t.translate(PARAMS.batch)).map(plain);
    out.paragraph = plain(await t.translate(PARAMS.paragraph, { attention: true }));
    out.stream = [];
    for await (const p of t.translateStreaming(PARAMS.paragraph)) {
      out.stream.push({ text: p.text, id: p.id, token: p.token, sentence: p.sentence });
    }
    out.losses = Array.from(await t.fineTune(PARAMS.pairs, PARAMS.fineTune));
    out.tuned = plain(await t.translate(PARAMS.sentence));
    return out;
  } finally {
    t.destroy();
  }
}

// --- the browser ------------------------------------------------------------

let server, context, page, profile;
const requests = [];   // every URL the browser asked for (page and workers)
const problems = [];   // console errors and warnings, page errors, failed requests
const nodeResults = {};

before(async () => {
  if (skip) return;
  const node = Promise.all(['simd', 'scalar'].map(async (e) => { nodeResults[e] = await nodeRun(e); }));
  ({ server, context, page, profile } = await openTestPage({ requests, problems, viewport: { width: 1100, height: 560 } }));
  await node;
}, { timeout: 160_000 });

after(async () => {
  try {
    if (page && !page.isClosed()) {
      const ok = !problems.length;
      await page.evaluate(([o, m]) => window.s2sBrowserTest?.finish(o, m),
        [ok, ok ? 'all runs done, no console errors' : `${problems.length} problem(s): ${problems[0]}`]).catch(() => {});
      mkdirSync(join(ROOT, 'build-browser'), { recursive: true });
      await page.screenshot({ path: SHOT, fullPage: true }).catch((e) => console.error(`no screenshot: ${e.message}`));
    }
  } finally {
    await closeAll({ context, server, profile });
  }
}, { timeout: 80_000 });

function checkRun(r, engine) {
  const size = modelBytes.length;
  // progress: from 0 to the whole file, never backwards, with the total known
  assert.ok(r.progressTyped, 'progress events are DownloadProgressEvents');
  assert.ok(r.progress.length >= 2, `${r.progress.length} progress events`);
  assert.deepEqual(r.progress[0], [0, size]);
  assert.deepEqual(r.progress.at(-1), [size, size]);
  for (let i = 1; i < r.progress.length; i++) assert.ok(r.progress[i][0] >= r.progress[i - 1][0], 'progress never goes back');

  assert.deepEqual(r.engine, { flavor: engine, simd: engine !== 'scalar' });

  // the result's shape: attention has one row per target token (the EOS row
  // is dropped, as README documents) over all source tokens, each a distribution
  const s = r.single;
  assert.ok(s.text.length > 0 && s.sourceTokens.length > 0 && s.targetTokens.length > 0);
  assert.equal(s.sourceTokens.length, s.sourceIds.length);
  assert.equal(s.targetTokens.length, s.targetIds.length);
  assert.equal(s.attention.length, s.targetTokens.length);
  for (const row of s.attention) {
    assert.equal(row.length, s.sourceTokens.length);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'an attention row sums to 1');
  }
  assert.equal(r.batch.length, PARAMS.batch.length);
  assert.equal(r.paragraph.sentences, 3);
  assert.equal(r.paragraph.attention.length, r.paragraph.targetTokens.length);

  // streaming: the pieces join to translate()'s text, with the same token ids
  assert.equal(r.stream.map((p) => p.text).join(''), r.paragraph.text);
  assert.deepEqual(r.stream.filter((p) => p.id !== null).map((p) => p.id), r.paragraph.targetIds);

  // fine-tuning: one finite loss per step, reported as progress, falling;
  // the tuned model is in use
  const { steps } = PARAMS.fineTune;
  assert.equal(r.losses.length, steps);
  assert.ok(r.losses.every(Number.isFinite));
  assert.ok(r.losses.at(-1) < r.losses[0], `losses ${r.losses.join(', ')} fall`);
  assert.deepEqual(r.tuneProgress.map((p) => p.step), Array.from({ length: steps }, (_, i) => i + 1));
  assert.deepEqual(r.tuneProgress.map((p) => p.loss), r.losses);
  assert.deepEqual(r.modelBefore, { fineTuned: false, fineTuneSteps: 0, quantized: true });
  assert.deepEqual(r.modelAfter, { fineTuned: true, fineTuneSteps: steps, quantized: false });

  // destroy: flagged, and every later call rejects with a DestroyedError
  assert.equal(r.destroyed, true);
  assert.equal(r.afterDestroy, 'DestroyedError');

  if (engine === 'relaxed') {
    const n = nodeResults.simd;
    assert.deepEqual(r.single.sourceIds, n.single.sourceIds);
    assert.deepEqual(r.batch.map((b) => b.sourceIds), n.batch.map((b) => b.sourceIds));
    for (const k of ['losses', 'tuned']) assert.deepEqual(r[k], n[k], `${k}: f32 fine-tuning equals Node's SIMD build`);
    return;
  }
  // the same numbers as Node on the same build: the same WebAssembly is deterministic
  const n = nodeResults[engine];
  assert.deepEqual(n.engine, r.engine);
  for (const k of ['single', 'batch', 'paragraph', 'stream', 'losses', 'tuned']) {
    assert.deepEqual(r[k], n[k], `${k}: the browser's result equals Node's`);
  }
}

const RUNS = [
  ['Translator in the page, relaxed SIMD chosen automatically', 'main', 'auto', 'relaxed'],
  ['WorkerTranslator (module Web Worker), relaxed SIMD chosen automatically', 'worker', 'auto', 'relaxed'],
  ['Translator in the page, SIMD build forced', 'main', 'simd', 'simd'],
  ['WorkerTranslator, SIMD build forced', 'worker', 'simd', 'simd'],
  ['Translator in the page, scalar build forced', 'main', 'scalar', 'scalar'],
  ['WorkerTranslator, scalar build forced', 'worker', 'scalar', 'scalar'],
];

test('the page runs in a secure context (crypto.subtle) with WebAssembly SIMD', { skip }, async () => {
  const info = await page.evaluate(() => window.s2sBrowserTest.info());
  assert.equal(info.secure, true);
  assert.equal(info.simd, true, `SIMD in ${info.userAgent}`);
});

for (const [name, kind, engine, flavor] of RUNS) {
  const same = flavor === 'relaxed' ? "fine-tuning equal to Node's SIMD build" : 'equal to Node';
  test(`${name}: create from a URL with progress and integrity, translate, stream, fine-tune, destroy; ${same}`, { skip, timeout: 80_000 }, async () => {
    const r = await page.evaluate((p) => window.s2sBrowserTest.run(p), { ...PARAMS, kind, engine });
    checkRun(r, flavor);
  });
}

test('a wrong integrity hash rejects with an IntegrityError, in the page and in the worker', { skip }, async () => {
  assert.equal(await page.evaluate(() => window.s2sBrowserTest.badIntegrity('main')), 'IntegrityError');
  assert.equal(await page.evaluate(() => window.s2sBrowserTest.badIntegrity('worker')), 'IntegrityError');
});

test('no console error, no failed request, nothing asked of any origin but the local server', { skip }, async () => {
  assert.deepEqual(problems, []);
  const origin = server.origin;
  const foreign = requests.filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], 'requests outside the local server');
  const paths = new Set(server.requests.map((r) => new URL(r.url, origin).pathname));
  for (const p of ['/tests/browser/index.html', '/src/js/index.js', '/src/js/worker.js', MODEL_URL_PATH,
    '/dist/seq2seq-simd.wasm', '/dist/seq2seq-scalar.wasm', '/dist/seq2seq-relaxed.wasm']) {
    assert.ok(paths.has(p), `the server served ${p}`);
  }
  const bad = server.requests.filter((r) => r.status !== 200);
  assert.deepEqual(bad, [], 'every request found its file');
});
