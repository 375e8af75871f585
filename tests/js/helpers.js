// helpers.js — shared by the node:test files. S2S_TEST_ENGINE (simd | scalar |
// auto, default auto) picks the WebAssembly build every test runs against;
// tools/test.sh runs the whole suite once per build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DivergedError } from '../../src/js/index.js';
import { tensors, reseal } from './s2sfile.js';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_MODEL = fileURLToPath(new URL('../fixtures/js/tiny-en-es.s2s', import.meta.url));
export const SENTENCES = fileURLToPath(new URL('../fixtures/js/sentences.txt', import.meta.url));
export const ENGINE = process.env.S2S_TEST_ENGINE || 'auto';

let bytes;
/** The fixture model's bytes (a fresh copy each call). */
export function modelBytes() {
  bytes ??= readFileSync(FIXTURE_MODEL);
  return new Uint8Array(bytes);
}

export function sentences() {
  return readFileSync(SENTENCES, 'utf8').split('\n').filter(Boolean);
}

/** Options for Translator.create with the fixture model and the engine under test. */
export function opts(extra = {}) {
  return { model: FIXTURE_MODEL, engine: ENGINE, ...extra };
}

/** Fine-tunes `t` one pair a step, `clean` then 'Zebra' (whose source piece
 * the caller poisoned): the second step must raise DivergedError and leave
 * no trace, the weights being those after the first step. */
export async function assertSecondStepDiverges(t, clean) {
  let afterOne;
  const err = await t.fineTune([clean, ['Zebra', 'Cebra']], {
    steps: 5, batchSize: 1, onProgress: async ({ step }) => { if (step === 1) afterOne = await t.save(); },
  }).catch((e) => e);
  assert.ok(err instanceof DivergedError, String(err));
  assert.equal(err.code, 'DIVERGED');
  assert.equal(err.losses.length, 1, 'the step before it counted');
  assert.match(err.message, /step 2/);
  assert.deepEqual(await t.save(), afterOne, 'the diverging step left no trace');
  assert.equal(t.model.fineTuneSteps, 1);
}

/** Sinks, in the f32 model file `bytes` (changed in place), the output bias
 * of one target piece of "Qzxw Jirafa" that no target of `clean` uses, to
 * -1e4: a pair with that piece has a huge, finite loss, the others are
 * unaffected. `create(bytes)` makes a Translator of the model's family. */
export async function sinkRarePiece(bytes, clean, create) {
  const u = await create(bytes.slice());
  const rare = Array.from((await u.translate('Qzxw Jirafa')).sourceIds); // one vocabulary for both sides
  const used = new Set((await u.translate(clean.map((p) => p[1]))).flatMap((r) => Array.from(r.sourceIds)));
  const k = rare.find((id) => !used.has(id));
  assert.ok(k !== undefined);
  u.destroy();
  new DataView(bytes.buffer, bytes.byteOffset).setFloat32(tensors(bytes)['out.b'].offset + 4 * k, -1e4, true);
  reseal(bytes);
}

/** Fine-tunes `t` (a model after sinkRarePiece) one pair a step: five clean
 * warm-up steps, then the exploding pair, which must raise DivergedError
 * and leave the model, and its beam translation of `probe`, as after step
 * 5; the clean pairs then go on training. */
export async function assertExplodingStepUndone(t, clean, probe) {
  let atFive, savedAtFive;
  const pairs = [...clean, clean[0], clean[1], ['Zebra', 'Qzxw Jirafa']]; // 5 warm-up steps, then the exploding pair
  const err = await t.fineTune(pairs, {
    steps: 10, batchSize: 1, labelSmoothing: 0, learningRate: 1e-3,
    onProgress: async ({ step }) => { if (step === 5) { savedAtFive = await t.save(); atFive = await t.translate(probe, { beamSize: 4 }); } },
  }).catch((e) => e);
  assert.ok(err instanceof DivergedError, String(err));
  assert.match(err.message, /step 6 diverged.*exploded/);
  assert.equal(err.losses.length, 5);
  assert.ok(err.losses.every((l) => Number.isFinite(l) && l < 20), String(err.losses));
  assert.equal(t.model.fineTuneSteps, 5);
  assert.deepEqual(await t.save(), savedAtFive, 'the model is as after step 5');
  assert.deepEqual(await t.translate(probe, { beamSize: 4 }), atFive, 'and translates the same');
  assert.equal((await t.fineTune(clean, { steps: 2, batchSize: 1, labelSmoothing: 0 })).length, 2, 'the clean pairs go on training');
}

/** fineTune without a learningRate trains at the model's fineTuneLearningRate
 * (`rate`): the same losses and weights as that rate given, not those of 1e-3. */
export async function assertDefaultLearningRate(create, pairs, rate) {
  const [a, b, c] = [await create(), await create(), await create()];
  try {
    assert.equal(a.model.fineTuneLearningRate, rate);
    const o = { steps: 3, batchSize: 2, seed: 5 };
    const la = await a.fineTune(pairs, o);
    assert.deepEqual(la, await b.fineTune(pairs, { ...o, learningRate: rate }));
    assert.deepEqual(await a.save(), await b.save());
    const lc = await c.fineTune(pairs, { ...o, learningRate: 1e-3 });
    assert.notDeepEqual(la, lc);
  } finally {
    for (const t of [a, b, c]) t.destroy();
  }
}
