// The page's fine-tune panel with a Transformer as the main model: a served
// web/config.js points English -> Spanish at the Transformer fixture
// (tests/fixtures/js/tiny-tf-en-es.s2s, as tests/browser/heads.test.js does).
// Two pairs tuned for 60 steps in the page's worker must give the Node
// Translator's losses (the loss curve's last point), before/after table and
// translations on the same build (SIMD), and the trained sources must then
// translate to their targets; the tuned Transformer survives a reload
// (IndexedDB) and reset returns to the shipped one.
//
// Skipped without playwright-core or Chromium unless S2S_BROWSER_REQUIRED=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { ROOT, skip, openBrowser, closeAll } from './helpers.js';

const TF_PATH = join(ROOT, 'tests/fixtures/js/tiny-tf-en-es.s2s');
const CONFIG_JS = `export const CONFIG = Object.freeze({
  engine: 'simd',
  direction: 'en-es',
  directions: {
    'en-es': { model: '../tests/fixtures/js/tiny-tf-en-es.s2s', integrity: null },
    'es-en': { model: '../tests/fixtures/js/tiny-es-en.s2s', integrity: null },
  },
});
`;
const PAIRS = [['Open the file.', 'Abre el archivo.'], ['Close the window.', 'Cierra la ventana.']];
const STEPS = 60;

let server, context, page, profile, w;
const expected = {};

before(async () => {
  if (skip) return;
  // what the page must show: the Node Translator, fine-tuned as the page does
  // (web/app.js: batchSize min(16, pairs), the chosen learning rate)
  const t = await Translator.create({ model: TF_PATH, engine: 'simd' });
  try {
    const sources = PAIRS.map((p) => p[0]);
    expected.before = (await t.translate(sources)).map((r) => r.text);
    expected.losses = await t.fineTune(PAIRS, { steps: STEPS, learningRate: 0.01, batchSize: PAIRS.length });
    expected.after = (await t.translate(sources)).map((r) => r.text);
  } finally {
    t.destroy();
  }
  ({ server, profile, context, w, page } = await openBrowser('finetune-tf', { files: { '/web/config.js': { body: CONFIG_JS } } }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

const html = () => page.locator('html');
const ready = () => page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });

/** Types `text` into the source box and waits for its translation; returns it. */
async function translate(text) {
  await page.fill('#source', text);
  await page.waitForFunction((t) => {
    const o = document.getElementById('target');
    return o.dataset.for === t && !o.classList.contains('stale');
  }, text, { timeout: 60_000 });
  return page.textContent('#target');
}

test('the page fine-tunes a Transformer as Node does; the trained pairs then translate to their targets', { skip, timeout: 240_000 }, async () => {
  assert.deepEqual(expected.after, PAIRS.map((p) => p[1]), 'Node: the tuned fixture translates its pairs');
  await page.goto(`${server.origin}/web/`);
  await ready();
  assert.match(await page.textContent('#model-info'), /shipped model.*Transformer, 2\+2 layers, 4 heads/);
  await page.fill('#pairs', PAIRS.map((p) => p.join('\t')).join('\n'));
  await page.fill('#steps', String(STEPS));
  await page.selectOption('#lr', '0.01');
  await page.click('#tune');
  await page.waitForFunction(() => ['done', 'error', 'diverged'].includes(document.documentElement.dataset.tune), null, { timeout: 200_000 });
  assert.equal(await html().getAttribute('data-tune'), 'done', await page.textContent('#pairs-error'));
  const rows = await page.$$eval('#before-after tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(rows, PAIRS.map((p, i) => [p[0], p[1], expected.before[i], expected.after[i]]));
  assert.match(await page.textContent('#tune-label'), new RegExp(`Done: ${STEPS} steps, loss ${expected.losses[0].toFixed(3)} → ${expected.losses.at(-1).toFixed(3)}`));
  assert.equal(await html().getAttribute('data-steps'), String(STEPS));
  assert.match(await page.textContent('#model-info'), new RegExp(`fine-tuned for ${STEPS} steps here \\(Transformer, 2\\+2 layers, 4 heads, .*float32\\)`));
  assert.equal(await translate(PAIRS[0][0]), PAIRS[0][1], 'translations use the tuned Transformer');

  // kept in IndexedDB: a reload brings the tuned Transformer back
  await page.reload();
  await ready();
  assert.equal(await html().getAttribute('data-model'), 'tuned');
  assert.equal(await html().getAttribute('data-steps'), String(STEPS));
  assert.equal(await translate(PAIRS[1][0]), PAIRS[1][1]);

  await page.click('#reset');
  await page.waitForFunction(() => document.documentElement.dataset.model === 'shipped', null, { timeout: 40_000 });
  assert.equal(await translate(PAIRS[0][0]), expected.before[0]);
  // (the service worker is blocked here: page.test.js tests it)
  assert.deepEqual(w.problems.filter((p) => !/Service Worker registration blocked by Playwright/.test(p)), []);
});
