// worker.js — the worker side of WorkerTranslator: a Translator living in a
// Web Worker (module worker) or a Node worker_threads Worker, driven by
// messages { id, type, ... } and answering { id, type: 'result' | 'error' |
// 'progress' | 'chunk' | 'end' }.

import { Translator } from './translator.js';
import { errorToJSON } from './errors.js';

let post, listen;
if (typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope) {
  post = (msg, transfer) => globalThis.postMessage(msg, transfer ?? []);
  listen = (fn) => globalThis.addEventListener('message', (ev) => fn(ev.data));
} else {
  const { parentPort } = await import(/* webpackIgnore: true */ 'node:worker_threads');
  if (!parentPort) throw new Error('worker.js runs inside a worker; use WorkerTranslator');
  post = (msg, transfer) => parentPort.postMessage(msg, transfer ?? []);
  listen = (fn) => parentPort.on('message', fn);
}

let translator = null;
const controllers = new Map(); // request id -> AbortController
const cancelled = new Set();   // ids of streams the caller stopped reading

function signalFor(id, wanted) {
  if (!wanted) return undefined;
  let c = controllers.get(id);
  if (!c) controllers.set(id, (c = new AbortController()));
  return c.signal;
}

function transferablesOf(value) {
  const out = [];
  const visit = (v) => {
    if (ArrayBuffer.isView(v)) { if (!out.includes(v.buffer)) out.push(v.buffer); return; }
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

async function handle(msg) {
  const { id, type } = msg;
  switch (type) {
    case 'create': {
      const signal = signalFor(id, msg.hasSignal);
      const opts = { model: msg.model, signal, integrity: msg.integrity, engine: msg.engine };
      if (msg.engineBaseUrl) opts.engineBaseUrl = msg.engineBaseUrl;
      if (msg.wantProgress) {
        opts.monitor = (target) => target.addEventListener('downloadprogress', (e) => {
          post({ id, type: 'progress', loaded: e.loaded, total: e.total });
        });
      }
      for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
      translator = await Translator.create(opts);
      return { engine: translator.engine, model: translator.model };
    }
    case 'translate': {
      const opts = { ...msg.options, signal: signalFor(id, msg.hasSignal) };
      if (!opts.signal) delete opts.signal;
      return translator.translate(msg.text, opts);
    }
    case 'stream': {
      const opts = { ...msg.options, signal: signalFor(id, msg.hasSignal) };
      if (!opts.signal) delete opts.signal;
      try {
        for await (const value of translator.translateStreaming(msg.text, opts)) {
          if (cancelled.has(id)) break;
          post({ id, type: 'chunk', value }, transferablesOf(value));
        }
      } finally {
        cancelled.delete(id);
      }
      return undefined;
    }
    case 'streamCancel': {
      // the stream's loop notices at its next piece and closes the iterator
      cancelled.add(msg.target);
      return undefined;
    }
    case 'fineTune': {
      const opts = { ...msg.options, signal: signalFor(id, msg.hasSignal) };
      if (!opts.signal) delete opts.signal;
      if (msg.wantProgress) opts.onProgress = (p) => post({ id, type: 'progress', ...p });
      return translator.fineTune(msg.pairs, opts);
    }
    case 'loadRerankModel': {
      const opts = { ...msg.options, signal: signalFor(id, msg.hasSignal) };
      if (!opts.signal) delete opts.signal;
      return translator.loadRerankModel(msg.model, opts);
    }
    case 'save': return translator.save(msg.options);
    case 'reset': return translator.reset();
    case 'model': return translator.model;
    case 'metadata': return translator.metadata(msg.key);
    case 'heapUsed': return translator.heapUsed;
    case 'memoryBytes': return translator.memoryBytes;
    case 'destroy':
      translator?.destroy();
      return undefined;
    default:
      throw new Error(`unknown request ${type}`);
  }
}

// Requests run one after another (in the order sent); aborts and stream
// cancellations act at once, on the request they name.
let queue = Promise.resolve();
listen((msg) => {
  if (msg.type === 'abort') {
    controllers.get(msg.target)?.abort();
    return;
  }
  if (msg.type === 'streamCancel') {
    handle(msg).catch(() => {});
    return;
  }
  if (msg.hasSignal) signalFor(msg.id, true); // so that an abort arriving while it waits is kept
  queue = queue.then(() => run(msg));
});

function run(msg) {
  return handle(msg).then(
    (value) => post({ id: msg.id, type: 'result', value }, transferablesOf(value)),
    (error) => post({ id: msg.id, type: 'error', error: errorToJSON(error) }),
  ).finally(() => controllers.delete(msg.id));
}
post({ type: 'ready' });
