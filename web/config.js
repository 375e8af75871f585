// config.js — the one place the page takes its model files from. Paths are
// relative to this page (web/): the repository's models/ when the repository
// root is served (npm start). The browser tests serve another config.js that
// points at the small test fixture (tests/browser/page.test.js).
export const CONFIG = Object.freeze({
  /** The shipped attention model (LSTM + Bahdanau attention, int8). */
  model: '../models/en-es.s2s',
  /** The no-attention baseline, loaded only when asked for; may be absent. */
  baseline: '../models/en-es-noattn.s2s',
  /** Optional SHA-256 of the shipped model ("sha256-<base64>"), checked when set. */
  integrity: 'sha256-HNgsdf4b5AcgSNU2WixalCShU5O61p+tHXbJNRRHZt8=',
});
