// The page's layer and head selects on a Transformer model: a served
// web/config.js points the page at the Transformer fixture
// (tests/fixtures/js/tiny-tf-en-es.s2s) for English -> Spanish and at the RNN
// fixture for the other direction. The selects appear for the Transformer
// with the last layer's mean of heads chosen (the result's `attention`),
// picking a layer and a head by keyboard and by selection redraws the
// heatmap and its table with Node's weights of that head, and the RNN
// direction hides them.
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
const SENTENCE = 'Save the document before closing it.';

let server, context, page, profile, w, expected;

before(async () => {
  if (skip) return;
  const t = await Translator.create({ model: TF_PATH, engine: 'simd' });
  try {
    expected = await t.translate(SENTENCE, { attention: 'heads' });
  } finally {
    t.destroy();
  }
  ({ server, profile, context, w, page } = await openBrowser('heads', { files: { '/web/config.js': { body: CONFIG_JS } } }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

// The table's weights (percent, as the page writes them), row by row.
const tableOf = () => page.$$eval('#attention-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => Number(td.textContent))));
const canvasOf = () => page.evaluate(() => document.getElementById('heatmap').toDataURL());

// Node's weights of one layer and head ('mean': of its heads), in percent.
function percentOf(layer, head) {
  const { heads, rows, cols, data } = expected.attentionHeads;
  const out = [];
  for (let r = 0; r < rows; r++) {
    const row = [];
    for (let c = 0; c < cols; c++) {
      let v = 0;
      for (let k = 0; k < heads; k++) {
        if (head === 'mean' || head === k) v += data[((layer * heads + k) * rows + r) * cols + c] * (head === 'mean' ? 1 / heads : 1);
      }
      row.push(Math.round(v * 100));
    }
    out.push(row);
  }
  return out;
}

// Rounding to percent may differ by one where two summation orders straddle a half.
function assertClose(got, want, what) {
  assert.equal(got.length, want.length, what);
  for (let r = 0; r < want.length; r++) {
    for (let c = 0; c < want[r].length; c++) assert.ok(Math.abs(got[r][c] - want[r][c]) <= 1, `${what}: row ${r} col ${c}: ${got[r][c]} vs ${want[r][c]}`);
  }
}

test('a Transformer model gets layer and head selects that redraw the heatmap; an RNN model hides them', { skip, timeout: 180_000 }, async () => {
  await page.goto(`${server.origin}/web/`);
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
  assert.match(await page.textContent('#model-info'), /Transformer, 2\+2 layers, 4 heads/);
  await page.fill('#source', SENTENCE);
  await page.waitForFunction((t) => {
    const o = document.getElementById('target');
    return o.dataset.for === t && !o.classList.contains('stale');
  }, SENTENCE, { timeout: 60_000 });
  assert.equal(await page.textContent('#target'), expected.text);
  assert.equal(await page.isVisible('#head-view'), true);
  const options = (id) => page.$$eval(`#${id} option`, (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(await options('att-layer'), [['0', '1 of 2'], ['1', '2 of 2 (last)']]);
  assert.deepEqual((await options('att-head')).map((o) => o[0]), ['mean', '0', '1', '2', '3']);
  assert.equal(await page.inputValue('#att-layer'), '1');
  assert.equal(await page.inputValue('#att-head'), 'mean');
  const meanTable = await tableOf();
  assertClose(meanTable, expected.attention.map((row) => Array.from(row, (v) => Math.round(v * 100))), 'the default view is `attention`');
  const meanCanvas = await canvasOf();

  // keyboard: the head select, one step down, is head 1
  await page.focus('#att-head');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.getElementById('att-head').value === '0', null, { timeout: 10_000 });
  assert.match(await page.getAttribute('#heatmap', 'aria-label'), /decoder layer 2, head 1/);
  assertClose(await tableOf(), percentOf(1, 0), 'layer 2, head 1');
  assert.notEqual(await canvasOf(), meanCanvas, 'the heatmap is redrawn');
  assert.notDeepEqual(await tableOf(), meanTable);

  // the first layer's third head, then its mean
  await page.selectOption('#att-layer', '0');
  await page.selectOption('#att-head', '2');
  assertClose(await tableOf(), percentOf(0, 2), 'layer 1, head 3');
  await page.selectOption('#att-head', 'mean');
  assertClose(await tableOf(), percentOf(0, 'mean'), 'layer 1, mean of heads');
  // a new translation keeps the choice
  await page.fill('#source', `${SENTENCE} `);
  await page.waitForFunction((t) => document.getElementById('target').dataset.for === t, `${SENTENCE} `, { timeout: 60_000 });
  assert.equal(await page.inputValue('#att-layer'), '0');

  // the other direction is an RNN: no heads, no selects
  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.state === 'ready' && document.getElementById('target').textContent !== '' &&
    !document.getElementById('target').classList.contains('stale'), null, { timeout: 80_000 });
  await page.waitForFunction(() => document.getElementById('head-view').hidden, null, { timeout: 30_000 });
  // (the service worker is blocked here: page.test.js tests it)
  assert.deepEqual(w.problems.filter((p) => !/Service Worker registration blocked by Playwright/.test(p)), []);
});
