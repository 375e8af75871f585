// The page's "Check with the other direction": with the Transformer in use and
// a Transformer for the other direction in config.js, the box reranks the
// beam with that model, loaded once when first asked for, and the page shows
// what the Node Translator gives with loadRerankModel and the same beam. A
// served web/config.js gives English -> Spanish the Transformer fixture with
// a rerank_weight added (the shipped files carry one) and Spanish -> English
// the RNN fixture as its "Transformer" (the two share their vocabulary).
//
// Skipped without playwright-core or Chromium unless S2S_BROWSER_REQUIRED=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { withMeta } from '../js/s2sfile.js';
import { ROOT, skip, openBrowser, closeAll } from './helpers.js';

const FIXTURES = join(ROOT, 'tests/fixtures/js');
const ES_EN_PATH = join(FIXTURES, 'tiny-es-en.s2s');
const TF_URL = '/tests/fixtures/js/tiny-tf-en-es-rerank.s2s';
const tfBytes = withMeta(new Uint8Array(readFileSync(join(FIXTURES, 'tiny-tf-en-es.s2s'))), 'rerank_weight', '1');

const CONFIG_JS = `export const CONFIG = Object.freeze({
  engine: 'simd',
  direction: 'en-es',
  beamSize: 4,
  directions: {
    'en-es': { model: '../tests/fixtures/js/tiny-en-es.s2s', integrity: null, transformer: '..${TF_URL}', choice: 'transformer' },
    'es-en': { model: '../tests/fixtures/js/tiny-es-en.s2s', integrity: null, transformer: '../tests/fixtures/js/tiny-es-en.s2s' },
  },
});
`;
// fixture sentences the reranking translates differently (the before hook keeps those)
const CANDIDATES = ['Save the document before closing it.', 'Open the file.', 'Click OK to continue.',
  'The man went to the house.', 'Print the current page', 'Select the text you want to copy.'];

let server, context, page, profile;
let sentence, plain, reranked;

before(async () => {
  if (skip) return;
  const t = await Translator.create({ model: tfBytes.slice(), engine: 'simd' });
  try {
    await t.loadRerankModel(ES_EN_PATH);
    for (const s of CANDIDATES) {
      const a = (await t.translate(s, { beamSize: 4, rerank: false })).text;
      const b = (await t.translate(s, { beamSize: 4 })).text; // the file's weight
      if (a !== b) { [sentence, plain, reranked] = [s, a, b]; break; }
    }
  } finally {
    t.destroy();
  }
  assert.ok(sentence, 'no fixture sentence is translated differently when reranked: the test could not fail');
  ({ server, profile, context, page } = await openBrowser('rerank', {
    files: { '/web/config.js': { body: CONFIG_JS }, [TF_URL]: { body: tfBytes } },
  }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

const asked = (url) => server.requests.filter((r) => r.url === url).length;

/** Waits until the target shows the translation of `text` with reranking `on`; returns it. */
async function translation(text, on) {
  await page.waitForFunction(([t, r]) => {
    const o = document.getElementById('target');
    return o.dataset.for === t && o.dataset.rerank === r && !o.classList.contains('stale');
  }, [text, String(on)], { timeout: 60_000 });
  return page.textContent('#target');
}

test('the box reranks the beam with the other direction, as the API does; loaded once; only for the Transformer', { skip, timeout: 180_000 }, async () => {
  await page.goto(`${server.origin}/web/`);
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
  assert.equal(await page.isVisible('#rerank-label'), true, 'offered with the Transformer in use');
  assert.equal(await page.isChecked('#rerank'), false, 'off until asked for');
  await page.fill('#source', sentence);
  assert.equal(await translation(sentence, false), plain);
  assert.equal(asked('/tests/fixtures/js/tiny-es-en.s2s'), 0, 'the other direction is not loaded before it is asked for');

  await page.check('#rerank');
  assert.equal(await translation(sentence, true), reranked);
  await page.uncheck('#rerank');
  assert.equal(await translation(sentence, false), plain);
  await page.check('#rerank');
  assert.equal(await translation(sentence, true), reranked);
  assert.equal(asked('/tests/fixtures/js/tiny-es-en.s2s'), 1, 'the rerank model is loaded once');

  // greedy has one hypothesis: nothing to rerank; checking the box picks the beam again
  await page.check('input[name=search][value=greedy]');
  await translation(sentence, false);
  await page.uncheck('#rerank');
  await page.check('#rerank');
  assert.equal(await page.isChecked('input[name=search][value=beam]'), true);
  assert.equal(await translation(sentence, true), reranked);

  // the LSTM has no rerank weight and no partner: the box goes away
  await page.check('input[name=model][value=lstm]');
  await page.waitForFunction(() => document.documentElement.dataset.choice === 'lstm' && !document.getElementById('source').disabled, null, { timeout: 80_000 });
  assert.equal(await page.isHidden('#rerank-label'), true);
  await translation(sentence, false);
});
