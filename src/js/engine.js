// engine.js — loads the WebAssembly engine and wraps one instance of it.
//
// Three builds ship in dist/: seq2seq-simd.wasm (SIMD128 kernels),
// seq2seq-scalar.wasm (the same C built with S2S_NO_SIMD) and
// seq2seq-relaxed.wasm (SIMD128 plus relaxed SIMD's int8 dot product, with
// 7-bit activations in the int8 layers: translations may differ slightly
// from the other two). All are standalone modules (emscripten/build.sh):
// they import only env.emscripten_notify_memory_growth, and export the C
// functions listed in emscripten/exports.txt plus `memory` and `_initialize`.
//
// A compiled WebAssembly.Module is cached per build; every Engine is its own
// instance with its own memory, so translators never share state.

import { EngineError, OutOfMemoryError, UnsupportedError, errorFromStatus } from './errors.js';

/** The file names of the builds, relative to this package's dist/. */
export const ENGINE_FILES = Object.freeze({
  simd: 'seq2seq-simd.wasm',
  scalar: 'seq2seq-scalar.wasm',
  relaxed: 'seq2seq-relaxed.wasm',
});

// (module (func (result v128) i32.const 0 i8x16.splat)): valid only where
// WebAssembly SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // function 0 of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // i32.const 0; i8x16.splat; end
]);

// The relaxed build's self-test: (module (func (export "t") (result i32)
//   v128.const A; v128.const B; v128.const C; i32x4.relaxed_dot_i8x16_i7x16_add_s
//   v128.const WANT; i32x4.eq; i32x4.all_true)), 1 when every lane is
// C + the sum of four products A * B. B stays in 0..127, where the
// standard gives one answer; A has the extremes -128 and 127, C is not
// zero. Node 20's V8 (behind --experimental-wasm-relaxed-simd) decodes the
// same opcode with pre-standard semantics and fails it.
const DOT_A = [-128, 127, -1, 5, 100, -100, 64, -64, 127, 127, -128, -128, 3, -7, 11, -13];
const DOT_B = [127, 127, 1, 2, 99, 64, 63, 127, 0, 1, 126, 127, 17, 34, 51, 85];
const DOT_C = [1000, -2000, 123456, -7];
function relaxedProbe() {
  const want = DOT_C.map((c, i) => {
    let s = c;
    for (let j = 4 * i; j < 4 * i + 4; j++) s += DOT_A[j] * DOT_B[j];
    return s;
  });
  const i32 = (v) => [...new Uint8Array(Int32Array.from(v).buffer)];
  const konst = (bytes) => [0xfd, 0x0c, ...bytes.map((b) => b & 0xff)];
  const body = [
    0x00, // no locals
    ...konst(DOT_A), ...konst(DOT_B), ...konst(i32(DOT_C)),
    0xfd, 0x93, 0x02, // i32x4.relaxed_dot_i8x16_i7x16_add_s
    ...konst(i32(want)),
    0xfd, 0x37, // i32x4.eq
    0xfd, 0xa3, 0x01, // i32x4.all_true
    0x0b,
  ];
  const code = [0x01, body.length, ...body]; // one body (< 128 bytes: one-byte sizes)
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // function 0 of type 0
    0x07, 0x05, 0x01, 0x01, 0x74, 0x00, 0x00, // export "t" = function 0
    0x0a, code.length, ...code,
  ]);
}
const RELAXED_PROBE = relaxedProbe();

function wasmApi() {
  const W = globalThis.WebAssembly;
  if (!W || typeof W.instantiate !== 'function' || typeof W.Module !== 'function') {
    throw new UnsupportedError(
      'WebAssembly is not available in this environment: seq2seq-wasm needs a browser or ' +
        'runtime with WebAssembly (any current browser, Node.js 20 or later)');
  }
  return W;
}

/** True when this environment runs WebAssembly SIMD128. */
export function simdSupported() {
  const W = wasmApi();
  try {
    return W.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * True when this environment runs relaxed SIMD's int8 dot product with its
 * standard meaning: WebAssembly.validate accepts the probe module and the
 * probe's self-test passes (compiled synchronously: it is 112 bytes).
 */
export function relaxedSupported() {
  const W = wasmApi();
  try {
    if (!W.validate(RELAXED_PROBE)) return false;
    return new W.Instance(new W.Module(RELAXED_PROBE), {}).exports.t() === 1;
  } catch {
    return false;
  }
}

/**
 * Which build to run: 'relaxed' when relaxedSupported(), else 'simd' when
 * WebAssembly.validate accepts SIMD128, otherwise 'scalar'. `requested`
 * 'relaxed', 'simd' or 'scalar' forces one (one the environment cannot run
 * is an UnsupportedError).
 */
export function chooseFlavor(requested = 'auto') {
  const simd = simdSupported();
  if (requested === 'auto' || requested == null) return !simd ? 'scalar' : relaxedSupported() ? 'relaxed' : 'simd';
  if (requested === 'scalar') return 'scalar';
  if (requested === 'simd') {
    if (!simd) throw new UnsupportedError('this environment has no WebAssembly SIMD128; use engine: "scalar" or "auto"');
    return 'simd';
  }
  if (requested === 'relaxed') {
    if (!simd || !relaxedSupported()) {
      throw new UnsupportedError('this environment has no WebAssembly relaxed SIMD with the standard int8 dot product ' +
        '(the module does not validate or its self-test failed); use engine: "simd" or "auto"');
    }
    return 'relaxed';
  }
  throw new UnsupportedError(`unknown engine "${requested}"; use "auto", "relaxed", "simd" or "scalar"`);
}

const compiled = new Map(); // flavor or URL -> Promise<WebAssembly.Module>

async function readEngineBytes(url) {
  if (url.protocol === 'file:') {
    const fs = await import(/* webpackIgnore: true */ 'node:fs/promises');
    return fs.readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new EngineError(`could not load the engine ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The compiled module of one build (cached). `base` overrides where dist/ is. */
export function compileEngine(flavor, base) {
  const url = new URL(ENGINE_FILES[flavor], base ?? new URL('../../dist/', import.meta.url));
  const key = url.href;
  let p = compiled.get(key);
  if (!p) {
    p = (async () => {
      const W = wasmApi();
      let bytes;
      try {
        bytes = await readEngineBytes(url);
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw new EngineError(`could not load the engine ${url.href} (was it built? npm run build): ${e.message}`, { cause: e });
      }
      return W.compile(bytes);
    })();
    p.catch(() => compiled.delete(key)); // a failure is not cached
    compiled.set(key, p);
  }
  return p;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/**
 * One instance of the engine: its memory, its exports, and helpers to move
 * bytes, strings and int32/float32 arrays in and out. Pointers are plain
 * numbers (offsets into the memory).
 */
/** The version of the engine's exports this JS is written for (src/wasm_api.c S2SW_ABI_VERSION). */
const ENGINE_ABI = 4;

export class Engine {
  static async create(flavor, base) {
    const W = wasmApi();
    const module = await compileEngine(flavor, base);
    const holder = {};
    const imports = {};
    for (const imp of W.Module.imports(module)) {
      if (imp.kind !== 'function') continue;
      const ns = (imports[imp.module] ??= {});
      if (imp.module === 'env' && imp.name === 'emscripten_notify_memory_growth') {
        ns[imp.name] = () => holder.engine?.refreshViews();
      } else if (imp.name === 'proc_exit') {
        ns[imp.name] = (code) => { throw new EngineError(`the engine called exit(${code})`); };
      } else {
        ns[imp.name] = () => { throw new EngineError(`the engine called an unavailable import ${imp.module}.${imp.name}`); };
      }
    }
    const instance = await W.instantiate(module, imports);
    // a module built from other sources than this JS would be called wrongly
    const abi = instance.exports.s2sw_abi_version?.() ?? 1;
    if (abi !== ENGINE_ABI) {
      throw new EngineError(`the engine ${flavor} has interface version ${abi}, this JavaScript needs ${ENGINE_ABI}: ` +
        'rebuild the engines (npm run build) or take dist/ and src/js/ from the same release');
    }
    const engine = new Engine(instance, flavor);
    holder.engine = engine;
    return engine;
  }

  constructor(instance, flavor) {
    this.flavor = flavor;
    this.x = instance.exports;
    this.memory = this.x.memory;
    this.refreshViews();
    this.x._initialize?.();
    this.errSize = this.x.s2sw_error_size();
    this.err = this.malloc(this.errSize);
    this.scratch = this.malloc(64); // out-parameters of single calls
  }

  refreshViews() {
    const buf = this.memory.buffer;
    if (this.buf === buf) return;
    this.buf = buf;
    this.u8 = new Uint8Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
  }

  // Views are re-created after memory growth (which detaches the old buffer).
  get U8() { this.refreshViews(); return this.u8; }
  get I32() { this.refreshViews(); return this.i32; }
  get F32() { this.refreshViews(); return this.f32; }

  malloc(n) {
    const p = this.x.malloc(Math.max(1, n));
    if (!p) throw new OutOfMemoryError(`the engine could not allocate ${n} bytes`);
    return p;
  }

  free(p) { if (p) this.x.free(p); }

  /** Throws the typed error of a failed C call (status from its s2s_error). */
  check(status, what) {
    if (status === 0) return;
    const I32 = this.I32;
    const st = I32[this.err >> 2] || status;
    const msg = this.readCString(this.err + 4, this.errSize - 4);
    throw errorFromStatus(st, msg, what);
  }

  clearError() { this.I32[this.err >> 2] = 0; this.U8[this.err + 4] = 0; }

  readCString(p, max = Infinity) {
    if (!p) return null;
    const U8 = this.U8;
    let end = p;
    const lim = Math.min(U8.length, p + max);
    while (end < lim && U8[end] !== 0) end++;
    return decoder.decode(U8.subarray(p, end));
  }

  /** Copies bytes into a new allocation; the caller frees it. */
  writeBytes(bytes) {
    const p = this.malloc(bytes.length);
    this.U8.set(bytes, p);
    return p;
  }

  /** UTF-8 of `text` in a new allocation: { ptr, len } (not NUL-terminated). */
  writeUtf8(text) {
    const bytes = encoder.encode(text);
    return { ptr: this.writeBytes(bytes), len: bytes.length };
  }

  /** fn(pointer to `text` as a NUL-terminated C string), freed after. */
  withCString(text, fn) {
    const t = this.writeUtf8(text + '\0');
    try {
      return fn(t.ptr);
    } finally {
      this.free(t.ptr);
    }
  }

  writeI32(values) {
    const p = this.malloc(values.length * 4);
    this.I32.set(values, p >> 2);
    return p;
  }

  readI32(p, n) { return this.I32.slice(p >> 2, (p >> 2) + n); }
  readF32(p, n) { return this.F32.slice(p >> 2, (p >> 2) + n); }
  ptrAt(p) { return this.I32[p >> 2] >>> 0; }

  /** Bytes in use by the C allocator (for leak tests). */
  heapUsed() { return this.x.s2sw_heap_used() >>> 0; }
}
