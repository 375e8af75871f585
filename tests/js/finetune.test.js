// fineTune(), save() and reset().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Translator, WorkerTranslator, DivergedError, InvalidArgumentError, InputTooLongError, ModelError } from '../../src/js/index.js';
import { opts, modelBytes, assertSecondStepDiverges, sinkRarePiece, assertExplodingStepUndone, assertDefaultLearningRate } from './helpers.js';
import { tensors, reseal } from './s2sfile.js';

const PAIRS = [['Open the file.', 'Abre el archivo.'], { source: 'Close the window.', target: 'Cierra la ventana.' }];

test('fineTune returns the loss of every step, which falls on a repeated pair, and reports progress', async () => {
  const t = await Translator.create(opts());
  const progress = [];
  const losses = await t.fineTune(PAIRS, { steps: 30, learningRate: 1e-2, onProgress: (p) => progress.push(p) });
  assert.equal(losses.length, 30);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses.at(-1) < losses[0] * 0.7, `loss ${losses[0]} -> ${losses.at(-1)}`);
  assert.deepEqual(progress.map((p) => p.step), Array.from({ length: 30 }, (_, i) => i + 1));
  assert.ok(progress.every((p) => p.steps === 30 && p.tokens > 0));
  assert.deepEqual(progress.map((p) => p.loss), losses);
  // the tuned model translates its training pair better than before
  const m = t.model;
  assert.equal(m.fineTuned, true);
  assert.equal(m.fineTuneSteps, 30);
  assert.equal(m.quantized, false, 'the int8 model was dequantized to train');
  assert.equal(m.loadedQuantized, true);
  t.destroy();
});

test('fineTune learns a one-sentence source as translate() gives it to the engine', async () => {
  // typed in small letters or in capitals, it is learned in sentence case,
  // as translate() encodes it: the same losses as the pair typed so
  const losses = async (pairs) => {
    const t = await Translator.create(opts());
    try {
      return await t.fineTune(pairs, { steps: 3, learningRate: 1e-2 });
    } finally {
      t.destroy();
    }
  };
  const cased = await losses([['Open the file.', 'Abre el archivo.']]);
  assert.deepEqual(await losses([['open the file.', 'Abre el archivo.']]), cased);
  assert.deepEqual(await losses([['OPEN THE FILE.', 'Abre el archivo.']]), cased);
  assert.notDeepEqual(await losses([['Open the File.', 'Abre el archivo.']]), cased, 'typed as written: as it is');
  // emoji around it go around the translation: learned without them, on both sides
  assert.deepEqual(await losses([['Open the file. 😊', 'Abre el archivo. 😊']]), cased);
});

test("without a learningRate, fineTune trains at the recurrent family's default, 3e-4", async () => {
  await assertDefaultLearningRate(() => Translator.create(opts()), PAIRS, 3e-4);
});

test('the tuned model is used by translate; reset() returns to the loaded weights exactly', async () => {
  const t = await Translator.create(opts());
  const before = await t.translate('Open the file.', { beamSize: 4 });
  const savedBefore = await t.save();
  await t.fineTune(PAIRS, { steps: 40, learningRate: 2e-2 });
  const after = await t.translate('Open the file.', { beamSize: 4 });
  assert.notDeepEqual(after.targetIds, before.targetIds);
  assert.ok(after.score > before.score, 'the pair is now likelier');
  await t.reset();
  assert.deepEqual(await t.translate('Open the file.', { beamSize: 4 }), before);
  assert.deepEqual(await t.save(), savedBefore);
  assert.equal(t.model.fineTuned, false);
  // and fine-tuning again starts from the loaded weights: the same losses
  const l1 = await t.fineTune(PAIRS, { steps: 3 });
  await t.reset();
  const l2 = await t.fineTune(PAIRS, { steps: 3 });
  assert.deepEqual(l1, l2);
  t.destroy();
});

test('save() writes the current weights: the loaded int8 file, then f32 after fine-tuning; quantize: true writes int8', async () => {
  const t = await Translator.create(opts());
  const loaded = await t.save();
  assert.ok(loaded instanceof Uint8Array);
  await t.fineTune(PAIRS, { steps: 10, learningRate: 1e-2 });
  const tuned = await t.save();
  const tunedQ = await t.save({ quantize: true });
  assert.ok(tuned.length > 2 * tunedQ.length, `f32 ${tuned.length} vs int8 ${tunedQ.length}`);
  const expected = await t.translate('Open the file. Close the window.', { beamSize: 4 });
  const u = await Translator.create(opts({ model: tuned }));
  assert.equal(u.model.quantized, false);
  assert.deepEqual(await u.translate('Open the file. Close the window.', { beamSize: 4 }), expected);
  const q = await Translator.create(opts({ model: tunedQ }));
  assert.equal(q.model.quantized, true);
  assert.equal(typeof (await q.translate('Open the file.')).text, 'string');
  for (const x of [t, u, q]) x.destroy();
});

test('fineTune on an f32 model continues from a clone; Adam state carries over calls', async () => {
  const t = await Translator.create(opts());
  await t.fineTune(PAIRS, { steps: 2 });
  const f32 = await t.save();
  t.destroy();
  const u = await Translator.create(opts({ model: f32 }));
  const a = await u.fineTune(PAIRS, { steps: 4 });
  await u.reset();
  const b1 = await u.fineTune(PAIRS, { steps: 2 });
  const b2 = await u.fineTune(PAIRS, { steps: 2 });
  assert.deepEqual([...b1, ...b2], a, 'two calls of 2 steps = one call of 4');
  assert.equal(u.model.fineTuneSteps, 4);
  u.destroy();
});

test('a diverging step rejects with a DivergedError and leaves the model as before that step', async () => {
  // a model whose embedding of one source token is NaN: only pairs using it diverge
  const t0 = await Translator.create(opts());
  await t0.fineTune(PAIRS, { steps: 1 });
  const f32 = await t0.save();
  const poisonId = (await t0.translate('Zebra')).sourceIds.at(-1);
  t0.destroy();
  const info = tensors(f32).src_emb;
  const E = info.dims[1];
  const dv = new DataView(f32.buffer, f32.byteOffset);
  for (let k = 0; k < E; k++) dv.setFloat32(info.offset + 4 * (poisonId * E + k), NaN, true);
  reseal(f32);

  const t = await Translator.create(opts({ model: f32 }));
  const clean = (await t.translate('Open the file.')).sourceIds;
  assert.ok(!clean.includes(poisonId));
  await assertSecondStepDiverges(t, PAIRS[0]);
  t.destroy();
});

test('an AbortSignal stops fine-tuning between steps; the steps done stay', async () => {
  const t = await Translator.create(opts());
  const ac = new AbortController();
  await assert.rejects(t.fineTune(PAIRS, { steps: 1000, signal: ac.signal, onProgress: ({ step }) => { if (step === 3) ac.abort(); } }), { name: 'AbortError' });
  assert.equal(t.model.fineTuneSteps, 3);
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(t.fineTune(PAIRS, { signal: pre.signal }), { name: 'AbortError' });
  t.destroy();
});

test('fineTune and reset refuse bad arguments and overlapping runs', async () => {
  const t = await Translator.create(opts());
  const bad = [
    [], [undefined], ['pairs'], [[['only one']]], [[['', 'x']]], [[['x', 42]]], [[{ source: 'x' }]],
    [PAIRS, { steps: 0 }], [PAIRS, { steps: 1.5 }], [PAIRS, { learningRate: 0 }], [PAIRS, { learningRate: 2 }],
    [PAIRS, { batchSize: 0 }], [PAIRS, { onProgress: 1 }], [PAIRS, { epochs: 3 }], [PAIRS, { dropout: 1 }],
  ];
  for (const args of bad) await assert.rejects(t.fineTune(...args), InvalidArgumentError, JSON.stringify(args));
  await assert.rejects(t.fineTune(new Array(10001).fill(PAIRS[0])), InputTooLongError);
  const running = t.fineTune(PAIRS, { steps: 20 });
  await assert.rejects(t.fineTune(PAIRS, { steps: 1 }), /already running/);
  await assert.rejects(t.reset(), /fine-tuning is running/);
  await running;
  await assert.rejects(t.save({ quantize: 'yes' }), InvalidArgumentError);
  t.destroy();
});

test('replay: its pairs share every batch with the caller\'s (the same steps as training on both), replayShare sets the mix', async () => {
  const [a, b] = [PAIRS[0], [PAIRS[1].source, PAIRS[1].target]];
  const mixed = await Translator.create(opts()), both = await Translator.create(opts());
  // batch of 2, half replay: [a, b] at every step, exactly as pairs [a, b] in batches of 2
  const l1 = await mixed.fineTune([a], { steps: 4, batchSize: 2, learningRate: 1e-2, replay: [b] });
  const l2 = await both.fineTune([a, b], { steps: 4, batchSize: 2, learningRate: 1e-2 });
  assert.deepEqual(l1, l2);
  assert.deepEqual(await mixed.save(), await both.save());
  // replayShare 0 (or an empty replay) trains on the caller's pairs alone
  const alone = await Translator.create(opts()), share0 = await Translator.create(opts()), empty = await Translator.create(opts());
  const l3 = await alone.fineTune([a], { steps: 3, learningRate: 1e-2 });
  assert.deepEqual(await share0.fineTune([a], { steps: 3, learningRate: 1e-2, replay: [b], replayShare: 0 }), l3);
  assert.deepEqual(await empty.fineTune([a], { steps: 3, learningRate: 1e-2, replay: [] }), l3);
  // and differs from training with replay
  const withReplay = await Translator.create(opts());
  assert.notDeepEqual(await withReplay.fineTune([a], { steps: 3, learningRate: 1e-2, replay: [b] }), l3);
  // bad replays are refused naming what is wrong, before any step
  const bad = [{ replay: 'x' }, { replay: [['', 'y']] }, { replay: [b], replayShare: 1 }, { replay: [b], replayShare: -0.1 }];
  for (const o of bad) await assert.rejects(withReplay.fineTune([a], o), InvalidArgumentError, JSON.stringify(o));
  await assert.rejects(withReplay.fineTune([a], { replay: [b, ['x', '']] }), /replay pair 1/);
  await assert.rejects(withReplay.fineTune([a], { replay: new Array(10001).fill(b) }), InputTooLongError);
  for (const t of [mixed, both, alone, share0, empty, withReplay]) t.destroy();
});

test('an exploding (finite) loss is caught after warm-up: DivergedError, the step undone, translations as before it', async () => {
  const t0 = await Translator.create(opts());
  await t0.fineTune(PAIRS, { steps: 1 });
  const f32 = await t0.save();
  t0.destroy();
  const clean = [['Open the file.', 'Abre el archivo.'], ['Close the window.', 'Cierra la ventana.'], ['Save the document.', 'Guarda el documento.']];
  await sinkRarePiece(f32, clean, (model) => Translator.create(opts({ model })));
  const t = await Translator.create(opts({ model: f32 }));
  await assertExplodingStepUndone(t, clean, 'Open the file. Close the window.');
  t.destroy();
});


test('a diverging first fine-tune leaves the loaded model exactly as loaded (Translator and WorkerTranslator)', async () => {
  const t0 = await Translator.create(opts());
  await t0.fineTune(PAIRS, { steps: 1 });
  const f32 = await t0.save();
  t0.destroy();
  const info = tensors(f32)['out.b'];
  new DataView(f32.buffer, f32.byteOffset).setFloat32(info.offset, Infinity, true); // every logit row: inf - inf = NaN
  reseal(f32);
  for (const Cls of [Translator, WorkerTranslator]) {
    const t = await Cls.create(opts({ model: f32.slice() }));
    const before = await t.translate('Open the file.');
    const saved = await t.save();
    await assert.rejects(t.fineTune(PAIRS, { steps: 3 }), (e) => e instanceof DivergedError && e.losses.length === 0 && /step 1/.test(e.message));
    assert.deepEqual(await t.translate('Open the file.'), before, Cls.name);
    assert.deepEqual(await t.save(), saved, Cls.name);
    t.destroy();
  }
});

test('after a diverging first step an int8 model translates with its int8 weights again, not the f32 copy', async () => {
  const int8 = modelBytes().slice();
  const info = tensors(int8)['out.b'];
  assert.equal(info.dtype, 0); // f32: biases stay f32 in an int8 model
  new DataView(int8.buffer, int8.byteOffset).setFloat32(info.offset, Infinity, true);
  reseal(int8);
  for (const Cls of [Translator, WorkerTranslator]) {
    const t = await Cls.create(opts({ model: int8.slice() }));
    const before = await t.translate('Open the file.');
    await assert.rejects(t.fineTune(PAIRS, { steps: 3 }), DivergedError);
    const model = Cls === Translator ? t.model : await t.getModel();
    assert.equal(model.fineTuned, false, Cls.name);
    assert.equal(model.quantized, true, Cls.name);
    assert.deepEqual(await t.translate('Open the file.'), before, Cls.name);
    assert.deepEqual(await t.save(), int8, Cls.name);
    t.destroy();
  }
});

test('a saved model is validated: save() output loads back; a damaged or cut tuned file is refused when loaded', async () => {
  const t = await Translator.create(opts());
  await t.fineTune(PAIRS, { steps: 3 });
  const expected = await t.translate('Open the file.', { beamSize: 4 });
  for (const quantize of [false, true]) {
    const file = await t.save({ quantize });
    const flipped = file.slice();
    flipped[flipped.length >> 1] ^= 0x10;
    const cut = file.slice(0, file.length - 100);
    for (const Cls of [Translator, WorkerTranslator]) {
      await assert.rejects(Cls.create(opts({ model: flipped })), (e) => e instanceof ModelError && /checksum|CRC/i.test(e.message), `${Cls.name} flipped`);
      await assert.rejects(Cls.create(opts({ model: cut })), ModelError, `${Cls.name} cut`);
      await assert.rejects(Cls.create(opts({ model: new Uint8Array(0) })), ModelError);
    }
    const u = await Translator.create(opts({ model: file }));
    if (!quantize) assert.deepEqual(await u.translate('Open the file.', { beamSize: 4 }), expected);
    u.destroy();
  }
  t.destroy();
});
