// The three WebAssembly builds and how one is chosen. Relaxed SIMD cannot run
// in Node 20 (its V8 rejects the standard opcode, and runs it with
// pre-standard results behind a flag), so here the relaxed build is checked
// for its fallback; tests/browser/ runs translations on it in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Translator, UnsupportedError, EngineError, simdSupported, relaxedSupported, chooseFlavor, ENGINE_FILES } from '../../src/js/index.js';
import { ENGINE, ROOT, opts } from './helpers.js';

const wasm = (f) => readFileSync(`${ROOT}dist/${ENGINE_FILES[f]}`);

test('both builds are valid WebAssembly here, and Node 20 has SIMD128', () => {
  assert.equal(simdSupported(), true);
  assert.equal(WebAssembly.validate(wasm('simd')), true);
  assert.equal(WebAssembly.validate(wasm('scalar')), true);
});

test('the engine picks the SIMD build when WebAssembly.validate accepts SIMD and relaxed SIMD is missing', async () => {
  assert.equal(relaxedSupported(), false, `Node ${process.version} has no standard relaxed SIMD`);
  assert.equal(chooseFlavor('auto'), 'simd');
  const t = await Translator.create(opts({ engine: 'auto' }));
  assert.deepEqual(t.engine, { flavor: 'simd', simd: true });
  t.destroy();
});

test('relaxed SIMD missing: engine "relaxed" is a clear UnsupportedError', async () => {
  assert.throws(() => chooseFlavor('relaxed'), (e) => e instanceof UnsupportedError && /relaxed SIMD/.test(e.message) && /"simd"/.test(e.message));
  await assert.rejects(Translator.create(opts({ engine: 'relaxed' })), UnsupportedError);
});

// The self-test as chooseFlavor sees it, with WebAssembly.validate and the
// probe's result replaced: 'relaxed' needs both.
function withRelaxedProbe(ctx, { validates, result }) {
  const { validate, Instance, Module } = WebAssembly;
  ctx.after(() => Object.assign(WebAssembly, { validate, Instance, Module }));
  // the probe: a small module with the relaxed dot product (fd 93 02), not the SIMD probe or an engine
  const isProbe = (bytes) => bytes.length < 200 && Buffer.from(bytes).includes(Buffer.from([0xfd, 0x93, 0x02]));
  WebAssembly.validate = (bytes) => (isProbe(bytes) ? validates : validate(bytes));
  WebAssembly.Module = Object.assign(function FakeModule(bytes) {
    if (!isProbe(bytes)) return new Module(bytes);
    this.fake = true;
  }, { imports: Module.imports, exports: Module.exports, customSections: Module.customSections });
  WebAssembly.Instance = function FakeInstance(m, imports) {
    if (!m.fake) return new Instance(m, imports);
    this.exports = { t: () => result };
  };
}

test('relaxed is chosen only when the probe validates and its self-test passes', (ctx) => {
  withRelaxedProbe(ctx, { validates: true, result: 1 });
  assert.equal(relaxedSupported(), true);
  assert.equal(chooseFlavor('auto'), 'relaxed');
  assert.equal(chooseFlavor('relaxed'), 'relaxed');
  assert.equal(chooseFlavor('simd'), 'simd');
});

test('a failing self-test falls back to the SIMD build', async (ctx) => {
  withRelaxedProbe(ctx, { validates: true, result: 0 });
  assert.equal(relaxedSupported(), false);
  assert.equal(chooseFlavor('auto'), 'simd');
  assert.throws(() => chooseFlavor('relaxed'), UnsupportedError);
  const t = await Translator.create(opts({ engine: 'auto' }));
  assert.deepEqual(t.engine, { flavor: 'simd', simd: true });
  assert.equal(typeof (await t.translate('Open the file.')).text, 'string');
  t.destroy();
});

test('a probe that does not validate is never run', (ctx) => {
  withRelaxedProbe(ctx, { validates: false, result: 1 });
  assert.equal(relaxedSupported(), false);
  assert.equal(chooseFlavor('auto'), 'simd');
});

test("Node's pre-standard relaxed SIMD (--experimental-wasm-relaxed-simd): the build validates, the self-test fails, SIMD is chosen", () => {
  const script = `
    import { readFileSync } from 'node:fs';
    import { relaxedSupported, chooseFlavor, ENGINE_FILES } from ${JSON.stringify(`${ROOT}src/js/index.js`)};
    const bytes = readFileSync(${JSON.stringify(`${ROOT}dist/`)} + ENGINE_FILES.relaxed);
    let forced = 'chosen';
    try { chooseFlavor('relaxed'); } catch (e) { forced = e.name; }
    let imports = null, exports = null;
    if (WebAssembly.validate(bytes)) {
      const m = new WebAssembly.Module(bytes);
      imports = WebAssembly.Module.imports(m).map((i) => i.module + '.' + i.name);
      exports = WebAssembly.Module.exports(m).map((e) => e.name);
    }
    console.log(JSON.stringify({ validates: WebAssembly.validate(bytes), supported: relaxedSupported(), auto: chooseFlavor('auto'), forced, imports, exports }));`;
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0 && /bad option/.test(r.stderr)) return; // a Node without the flag: nothing pre-standard to catch
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  if (out.supported) { // a runtime with the standard instruction
    assert.equal(out.auto, 'relaxed');
    return;
  }
  assert.deepEqual({ auto: out.auto, forced: out.forced }, { auto: 'simd', forced: 'UnsupportedError' });
  if (process.versions.node.startsWith('20.')) {
    // V8 11.3 decodes the opcode (so WebAssembly.validate alone would pick the build) but computes something else
    assert.equal(out.validates, true);
    assert.deepEqual(out.imports, ['env.emscripten_notify_memory_growth']);
    const listed = readFileSync(`${ROOT}emscripten/exports.txt`, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const name of listed) assert.ok(out.exports.includes(name), `relaxed exports ${name}`);
  }
});

test('each build, gzipped, leaves room for the JS in the 150 KB a page may load', () => {
  for (const f of Object.keys(ENGINE_FILES)) {
    const kb = gzipSync(wasm(f), { level: 9 }).length / 1e3;
    assert.ok(kb <= 100, `${ENGINE_FILES[f]}: ${kb} KB gzipped`);
  }
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
  assert.equal(t.engine.simd, t.engine.flavor !== 'scalar');
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

// A module with s2sw_abi_version() returning 1 (and a memory): what a dist/
// built from older sources than this JS answers, or (no such export) 1 too.
const OLD_ABI_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x05, 0x03, 0x01, 0x00, 0x01, // memory, 1 page
  0x07, 0x1d, 0x02, 0x06, ...Buffer.from('memory'), 0x02, 0x00,
  0x10, ...Buffer.from('s2sw_abi_version'), 0x00, 0x00,
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b, // i32.const 1
]);

test('an engine built from other sources than the JS (another interface version) is refused, not called', async () => {
  const dir = mkdtempSync(join(tmpdir(), 's2s-old-engine-'));
  try {
    writeFileSync(join(dir, ENGINE_FILES.simd), OLD_ABI_MODULE);
    await assert.rejects(Translator.create(opts({ engine: 'simd', engineBaseUrl: pathToFileURL(`${dir}/`) })),
      (e) => e instanceof EngineError && /interface version 1, this JavaScript needs \d+/.test(e.message) && /npm run build/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
