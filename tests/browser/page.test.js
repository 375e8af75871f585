// The translation page (web/) in a real browser: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) opens /web/ from the shared
// static server (tools/serve.js, 127.0.0.1 only), which serves a web/config.js
// pointing the page at the small test model (tests/fixtures/js/tiny-en-es.s2s,
// as both the attention model and the baseline). Translations must equal the
// Node Translator's on the same model. It then fine-tunes, reloads, downloads,
// loads files, resets, and reloads with the network off; on a second server
// (its own origin) it is served a model that diverges when fine-tuned on one
// word (a NaN source embedding) and must reject that step, keep the steps
// before it and go on working. The page may log no
// error and may ask for nothing outside the local server. Screenshots (desktop
// light, phone-width dark) are kept in build-browser/page-*.png.
//
// Skipped without playwright-core or Chromium unless S2S_BROWSER_REQUIRED=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { tensors, reseal } from '../js/s2sfile.js';
import { startServer } from './server.js';
import { ROOT, skip, launch, watch, openBrowser, closeAll } from './helpers.js';

const MODEL_PATH = join(ROOT, 'tests/fixtures/js/tiny-en-es.s2s');
const modelBytes = readFileSync(MODEL_PATH);
const ES_EN_PATH = join(ROOT, 'tests/fixtures/js/tiny-es-en.s2s');
// engine 'simd': the page's translations are compared with Node's, which cannot run the
// relaxed build that Chromium would pick by itself (relaxed.test.js checks that one)
const CONFIG_JS = `export const CONFIG = Object.freeze({
  engine: 'simd',
  direction: 'en-es',
  directions: {
    'en-es': {
      model: '../tests/fixtures/js/tiny-en-es.s2s',
      baseline: '../tests/fixtures/js/tiny-en-es.s2s',
      integrity: null,
    },
    'es-en': { model: '../tests/fixtures/js/tiny-es-en.s2s', integrity: null },
  },
});
`;
const SHOTS = join(ROOT, 'build-browser');
const SENTENCE = 'Save the document before closing it.';
const PAIR = ['Open the file.', 'Abre el archivo.'];

let server, context, page, profile, w;
const expected = {};

before(async () => {
  if (skip) return;
  // what the page must show: the Node Translator on the same model
  const t = await Translator.create({ model: MODEL_PATH });
  try {
    const r = await t.translate(SENTENCE, { attention: true });
    expected.greedy = r;
    expected.beam4 = (await t.translate(SENTENCE, { beamSize: 4 })).text;
    expected.pairBefore = (await t.translate(PAIR[0])).text;
    expected.typed = (await t.translate(`${SENTENCE} Now open it.`)).text;
  } finally {
    t.destroy();
  }
  const back = await Translator.create({ model: ES_EN_PATH });
  try {
    // swapping puts the Spanish translation into the source box and translates it back
    expected.back = (await back.translate(expected.greedy.text)).text;
    expected.spanishTyped = (await back.translate(PAIR[1])).text;
  } finally {
    back.destroy();
  }
  ({ server, profile, context, w, page } = await openBrowser('page', { files: { '/web/config.js': { body: CONFIG_JS } } }, { viewport: { width: 1100, height: 900 }, acceptDownloads: true }));
  mkdirSync(SHOTS, { recursive: true });
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

const html = (p = page) => p.locator('html');
const ready = (p = page) => p.waitForFunction(() => document.documentElement.dataset.state === 'ready', null, { timeout: 80_000 });

/**
 * Opens the page in a browser and on a server of its own (a fresh profile) that
 * serves `configJs` as web/config.js, waits until it is ready, runs `use(page)`
 * and closes everything, whatever happened.
 */
async function withOwnPage(name, configJs, use) {
  let opened = {};
  try {
    opened = await openBrowser(name, { files: { '/web/config.js': { body: configJs } } }, { viewport: { width: 1100, height: 900 } });
    await opened.page.goto(`${opened.server.origin}/web/`);
    await ready(opened.page);
    await use(opened.page);
  } finally {
    await closeAll(opened);
  }
}

/** Types `text` into the English box (of `on`, default the shared page) and waits for its translation; returns it. */
async function translate(text, { beam, on = page } = {}) {
  await on.fill('#source', text);
  await on.waitForFunction(([t, b]) => {
    const o = document.getElementById('target');
    return o.dataset.for === t && (!b || o.dataset.beam === String(b)) && !o.classList.contains('stale');
  }, [text, beam], { timeout: 60_000 });
  return on.textContent('#target');
}

test('loads the engine and the model with a byte progress bar, names the build, sends a strict CSP', { skip, timeout: 120_000 }, async () => {
  const res = await page.goto(`${server.origin}/`);
  assert.equal(new URL(res.url()).pathname, '/web/', '/ leads to the page');
  const csp = res.headers()['content-security-policy'];
  for (const policy of [csp, await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')]) {
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(policy, /unsafe-inline|'unsafe-eval'/);
  }
  await ready();
  const s = await page.evaluate(() => {
    const p = document.getElementById('load-progress');
    return {
      max: p.max, value: p.value, engine: document.documentElement.dataset.engine, sw: document.documentElement.dataset.sw,
      badge: document.getElementById('engine-badge').textContent, model: document.getElementById('model-info').textContent,
    };
  });
  assert.equal(s.max, modelBytes.length, 'the progress bar counts the model bytes');
  assert.equal(s.value, modelBytes.length);
  assert.equal(s.engine, 'simd', 'the build web/config.js asks for');
  assert.equal(s.badge, 'WebAssembly SIMD build');
  assert.match(s.model, /shipped model/);
  assert.equal(s.sw, 'controlled', 'the service worker controls the page after the first load');
  await page.screenshot({ path: join(SHOTS, 'page-desktop.png'), fullPage: true });
});

test('translates as you type (debounced; the last text wins), greedy and beam, equal to Node', { skip, timeout: 120_000 }, async () => {
  assert.equal(await translate(SENTENCE), expected.greedy.text);
  // keys one by one: only the final text's translation may stay on screen
  await page.locator('#source').pressSequentially(' Now open it.', { delay: 15 });
  await page.waitForFunction((t) => document.getElementById('target').dataset.for === t, `${SENTENCE} Now open it.`, { timeout: 60_000 });
  assert.equal(await page.textContent('#target'), expected.typed);
  await page.check('input[name=search][value=beam]');
  assert.equal(await translate(SENTENCE, { beam: 4 }), expected.beam4);
  await page.check('input[name=search][value=greedy]');
  assert.equal(await translate(SENTENCE, { beam: 1 }), expected.greedy.text);
});

test('each sentence of the translation carries its confidence; low ones are marked and counted', { skip, timeout: 80_000 }, async () => {
  const text = `${SENTENCE} Now open it.`;
  const r = await (async () => {
    const t = await Translator.create({ model: MODEL_PATH });
    try { return await t.translate(text); } finally { t.destroy(); }
  })();
  assert.equal(await translate(text), r.text, 'the spans read as the whole translation');
  const spans = await page.$$eval('#target span.sentence', (ss) => ss.map((s) => ({
    text: s.textContent, confidence: Number(s.dataset.confidence), low: s.classList.contains('low-confidence'), title: s.title,
  })));
  assert.deepEqual(spans.map((s) => s.text), r.sentences.map((s) => s.text));
  spans.forEach((s, i) => {
    const c = r.sentences[i].confidence;
    assert.ok(c !== null, 'the fixture carries a calibration');
    assert.ok(Math.abs(s.confidence - c) < 1e-12, `${s.confidence} vs Node ${c}`);
    assert.equal(s.low, c < 0.5);
    assert.equal(s.title, `Confidence ${Math.round(100 * c)} %`);
  });
  const low = r.sentences.filter((s) => s.confidence < 0.5).length;
  const note = await page.textContent('#confidence-note');
  if (low) assert.match(note, low === 1 && r.sentences.length === 1 ? /This translation is probably poor/ : new RegExp(`${low} of ${r.sentences.length} sentences are probably poor`));
  else assert.match(note, /Confidence \d+ % or more for every sentence/);
  assert.equal(await translate(SENTENCE), expected.greedy.text); // the next tests start from it
});

test('the heatmap is target pieces × source pieces; hovering links both ways; it exports as PNG', { skip, timeout: 120_000 }, async () => {
  const T = expected.greedy.targetTokens.length, S = expected.greedy.sourceTokens.length;
  const dims = await page.evaluate(() => {
    const c = document.getElementById('heatmap');
    const table = document.getElementById('attention-table');
    return {
      rows: Number(c.dataset.rows), cols: Number(c.dataset.cols),
      tableRows: table.tBodies[0].rows.length,
      tableCells: [...table.tBodies[0].rows].map((r) => r.cells.length - 1),
      tableHead: table.tHead.rows[0].cells.length - 1,
      srcChips: document.querySelectorAll('#src-pieces button').length,
      tgtChips: document.querySelectorAll('#tgt-pieces button').length,
      srcText: [...document.querySelectorAll('#src-pieces button')].map((b) => b.textContent),
      cssWidth: c.getBoundingClientRect().width, cssHeight: c.getBoundingClientRect().height,
    };
  });
  assert.deepEqual([dims.rows, dims.cols], [T, S]);
  assert.equal(dims.tableRows, T);
  assert.ok(dims.tableCells.every((n) => n === S));
  assert.equal(dims.tableHead, S);
  assert.deepEqual([dims.tgtChips, dims.srcChips], [T, S]);
  assert.deepEqual(dims.srcText, expected.greedy.sourceTokens);

  const argmax = (row) => row.reduce((b, v, i) => (v > row[b] ? i : b), 0);
  // a target piece highlights the source piece it attends to most
  const t0 = 1, s0 = argmax(expected.greedy.attention[t0]);
  await page.hover(`#tgt-pieces button[data-i="${t0}"]`);
  assert.deepEqual(await page.$$eval('#src-pieces button.linked-strong', (bs) => bs.map((b) => Number(b.dataset.i))), [s0]);
  assert.match(await page.textContent('#link-info'), /attends most to/);
  // and the other way round
  await page.hover(`#src-pieces button[data-i="${s0}"]`);
  const strong = await page.$$eval('#tgt-pieces button.linked-strong', (bs) => bs.map((b) => Number(b.dataset.i)));
  const want = expected.greedy.attention.map((row, t) => [t, argmax(row)]).filter(([, s]) => s === s0).map(([t]) => t);
  assert.deepEqual(strong, want);
  // a cell of the canvas: its row's and column's pieces
  await page.$eval('#heatmap', (c) => c.scrollIntoView({ block: 'start' }));
  const box = await page.locator('#heatmap').boundingBox();
  const L = await page.$eval('#heatmap', (c) => ({ left: +c.dataset.left, top: +c.dataset.top, cell: +c.dataset.cell }));
  const [tc, sc] = [2, S - 1];
  await page.mouse.move(box.x + L.left + (sc + 0.5) * L.cell, box.y + L.top + (tc + 0.5) * L.cell);
  assert.deepEqual(await page.$$eval('.chip.active', (bs) => bs.map((b) => `${b.closest('ul').id}:${b.dataset.i}`).sort()),
    [`src-pieces:${sc}`, `tgt-pieces:${tc}`]);
  assert.match(await page.textContent('#link-info'), /of its attention/);
  // by keyboard: focusing a piece links it too
  await page.mouse.move(0, 0);
  await page.focus(`#tgt-pieces button[data-i="0"]`);
  assert.ok((await page.$$eval('#src-pieces button.linked-strong', (bs) => bs.length)) === 1);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
  assert.equal(download.suggestedFilename(), 'attention.png');
  const png = readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal(png.readUInt32BE(16), Math.round(dims.cssWidth * 2), 'PNG width: twice the heatmap');
  assert.equal(png.readUInt32BE(20), Math.round(dims.cssHeight * 2));
});

test('the no-attention baseline side by side on request', { skip, timeout: 80_000 }, async () => {
  await page.check('#compare');
  assert.equal(await page.isVisible('#baseline-pane'), true);
  await page.waitForFunction((t) => document.getElementById('baseline-target').dataset.for === t, SENTENCE, { timeout: 60_000 });
  assert.equal(await page.textContent('#baseline-target'), expected.greedy.text, 'the same model gives the same text');
  await page.uncheck('#compare');
  assert.equal(await page.isVisible('#baseline-pane'), false);
});

test('the swap button loads the other direction, moves the translation into the source box and relabels the page', { skip, timeout: 120_000 }, async () => {
  assert.equal(await translate(SENTENCE), expected.greedy.text);
  const label = () => page.textContent('#direction-label');
  assert.equal(await label(), 'English → Spanish');
  assert.equal(await page.textContent('#swap'), 'Swap to Spanish → English');
  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'es-en', null, { timeout: 60_000 });
  assert.equal(await page.inputValue('#source'), expected.greedy.text, 'the translation became the source text');
  await page.waitForFunction((t) => document.getElementById('target').dataset.for === t, expected.greedy.text, { timeout: 60_000 });
  assert.equal(await page.textContent('#target'), expected.back, 'the Spanish -> English model, as in Node');
  const s = await page.evaluate(() => ({
    sourceLang: document.getElementById('source').lang, targetLang: document.getElementById('target').lang,
    paneLabel: document.querySelector('label[for=source]').textContent,
    pairsLabel: document.querySelector('label[for=pairs]').textContent,
    compareHidden: document.getElementById('compare-label').hidden,
    model: document.getElementById('model-info').textContent,
  }));
  assert.deepEqual([s.sourceLang, s.targetLang, s.paneLabel], ['es', 'en', 'Spanish']);
  assert.equal(await label(), 'Spanish → English');
  assert.match(s.pairsLabel, /Spanish, then a tab .* then English/);
  assert.equal(s.compareHidden, true, 'no no-attention baseline for this direction');
  assert.match(s.model, /tiny-es-en\.s2s/);
  assert.match(await page.textContent('#attention-help'), /row is a piece of English the model wrote; each column a piece of Spanish/);
  assert.equal(await translate(PAIR[1]), expected.spanishTyped);
  // back to English -> Spanish
  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'en-es', null, { timeout: 60_000 });
  assert.equal(await translate(SENTENCE), expected.greedy.text);
  assert.equal(await page.isVisible('#compare-label'), true);
  // a model file that names its direction is filed under it: loaded while the page is
  // English -> Spanish, this Spanish -> English file turns the page round
  await page.setInputFiles('#model-file', ES_EN_PATH);
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'es-en'
    && document.documentElement.dataset.model === 'file', null, { timeout: 60_000 });
  assert.equal(await translate(PAIR[1]), expected.spanishTyped);
  assert.match(await page.textContent('#model-info'), /tiny-es-en\.s2s/);
  await page.click('#swap');
  await page.waitForFunction(() => document.documentElement.dataset.direction === 'en-es'
    && document.documentElement.dataset.model === 'shipped', null, { timeout: 60_000 });
  assert.equal(await translate(SENTENCE), expected.greedy.text, 'the English -> Spanish slot still has the shipped model');
});

test('a pasted document: paragraphs and HTML translated part by part with progress, markup kept, nothing unsafe shown', { skip, timeout: 120_000 }, async () => {
  const paragraphs = ['Open the file.', 'Save the document before closing it. Then close it.', 'Print the page.'];
  const fragment = '<h2>Files</h2>\n<p>Open <b>the file</b> and <a href="https://example.org/help" onclick="alert(1)">read the help</a>.</p>\n'
    + '<script>document.title = "owned"</script>\n<p>Click <a href="javascript:alert(1)">here</a>.<img src=x onerror="alert(1)"></p>';
  const t = await Translator.create({ model: MODEL_PATH });
  let wantText, wantHtml;
  try {
    wantText = (await t.translate(paragraphs)).map((r) => r.text);
    const parts = ['<h2>Files</h2>', '<p>Open <b>the file</b> and <a href="https://example.org/help" onclick="alert(1)">read the help</a>.</p>',
      '<script>document.title = "owned"</script>', '<p>Click <a href="javascript:alert(1)">here</a>.<img src=x onerror="alert(1)"></p>'];
    wantHtml = (await t.translate(parts, { html: true })).map((r) => r.text);
  } finally {
    t.destroy();
  }
  const run = async () => {
    await page.click('#doc-translate');
    await page.waitForFunction(() => ['done', 'cancelled'].includes(document.getElementById('document').dataset.state), null, { timeout: 60_000 });
    await page.waitForFunction(() => !document.getElementById('doc-translate').disabled, null, { timeout: 10_000 });
  };
  await page.fill('#doc-source', paragraphs.join('\n\n'));
  await run();
  const text = await page.$$eval('#doc-output .doc-piece', (ps) => ps.map((p) => ({ tag: p.localName, text: p.textContent, low: p.classList.contains('low-confidence'), c: Number(p.dataset.confidence) })));
  assert.deepEqual(text.map((p) => p.text), wantText);
  assert.ok(text.every((p) => p.tag === 'p' && p.low === (p.c < 0.5)));
  assert.equal(await page.$eval('#doc-progress', (p) => [p.value, p.max].join('/')), '3/3');
  assert.match(await page.textContent('#doc-label'), /Done: 3 parts/);

  await page.evaluate(() => { document.getElementById('document').dataset.state = ''; });
  await page.fill('#doc-source', fragment);
  await page.check('#doc-html');
  await run();
  assert.equal(await page.textContent('#doc-html-out'), wantHtml.join('\n'), 'the translated HTML, as the API gives it, the line breaks between blocks kept');
  const shown = await page.evaluate(() => {
    const out = document.getElementById('doc-output');
    return {
      tags: [...out.querySelectorAll('*')].map((e) => e.localName),
      attrs: [...out.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => `${e.localName}[${a.name}=${a.value}]`)),
      title: document.title,
    };
  });
  for (const tag of ['h2', 'p', 'b', 'a']) assert.ok(shown.tags.includes(tag), tag);
  for (const tag of ['script', 'img']) assert.ok(!shown.tags.includes(tag), `no ${tag} is shown`);
  assert.ok(!shown.attrs.some((a) => /onclick|onerror|javascript:/.test(a)), shown.attrs.join(' '));
  assert.ok(shown.attrs.includes('a[href=https://example.org/help]'));
  assert.notEqual(shown.title, 'owned');
  assert.match(await page.textContent('#doc-note'), /2 elements .* are not shown here/);
  await page.uncheck('#doc-html');
});

test('bad pairs and bad pair files get a clear message', { skip, timeout: 40_000 }, async () => {
  await page.fill('#pairs', 'Open the file.\tAbre el archivo.\nthis line has no separator\n | only Spanish');
  await page.click('#tune');
  const msg = await page.textContent('#pairs-error');
  assert.match(msg, /Line 2: put a tab or “\|”/);
  assert.match(msg, /Line 3: the English side is empty/);
  await page.setInputFiles('#pairs-file', { name: 'pairs.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from([0x41, 0x00, 0x42]) });
  await page.waitForFunction(() => /not a text file/.test(document.getElementById('pairs-error').textContent));
  await page.setInputFiles('#pairs-file', { name: 'pairs.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(`${PAIR[0]}\t${PAIR[1]}\n`) });
  await page.waitForFunction(() => document.getElementById('pairs-error').hidden);
  assert.equal(await page.inputValue('#pairs'), `${PAIR[0]}\t${PAIR[1]}\n`);
});

let tuned; // the tuned model's translation of PAIR[0]

test('fine-tunes a few steps on a pair with a live loss curve; the output changes; cancel stops', { skip, timeout: 160_000 }, async () => {
  await page.fill('#steps', '20');
  await page.selectOption('#lr', '0.01');
  await page.click('#tune');
  await page.waitForFunction(() => ['done', 'error', 'diverged'].includes(document.documentElement.dataset.tune), null, { timeout: 120_000 });
  assert.equal(await html().getAttribute('data-tune'), 'done', await page.textContent('#pairs-error'));
  const row = await page.$$eval('#before-after tbody td', (tds) => tds.map((td) => td.textContent));
  assert.equal(row[0], PAIR[0]);
  assert.equal(row[1], PAIR[1]);
  assert.equal(row[2], expected.pairBefore, 'before: the shipped model');
  assert.notEqual(row[3], row[2], 'after: the output changed');
  assert.equal(await page.evaluate(() => document.getElementById('tune-progress').value), 20);
  assert.match(await page.getAttribute('#loss', 'aria-label'), /20 of 20 steps/);
  assert.equal(await html().getAttribute('data-steps'), '20');
  assert.match(await page.textContent('#model-info'), /fine-tuned for 20 steps/);
  assert.equal(await translate(PAIR[0]), row[3], 'translations use the tuned model');

  // cancel: a long run stops and keeps the steps done. The worker can run
  // ahead of the page (2000 steps of the fixture model take seconds), so a
  // click timed from outside races with the run's end. Instead the page
  // clicks Cancel itself when its label first reports step 3: the run's
  // result is queued behind that progress message, so the abort always
  // lands before the page sees the run end. How many steps the worker did
  // by then varies (3 to 2000); the page must report that number and keep
  // exactly those steps.
  await page.fill('#steps', '2000');
  await page.evaluate(() => {
    const label = document.getElementById('tune-label');
    const watch = new MutationObserver(() => {
      const m = /^Training: step (\d+) of 2000/.exec(label.textContent);
      if (m && Number(m[1]) >= 3) { watch.disconnect(); document.getElementById('cancel').click(); }
    });
    watch.observe(label, { childList: true, characterData: true, subtree: true });
  });
  await page.click('#tune');
  const tuneState = () => page.evaluate(() => ({
    tune: document.documentElement.dataset.tune, progress: document.getElementById('tune-progress').value,
    label: document.getElementById('tune-label').textContent, steps: document.documentElement.dataset.steps,
  }));
  await page.waitForFunction(() => ['cancelled', 'done', 'error'].includes(document.documentElement.dataset.tune), null, { timeout: 120_000 })
    .catch(async (e) => { throw new Error(`the cancelled run did not finish: ${JSON.stringify(await tuneState())} (${e.message})`); });
  const end = await tuneState();
  assert.equal(end.tune, 'cancelled', JSON.stringify(end));
  const kept = Number(/^Cancelled after (\d+) of 2000 steps/.exec(end.label)?.[1]);
  assert.ok(kept >= 3 && kept <= 2000, JSON.stringify(end));
  const steps = Number(end.steps);
  assert.equal(steps, 20 + kept, 'the model keeps exactly the steps the page reports');
  tuned = { text: await translate(PAIR[0]), steps };
});

test('the tuned model survives a reload (IndexedDB)', { skip, timeout: 120_000 }, async () => {
  await page.reload();
  await ready();
  assert.equal(await html().getAttribute('data-model'), 'tuned');
  assert.equal(Number(await html().getAttribute('data-steps')), tuned.steps);
  assert.equal(await translate(PAIR[0]), tuned.text);
});

test('downloads as .s2s; a bad file gets a clear message; a .s2s file loads', { skip, timeout: 120_000 }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /^en-es-tuned-\d+\.s2s$/);
  const file = readFileSync(await download.path());
  assert.equal(file.subarray(0, 4).toString(), 'S2SM');

  await page.setInputFiles('#model-file', { name: 'broken.s2s', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a model, only some text') });
  await page.waitForFunction(() => !document.getElementById('model-error').hidden, null, { timeout: 40_000 });
  assert.match(await page.textContent('#model-error'), /“broken\.s2s” is not a model this page can use: .+ The current model stays\./);
  assert.equal(await html().getAttribute('data-model'), 'tuned');

  await page.setInputFiles('#model-file', { name: 'mine.s2s', mimeType: 'application/octet-stream', buffer: file });
  await page.waitForFunction(() => document.documentElement.dataset.model === 'file', null, { timeout: 40_000 });
  assert.match(await page.textContent('#model-info'), /“mine\.s2s”/);
  assert.equal(await page.isHidden('#model-error'), true);
  assert.equal(await translate(PAIR[0]), tuned.text, 'the downloaded model is the tuned one');
});

test('reset returns to the shipped model', { skip, timeout: 80_000 }, async () => {
  await page.click('#reset');
  await page.waitForFunction(() => document.documentElement.dataset.model === 'shipped', null, { timeout: 40_000 });
  assert.equal(await translate(PAIR[0]), expected.pairBefore);
  await page.reload();
  await ready();
  assert.equal(await html().getAttribute('data-model'), 'shipped', 'nothing is kept after a reset');
});

test('works offline: reload with the network off and translate', { skip, timeout: 120_000 }, async () => {
  const before = server.requests.length;
  await context.setOffline(true);
  try {
    await page.reload();
    await ready();
    assert.equal(await translate(SENTENCE), expected.greedy.text);
  } finally {
    await context.setOffline(false);
  }
  // (Chromium's check for a new sw.js bypasses the offline emulation; a real
  // offline browser fails it quietly and keeps the installed worker)
  const reached = server.requests.slice(before).filter((r) => r.url !== '/web/sw.js');
  assert.deepEqual(reached, [], 'nothing else reached the server while offline');
});

test('readable at phone width in dark mode; keyboard and screen-reader basics', { skip, timeout: 80_000 }, async () => {
  // every control has a label
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent.trim())))
    .map((e) => e.id || e.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, []);
  // the skip link is the first stop of Tab and shows when focused
  assert.equal(await page.evaluate(() => document.querySelector('a, button, input, select, textarea, [tabindex]').className), 'skip');
  await page.focus('a.skip');
  assert.ok((await page.locator('a.skip').boundingBox()).x >= 0, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await translate(`${SENTENCE} Then open the file and select the cells you want to delete.`);
  await page.waitForTimeout(200); // the heatmap redraws on resize
  const layout = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    bg: getComputedStyle(document.documentElement).backgroundColor,
  }));
  assert.ok(layout.scroll <= 390, `no sideways scrolling of the page (${layout.scroll} px)`);
  assert.equal(layout.bg, 'rgb(21, 23, 26)', 'dark colours');
  await page.screenshot({ path: join(SHOTS, 'page-phone-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1100, height: 900 });
});

/**
 * The fixture model fine-tuned one step (so its weights are f32) and saved,
 * with the source embedding of one piece of `word` that none of `clean` uses
 * set to NaN: a training batch holding a pair with `word` has a NaN loss, which
 * the trainer rejects (DivergedError, the step undone); the clean sentences
 * translate and train as usual.
 */
async function divergingModel(word, clean) {
  const t = await Translator.create({ model: MODEL_PATH });
  try {
    await t.fineTune([PAIR], { steps: 1 });
    const bytes = await t.save();
    const used = new Set((await t.translate(clean)).flatMap((r) => [...r.sourceIds]));
    const id = [...(await t.translate(word)).sourceIds].find((i) => !used.has(i));
    assert.ok(id !== undefined, `a piece of “${word}” that no clean sentence uses`);
    const { dtype, dims: [, E], offset } = tensors(bytes).src_emb;
    assert.equal(dtype, 0, 'src_emb is f32');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let k = 0; k < E; k++) dv.setFloat32(offset + 4 * (id * E + k), NaN, true);
    return reseal(bytes);
  } finally {
    t.destroy();
  }
}

test('a diverging fine-tuning step: a clear message, the steps before it kept, the page goes on working', { skip, timeout: 360_000 }, async () => {
  const CLEAN = [PAIR, ['Close the window.', 'Cierra la ventana.']];
  const POISON = ['Zebra', 'Cebra'];
  const model = await divergingModel(POISON[0], CLEAN.map((c) => c[0]));
  // run 1: the poisoned pair is in the first batch, so step 1 diverges;
  // run 2: batches of 16 cycle through 32 clean pairs, then the poisoned one: step 3 diverges after 2 good steps;
  // run 3: the clean pair alone trains as usual
  const runs = [
    { pairs: [POISON, ...CLEAN], steps: 5 },
    { pairs: [...Array.from({ length: 32 }, (_, i) => CLEAN[i % 2]), POISON], steps: 30 },
    { pairs: [PAIR], steps: 3 },
  ];
  const tuneOptions = ({ pairs, steps }) => ({ steps, learningRate: 0.01, batchSize: Math.min(16, pairs.length) });

  // what the page must show: Node's Translator doing the same (the page resets after a
  // first step that diverged, and reloads its stored model after run 2: a fresh optimizer)
  const want = {};
  const t = await Translator.create({ model: model.slice() });
  try {
    want.loaded = (await t.translate(PAIR[0])).text;
    const e1 = await t.fineTune(runs[0].pairs, tuneOptions(runs[0])).catch((e) => e);
    assert.ok(e1?.name === 'DivergedError' && e1.losses.length === 0, String(e1));
    await t.reset();
    const e2 = await t.fineTune(runs[1].pairs, tuneOptions(runs[1])).catch((e) => e);
    assert.ok(e2?.name === 'DivergedError' && e2.losses.length === 2, String(e2));
    want.losses = e2.losses;
    want.two = (await t.translate(PAIR[0])).text;
    want.twoFile = await t.save();
  } finally {
    t.destroy();
  }
  const u = await Translator.create({ model: want.twoFile });
  try {
    await u.fineTune(runs[2].pairs, tuneOptions(runs[2]));
    want.five = (await u.translate(PAIR[0])).text;
  } finally {
    u.destroy();
  }
  assert.notEqual(want.two, want.loaded, 'the two kept steps change the output');

  // the page on its own origin (its own service worker and IndexedDB), served the diverging model
  const srv = await startServer({
    files: {
      '/web/config.js': { body: CONFIG_JS.replaceAll('tiny-en-es.s2s', 'diverging.s2s') },
      '/tests/fixtures/js/diverging.s2s': { body: model },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 's2s-page-diverge-'));
  let ctx;
  try {
    ctx = await launch(dir, { viewport: { width: 1100, height: 900 } });
    const seen = watch(ctx);
    const p = ctx.pages()[0] ?? await ctx.newPage();
    seen.watchPage(p);
    await p.goto(`${srv.origin}/web/`);
    await ready(p);
    assert.equal(await translate(PAIR[0], { on: p }), want.loaded);

    const tune = async (run) => {
      await p.fill('#pairs', run.pairs.map((pair) => pair.join('\t')).join('\n'));
      await p.fill('#steps', String(run.steps));
      await p.selectOption('#lr', '0.01');
      await p.click('#tune'); // sets data-tune to 'running' at once
      await p.waitForFunction(() => ['done', 'error', 'diverged', 'cancelled'].includes(document.documentElement.dataset.tune), null, { timeout: 120_000 });
      return p.evaluate(() => {
        const $ = (id) => document.getElementById(id);
        return {
          tune: document.documentElement.dataset.tune, steps: document.documentElement.dataset.steps,
          model: document.documentElement.dataset.model, label: $('tune-label').textContent,
          alert: $('pairs-error').hidden ? null : $('pairs-error').textContent,
          progress: $('tune-progress').value, chart: $('loss').getAttribute('aria-label'), info: $('model-info').textContent,
          rows: [...$('before-after').tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
          disabled: Object.fromEntries(['source', 'pairs', 'steps', 'tune', 'cancel', 'reset', 'download', 'model-file'].map((id) => [id, $(id).disabled])),
        };
      });
    };
    const usable = { source: false, pairs: false, steps: false, tune: false, cancel: true, reset: false, download: false, 'model-file': false };

    // run 1: the first step diverges: the loaded model, untouched
    let s = await tune(runs[0]);
    assert.equal(s.tune, 'diverged', s.label);
    assert.match(s.label, /^Step 1 of 5 was rejected: its loss became NaN, infinite or exploded, so it was undone and the run stopped\. The model is as it was before the run\./);
    assert.equal(s.alert, s.label, 'the message is shown as an alert too');
    assert.deepEqual([s.steps, s.model, s.progress], ['0', 'shipped', 0]);
    assert.deepEqual(s.rows[1], [PAIR[0], PAIR[1], want.loaded, want.loaded], 'before = after');
    assert.deepEqual(s.disabled, usable);
    assert.equal(await translate(PAIR[0], { on: p }), want.loaded, 'the loaded model translates');

    // run 2: step 3 diverges: the two steps before it stay (model, loss curve, progress) and are kept
    s = await tune(runs[1]);
    assert.equal(s.tune, 'diverged', s.label);
    assert.match(s.label, /^Step 3 of 30 was rejected: .* The model keeps the 2 steps before it\. .*It is kept in this browser\.$/);
    assert.match(s.alert, /^Step 3 of 30 was rejected/);
    assert.deepEqual([s.steps, s.model, s.progress], ['2', 'tuned', 2]);
    assert.equal(s.chart, `Training loss per step: 2 of 30 steps, from ${want.losses[0].toFixed(3)} to ${want.losses[1].toFixed(3)}`);
    assert.match(s.info, /fine-tuned for 2 steps/);
    assert.deepEqual(s.rows[0], [PAIR[0], PAIR[1], want.loaded, want.two]);
    assert.deepEqual(s.disabled, usable);
    assert.equal(await translate(PAIR[0], { on: p }), want.two, 'the model as after step 2 translates');
    await p.screenshot({ path: join(SHOTS, 'page-diverged.png'), fullPage: true });
    await p.reload();
    await ready(p);
    assert.deepEqual([await html(p).getAttribute('data-model'), await html(p).getAttribute('data-steps')], ['tuned', '2'], 'kept across a reload');
    assert.equal(await translate(PAIR[0], { on: p }), want.two);

    // run 3: fine-tuning goes on from there; then reset
    s = await tune(runs[2]);
    assert.equal(s.tune, 'done', s.label);
    assert.equal(s.alert, null, 'the old message is gone');
    assert.equal(s.steps, '5');
    assert.equal(await translate(PAIR[0], { on: p }), want.five);
    await p.click('#reset');
    await p.waitForFunction(() => document.documentElement.dataset.model === 'shipped', null, { timeout: 40_000 });
    assert.equal(await translate(PAIR[0], { on: p }), want.loaded);

    assert.deepEqual(seen.problems, [], 'no console error');
    assert.deepEqual(seen.requests.filter((r) => !r.startsWith('blob:') && !r.startsWith('data:') && new URL(r).origin !== srv.origin), []);
    assert.deepEqual(srv.requests.filter((r) => r.status !== 200), [], 'every request found its file');
  } finally {
    await closeAll({ context: ctx, server: srv, profile: dir });
  }
});

test('a clear message where WebAssembly is missing', { skip, timeout: 80_000 }, async () => {
  const p = await context.newPage();
  const seen = [];
  p.on('console', (m) => { if (m.type() === 'error') seen.push(m.text()); });
  try {
    await p.addInitScript(() => { delete globalThis.WebAssembly; });
    await p.goto(`${server.origin}/web/`);
    await p.waitForFunction(() => document.documentElement.dataset.state === 'error', null, { timeout: 40_000 });
    assert.match(await p.textContent('#fatal'), /This browser has no WebAssembly/);
    assert.equal(await p.isDisabled('#source'), true);
    assert.deepEqual(seen, []);
  } finally {
    await p.close();
  }
});

test('a model with a lexical shortlist: the page says so and translates with it, as the API does by default', { skip, timeout: 160_000 }, async () => {
  const path = join(ROOT, 'tests/fixtures/js/tiny-en-es-shortlist.s2s');
  const t = await Translator.create({ model: path });
  let want, full;
  try {
    want = (await t.translate(SENTENCE)).text;
    full = (await t.translate(SENTENCE, { shortlist: false })).text;
  } finally {
    t.destroy();
  }
  const config = CONFIG_JS.replaceAll("model: '../tests/fixtures/js/tiny-en-es.s2s'", "model: '../tests/fixtures/js/tiny-en-es-shortlist.s2s'");
  await withOwnPage('page-shortlist', config, async (p) => {
    assert.match(await p.textContent('#model-info'), /lexical shortlist \(64 \+ 8 per source piece\)/);
    assert.equal(await translate(SENTENCE, { on: p }), want, `the whole vocabulary would give: ${full}`);
  });
});

test('config.js beamSize 4: a first visit starts with beam 4 checked and translates as the API does with it', { skip, timeout: 160_000 }, async () => {
  await withOwnPage('page-beam', CONFIG_JS.replace("engine: 'simd',", "engine: 'simd',\n  beamSize: 4,"), async (p) => {
    assert.equal(await p.isChecked('input[name=search][value=beam]'), true);
    assert.equal(await p.inputValue('#beam-size'), '4');
    assert.equal(await translate(SENTENCE, { beam: 4, on: p }), expected.beam4);
    await p.check('input[name=search][value=greedy]');
    assert.equal(await translate(SENTENCE, { beam: 1, on: p }), expected.greedy.text, 'the user can still choose greedy');
  });
});

test('no console error, nothing asked of any other origin; the service worker caches every file the page loads', { skip }, async () => {
  assert.deepEqual(w.problems, []);
  const foreign = w.requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== server.origin);
  assert.deepEqual(foreign, [], 'requests outside the local server');
  const bad = server.requests.filter((r) => r.status !== 200 && !(r.url === '/' && r.status === 302));
  assert.deepEqual(bad, [], 'every request found its file');
  // sw.js's SHELL lists every module and stylesheet of web/ and src/js/ (except the CLI) and every engine
  const sw = readFileSync(join(ROOT, 'web/sw.js'), 'utf8');
  const files = [
    ...readdirSync(join(ROOT, 'web')).filter((f) => /\.(js|css|html|svg)$/.test(f) && f !== 'sw.js').map((f) => `./${f}`),
    ...readdirSync(join(ROOT, 'src/js')).filter((f) => f.endsWith('.js') && f !== 'cli.js').map((f) => `../src/js/${f}`),
    '../dist/seq2seq-simd.wasm', '../dist/seq2seq-scalar.wasm', '../dist/seq2seq-relaxed.wasm',
  ];
  for (const f of files) assert.ok(sw.includes(`'${f}'`), `web/sw.js caches ${f}`);
});

test('the page never builds HTML from strings and has no inline script or style', { skip }, async () => {
  for (const f of readdirSync(join(ROOT, 'web')).filter((n) => n.endsWith('.js'))) {
    const src = readFileSync(join(ROOT, 'web', f), 'utf8');
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, `web/${f}`);
  }
  const page = readFileSync(join(ROOT, 'web/index.html'), 'utf8');
  assert.doesNotMatch(page, /\sstyle=|<style|\son[a-z]+=/i, 'no inline style or handler');
  assert.doesNotMatch(page, /<script(?![^>]*\ssrc=)/i, 'no inline script');
});
