// worker-translator.js — WorkerTranslator: the Translator API, asynchronous,
// with the engine in a worker (a module Web Worker in browsers, a
// worker_threads Worker in Node), so the calling thread never blocks.
//
// Requests are handled one after another in the worker. An AbortSignal
// rejects the call at once and tells the worker to stop at its next step. A
// forgotten destroy() is backed by a FinalizationRegistry that terminates the
// worker; in Node the worker does not keep the process alive while idle.

import { DestroyedError, InvalidArgumentError, errorFromJSON } from './errors.js';
import { DownloadProgressEvent } from './model-source.js';
import { checkSignal } from './translator.js';
import { translateHtml, translateHtmlStreaming } from './html.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
const workerUrl = new URL('./worker.js', import.meta.url);

// Wraps Node's and the browser's Worker into { post, onMessage, onError, terminate, ref, unref }.
async function spawn() {
  if (typeof globalThis.Worker === 'function' && !isNode) {
    const w = new globalThis.Worker(workerUrl, { type: 'module', name: 'seq2seq-wasm' });
    return {
      post: (m, t) => w.postMessage(m, t ?? []),
      onMessage: (fn) => w.addEventListener('message', (e) => fn(e.data)),
      onError: (fn) => w.addEventListener('error', (e) => { e.preventDefault?.(); fn(new Error(e.message || 'the worker failed')); }),
      terminate: () => w.terminate(),
      ref() {}, unref() {},
    };
  }
  const { Worker } = await import(/* webpackIgnore: true */ 'node:worker_threads');
  // the worker inherits Node's flags, except those about the main script (-e, --input-type)
  const execArgv = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++;
    else if (!a.startsWith('--input-type') && !a.startsWith('--eval=') && !a.startsWith('--print=')) execArgv.push(a);
  }
  const w = new Worker(workerUrl, { execArgv });
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (fn) => w.on('message', fn),
    onError: (fn) => { w.on('error', fn); w.on('exit', (code) => fn(new Error(`the worker exited (code ${code})`))); },
    terminate: () => w.terminate(),
    ref: () => w.ref(),
    unref: () => w.unref(),
  };
}

function absoluteModel(model) {
  if (model instanceof URL) return model.href;
  if (typeof model !== 'string') return model;
  if (/^[a-z][a-z0-9+.-]*:/i.test(model) && !/^[a-z]:[\\/]/i.test(model)) return model;
  if (!isNode) return new URL(model, globalThis.location?.href).href;
  return model; // a path: the worker shares the process's working directory
}

// A model argument as it crosses to the worker: a URL or path made absolute,
// bytes copied into a buffer that is transferred (the caller keeps its own),
// anything else as it is; [model, transfer list].
function modelForWorker(model) {
  const m = absoluteModel(model);
  if (!(m instanceof ArrayBuffer || ArrayBuffer.isView(m))) return [m, []];
  const copy = (m instanceof ArrayBuffer ? new Uint8Array(m) : new Uint8Array(m.buffer, m.byteOffset, m.byteLength)).slice();
  return [copy, [copy.buffer]];
}

function throwIfAborted(signal) {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

// State shared with the FinalizationRegistry (never the WorkerTranslator itself).
class Channel {
  constructor(w) {
    this.w = w;
    this.next = 1;
    this.pending = new Map(); // id -> { resolve, reject, onProgress, onChunk }
    this.dead = null;
    w.onMessage((m) => this.receive(m));
    w.onError((e) => this.fail(e));
    this.ready = new Promise((resolve) => { this.markReady = resolve; });
  }

  receive(m) {
    if (m.type === 'ready') { this.markReady(); return; }
    const p = this.pending.get(m.id);
    if (!p) return; // an aborted request finishing
    if (m.type === 'progress') p.onProgress?.(m);
    else if (m.type === 'chunk') p.onChunk?.(m.value);
    else {
      this.pending.delete(m.id);
      this.idle();
      if (m.type === 'result') p.resolve(m.value);
      else p.reject(errorFromJSON(m.error));
    }
  }

  fail(e) {
    if (this.dead) return;
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.markReady();
  }

  idle() { if (this.pending.size === 0) this.w.unref(); }

  request(msg, { signal, onProgress, onChunk, transfer } = {}) {
    if (this.dead) return Promise.reject(this.dead);
    throwIfAborted(signal);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, onProgress, onChunk };
      this.pending.set(id, entry);
      this.w.ref();
      if (signal) {
        const onAbort = () => {
          if (!this.pending.has(id)) return;
          this.pending.delete(id);
          this.idle();
          this.w.post({ type: 'abort', target: id });
          reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        entry.resolve = (v) => { done(); resolve(v); };
        entry.reject = (e) => { done(); reject(e); };
      }
      try {
        this.w.post({ ...msg, id, hasSignal: !!signal }, transfer);
      } catch (e) {
        // a function, symbol or the like cannot cross to the worker (DataCloneError)
        this.pending.delete(id);
        this.idle();
        entry.reject(e?.name === 'DataCloneError'
          ? new InvalidArgumentError(`${msg.type}: an argument cannot be sent to the worker (${e.message}): use strings, numbers, booleans, arrays and plain objects`)
          : e);
      }
    });
  }

  close() {
    this.fail(new DestroyedError());
    this.w.terminate();
  }
}

const registry = new FinalizationRegistry((channel) => channel.close());

// Takes out what stays on this side (signal; onProgress for fineTune); the
// rest, checked by the Translator in the worker, crosses over.
function splitSignal(options, where, withProgress = false) {
  if (options === undefined) return [undefined, undefined];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`${where}: options must be an object`);
  let { signal, ...rest } = options; // eslint-disable-line prefer-const
  let onProgress;
  if (withProgress) ({ onProgress, ...rest } = rest);
  checkSignal(signal, where);
  return [rest, signal ?? undefined, onProgress];
}

/** The Translator API with the engine in a worker. Every method is asynchronous. */
export class WorkerTranslator {
  #ch;
  #info;
  #destroyed = false;

  /** Same options as Translator.create. */
  static async create(options) {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('WorkerTranslator.create: options with a model are required');
    const { model, monitor, signal, integrity, engine, engineBaseUrl, ...rest } = options;
    const unknown = Object.keys(rest);
    if (unknown.length) throw new InvalidArgumentError(`WorkerTranslator.create: unknown option "${unknown[0]}"`);
    if (model === undefined || model === null) throw new InvalidArgumentError('WorkerTranslator.create: options.model is required');
    if (monitor !== undefined && typeof monitor !== 'function') throw new InvalidArgumentError('WorkerTranslator.create: monitor must be a function');
    throwIfAborted(signal);
    let target;
    if (monitor) { target = new EventTarget(); monitor(target); }
    const [m, transfer] = modelForWorker(model);
    const ch = new Channel(await spawn());
    try {
      await ch.ready;
      const info = await ch.request(
        { type: 'create', model: m, integrity, engine, engineBaseUrl: engineBaseUrl ? String(engineBaseUrl) : undefined, wantProgress: !!monitor },
        { signal, transfer, onProgress: (p) => target?.dispatchEvent(new DownloadProgressEvent(p.loaded, p.total)) });
      const t = new WorkerTranslator(ch, info);
      ch.idle();
      return t;
    } catch (e) {
      ch.close();
      throw e;
    }
  }

  /** @private use WorkerTranslator.create */
  constructor(channel, info) {
    if (!(channel instanceof Channel)) throw new InvalidArgumentError('use WorkerTranslator.create() to make a translator');
    this.#ch = channel;
    this.#info = info;
    registry.register(this, channel, this);
  }

  #call(msg, opts) {
    if (this.#destroyed) return Promise.reject(new DestroyedError());
    return this.#ch.request(msg, opts);
  }

  /** Which build runs in the worker: { flavor, simd }. */
  get engine() { return this.#info.engine; }

  /** The model's description when it was loaded (see Translator#model); getModel() for the current one. */
  get model() { return this.#info.model; }

  async getModel() { return this.#call({ type: 'model' }); }
  async metadata(key) { return this.#call({ type: 'metadata', key }); }
  async heapUsed() { return this.#call({ type: 'heapUsed' }); }
  async memoryBytes() { return this.#call({ type: 'memoryBytes' }); }

  async translate(text, options) {
    // HTML is parsed here and only its text crosses to the worker
    if (options?.html === true) return translateHtml(this, text, options);
    const [rest, signal] = splitSignal(options, 'translate');
    return this.#call({ type: 'translate', text, options: rest }, { signal });
  }

  /** An async iterable of chunks, like Translator#translateStreaming. */
  translateStreaming(text, options) {
    // HTML is parsed here and streamed unit by unit; only its text crosses to the worker
    if (options?.html === true) return translateHtmlStreaming(this, text, options);
    const [rest, signal] = splitSignal(options, 'translateStreaming');
    const queue = [];
    let wake = null, finished = false, failure = null, started = null, id = 0;
    const ch = this.#ch;
    const start = () => {
      started = this.#call({ type: 'stream', text, options: rest }, {
        signal,
        onChunk: (v) => { queue.push(v); wake?.(); },
      }).then(() => { finished = true; wake?.(); }, (e) => { failure = e; finished = true; wake?.(); });
      id = ch.next - 1;
    };
    return {
      [Symbol.asyncIterator]() { return this; },
      async next() {
        if (!started) start();
        for (;;) {
          if (queue.length) return { value: queue.shift(), done: false };
          if (failure) { const f = failure; failure = null; throw f; }
          if (finished) return { value: undefined, done: true };
          await new Promise((r) => { wake = r; });
          wake = null;
        }
      },
      async return() {
        if (started && !finished) {
          ch.w.post({ type: 'streamCancel', target: id, id: 0 });
        }
        finished = true;
        queue.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  async fineTune(pairs, options) {
    const [rest, signal, onProgress] = splitSignal(options, 'fineTune', true);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new InvalidArgumentError('fineTune: onProgress must be a function');
    return this.#call({ type: 'fineTune', pairs, options: rest, wantProgress: !!onProgress }, {
      signal,
      onProgress: (p) => { const { id, type, ...q } = p; onProgress?.(q); },
    });
  }

  /** Translator#loadRerankModel in the worker (a URL, a path in Node, bytes, or null). */
  async loadRerankModel(model, options) {
    const [rest, signal] = splitSignal(options, 'loadRerankModel');
    const [m, transfer] = modelForWorker(model);
    return this.#call({ type: 'loadRerankModel', model: m, options: rest }, { signal, transfer });
  }

  async save(options) { return this.#call({ type: 'save', options }); }
  async reset() { return this.#call({ type: 'reset' }); }

  /** Terminates the worker (and with it every C resource); later calls reject with DestroyedError. */
  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    registry.unregister(this);
    this.#ch.close();
  }

  get destroyed() { return this.#destroyed; }
}
