// The two WebAssembly builds and how one is chosen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Translator, UnsupportedError, simdSupported, chooseFlavor, ENGINE_FILES } from '../../src/js/index.js';
import { ENGINE, ROOT, opts } from './helpers.js';

const wasm = (f) => readFileSync(`${ROOT}dist/${ENGINE_FILES[f]}`);

test('both builds are valid WebAssembly here, and Node 20 has SIMD128', () => {
  assert.equal(simdSupported(), true);
  assert.equal(WebAssembly.validate(wasm('simd')), true);
  assert.equal(WebAssembly.validate(wasm('scalar')), true);
});

test('the engine picks the SIMD build when WebAssembly.validate accepts SIMD', async () => {
  assert.equal(chooseFlavor('auto'), 'simd');
  const t = await Translator.create(opts({ engine: 'auto' }));
  assert.deepEqual(t.engine, { flavor: 'simd', simd: true });
  t.destroy();
});

test('the engine falls back to the scalar build when SIMD does not validate, and reports it', async (ctx) => {
  const validate = WebAssembly.validate;
  ctx.after(() => { WebAssembly.validate = validate; });
  // an engine without SIMD rejects every module with a v128 type
  WebAssembly.validate = (bytes) => !Buffer.from(bytes).includes(0x7b) && validate(bytes);
  assert.equal(simdSupported(), false);
  assert.equal(chooseFlavor('auto'), 'scalar');
  assert.throws(() => chooseFlavor('simd'), UnsupportedError);
  const t = await Translator.create(opts({ engine: 'auto' }));
  assert.deepEqual(t.engine, { flavor: 'scalar', simd: false });
  assert.equal(typeof (await t.translate('Open the file.')).text, 'string');
  t.destroy();
});

test('the requested build is the one that runs', async () => {
  const t = await Translator.create(opts());
  if (ENGINE !== 'auto') assert.equal(t.engine.flavor, ENGINE);
  t.destroy();
});

test('without WebAssembly, create fails with a clear UnsupportedError', async (ctx) => {
  const W = globalThis.WebAssembly;
  ctx.after(() => { globalThis.WebAssembly = W; });
  globalThis.WebAssembly = undefined;
  await assert.rejects(Translator.create(opts()), (e) => e instanceof UnsupportedError && /WebAssembly is not available/.test(e.message));
});

test('an unknown engine name is refused', async () => {
  await assert.rejects(Translator.create(opts({ engine: 'gpu' })), UnsupportedError);
});

test('both builds import only the memory-growth hook and export every symbol of emscripten/exports.txt', () => {
  const listed = readFileSync(`${ROOT}emscripten/exports.txt`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const f of ['simd', 'scalar']) {
    const mod = new WebAssembly.Module(wasm(f));
    assert.deepEqual(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`), ['env.emscripten_notify_memory_growth']);
    const names = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const name of listed) assert.ok(names.includes(name), `${f} exports ${name}`);
  }
});
