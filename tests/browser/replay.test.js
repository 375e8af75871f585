// The page mixes general pairs into fine-tuning (web/config.js `replay`,
// web/replay.js): with "Mix in everyday sentences" checked, a run must give
// the Node Translator's losses for the same pairs with the same replay
// sample, and say so; unchecked, the user's pairs alone; and when the file
// cannot be loaded, the run goes on without it and the message says why.
// A served web/config.js names the tiny LSTM fixture and a small phrasebook.
//
// Skipped without playwright-core or Chromium unless S2S_BROWSER_REQUIRED=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { replaySample } from '../../web/replay.js';
import { ROOT, skip, openBrowser, closeAll } from './helpers.js';

const MODEL = join(ROOT, 'tests/fixtures/js/tiny-en-es.s2s');
const configJs = (replay) => `export const CONFIG = Object.freeze({
  engine: 'simd',
  replay: '${replay}',
  direction: 'en-es',
  directions: { 'en-es': { model: '../tests/fixtures/js/tiny-en-es.s2s', integrity: null } },
});
`;
// phrasebook format; web/replay.js takes every 7th line: lines 0 and 7
const TSV = Array.from({ length: 14 }, (_, i) => i === 0 ? 'home\tClose the window.\tCierra la ventana.'
  : i === 7 ? 'work\tSave the document.\tGuarda el documento.' : `misc\tLine ${i}.\tLínea ${i}.`).join('\n') + '\n';
const PAIR = ['Open the file.', 'Abre el archivo.'];
const STEPS = 10;

let opened, missing;
const expected = {};

before(async () => {
  if (skip) return;
  assert.equal(replaySample(TSV).length, 2);
  for (const [key, replay] of [['mixed', replaySample(TSV)], ['alone', undefined]]) {
    const t = await Translator.create({ model: MODEL, engine: 'simd' });
    try {
      expected[key] = await t.fineTune([PAIR], { steps: STEPS, learningRate: 0.01, batchSize: 1, replay });
    } finally {
      t.destroy();
    }
  }
  assert.notDeepEqual(expected.mixed, expected.alone);
  const files = { '/web/config.js': { body: configJs('../corpus/replay-test.tsv') }, '/corpus/replay-test.tsv': { body: TSV } };
  opened = await openBrowser('replay', { files }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' });
}, { timeout: 160_000 });

after(async () => {
  await closeAll(opened ?? {});
  await closeAll(missing ?? {});
}, { timeout: 80_000 });

const doneLabel = (losses) => `${losses[0].toFixed(3)} → ${losses.at(-1).toFixed(3)}`;

async function tune(page) {
  await page.fill('#pairs', PAIR.join('\t'));
  await page.fill('#steps', String(STEPS));
  await page.selectOption('#lr', '0.01');
  await page.click('#tune');
  await page.waitForFunction(() => ['done', 'error', 'diverged'].includes(document.documentElement.dataset.tune), null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('html', 'data-tune'), 'done', await page.textContent('#pairs-error'));
  return page.textContent('#tune-label');
}

async function resetModel(page) {
  await page.click('#reset');
  await page.waitForFunction(() => document.documentElement.dataset.model === 'shipped', null, { timeout: 40_000 });
}

test('checked, the page mixes the everyday pairs into every batch as fineTune({ replay }) does; unchecked, not', { skip, timeout: 240_000 }, async () => {
  const { page, server, w } = opened;
  await page.goto(`${server.origin}/web/`);
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
  assert.equal(await page.isVisible('#replay'), true);
  assert.equal(await page.isChecked('#replay'), true, 'mixing is on by default');
  const mixed = await tune(page);
  assert.match(mixed, new RegExp(`^Done: ${STEPS} steps \\(each batch half yours, half of 2 everyday sentences\\), loss ${doneLabel(expected.mixed)}`));
  await resetModel(page);
  await page.uncheck('#replay');
  const alone = await tune(page);
  assert.match(alone, new RegExp(`^Done: ${STEPS} steps, loss ${doneLabel(expected.alone)}`));
  assert.deepEqual(w.problems.filter((p) => !/Service Worker registration blocked by Playwright/.test(p)), []);
});

test('a replay file that cannot be loaded: the run trains on the pairs alone and says why; no replay configured: no checkbox', { skip, timeout: 240_000 }, async () => {
  missing = await openBrowser('replay-missing', { files: { '/web/config.js': { body: configJs('../corpus/no-such-file.tsv') } } },
    { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' });
  const { page, server, w } = missing;
  await page.goto(`${server.origin}/web/`);
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
  const label = await tune(page);
  assert.match(label, /^Note: the everyday sentences could not be loaded \(HTTP 404\), so this run trains on your pairs alone\. /);
  assert.match(label, new RegExp(`Done: ${STEPS} steps, loss ${doneLabel(expected.alone)}`));
  assert.deepEqual(w.problems.filter((p) => !/404|no-such-file|Service Worker registration blocked by Playwright/.test(p)), []);
  // a page configured without replay hides the option
  await page.route('**/web/config.js', (r) => r.fulfill({ contentType: 'text/javascript', body: configJs('').replace("replay: '',", '') }));
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
  assert.equal(await page.isVisible('#replay'), false);
});
