// fineTune(), save() and reset() on the tiny Transformer fixture
// (tests/fixtures/js/tiny-tf-en-es.s2s: int8, 2 + 2 layers, 4 heads, width
// 32, tied output), as finetune.test.js does for the recurrent family: the
// loss falls and the trained pairs translate to their targets, reset and
// save round trips, Adam state across calls, the diverging-step guard, the
// worker alike; and the first steps' losses and the tuned model's greedy
// output equal the native C trainer's (tests/js/native_ref.c --train:
// tools/test_js.sh runs it at test time and passes the file in
// S2S_NATIVE_TRAIN_EXPECTED; without it, the committed
// tests/fixtures/js/native_train_tf.json, written by tools/make_js_fixture.sh).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Translator, WorkerTranslator, DivergedError } from '../../src/js/index.js';
import { ENGINE, assertSecondStepDiverges, sinkRarePiece, assertExplodingStepUndone, assertDefaultLearningRate } from './helpers.js';
import { tensors, reseal } from './s2sfile.js';

const TF_MODEL = fileURLToPath(new URL('../fixtures/js/tiny-tf-en-es.s2s', import.meta.url));
const tfOpts = (extra = {}) => ({ model: TF_MODEL, engine: ENGINE, ...extra });
const PAIRS = [['Open the file.', 'Abre el archivo.'], { source: 'Close the window.', target: 'Cierra la ventana.' }];
const SOURCES = ['Open the file.', 'Close the window.'];
const TARGETS = ['Abre el archivo.', 'Cierra la ventana.'];
const TOL = 1e-4; // as native-equivalence.test.js: the scalar build sums in another order

// One f32 copy of the fixture (one fine-tuning step), the base of the poisoned models below.
let f32;
before(async () => {
  const t = await Translator.create(tfOpts());
  await t.fineTune(PAIRS, { steps: 1 });
  f32 = await t.save();
  t.destroy();
});

test('fineTune lowers the loss and the Transformer then translates its training pairs to their targets', async () => {
  const t = await Translator.create(tfOpts());
  assert.equal(t.model.architectureName, 'transformer');
  const before = await t.translate(SOURCES, { beamSize: 4 });
  assert.notDeepEqual(before.map((r) => r.text), TARGETS, 'the fixture does not know them yet');
  const progress = [];
  const losses = await t.fineTune(PAIRS, { steps: 60, learningRate: 1e-2, onProgress: (p) => progress.push(p) });
  assert.equal(losses.length, 60);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses.at(-1) < losses[0] * 0.5, `loss ${losses[0]} -> ${losses.at(-1)}`);
  assert.deepEqual(progress.map((p) => p.step), Array.from({ length: 60 }, (_, i) => i + 1));
  assert.ok(progress.every((p) => p.steps === 60 && p.tokens > 0));
  assert.deepEqual(progress.map((p) => p.loss), losses);
  for (const beamSize of [1, 4]) {
    assert.deepEqual((await t.translate(SOURCES, { beamSize })).map((r) => r.text), TARGETS, `beam ${beamSize}`);
  }
  const after = await t.translate(SOURCES, { beamSize: 4 });
  for (let i = 0; i < SOURCES.length; i++) assert.ok(after[i].score > before[i].score, `"${SOURCES[i]}" is now likelier`);
  const m = t.model;
  assert.equal(m.fineTuned, true);
  assert.equal(m.fineTuneSteps, 60);
  assert.equal(m.quantized, false, 'the int8 model was dequantized to train');
  assert.equal(m.loadedQuantized, true);
  assert.equal(m.architectureName, 'transformer');
  // the tuned model still gives every layer's and head's attention, and streams its output
  const h = await t.translate(SOURCES[0], { attention: 'heads' });
  assert.deepEqual([h.attentionHeads.layers, h.attentionHeads.heads, h.encoderAttention.layers], [2, 4, 2]);
  assert.ok(h.attentionHeads.data.every(Number.isFinite));
  let streamed = '';
  for await (const c of t.translateStreaming(SOURCES[1], { attention: 'heads' })) streamed += c.text;
  assert.equal(streamed, TARGETS[1]);
  t.destroy();
});

test('the first steps\' losses and the tuned model\'s output equal the native C trainer\'s', async (ctx) => {
  const file = process.env.S2S_NATIVE_TRAIN_EXPECTED || new URL('../fixtures/js/native_train_tf.json', import.meta.url);
  const expected = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(expected.model, 'tiny-tf-en-es.s2s');
  const t = await Translator.create(tfOpts());
  const pairs = expected.pairs.map((p) => [p.source, p.target]);
  for (const p of expected.pairs) {
    assert.deepEqual(Array.from((await t.translate(p.source)).sourceIds), p.sourceIds, p.source);
  }
  // every pair in one batch (batchSize 16 >= 4) and the library's defaults
  // (dropout 0.2, label smoothing 0.1, seed 1), as native_ref.c trains
  const progress = [];
  const losses = await t.fineTune(pairs, { steps: expected.steps, learningRate: expected.learningRate, onProgress: (p) => progress.push(p.tokens) });
  assert.deepEqual(progress, expected.tokens);
  const diff = Math.max(...losses.map((l, i) => Math.abs(l - expected.losses[i])));
  ctx.diagnostic(`largest loss difference over ${expected.steps} steps: ${diff.toExponential(2)}`);
  assert.ok(diff < TOL, `losses ${losses.join(', ')} vs native ${expected.losses.join(', ')}`);
  const out = await t.translate(pairs.map((p) => p[0]));
  assert.deepEqual(out.map((r) => Array.from(r.targetIds)), expected.after, 'greedy output of the tuned model');
  t.destroy();
});

test('reset() returns to the loaded weights exactly; fine-tuning again gives the same losses', async () => {
  const t = await Translator.create(tfOpts());
  const before = await t.translate(SOURCES[0], { beamSize: 4 });
  const savedBefore = await t.save();
  await t.fineTune(PAIRS, { steps: 40, learningRate: 2e-2 });
  assert.notDeepEqual((await t.translate(SOURCES[0], { beamSize: 4 })).targetIds, before.targetIds);
  await t.reset();
  assert.deepEqual(await t.translate(SOURCES[0], { beamSize: 4 }), before);
  assert.deepEqual(await t.save(), savedBefore);
  assert.equal(t.model.fineTuned, false);
  assert.equal(t.model.quantized, true);
  const l1 = await t.fineTune(PAIRS, { steps: 3 });
  await t.reset();
  assert.deepEqual(await t.fineTune(PAIRS, { steps: 3 }), l1);
  t.destroy();
});

test('save(): the tuned f32 model reloads as a Transformer and translates the same; quantize: true writes int8', async () => {
  const t = await Translator.create(tfOpts());
  await t.fineTune(PAIRS, { steps: 60, learningRate: 1e-2 });
  const tuned = await t.save();
  const tunedQ = await t.save({ quantize: true });
  assert.ok(tuned.length > 2 * tunedQ.length, `f32 ${tuned.length} vs int8 ${tunedQ.length}`);
  const text = SOURCES.join(' ');
  const expected = await t.translate(text, { beamSize: 4, attention: 'heads' });
  const u = await Translator.create(tfOpts({ model: tuned }));
  assert.equal(u.model.quantized, false);
  const { fineTuned, fineTuneSteps, quantized, loadedQuantized, ...hp } = t.model;
  const { fineTuned: f2, fineTuneSteps: s2, quantized: q2, loadedQuantized: l2, ...hp2 } = u.model;
  assert.deepEqual(hp2, hp, 'the same hyper-parameters (architecture, layers, heads)');
  assert.deepEqual(await u.translate(text, { beamSize: 4, attention: 'heads' }), expected);
  const q = await Translator.create(tfOpts({ model: tunedQ }));
  assert.equal(q.model.quantized, true);
  assert.equal(q.model.architectureName, 'transformer');
  assert.equal(typeof (await q.translate(SOURCES[0])).text, 'string');
  for (const x of [t, u, q]) x.destroy();
});

test('fineTune on an f32 Transformer continues from a clone; Adam state carries over calls', async () => {
  const u = await Translator.create(tfOpts({ model: f32.slice() }));
  const a = await u.fineTune(PAIRS, { steps: 4 });
  await u.reset();
  const b1 = await u.fineTune(PAIRS, { steps: 2 });
  const b2 = await u.fineTune(PAIRS, { steps: 2 });
  assert.deepEqual([...b1, ...b2], a, 'two calls of 2 steps = one call of 4');
  assert.equal(u.model.fineTuneSteps, 4);
  u.destroy();
});

test('a diverging step (NaN in a source embedding) rejects with a DivergedError and leaves the model as before it', async () => {
  const t0 = await Translator.create(tfOpts({ model: f32.slice() }));
  const clean = new Set((await t0.translate(SOURCES)).flatMap((r) => Array.from(r.sourceIds)));
  const poisonId = Array.from((await t0.translate('Zebra')).sourceIds).find((id) => !clean.has(id));
  assert.ok(poisonId !== undefined);
  t0.destroy();
  const bytes = f32.slice();
  const info = tensors(bytes).src_emb;
  const E = info.dims[1];
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  for (let k = 0; k < E; k++) dv.setFloat32(info.offset + 4 * (poisonId * E + k), NaN, true);
  reseal(bytes);

  const t = await Translator.create(tfOpts({ model: bytes }));
  await assertSecondStepDiverges(t, PAIRS[0]);
  t.destroy();
});

test('an exploding (finite) loss is caught after warm-up: DivergedError, the step undone, translations as before it', async () => {
  const clean = [['Open the file.', 'Abre el archivo.'], ['Close the window.', 'Cierra la ventana.'], ['Save the document.', 'Guarda el documento.']];
  const bytes = f32.slice();
  await sinkRarePiece(bytes, clean, (model) => Translator.create(tfOpts({ model })));
  const t = await Translator.create(tfOpts({ model: bytes }));
  await assertExplodingStepUndone(t, clean, SOURCES.join(' '));
  t.destroy();
});


test('a diverging first step loses nothing: the int8 Transformer translates and saves as loaded (Translator and WorkerTranslator)', async () => {
  const int8 = new Uint8Array(readFileSync(TF_MODEL));
  const info = tensors(int8)['out.b'];
  assert.equal(info.dtype, 0); // f32: biases stay f32 in an int8 model
  new DataView(int8.buffer, int8.byteOffset).setFloat32(info.offset, Infinity, true); // every logit row: inf - inf = NaN
  reseal(int8);
  for (const Cls of [Translator, WorkerTranslator]) {
    const t = await Cls.create(tfOpts({ model: int8.slice() }));
    const before = await t.translate(SOURCES[0]);
    await assert.rejects(t.fineTune(PAIRS, { steps: 3 }), (e) => e instanceof DivergedError && e.losses.length === 0 && /step 1/.test(e.message));
    const model = Cls === Translator ? t.model : await t.getModel();
    assert.equal(model.fineTuned, false, Cls.name);
    assert.equal(model.quantized, true, Cls.name);
    assert.deepEqual(await t.translate(SOURCES[0]), before, Cls.name);
    assert.deepEqual(await t.save(), int8, Cls.name);
    t.destroy();
  }
});

test('an AbortSignal stops fine-tuning the Transformer between steps; the steps done stay', async () => {
  const t = await Translator.create(tfOpts());
  const ac = new AbortController();
  await assert.rejects(t.fineTune(PAIRS, { steps: 1000, signal: ac.signal, onProgress: ({ step }) => { if (step === 3) ac.abort(); } }), { name: 'AbortError' });
  assert.equal(t.model.fineTuneSteps, 3);
  t.destroy();
});

test('the worker fine-tunes the Transformer exactly like the in-thread Translator: losses, saved file, translations, reset', async () => {
  const [w, local] = await Promise.all([WorkerTranslator.create(tfOpts()), Translator.create(tfOpts())]);
  try {
    const steps = [];
    const options = { steps: 60, learningRate: 1e-2 };
    const losses = await w.fineTune(PAIRS, { ...options, onProgress: (p) => steps.push(p.step) });
    assert.deepEqual(steps, Array.from({ length: 60 }, (_, i) => i + 1));
    assert.deepEqual(losses, await local.fineTune(PAIRS, options));
    assert.deepEqual(await w.save(), await local.save());
    assert.deepEqual(await w.save({ quantize: true }), await local.save({ quantize: true }));
    assert.deepEqual(await w.translate(SOURCES, { beamSize: 4, attention: true }), await local.translate(SOURCES, { beamSize: 4, attention: true }));
    assert.deepEqual((await w.translate(SOURCES, { beamSize: 4 })).map((r) => r.text), TARGETS);
    const m = await w.getModel();
    assert.deepEqual([m.fineTuned, m.fineTuneSteps, m.quantized, m.architectureName], [true, 60, false, 'transformer']);
    // the worker's saved model reloads in the worker and translates the same
    const v = await WorkerTranslator.create(tfOpts({ model: await w.save() }));
    assert.deepEqual(await v.translate(SOURCES, { beamSize: 4 }), await local.translate(SOURCES, { beamSize: 4 }));
    v.destroy();
    await w.reset();
    await local.reset();
    assert.equal((await w.getModel()).fineTuned, false);
    assert.deepEqual(await w.translate(SOURCES[0]), await local.translate(SOURCES[0]));
  } finally {
    w.destroy();
    local.destroy();
  }
});

test("without a learningRate, a Transformer fine-tunes at its family's default, 1e-4", async () => {
  await assertDefaultLearningRate(() => Translator.create(tfOpts()), PAIRS, 1e-4);
});
