// WorkerTranslator: the same API with the engine in a worker_threads Worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  Translator, WorkerTranslator, DestroyedError, InvalidArgumentError, InputTooLongError, ModelError, DivergedError,
} from '../../src/js/index.js';
import { ENGINE, FIXTURE_MODEL, ROOT, modelBytes, opts, sentences } from './helpers.js';

let w, local;
before(async () => {
  [w, local] = await Promise.all([WorkerTranslator.create(opts()), Translator.create(opts())]);
});
after(() => { w.destroy(); local.destroy(); });

test('it reports its engine and model, and translates exactly like the in-thread Translator', async () => {
  assert.deepEqual(w.engine, local.engine);
  assert.deepEqual(w.model, local.model);
  const texts = sentences();
  assert.deepEqual(await w.translate(texts, { beamSize: 4, attention: true }), await local.translate(texts, { beamSize: 4, attention: true }));
  const para = texts.slice(0, 4).join(' ');
  assert.deepEqual(await w.translate(para), await local.translate(para));
});

test('the calling thread stays free while the worker translates', async () => {
  // counted in event-loop turns, not time: the calling thread keeps turning
  // (here about 100,000 turns) while the worker does the work
  let turns = 0, done = false;
  const big = new Array(300).fill('Save the document before closing it.');
  const p = w.translate(big, { beamSize: 4 }).then(() => { done = true; });
  while (!done) { await new Promise((r) => setImmediate(r)); turns++; }
  await p;
  assert.ok(turns > 3, `${turns} event-loop turns during the translation`);
});

test('progress, integrity and bytes work through the worker', async () => {
  const events = [];
  const bytes = modelBytes();
  const { createHash } = await import('node:crypto');
  const integrity = createHash('sha256').update(bytes).digest('hex');
  const t = await WorkerTranslator.create(opts({ monitor: (m) => m.addEventListener('downloadprogress', (e) => events.push([e.loaded, e.total])), integrity }));
  assert.deepEqual(events.at(-1), [bytes.length, bytes.length]);
  t.destroy();
  const u = await WorkerTranslator.create(opts({ model: bytes }));
  assert.equal(bytes.length, modelBytes().length, 'the caller keeps its bytes');
  assert.equal((await u.translate('Open the file.')).text, (await local.translate('Open the file.')).text);
  u.destroy();
});

test('errors arrive typed, with their messages', async () => {
  await assert.rejects(WorkerTranslator.create(opts({ model: new Uint8Array(10) })), ModelError);
  await assert.rejects(w.translate(42), (e) => e instanceof InvalidArgumentError && /text must be a string/.test(e.message));
  await assert.rejects(w.translate('x', { beamSize: 0 }), InvalidArgumentError);
  await assert.rejects(w.translate('a'.repeat(200_000)), InputTooLongError);
  await assert.rejects(WorkerTranslator.create({}), InvalidArgumentError);
});

test('streaming through the worker gives the same pieces; stopping early is fine', async () => {
  const s = 'Open the file. Click OK to continue.';
  const a = [], b = [];
  for await (const c of w.translateStreaming(s)) a.push(c);
  for await (const c of local.translateStreaming(s)) b.push(c);
  assert.deepEqual(a, b);
  for await (const c of w.translateStreaming(s)) { void c; break; }
  assert.equal((await w.translate('Open the file.')).text, (await local.translate('Open the file.')).text);
});

test('fineTune with progress, abort, save and reset', async () => {
  const t = await WorkerTranslator.create(opts());
  const pairs = [['Open the file.', 'Abre el archivo.']];
  const steps = [];
  const losses = await t.fineTune(pairs, { steps: 5, onProgress: (p) => steps.push(p.step) });
  assert.deepEqual(steps, [1, 2, 3, 4, 5]);
  assert.deepEqual(losses, await local.fineTune(pairs, { steps: 5 }));
  assert.deepEqual(await t.save(), await local.save());
  // replay pairs cross to the worker like the pairs
  const replay = [['Close the window.', 'Cierra la ventana.']];
  assert.deepEqual(await t.fineTune(pairs, { steps: 2, replay }), await local.fineTune(pairs, { steps: 2, replay }));
  await local.reset();
  const ac = new AbortController();
  // aborted from its own progress report (not a timer), so the run cannot end first
  const p = t.fineTune(pairs, { steps: 100000, signal: ac.signal, onProgress: ({ step }) => { if (step === 3) ac.abort(); } });
  await assert.rejects(p, { name: 'AbortError' });
  await t.reset();
  assert.equal((await t.getModel()).fineTuned, false);
  assert.ok(DivergedError); // typed like the Translator's (see finetune.test.js)
  t.destroy();
});

test('a destroyed worker translator rejects with DestroyedError, also for calls in flight', async () => {
  const t = await WorkerTranslator.create(opts());
  const inflight = t.translate(new Array(200).fill('Save the document before closing it.'), { beamSize: 4 });
  t.destroy();
  await assert.rejects(inflight, DestroyedError);
  await assert.rejects(t.translate('x'), DestroyedError);
  await assert.rejects(t.save(), DestroyedError);
  t.destroy();
});

test('a forgotten worker translator does not keep Node running', () => {
  const script = `
    import { WorkerTranslator } from './src/js/index.js';
    const t = await WorkerTranslator.create({ model: ${JSON.stringify(FIXTURE_MODEL)}, engine: '${ENGINE}' });
    console.log((await t.translate('Open the file.')).text.length >= 0);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 80_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true');
});
