// errors.js — the typed errors every part of the API throws.
//
// Each error has a stable `code` string (and a `name` equal to its class), so
// callers can branch without parsing messages, and errors survive the trip
// from a worker back to the page (toJSON / errorFromJSON).

/** Base class of every error this package throws on purpose. */
export class Seq2SeqError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
  get code() { return 'S2S_ERROR'; }
  toJSON() {
    const out = { name: this.name, message: this.message };
    for (const k of Object.keys(this)) if (k !== 'cause') out[k] = this[k];
    return out;
  }
}

/** An argument of the wrong type, or a value out of its documented range. */
export class InvalidArgumentError extends Seq2SeqError {
  get code() { return 'INVALID_ARGUMENT'; }
}

/** A method was called after destroy(). */
export class DestroyedError extends Seq2SeqError {
  constructor(message = 'this translator was destroyed; create a new one') { super(message); }
  get code() { return 'DESTROYED'; }
}

/** The model file is malformed, truncated, of another version or fails its own checksum. */
export class ModelError extends Seq2SeqError {
  get code() { return 'INVALID_MODEL'; }
}

/** The model bytes do not match the SHA-256 given as `integrity`. */
export class IntegrityError extends Seq2SeqError {
  get code() { return 'INTEGRITY'; }
}

/** The model could not be fetched or read. */
export class NetworkError extends Seq2SeqError {
  get code() { return 'NETWORK'; }
}

/** An input beyond the documented limits (text size, tokens per sentence, batch size). */
export class InputTooLongError extends Seq2SeqError {
  get code() { return 'INPUT_TOO_LONG'; }
}

/** Text that is not valid UTF-16 / UTF-8 (lone surrogates). */
export class BadTextError extends Seq2SeqError {
  get code() { return 'BAD_TEXT'; }
}

/** A fine-tuning step produced NaN, infinity or an exploding loss; that step was undone. */
export class DivergedError extends Seq2SeqError {
  constructor(message, { losses = [] } = {}) {
    super(message);
    this.losses = losses;
  }
  get code() { return 'DIVERGED'; }
}

/** WebAssembly (or a feature the engine needs) is missing in this environment. */
export class UnsupportedError extends Seq2SeqError {
  get code() { return 'UNSUPPORTED'; }
}

/** The engine ran out of memory (the WebAssembly memory could not grow). */
export class OutOfMemoryError extends Seq2SeqError {
  get code() { return 'OUT_OF_MEMORY'; }
}

/** An internal failure: a bug; please report it with the message. */
export class EngineError extends Seq2SeqError {
  get code() { return 'ENGINE'; }
}

const classes = {
  Seq2SeqError, InvalidArgumentError, DestroyedError, ModelError, IntegrityError, NetworkError,
  InputTooLongError, BadTextError, DivergedError, UnsupportedError, OutOfMemoryError, EngineError,
};

// s2s_status values (src/s2s.h) to error classes.
const byStatus = [
  null, InvalidArgumentError, OutOfMemoryError, ModelError, ModelError, ModelError,
  UnsupportedError, InputTooLongError, BadTextError, DivergedError, NetworkError,
];

/** The error for a failing C call: status code and the message from s2s_error. */
export function errorFromStatus(status, message, what) {
  const Cls = byStatus[status] ?? EngineError;
  const text = what ? `${what}: ${message || 'failed'}` : message || `status ${status}`;
  return new Cls(text);
}

/** A plain object for postMessage (the worker variant). */
export function errorToJSON(e) {
  if (e instanceof Seq2SeqError) return e.toJSON();
  if (e && typeof e === 'object') return { name: e.name || 'Error', message: String(e.message) };
  return { name: 'Error', message: String(e) };
}

/** The error object again, of its class, on the other side of postMessage. */
export function errorFromJSON(j) {
  const Cls = classes[j.name];
  if (Cls) {
    const { name, message, ...rest } = j;
    return Object.assign(new Cls(message), rest);
  }
  if (j.name === 'AbortError' || j.name === 'TimeoutError') {
    return new DOMException(j.message, j.name);
  }
  const e = new Error(j.message);
  e.name = j.name;
  return e;
}
