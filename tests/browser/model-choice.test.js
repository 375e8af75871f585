// The page's choice of model where a direction has a Transformer beside its
// main model, and the Transformer's encoder self-attention view. A served
// web/config.js gives English -> Spanish the RNN fixture (tiny-en-es.s2s) as
// `model` and the Transformer fixture (tiny-tf-en-es.s2s) as `transformer`;
// Spanish -> English has no Transformer. Every translation, weight and
// fine-tuned result the page shows must equal the Node Translator's on the
// same model. Checked: the choice is offered and hidden where it should be,
// switching loads the Transformer once (with the header's progress bar) and
// goes back to the LSTM without reloading it, the layer and head selects
// appear for the Transformer only, the encoder view draws the source pieces
// × the source pieces with Node's `encoderAttention` of the chosen layer and
// head, each model keeps its own fine-tuned weights (in memory and in
// IndexedDB), the choice survives a reload, and a Transformer file that is
// missing, not a model, or not the expected file leaves a clear message and
// the LSTM working, with a retry that loads it once it is there.
//
// Skipped without playwright-core or Chromium unless S2S_BROWSER_REQUIRED=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { startServer } from './server.js';
import { ROOT, skip, launch, watch, openBrowser, closeAll } from './helpers.js';

const FIXTURES = join(ROOT, 'tests/fixtures/js');
const LSTM_PATH = join(FIXTURES, 'tiny-en-es.s2s');
const TF_PATH = join(FIXTURES, 'tiny-tf-en-es.s2s');
const ES_EN_PATH = join(FIXTURES, 'tiny-es-en.s2s');
const tfBytes = readFileSync(TF_PATH);

/** A web/config.js: en-es with the RNN fixture and `transformer` (plus `extra` keys), es-en without one. */
const configJs = (transformer, extra = '') => `export const CONFIG = Object.freeze({
  engine: 'simd',
  direction: 'en-es',
  directions: {
    'en-es': { model: '../tests/fixtures/js/tiny-en-es.s2s', integrity: null, transformer: '${transformer}'${extra} },
    'es-en': { model: '../tests/fixtures/js/tiny-es-en.s2s', integrity: null },
  },
});
`;
const SENTENCE = 'Save the document before closing it.';
const PAIR = ['Open the file.', 'Abre el archivo.'];
// what the fine-tune form sends for one pair, 3 steps at 0.01 (the batch: min(16, pairs))
const TUNE = { steps: 3, learningRate: 0.01, batchSize: 1 };

let server, context, page, profile, w;
const expected = {};

/** What Node's Translator gives on `path`: the sentence (with every head), the pair's source before and after tuning. */
async function nodeSide(path, heads) {
  const t = await Translator.create({ model: path, engine: 'simd' });
  try {
    const out = { sentence: await t.translate(SENTENCE, { attention: heads ? 'heads' : true }) };
    out.pairBefore = (await t.translate(PAIR[0])).text;
    await t.fineTune([PAIR], TUNE);
    out.pairTuned = (await t.translate(PAIR[0])).text;
    return out;
  } finally {
    t.destroy();
  }
}

before(async () => {
  if (skip) return;
  expected.lstm = await nodeSide(LSTM_PATH, false);
  expected.tf = await nodeSide(TF_PATH, true);
  assert.notEqual(expected.tf.sentence.text, expected.lstm.sentence.text, 'the two fixtures translate differently');
  const back = await Translator.create({ model: ES_EN_PATH, engine: 'simd' });
  try {
    expected.spanish = (await back.translate(PAIR[1])).text;
  } finally {
    back.destroy();
  }
  ({ server, profile, context, w, page } = await openBrowser('choice', { files: { '/web/config.js': { body: configJs('../tests/fixtures/js/tiny-tf-en-es.s2s') } } }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block', acceptDownloads: true }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

const ready = (p = page) => p.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });
const attr = (name, p = page) => p.evaluate((n) => document.documentElement.dataset[n], name);

/** Waits until the target shows `choice`'s translation of `text` (typed first unless typed: false); returns it. */
async function translation(text, choice, { on = page, typed = true } = {}) {
  if (typed) await on.fill('#source', text);
  await on.waitForFunction(([t, c]) => {
    const o = document.getElementById('target');
    return o.dataset.for === t && o.dataset.choice === c && !o.classList.contains('stale');
  }, [text, choice], { timeout: 60_000 });
  return on.textContent('#target');
}

/** Chooses a model by its radio and waits until the page uses it and can be used again. */
async function choose(choice, on = page) {
  await on.check(`input[name=model][value=${choice}]`);
  await on.waitForFunction((c) => document.documentElement.dataset.choice === c && !document.getElementById('source').disabled
    && !document.querySelector('input[name=model]').disabled, choice, { timeout: 80_000 });
}

// the fine-tuning rate the form shows (set once the model's description arrives)
async function assertRate(value, message) {
  await page.waitForFunction((v) => document.getElementById('lr').value === v, value, { timeout: 10_000 })
    .catch(async () => assert.fail(`${message}: #lr is ${await page.inputValue('#lr')}, not ${value}`));
}

// how many times the page asked the server for a fixture
const asked = (file, srv = server) => srv.requests.filter((r) => r.url === `/tests/fixtures/js/${file}`).length;

test('the choice is offered; the Transformer gives its own translation and selects; the LSTM comes back without a reload', { skip, timeout: 180_000 }, async () => {
  await page.goto(`${server.origin}/web/`);
  await ready();
  assert.equal(await page.isVisible('#model-choice'), true);
  assert.equal(await page.isChecked('input[name=model][value=lstm]'), true, 'the LSTM is the default');
  assert.equal(await page.textContent('#lede-model'), 'an LSTM with attention');
  assert.equal(await translation(SENTENCE, 'lstm'), expected.lstm.sentence.text);
  assert.equal(await page.isHidden('#head-view'), true, 'no layer or head selects for the LSTM');
  assert.equal(asked('tiny-tf-en-es.s2s'), 0, 'the Transformer is loaded only when chosen');
  await assertRate('0.0003', "the LSTM's fine-tuning rate");

  await choose('transformer');
  assert.equal(await translation(SENTENCE, 'transformer', { typed: false }), expected.tf.sentence.text);
  assert.equal(await page.textContent('#lede-model'), 'a Transformer');
  assert.match(await page.textContent('#model-info'), /^The shipped model, tiny-tf-en-es\.s2s, .*Transformer, 2\+2 layers, 4 heads/);
  assert.deepEqual(await page.evaluate(() => [document.getElementById('load-progress').max, document.getElementById('load-label').textContent]),
    [tfBytes.length, 'Ready.'], 'the progress bar counted the Transformer');
  assert.equal(await page.isVisible('#head-view'), true);
  assert.deepEqual(await page.$$eval('#att-layer option', (os) => os.map((o) => o.value)), ['0', '1']);
  assert.equal(await page.textContent('#att-layer-label'), 'Decoder layer');
  assert.equal(await page.isHidden('#model-choice-error'), true);
  await assertRate('0.0001', "the Transformer's fine-tuning rate");

  await choose('lstm');
  assert.equal(await translation(SENTENCE, 'lstm', { typed: false }), expected.lstm.sentence.text);
  assert.equal(await page.isHidden('#head-view'), true);
  assert.equal(await page.textContent('#lede-model'), 'an LSTM with attention');
  await assertRate('0.0003', "the LSTM's fine-tuning rate again");
  await choose('transformer');
  assert.equal(await translation(SENTENCE, 'transformer', { typed: false }), expected.tf.sentence.text);
  assert.deepEqual([asked('tiny-en-es.s2s'), asked('tiny-tf-en-es.s2s')], [1, 1], 'each model was loaded once');
  await assertRate('0.0001', "the Transformer's fine-tuning rate");
  // a rate the user picked stays whatever the model
  await page.selectOption('#lr', '0.001');
  await choose('lstm');
  await choose('transformer');
  await assertRate('0.001', 'a rate the user picked');
});

// Node's encoder self-attention of one layer and head ('mean': of its heads, summed as the page does)
function encoderRows(layer, head) {
  const { heads, rows, cols, data } = expected.tf.sentence.encoderAttention;
  const out = [];
  for (let r = 0; r < rows; r++) {
    const row = new Float32Array(cols);
    for (let k = 0; k < heads; k++) {
      if (head !== 'mean' && head !== k) continue;
      const at = ((layer * heads + k) * rows + r) * cols;
      for (let c = 0; c < cols; c++) row[c] += (head === 'mean' ? 1 / heads : 1) * data[at + c];
    }
    out.push(Array.from(row));
  }
  return out;
}

// What the page draws: the canvas's size in cells, the table's labels and exact weights, and
// the colour at the centre of every cell with the colours it is drawn between.
const drawn = () => page.evaluate(() => {
  const c = document.getElementById('heatmap');
  const L = { left: +c.dataset.left, top: +c.dataset.top, cell: +c.dataset.cell, rows: +c.dataset.rows, cols: +c.dataset.cols };
  const dpr = c.width / parseFloat(c.style.width);
  // one readback of a copy (readbacks of the page's own canvas make Chromium warn)
  const copy = document.createElement('canvas');
  [copy.width, copy.height] = [c.width, c.height];
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(c, 0, 0);
  const img = ctx.getImageData(0, 0, c.width, c.height).data;
  const pixels = [];
  for (let t = 0; t < L.rows; t++) {
    pixels.push([]);
    for (let s = 0; s < L.cols; s++) {
      const at = 4 * (Math.floor((L.top + (t + 0.5) * L.cell) * dpr) * c.width + Math.floor((L.left + (s + 0.5) * L.cell) * dpr));
      pixels[t].push([img[at], img[at + 1], img[at + 2]]);
    }
  }
  const table = document.getElementById('attention-table');
  const css = getComputedStyle(c);
  return {
    rows: L.rows, cols: L.cols, pixels,
    low: css.getPropertyValue('--heat-low').trim(), high: css.getPropertyValue('--heat-high').trim(),
    colLabels: [...table.tHead.rows[0].cells].slice(1).map((th) => th.textContent),
    rowLabels: [...table.tBodies[0].rows].map((tr) => tr.cells[0].textContent),
    weights: [...table.tBodies[0].rows].map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.w))),
    label: c.getAttribute('aria-label'),
  };
});

const hex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));

/** The page draws exactly `want` (rows of weights), row and column labels `rows` and `cols`. */
function assertDrawn(d, want, rowLabels, colLabels, what) {
  assert.deepEqual([d.rows, d.cols], [rowLabels.length, colLabels.length], `${what}: cells`);
  assert.deepEqual(d.rowLabels, rowLabels, `${what}: row labels`);
  assert.deepEqual(d.colLabels, colLabels, `${what}: column labels`);
  assert.deepEqual(d.weights, want, `${what}: the weights drawn are Node's`);
  // each cell's colour: weight^0.6 of the way from --heat-low to --heat-high (heatmap.js)
  const [low, high] = [hex(d.low), hex(d.high)];
  want.forEach((row, t) => row.forEach((v, s) => {
    const k = Math.pow(Math.min(1, Math.max(0, v)), 0.6);
    const rgb = low.map((lo, i) => Math.round(lo + (high[i] - lo) * k));
    assert.ok(d.pixels[t][s].every((x, i) => Math.abs(x - rgb[i]) <= 1), `${what}: cell ${t},${s} is ${d.pixels[t][s]}, not ${rgb}`);
  }));
}

test('the encoder view: source pieces × source pieces, Node\'s encoderAttention of the chosen layer and head', { skip, timeout: 120_000 }, async () => {
  const r = expected.tf.sentence;
  const src = r.sourceTokens;
  assert.deepEqual(await page.$$eval('#att-kind option', (os) => os.map((o) => o.value)), ['cross', 'encoder']);
  await page.mouse.move(0, 0);
  await page.selectOption('#att-kind', 'encoder');
  assert.equal(await page.textContent('#att-layer-label'), 'Encoder layer');
  assert.deepEqual(await page.$$eval('#att-layer option', (os) => os.map((o) => o.value)),
    Array.from({ length: r.encoderAttention.layers }, (_, l) => String(l)), 'the encoder\'s own layer count');
  assert.deepEqual([await page.inputValue('#att-layer'), await page.inputValue('#att-head')], [String(r.encoderAttention.layers - 1), 'mean']);
  assert.equal(await page.isHidden('#tgt-piece-row'), true, 'no target pieces in this view');
  assert.equal(await page.isVisible('#attention-help-self'), true);
  assert.equal(await page.isHidden('#attention-help'), true);
  assert.deepEqual(await page.$$eval('#src-pieces button', (bs) => bs.map((b) => b.textContent)), src);
  let d = await drawn();
  assertDrawn(d, encoderRows(r.encoderAttention.layers - 1, 'mean'), src, src, 'last layer, mean of heads');
  assert.equal(d.label, `Encoder self-attention heatmap (encoder layer ${r.encoderAttention.layers}, mean of heads): ${src.length} English pieces (rows) by ${src.length} English pieces (columns)`);

  await page.selectOption('#att-layer', '0');
  await page.selectOption('#att-head', '2');
  d = await drawn();
  assertDrawn(d, encoderRows(0, 2), src, src, 'layer 1, head 3');
  assert.match(d.label, /\(encoder layer 1, head 3\)/);
  // a source piece links its row: what it attends to most
  const row = encoderRows(0, 2)[1];
  const best = row.reduce((b, v, i) => (v > row[b] ? i : b), 0);
  await page.hover('#src-pieces button[data-i="1"]');
  assert.deepEqual(await page.$$eval('#src-pieces button.linked-strong', (bs) => bs.map((b) => Number(b.dataset.i))), [best]);
  assert.match(await page.textContent('#link-info'), /^English “.+” attends most to English “.+”/);
  await page.mouse.move(0, 0);

  // back to the cross-attention: its own layer and head choice (the default here), target rows again
  await page.selectOption('#att-kind', 'cross');
  assert.equal(await page.textContent('#att-layer-label'), 'Decoder layer');
  assert.deepEqual([await page.inputValue('#att-layer'), await page.inputValue('#att-head')], ['1', 'mean']);
  assert.equal(await page.isVisible('#tgt-piece-row'), true);
  d = await drawn();
  assert.deepEqual(d.weights, r.attention.map((x) => Array.from(x)), 'the cross-attention default: the result\'s `attention`');
  assert.deepEqual([d.rowLabels, d.colLabels], [r.targetTokens, src]);
  // and the encoder view remembers its layer and head
  await page.selectOption('#att-kind', 'encoder');
  assert.deepEqual([await page.inputValue('#att-layer'), await page.inputValue('#att-head')], ['0', '2']);
  assertDrawn(await drawn(), encoderRows(0, 2), src, src, 'layer 1, head 3 again');

  // the LSTM has no heads: no selects, the cross-attention drawn
  await choose('lstm');
  await translation(SENTENCE, 'lstm', { typed: false });
  assert.equal(await page.isHidden('#head-view'), true);
  assert.equal(await page.isVisible('#tgt-piece-row'), true);
  d = await drawn();
  assert.deepEqual([d.rows, d.cols], [expected.lstm.sentence.targetTokens.length, expected.lstm.sentence.sourceTokens.length]);
  assert.deepEqual(d.weights, expected.lstm.sentence.attention.map((x) => Array.from(x)));
});

/** Fine-tunes the model in use on PAIR with the form (TUNE) and waits for the run's end. */
async function tune() {
  await page.fill('#pairs', PAIR.join('\t'));
  await page.fill('#steps', String(TUNE.steps));
  await page.selectOption('#lr', String(TUNE.learningRate));
  await page.click('#tune');
  await page.waitForFunction(() => ['done', 'error', 'diverged', 'cancelled'].includes(document.documentElement.dataset.tune), null, { timeout: 120_000 });
  assert.equal(await attr('tune'), 'done', await page.textContent('#pairs-error'));
  await page.waitForFunction(() => !document.getElementById('tune').disabled, null, { timeout: 30_000 });
}

/** The model in use: [data-model, data-steps]. */
const modelState = async () => [await attr('model'), await attr('steps')];

test('each model keeps its own fine-tuned weights, in memory and across a reload; the choice is remembered', { skip, timeout: 300_000 }, async () => {
  // the LSTM is in use (the test before ends with it)
  await tune();
  assert.deepEqual(await modelState(), ['tuned', '3']);
  assert.equal(await translation(PAIR[0], 'lstm'), expected.lstm.pairTuned);

  await choose('transformer');
  assert.deepEqual(await modelState(), ['shipped', '0'], 'the Transformer is untouched');
  assert.equal(await translation(PAIR[0], 'transformer', { typed: false }), expected.tf.pairBefore);
  assert.equal(await page.isHidden('#before-after'), true, 'the LSTM\'s run is not shown for the Transformer');
  await tune();
  assert.deepEqual(await modelState(), ['tuned', '3']);
  assert.match(await page.textContent('#model-info'), /fine-tuned for 3 steps .*Transformer/);
  assert.equal(await translation(PAIR[0], 'transformer'), expected.tf.pairTuned);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'en-es-transformer-tuned-3.s2s');

  await choose('lstm');
  assert.deepEqual(await modelState(), ['tuned', '3'], 'the LSTM kept its steps');
  assert.equal(await translation(PAIR[0], 'lstm', { typed: false }), expected.lstm.pairTuned);

  // a reload: the last choice (the LSTM), then each model from its own slot in IndexedDB
  await choose('transformer');
  await page.reload();
  await ready();
  assert.equal(await page.isChecked('input[name=model][value=transformer]'), true, 'the choice is remembered');
  assert.equal(await attr('choice'), 'transformer');
  assert.deepEqual(await modelState(), ['tuned', '3']);
  assert.equal(await translation(PAIR[0], 'transformer'), expected.tf.pairTuned);
  await choose('lstm');
  assert.deepEqual(await modelState(), ['tuned', '3']);
  assert.equal(await translation(PAIR[0], 'lstm', { typed: false }), expected.lstm.pairTuned);
  await page.reload();
  await ready();
  assert.equal(await attr('choice'), 'lstm', 'the LSTM, chosen last');
  assert.equal(await page.isChecked('input[name=model][value=lstm]'), true);

  // resetting one leaves the other tuned
  await choose('transformer');
  await page.click('#reset');
  await page.waitForFunction(() => document.documentElement.dataset.model === 'shipped' && !document.getElementById('reset').disabled, null, { timeout: 60_000 });
  assert.equal(await translation(PAIR[0], 'transformer'), expected.tf.pairBefore);
  await choose('lstm');
  assert.deepEqual(await modelState(), ['tuned', '3']);
  assert.equal(await translation(PAIR[0], 'lstm', { typed: false }), expected.lstm.pairTuned);
  // the tuned model's translation is marked stale in the click itself, so that nobody (this test included) takes it for the shipped model's
  assert.equal(await page.evaluate(() => { document.getElementById('reset').click(); return document.getElementById('target').classList.contains('stale'); }), true);
  await page.waitForFunction(() => document.documentElement.dataset.model === 'shipped' && !document.getElementById('reset').disabled, null, { timeout: 60_000 });
  assert.equal(await translation(PAIR[0], 'lstm', { typed: false }), expected.lstm.pairBefore);
});

test('a direction without a Transformer hides the choice; coming back brings the chosen Transformer back', { skip, timeout: 180_000 }, async () => {
  await choose('transformer');
  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'es-en' && document.documentElement.dataset.state === 'ready'
    && !document.getElementById('source').disabled, null, { timeout: 80_000 });
  assert.equal(await page.isHidden('#model-choice'), true);
  assert.equal(await attr('choice'), 'lstm');
  assert.equal(await page.textContent('#lede-model'), 'an LSTM with attention');
  assert.equal(await translation(PAIR[1], 'lstm'), expected.spanish);
  assert.equal(await page.isHidden('#head-view'), true);

  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'en-es' && document.documentElement.dataset.choice === 'transformer'
    && !document.getElementById('source').disabled, null, { timeout: 80_000 });
  assert.equal(await page.isVisible('#model-choice'), true);
  assert.equal(await page.isChecked('input[name=model][value=transformer]'), true);
  assert.equal(await translation(SENTENCE, 'transformer'), expected.tf.sentence.text);
  assert.equal(await page.isVisible('#head-view'), true);
});

test('no console error, nothing asked of any other origin', { skip }, async () => {
  assert.deepEqual(w.problems.filter((p) => !/Service Worker registration blocked by Playwright/.test(p)), []);
  assert.deepEqual(w.requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== server.origin), []);
  assert.deepEqual(server.requests.filter((r) => r.status !== 200 && !(r.url === '/' && r.status === 302)), [], 'every request found its file');
});

test('a Transformer that is missing, not a model or not the expected file: a clear message, the LSTM keeps working, a retry loads it', { skip, timeout: 300_000 }, async () => {
  const LATE = '/tests/fixtures/js/late-tf.s2s'; // served only from the third try on
  const files = { '/web/config.js': { body: configJs('../tests/fixtures/js/late-tf.s2s') } };
  const srv = await startServer({ files });
  const dir = mkdtempSync(join(tmpdir(), 's2s-choice-missing-'));
  let ctx;
  try {
    ctx = await launch(dir, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' });
    const seen = watch(ctx);
    const p = ctx.pages()[0] ?? await ctx.newPage();
    seen.watchPage(p);
    await p.goto(`${srv.origin}/web/`);
    await ready(p);
    assert.equal(await translation(SENTENCE, 'lstm', { on: p }), expected.lstm.sentence.text);

    /** Chooses the Transformer, which fails: returns the message once the page is usable again. */
    const failing = async () => {
      await p.check('input[name=model][value=transformer]');
      await p.waitForFunction(() => !document.getElementById('model-choice-error').hidden && !document.getElementById('source').disabled
        && !document.querySelector('input[name=model]').disabled, null, { timeout: 80_000 });
      assert.equal(await p.isChecked('input[name=model][value=lstm]'), true, 'the choice shows the LSTM again');
      assert.equal(await attr('choice', p), 'lstm');
      return p.textContent('#model-choice-error');
    };
    const stays = 'The LSTM with attention stays in use; choose “Transformer” again to retry.';
    assert.equal(await failing(), `The Transformer (late-tf.s2s) is not on this site (HTTP 404). ${stays}`);
    assert.equal(await translation(PAIR[0], 'lstm', { on: p }), expected.lstm.pairBefore, 'the LSTM keeps working');

    files[LATE] = { body: 'this is not a model, only some text' };
    assert.match(await failing(), new RegExp(`^The Transformer \\(late-tf\\.s2s\\) could not be loaded: not a usable model file: .+\\. ${stays.replace(/[.()]/g, '\\$&')}$`));
    assert.equal(await translation(SENTENCE, 'lstm', { on: p }), expected.lstm.sentence.text);

    files[LATE] = { body: tfBytes };
    await choose('transformer', p);
    assert.equal(await p.isHidden('#model-choice-error'), true, 'the retry clears the message');
    assert.equal(await translation(SENTENCE, 'transformer', { on: p, typed: false }), expected.tf.sentence.text);

    // at start, a remembered Transformer that fails its integrity check: the message, and the LSTM
    files['/web/config.js'] = { body: configJs('../tests/fixtures/js/late-tf.s2s', `, transformerIntegrity: 'sha256-${'A'.repeat(43)}='`) };
    await p.reload();
    await ready(p);
    assert.equal(await attr('choice', p), 'lstm');
    assert.match(await p.textContent('#model-choice-error'), new RegExp(`^The Transformer \\(late-tf\\.s2s\\) is not the expected file: .+\\. ${stays.replace(/[.()]/g, '\\$&')}$`));
    assert.equal(await translation(SENTENCE, 'lstm', { on: p }), expected.lstm.sentence.text);
    assert.equal(asked('late-tf.s2s', srv), 4, 'each try asked the server again');

    // the 404 is the only failed answer (Chromium logs it), and a failed load stops its
    // worker, which may cut its downloads short; nothing else went wrong
    const expectedProblems = /Service Worker registration blocked by Playwright|status of 404|^request failed: \S+\/(late-tf\.s2s|dist\/seq2seq-\w+\.wasm) \(net::ERR_ABORTED\)$/;
    assert.deepEqual(seen.problems.filter((m) => !expectedProblems.test(m)), []);
    assert.deepEqual(srv.requests.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.url}`), [`404 ${LATE}`]);
  } finally {
    await closeAll({ context: ctx, server: srv, profile: dir });
  }
});

test("a first visit starts with the direction's `choice` (config.js); the user's own choice then wins", { skip, timeout: 240_000 }, async () => {
  const files = { '/web/config.js': { body: configJs('../tests/fixtures/js/tiny-tf-en-es.s2s', ", choice: 'transformer'") } };
  const first = await openBrowser('choice-first', { files }, { viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' });
  try {
    const p = first.page;
    await p.goto(`${first.server.origin}/web/`);
    await ready(p);
    assert.equal(await attr('choice', p), 'transformer', 'a fresh profile starts with the Transformer');
    assert.equal(await p.isChecked('input[name=model][value=transformer]'), true);
    assert.equal(await translation(SENTENCE, 'transformer', { on: p }), expected.tf.sentence.text);
    assert.equal(asked('tiny-en-es.s2s', first.server), 0, 'the LSTM is not loaded until chosen');
    await choose('lstm', p);
    await p.reload();
    await ready(p);
    assert.equal(await attr('choice', p), 'lstm', 'the remembered choice beats the config');
    assert.equal(await translation(SENTENCE, 'lstm', { on: p }), expected.lstm.sentence.text);
    assert.deepEqual(first.w.problems.filter((m) => !/Service Worker registration blocked by Playwright/.test(m)), []);
  } finally {
    await closeAll(first);
  }
});
