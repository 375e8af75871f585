// helpers.js — shared by the node:test files. S2S_TEST_ENGINE (simd | scalar |
// auto, default auto) picks the WebAssembly build every test runs against;
// tools/test.sh runs the whole suite once per build.
import { readFileSync } from 'node:fs';
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
