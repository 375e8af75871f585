// destroy(), two translators at once, no leaks, the FinalizationRegistry backstop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Translator, DestroyedError } from '../../src/js/index.js';
import { ENGINE, ROOT, opts, sentences } from './helpers.js';

test('every method of a destroyed translator throws a DestroyedError; destroy() twice is fine', async () => {
  const t = await Translator.create(opts());
  t.destroy();
  t.destroy();
  assert.equal(t.destroyed, true);
  await assert.rejects(t.translate('Open the file.'), DestroyedError);
  await assert.rejects(t.translate(['a']), DestroyedError);
  assert.throws(() => t.translateStreaming('Open the file.'), DestroyedError);
  await assert.rejects(t.fineTune([['a', 'b']]), DestroyedError);
  await assert.rejects(t.save(), DestroyedError);
  await assert.rejects(t.reset(), DestroyedError);
  assert.throws(() => t.model, DestroyedError);
  assert.throws(() => t.heapUsed, DestroyedError);
  assert.throws(() => t.metadata('name'), DestroyedError);
  const e = await t.translate('x').catch((x) => x);
  assert.equal(e.code, 'DESTROYED');
  assert.match(e.message, /destroyed/);
});

test('destroy() during fineTune stops it with a DestroyedError', async () => {
  const t = await Translator.create(opts());
  const p = t.fineTune([['Open the file.', 'Abre el archivo.']], { steps: 100, onProgress: ({ step }) => { if (step === 2) t.destroy(); } });
  await assert.rejects(p, DestroyedError);
});

test('two translators live side by side: different models, separate fine-tuning, separate destroy', async () => {
  const a = await Translator.create(opts());
  const b = await Translator.create(opts());
  const text = 'Open the file.';
  const base = await a.translate(text, { beamSize: 4 });
  await b.fineTune([[text, 'Abre el archivo.']], { steps: 40, learningRate: 2e-2 });
  const [ra, rb] = await Promise.all([a.translate(text, { beamSize: 4 }), b.translate(text, { beamSize: 4 })]);
  assert.deepEqual(ra, base, 'fine-tuning b did not touch a');
  assert.notDeepEqual(rb.targetIds, base.targetIds);
  // interleaved streams
  const ia = a.translateStreaming(text)[Symbol.asyncIterator]();
  const ib = b.translateStreaming(text)[Symbol.asyncIterator]();
  let ta = '', tb = '';
  for (;;) {
    const [x, y] = await Promise.all([ia.next(), ib.next()]);
    if (!x.done) ta += x.value.text;
    if (!y.done) tb += y.value.text;
    if (x.done && y.done) break;
  }
  assert.equal(ta, base.text);
  assert.equal(tb, (await b.translate(text)).text);
  a.destroy();
  assert.deepEqual(await b.translate(text, { beamSize: 4 }), rb, 'b works after a is gone');
  b.destroy();
});

test('nothing leaks: the engine heap is back where it was after every kind of call', async () => {
  const t = await Translator.create(opts());
  const texts = sentences();
  const round = async () => {
    await t.translate(texts, { beamSize: 4, attention: true });
    await t.translate(texts.join(' '));
    for await (const c of t.translateStreaming(texts.slice(0, 3).join(' '))) void c;
    await t.save();
    await t.save({ quantize: true });
    await t.translate('x'.repeat(3000)).catch(() => {});           // too long: error path
    await t.translate('Open', { beamSize: 99 }).catch(() => {});    // bad option
    await t.fineTune([['Open the file.', 'Abre el archivo.']], { steps: 2 });
    await t.reset();
  };
  await round(); // warm-up: the allocator's first growth
  const heap = t.heapUsed;
  for (let i = 0; i < 3; i++) await round();
  assert.equal(t.heapUsed, heap);
  t.destroy();
});

test('a translator dropped without destroy() is freed by the FinalizationRegistry', () => {
  const script = `
    import { Translator } from './src/js/index.js';
    import { stats } from './src/js/translator.js';
    async function useAndForget() {
      const t = await Translator.create({ model: 'tests/fixtures/js/tiny-en-es.s2s', engine: '${ENGINE}' });
      await t.translate('Open the file.');
    }
    for (let i = 0; i < 3; i++) await useAndForget();
    await new Promise((r) => setTimeout(r, 0));
    const kept = await Translator.create({ model: 'tests/fixtures/js/tiny-en-es.s2s', engine: '${ENGINE}' });
    for (let i = 0; i < 20 && stats.collected < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(JSON.stringify(stats));
    kept.destroy();
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout.trim());
  assert.equal(stats.created, 4);
  assert.equal(stats.collected, 3, 'the three dropped translators were released');
  assert.equal(stats.destroyed, 0);
});
