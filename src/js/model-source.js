// model-source.js — getting the model's bytes: from an ArrayBuffer or
// Uint8Array as given, from a URL with fetch (streamed, with progress), or in
// Node from a file path or file: URL (read in chunks, with progress). Then
// the optional SHA-256 check.

import { IntegrityError, InvalidArgumentError, NetworkError, UnsupportedError } from './errors.js';

/** The event dispatched to the `monitor` target while the model loads. */
export class DownloadProgressEvent extends Event {
  constructor(loaded, total) {
    super('downloadprogress');
    /** Bytes received so far. */
    this.loaded = loaded;
    /** Bytes expected in all (0 when the server did not say). */
    this.total = total;
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

function throwIfAborted(signal) {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The model's bytes as a Uint8Array. `model` is an ArrayBuffer, a typed
 * array or DataView, a URL, or a string (a URL; in Node also a file path).
 * `progress(loaded, total)` is called as bytes arrive.
 */
export async function loadModelBytes(model, { progress, signal } = {}) {
  throwIfAborted(signal);
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (ArrayBuffer.isView(model)) return new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  let url;
  if (model instanceof URL) url = model;
  else if (typeof model === 'string' && model.length > 0) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(model) && !/^[a-z]:[\\/]/i.test(model)) url = new URL(model);
    else if (isNode) return readFile(model, progress, signal);
    else url = new URL(model, globalThis.location?.href);
  } else {
    throw new InvalidArgumentError('model must be a URL, a path (in Node), an ArrayBuffer or a Uint8Array');
  }
  if (url.protocol === 'file:') {
    if (!isNode) throw new UnsupportedError('file: URLs can only be read in Node');
    const { fileURLToPath } = await import(/* webpackIgnore: true */ 'node:url');
    return readFile(fileURLToPath(url), progress, signal);
  }
  return fetchBytes(url, progress, signal);
}

async function readFile(path, progress, signal) {
  const fs = await import(/* webpackIgnore: true */ 'node:fs/promises');
  let fh;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    throw new NetworkError(`could not open the model ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { cause: e });
  }
  try {
    const { size } = await fh.stat();
    const out = new Uint8Array(size);
    let at = 0;
    progress?.(0, size);
    while (at < size) {
      throwIfAborted(signal);
      const { bytesRead } = await fh.read(out, at, Math.min(1 << 20, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      progress?.(at, size);
    }
    throwIfAborted(signal);
    return at === size ? out : out.subarray(0, at);
  } finally {
    await fh.close();
  }
}

async function fetchBytes(url, progress, signal) {
  let res;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    throwIfAborted(signal);
    throw new NetworkError(`could not fetch the model ${url.href}: ${e.message}`, { cause: e });
  }
  if (!res.ok) throw new NetworkError(`could not fetch the model ${url.href}: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const encoded = res.headers.get('content-encoding');
  const knownTotal = encoded && encoded !== 'identity' ? 0 : total; // content-length counts compressed bytes
  progress?.(0, knownTotal);
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    progress?.(buf.length, knownTotal || buf.length);
    return buf;
  }
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      progress?.(loaded, knownTotal);
    }
  } catch (e) {
    throwIfAborted(signal);
    throw new NetworkError(`the model download from ${url.href} failed: ${e.message}`, { cause: e });
  }
  throwIfAborted(signal);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/**
 * Parses `integrity`: "sha256-<base64>" (Subresource Integrity form) or 64
 * hexadecimal digits. Returns the 32 expected bytes.
 */
export function parseIntegrity(integrity) {
  if (typeof integrity !== 'string') throw new InvalidArgumentError('integrity must be a string: "sha256-<base64>" or 64 hex digits');
  const s = integrity.trim();
  let bytes;
  if (/^[0-9a-f]{64}$/i.test(s)) {
    bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  } else if (/^sha256-[A-Za-z0-9+/]{43}=$/.test(s)) {
    const bin = atob(s.slice(7));
    bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } else {
    throw new InvalidArgumentError(`integrity "${s.slice(0, 80)}" is neither "sha256-<base64>" nor 64 hex digits (only SHA-256 is supported)`);
  }
  return bytes;
}

/** Throws an IntegrityError unless SHA-256(bytes) equals `integrity`. */
export async function checkIntegrity(bytes, integrity) {
  const expected = parseIntegrity(integrity);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new UnsupportedError('checking integrity needs crypto.subtle (browsers offer it only in secure contexts: https or localhost)');
  }
  const got = new Uint8Array(await subtle.digest('SHA-256', bytes));
  if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) {
    const hex = Array.from(got, (b) => b.toString(16).padStart(2, '0')).join('');
    throw new IntegrityError(`the model's SHA-256 is ${hex}, not the expected one (${integrity.trim()})`);
  }
}
