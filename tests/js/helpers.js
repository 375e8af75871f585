// helpers.js — shared by the node:test files. S2S_TEST_ENGINE (simd | scalar |
// auto, default auto) picks the WebAssembly build every test runs against;
// tools/test.sh runs the whole suite once per build.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DivergedError } from '../../src/js/index.js';
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
