// tfjs-model.mjs — the seq2seq-wasm network (src/nn/, docs/architecture.md)
// re-implemented in TensorFlow.js on @tensorflow/tfjs-backend-wasm, as a web
// developer would write it, for the benchmark suite (issue 6). It reads the
// same .s2s file (f32, or int8 expanded to f32) and mirrors src/translate.c's
// greedy and beam search: the same candidates, length normalisation,
// maximum length and EOS rules, so its tokens can be compared with ours.
//
//   import { loadTfjsModel, benchTfjs, tfjsInfo } from './tfjs-model.mjs';
//   const model = await loadTfjsModel('/tmp/en-es-f32.s2s');
//   const { ids, firstTokenMs } = model.translateIds([123, 45, 6], { beamSize: 4 });
//   model.dispose();
//
// Only the shipped model's configuration is supported: LSTM, 1 layer,
// bidirectional encoder, Bahdanau attention, projection bridge, input
// feeding, output tied to the target embedding. Others are refused.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const PAD = 0, SOS = 2, EOS = 3;
const MAX_SEQ_LEN = 512, MAX_BEAM = 32;
const Q8 = 3; // the int8 dtype of docs/format.md (one f32 scale per row)
const DEFAULTS = { beamSize: 1, lengthPenalty: 1.0, maxLenFactor: 2.0, maxLenExtra: 10 };

// ------------------------------------------------------------------ backend

let backendReady = null;

function wasmDistDir() {
  const require = createRequire(import.meta.url);
  // main entry: .../tfjs-backend-wasm/dist/tf-backend-wasm.node.js
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/**
 * Sets up TF.js on the WebAssembly backend once; returns what it runs with.
 * wasmDir: where the backend's .wasm files are (a URL in a browser; in Node
 * the package's dist/ is found by itself).
 */
export async function initTfjs({ wasmDir } = {}) {
  backendReady ??= (async () => {
    setWasmPaths(wasmDir ?? wasmDistDir());
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js: the wasm backend failed to initialise');
    await tf.ready();
    return tfjsInfo();
  })();
  return backendReady;
}

/** The backend, its SIMD and thread flags and thread count. */
export function tfjsInfo() {
  return {
    tfjsVersion: tf.version_core,
    backend: tf.getBackend(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    multithreadSupport: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: getThreadsCount(),
  };
}

// ---------------------------------------------------------- the .s2s reader

let crcTable;
function crc32(bytes) {
  crcTable ??= Int32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Parses an .s2s file (docs/format.md): { kv: {key: value}, tensors: {name: {dtype, dims, data}} }.
 * Tensor data is a Float32Array for F32 and Q8 (expanded: value = scale * int8), Int32Array for I32. */
export function parseS2s(bytes) {
  const fail = (msg) => { throw new Error(`.s2s: ${msg}`); };
  if (bytes.length < 36) fail('file too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'S2SM') fail('not an .s2s file (bad magic)');
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== 2) fail(`unsupported version ${version}`);
  const nKv = dv.getUint32(8, true), nT = dv.getUint32(12, true);
  const dataOffset = Number(dv.getBigUint64(16, true)), fileSize = Number(dv.getBigUint64(24, true));
  if (fileSize !== bytes.length) fail(`size ${bytes.length} disagrees with the header's ${fileSize}`);
  if (crc32(bytes.subarray(0, fileSize - 4)) !== dv.getUint32(fileSize - 4, true)) fail('bad checksum');
  let at = 32;
  const need = (n) => { if (at + n > fileSize - 4) fail('truncated table'); };
  const u32 = () => { need(4); const v = dv.getUint32(at, true); at += 4; return v; };
  const str = () => { const n = u32(); need(n); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const kv = {};
  for (let i = 0; i < nKv; i++) {
    const key = str(), type = u32();
    let v;
    if (type === 0) { need(4); v = dv.getInt32(at, true); at += 4; }
    else if (type === 1) { need(4); v = dv.getFloat32(at, true); at += 4; }
    else if (type === 2) v = str();
    else if (type === 3 || type === 4) {
      const n = u32(); need(4 * n);
      v = Array.from({ length: n }, (_, k) => (type === 3 ? dv.getInt32(at + 4 * k, true) : dv.getFloat32(at + 4 * k, true)));
      at += 4 * n;
    } else if (type === 5) { const n = u32(); v = Array.from({ length: n }, str); }
    else fail(`unknown value type ${type} for key ${key}`);
    kv[key] = v;
  }
  const kvEnd = at;
  const tensors = {};
  for (let i = 0; i < nT; i++) {
    const name = str(), dtype = u32(), nd = u32();
    if (nd < 1 || nd > 4) fail(`tensor ${name}: ${nd} dimensions`);
    const dims = Array.from({ length: nd }, u32);
    need(8);
    const off = dataOffset + Number(dv.getBigUint64(at, true));
    at += 8;
    const count = dims.reduce((a, b) => a * b, 1);
    let data;
    if (dtype === 0 || dtype === 2) {
      if (off + 4 * count > fileSize - 4) fail(`tensor ${name} runs past the end`);
      const copy = Uint8Array.prototype.slice.call(bytes, off, off + 4 * count); // an aligned copy (Buffer#slice would be a view)
      data = dtype === 0 ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
    } else if (dtype === Q8) {
      // Q8: the rows' f32 scales, then the int8 rows (docs/format.md),
      // expanded as kernel_dequantize_q8 does: y = scale * (float)q.
      const cols = dims[nd - 1], rows = count / cols;
      if (cols % 16) fail(`tensor ${name}: int8 rows must hold a multiple of 16 values`);
      if (off + 4 * rows + count > fileSize - 4) fail(`tensor ${name} runs past the end`);
      const q = off + 4 * rows;
      data = new Float32Array(count);
      for (let r = 0; r < rows; r++) {
        const d = dv.getFloat32(off + 4 * r, true);
        for (let j = 0; j < cols; j++) data[r * cols + j] = Math.fround(d * dv.getInt8(q + r * cols + j));
      }
    } else fail(`tensor ${name}: unknown dtype ${dtype}`);
    tensors[name] = { dtype, dims, data };
  }
  return { kv, tensors, kvBytes: bytes.subarray(32, kvEnd) };
}

/** An f32 copy of an .s2s file (every Q8 tensor expanded, as `s2s dequantize` does):
 * the same metadata bytes, tensors in the same order, laid out as docs/format.md says. */
export function dequantizeS2s(bytes) {
  const { kv, tensors, kvBytes } = parseS2s(bytes);
  const enc = new TextEncoder();
  const names = Object.keys(tensors);
  let tableSize = 0;
  for (const n of names) tableSize += 4 + enc.encode(n).length + 8 + 4 * tensors[n].dims.length + 8;
  const dataOffset = Math.ceil((32 + kvBytes.length + tableSize) / 32) * 32;
  const offsets = [];
  let end = 0;
  for (const n of names) {
    const at = Math.ceil(end / 32) * 32;
    offsets.push(at);
    end = at + 4 * tensors[n].data.length;
  }
  const size = dataOffset + end + 4;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(enc.encode('S2SM'), 0);
  dv.setUint32(4, 2, true); // the format version src/format.c writes
  dv.setUint32(8, Object.keys(kv).length, true);
  dv.setUint32(12, names.length, true);
  dv.setBigUint64(16, BigInt(dataOffset), true);
  dv.setBigUint64(24, BigInt(size), true);
  out.set(kvBytes, 32);
  let at = 32 + kvBytes.length;
  names.forEach((n, i) => {
    const t = tensors[n], nb = enc.encode(n);
    dv.setUint32(at, nb.length, true); out.set(nb, at + 4); at += 4 + nb.length;
    dv.setUint32(at, t.dtype === 2 ? 2 : 0, true); dv.setUint32(at + 4, t.dims.length, true); at += 8;
    for (const d of t.dims) { dv.setUint32(at, d, true); at += 4; }
    dv.setBigUint64(at, BigInt(offsets[i]), true); at += 8;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), dataOffset + offsets[i]);
  });
  dv.setUint32(size - 4, crc32(out.subarray(0, size - 4)), true);
  return out;
}

// ---------------------------------------------------------------- the model

const HP_KEYS = ['src_vocab', 'tgt_vocab', 'emb_dim', 'enc_hidden', 'dec_hidden', 'layers', 'bidirectional',
  'cell', 'attention', 'bridge', 'input_feed', 'tie_output'];
const SUPPORTED = { layers: 1, bidirectional: 1, cell: 1, attention: 1, bridge: 1, input_feed: 1, tie_output: 1 };
const WHAT = { layers: 'layers', bidirectional: 'bidirectional encoder', cell: 'cell (1 = LSTM)',
  attention: 'attention (1 = Bahdanau)', bridge: 'bridge (1 = project)', input_feed: 'input feeding', tie_output: 'tied output' };

/** Reads an .s2s file (path, or its bytes) and builds the TF.js model. */
export async function loadTfjsModel(source) {
  await initTfjs();
  const bytes = typeof source === 'string' || source instanceof URL ? new Uint8Array(await readFile(source))
    : source instanceof Uint8Array ? source : new Uint8Array(source);
  const { kv, tensors } = parseS2s(bytes);
  const hp = {};
  for (const k of HP_KEYS) {
    if (typeof kv[`s2s.${k}`] !== 'number') throw new Error(`.s2s: missing hyper-parameter s2s.${k}`);
    hp[k] = kv[`s2s.${k}`];
  }
  const bad = Object.entries(SUPPORTED).filter(([k, v]) => hp[k] !== v);
  if (bad.length) {
    throw new Error('TF.js model: unsupported configuration (only 1-layer bidirectional LSTM, Bahdanau attention, '
      + 'projection bridge, input feeding, tied output): '
      + bad.map(([k, v]) => `${WHAT[k]} is ${hp[k]}, need ${v}`).join('; '));
  }
  return new TfjsSeq2Seq(hp, tensors, kv['tokenizer.pieces'] ?? null);
}

class TfjsSeq2Seq {
  #w = {};
  #disposed = false;

  constructor(hp, tensors, pieces) {
    this.hp = hp;
    this.pieces = pieces;
    const E = hp.emb_dim, He = hp.enc_hidden, Hd = hp.dec_hidden, De = 2 * He, Vs = hp.src_vocab, Vt = hp.tgt_vocab;
    this.dims = { E, He, Hd, De, Vs, Vt };
    this.quantizedFile = Object.values(tensors).some((t) => t.dtype === Q8);
    const get = (name, shape) => {
      const t = tensors[name];
      if (!t) throw new Error(`.s2s: missing tensor ${name}`);
      if (t.dims.join('x') !== shape.join('x')) throw new Error(`.s2s: tensor ${name} is ${t.dims.join('x')}, expected ${shape.join('x')}`);
      return t.data;
    };
    const w = this.#w;
    // Matrices are stored (out, in) like PyTorch's; keep them transposed,
    // (in, out), so every layer is x @ W.
    const mat = (name, rows, cols) => tf.tidy(() => tf.transpose(tf.tensor2d(get(name, [rows, cols]), [rows, cols])));
    const vec = (name, n) => tf.tensor1d(get(name, [n]));
    w.srcEmb = tf.tensor2d(get('src_emb', [Vs, E]), [Vs, E]);
    w.tgtEmb = tf.tensor2d(get('tgt_emb', [Vt, E]), [Vt, E]);
    w.enc = ['fwd', 'bwd'].map((d) => ({
      wih: mat(`enc.0.${d}.w_ih`, 4 * He, E), whh: mat(`enc.0.${d}.w_hh`, 4 * He, He),
      bih: vec(`enc.0.${d}.b_ih`, 4 * He), bhh: vec(`enc.0.${d}.b_hh`, 4 * He),
    }));
    w.bridgeWh = mat('bridge.0.w_h', Hd, De);
    w.bridgeBh = vec('bridge.0.b_h', Hd);
    w.bridgeWc = mat('bridge.0.w_c', Hd, De);
    w.bridgeBc = vec('bridge.0.b_c', Hd);
    w.decWih = mat('dec.0.w_ih', 4 * Hd, E + Hd);
    w.decWhh = mat('dec.0.w_hh', 4 * Hd, Hd);
    w.decBih = vec('dec.0.b_ih', 4 * Hd);
    w.decBhh = vec('dec.0.b_hh', 4 * Hd);
    w.attWq = mat('att.w_q', Hd, Hd);
    w.attWk = mat('att.w_k', Hd, De);
    w.attV = tf.tensor2d(get('att.v', [Hd]), [Hd, 1]);
    w.outWc = mat('out.w_c', Hd, Hd + De);
    w.outB = vec('out.b', Vt);
    // Tied output: logits = o @ tgt_emb^T + b. The transposed copy is made once,
    // as one would for speed (a (Hd, Vt) right operand).
    w.outW = tf.transpose(w.tgtEmb);
  }

  // One LSTM step (PyTorch gate order i, f, g, o).
  static #lstm(xw, h, c, whh, bhh) {
    const gates = tf.add(xw, tf.add(tf.matMul(h, whh), bhh));
    const [i, f, g, o] = tf.split(gates, 4, 1);
    const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const h2 = tf.mul(tf.sigmoid(o), tf.tanh(c2));
    return [h2, c2];
  }

  // Encoder, bridge and the attention keys for one sentence: kept tensors.
  #encode(srcIds) {
    const w = this.#w, { He } = this.dims, S = srcIds.length;
    return tf.tidy(() => {
      const x = tf.gather(w.srcEmb, tf.tensor1d(srcIds, 'int32')); // (S, E)
      const outs = [], fin = [];
      for (let dir = 0; dir < 2; dir++) {
        const r = w.enc[dir];
        const xw = tf.split(tf.add(tf.matMul(x, r.wih), r.bih), S, 0); // S x (1, 4He)
        let h = tf.zeros([1, He]), c = tf.zeros([1, He]);
        const hs = new Array(S);
        for (let k = 0; k < S; k++) {
          const s = dir === 0 ? k : S - 1 - k;
          [h, c] = TfjsSeq2Seq.#lstm(xw[s], h, c, r.whh, r.bhh);
          hs[s] = h;
        }
        outs.push(tf.concat(hs, 0)); // (S, He)
        fin.push([h, c]); // forward's after S-1, backward's after 0
      }
      const henc = tf.concat(outs, 1); // (S, De) = [fwd; bwd]
      const finH = tf.concat([fin[0][0], fin[1][0]], 1), finC = tf.concat([fin[0][1], fin[1][1]], 1);
      const h0 = tf.tanh(tf.add(tf.matMul(finH, w.bridgeWh), w.bridgeBh));
      const c0 = tf.add(tf.matMul(finC, w.bridgeWc), w.bridgeBc);
      const keys = tf.matMul(henc, w.attWk); // (S, Hd): W_k h_s, once per sentence
      return { henc, keys, h0, c0 };
    });
  }

  // One decoder step over N rows (hypotheses): new h, c, o and log-probabilities.
  #step(enc, st, prev) {
    const w = this.#w, { Hd } = this.dims, N = prev.length, S = enc.henc.shape[0];
    return tf.tidy(() => {
      const emb = tf.gather(w.tgtEmb, tf.tensor1d(prev, 'int32')); // (N, E)
      const x = tf.concat([emb, st.o], 1); // input feeding
      const xw = tf.add(tf.matMul(x, w.decWih), w.decBih);
      const [h, c] = TfjsSeq2Seq.#lstm(xw, st.h, st.c, w.decWhh, w.decBhh);
      // Bahdanau: score_s = v . tanh(W_q h + W_k h_s)
      const q = tf.matMul(h, w.attWq); // (N, Hd)
      const e = tf.tanh(tf.add(tf.expandDims(q, 1), enc.keys)); // (N, S, Hd)
      const scores = tf.reshape(tf.matMul(tf.reshape(e, [N * S, Hd]), w.attV), [N, S]);
      const a = tf.softmax(scores);
      const ctx = tf.matMul(a, enc.henc); // (N, De)
      const o = tf.tanh(tf.matMul(tf.concat([h, ctx], 1), w.outWc)); // attentional vector
      const logp = tf.logSoftmax(tf.add(tf.matMul(o, w.outW), w.outB)); // (N, Vt)
      return { h, c, o, logp };
    });
  }

  /**
   * Translates one sentence of source ids (no SOS/EOS, as the C engine takes
   * them). Options as src/translate.c's s2s_translate_params; missing or
   * negative values (non-positive maxLenFactor) give the library defaults.
   * Returns { ids: Int32Array (EOS excluded), score, firstTokenMs }.
   */
  translateIds(srcIds, options = {}) {
    const t0 = performance.now();
    if (this.#disposed) throw new Error('TF.js model: disposed');
    const p = { ...DEFAULTS };
    if (options.beamSize !== undefined) p.beamSize = options.beamSize;
    if (options.lengthPenalty !== undefined && options.lengthPenalty >= 0) p.lengthPenalty = options.lengthPenalty;
    if (options.maxLenFactor !== undefined && options.maxLenFactor > 0) p.maxLenFactor = options.maxLenFactor;
    if (options.maxLenExtra !== undefined && options.maxLenExtra >= 0) p.maxLenExtra = options.maxLenExtra;
    const k = p.beamSize;
    if (!Number.isInteger(k) || k < 1 || k > MAX_BEAM) throw new RangeError(`beam size must be 1..${MAX_BEAM}`);
    if (!(p.lengthPenalty <= 5) || !(p.maxLenFactor <= 16) || p.maxLenExtra > MAX_SEQ_LEN) throw new RangeError('bad length parameters');
    const src = Int32Array.from(srcIds);
    const S = src.length;
    if (S < 1) throw new RangeError('the sentence is empty');
    if (S > MAX_SEQ_LEN) throw new RangeError(`the sentence has ${S} tokens; the limit is ${MAX_SEQ_LEN}`);
    for (const id of src) if (id < 0 || id >= this.dims.Vs) throw new RangeError(`token id ${id} out of range`);
    // max_output_len: floor(factor * len) + extra, at most 511 (float factor as in C)
    const maxLen = Math.min(Math.floor(Math.fround(p.maxLenFactor) * S) + Math.trunc(p.maxLenExtra), MAX_SEQ_LEN - 1);
    const alpha = Math.fround(p.lengthPenalty);
    const norm = (score, lenWithEos) => (alpha > 0 ? Math.fround(score / Math.fround(Math.pow(lenWithEos, alpha))) : score);

    const enc = this.#encode(Array.from(src));
    let st = { h: enc.h0, c: enc.c0, o: tf.zeros([1, this.dims.Hd]) };
    let rows = 1, prev = Int32Array.of(SOS), score = Float32Array.of(0);
    const records = []; // per step: { parent, token } of the rows kept
    const fin = []; // { norm, step, row }
    let firstTokenMs = null;
    try {
      for (let t = 0; t <= maxLen && rows > 0; t++) {
        const out = this.#step(enc, st, prev);
        // Each row's best 2k tokens (src/translate.c top_tokens), then all
        // candidates by running score, best first.
        const top = tf.topk(out.logp, Math.min(2 * k, this.dims.Vt));
        const vals = top.values.dataSync(), idx = top.indices.dataSync();
        top.values.dispose();
        top.indices.dispose();
        const per = top.values.shape[1];
        const cand = [];
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < per; j++) cand.push({ score: Math.fround(score[r] + vals[r * per + j]), row: r, token: idx[r * per + j] });
        }
        cand.sort((a, b) => b.score - a.score); // stable: row order, then token order on ties
        const atLimit = t >= maxLen;
        const parent = [], token = [], nextScore = [];
        for (let ci = 0; ci < cand.length && parent.length < k && fin.length < k; ci++) {
          const cd = cand[ci];
          if (cd.token === EOS) {
            fin.push({ norm: norm(cd.score, t + 1), step: t, row: cd.row });
            continue;
          }
          if (atLimit) continue; // no room for more tokens: only EOS can finish
          parent.push(cd.row);
          token.push(cd.token);
          nextScore.push(cd.score);
        }
        let done = false;
        if (fin.length >= k || atLimit) {
          done = true;
          if (fin.length === 0 && parent.length === 0) {
            // nothing finished and no room: close the best live row with a forced EOS
            let best = 0;
            for (let r = 1; r < rows; r++) if (score[r] > score[best]) best = r;
            const eosT = tf.slice(out.logp, [best, EOS], [1, 1]);
            const eos = eosT.dataSync()[0];
            eosT.dispose();
            fin.push({ norm: norm(Math.fround(score[best] + eos), t + 1), step: t, row: best });
          }
        }
        if (firstTokenMs === null) firstTokenMs = performance.now() - t0;
        records.push({ parent, token });
        // next step's rows: the kept hypotheses' states
        const old = st;
        if (done || parent.length === 0) {
          st = null;
          rows = 0;
        } else if (parent.length === rows && parent.every((r, i) => r === i)) {
          st = { h: out.h, c: out.c, o: out.o };
          out.h = out.c = out.o = null;
        } else {
          st = tf.tidy(() => {
            const pi = tf.tensor1d(parent, 'int32');
            return { h: tf.gather(out.h, pi), c: tf.gather(out.c, pi), o: tf.gather(out.o, pi) };
          });
        }
        for (const v of Object.values(out)) v?.dispose();
        for (const v of Object.values(old)) v.dispose();
        if (!st) break;
        rows = parent.length;
        prev = Int32Array.from(token);
        score = Float32Array.from(nextScore);
      }
    } finally {
      if (st) for (const v of Object.values(st)) v.dispose();
      enc.henc.dispose();
      enc.keys.dispose();
    }
    // the best finished hypothesis (first on ties), backtracked
    let best = 0;
    for (let f = 1; f < fin.length; f++) if (fin[f].norm > fin[best].norm) best = f;
    const f = fin[best];
    const ids = new Int32Array(f.step);
    let r = f.row;
    for (let s = f.step - 1; s >= 0; s--) {
      ids[s] = records[s].token[r];
      r = records[s].parent[r];
    }
    return { ids, score: f.norm, firstTokenMs };
  }

  /** Frees every tensor of the model. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const v of Object.values(this.#w)) {
      if (Array.isArray(v)) for (const d of v) for (const t of Object.values(d)) t.dispose();
      else v.dispose();
    }
  }
}

/**
 * Translates every source (an array or Int32Array of source ids each, one
 * call per sentence) and times it. One untimed warm-up call first.
 * Returns { seconds (wall), targetTokens (EOS excluded), firstTokenMsMean, outputs: Int32Array[],
 * cpuSeconds (process CPU time of the timed loop), info: tfjsInfo() }.
 */
export async function benchTfjs({ modelPath, sources, beamSize = 1, maxLenFactor = DEFAULTS.maxLenFactor,
  maxLenExtra = DEFAULTS.maxLenExtra, lengthPenalty = DEFAULTS.lengthPenalty, warmup = 1 }) {
  const model = await loadTfjsModel(modelPath);
  try {
    const opts = { beamSize, maxLenFactor, maxLenExtra, lengthPenalty };
    for (let i = 0; i < warmup && i < sources.length; i++) model.translateIds(sources[i], opts);
    const outputs = [];
    let targetTokens = 0, firstSum = 0;
    const inNode = typeof process !== 'undefined' && typeof process.cpuUsage === 'function';
    const c0 = inNode ? process.cpuUsage() : null, t0 = performance.now();
    for (const src of sources) {
      const r = model.translateIds(src, opts);
      outputs.push(r.ids);
      targetTokens += r.ids.length;
      firstSum += r.firstTokenMs;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = inNode ? process.cpuUsage(c0) : null;
    return { seconds, targetTokens, firstTokenMsMean: firstSum / sources.length, outputs,
      cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : null, info: tfjsInfo() };
  } finally {
    model.dispose();
  }
}
