// config.js — the one place the page takes its model files from. Paths are
// relative to this page (web/): the repository's models/ when the repository
// root is served (npm start). The browser tests serve another config.js that
// points at the small test fixtures (tests/browser/page.test.js).
export const CONFIG = Object.freeze({
  /** The WebAssembly build: 'auto' (relaxed SIMD where it passes its self-test, else SIMD, else
   *  scalar), or one of 'relaxed', 'simd', 'scalar'. Optional; 'auto' when absent. */
  engine: 'auto',
  /** General sentence pairs (phrasebook TSV: topic, English, Spanish) that fine-tuning mixes
   *  into every batch when the user leaves "Mix in everyday sentences" checked (web/replay.js
   *  takes every 7th). Optional; without it the page trains on the user's pairs alone. */
  replay: '../corpus/phrasebook.tsv',
  /** The search the page starts with: 1 is greedy, more is a beam of that width (one the
   *  menu offers: 2, 3, 4, 5 or 8). Optional; greedy when absent. Beam 4 is what the model
   *  cards score: on the held-out test split it is ahead of greedy (Transformer chrF2, en-es
   *  56.32 against 55.15), and on the everyday test set (es-en 65.27 against 64.42, en-es
   *  63.99 against 63.12), at about half greedy's speed, which for
   *  a typed sentence is still a few milliseconds. Document translation stays greedy. */
  beamSize: 4,
  /** The direction the page starts in (until the user swaps; the page remembers the last). */
  direction: 'en-es',
  /** Per direction: the shipped model (int8), an optional SHA-256 of it ("sha256-<base64>",
   *  checked when set), and the optional no-attention baseline and Transformer, each loaded
   *  only when asked for (and checked against its own optional integrity) or, the
   *  Transformer, when `choice` starts a first visit with it. */
  directions: {
    'en-es': {
      model: '../models/en-es.s2s',
      integrity: 'sha256-Dv5aFoV/kCiK1UDNuSSqK+QAnQWrnWRAU+5sPioygBI=',
      baseline: '../models/en-es-noattn.s2s',
      baselineIntegrity: 'sha256-G6/nXYa7HygSq4nL4xzN7a6iJRwsbDlIS+yV+C879Uc=',
      transformer: '../models/en-es-transformer.s2s',
      transformerIntegrity: 'sha256-Ul4ldEKS/sx0mxgT4x9ZoVHMkNduQBFk/Dla10yP0dw=',
      // what a first visit starts with ('lstm', the default, or 'transformer'); the
      // user's own choice is remembered. The Transformer is ahead on everyday text
      // (chrF2 63.4 against 54.8, models/en-es-transformer.md) and 3.8 MB larger.
      choice: 'transformer',
    },
    'es-en': {
      model: '../models/es-en.s2s',
      integrity: 'sha256-04D4igkjtaLirFkmSlYv1wh5SCz0xtHjOs0KWthlrJQ=',
      transformer: '../models/es-en-transformer.s2s',
      transformerIntegrity: 'sha256-hFe42xTvd1W8VP//D3ksXIwDQDlX2s+rPxXTmFiq3gk=',
      // the Transformer is ahead of the LSTM on everyday text (chrF2 66.8 against
      // 56.1, models/es-en-transformer.md) and on every held-out domain; 3.8 MB larger.
      choice: 'transformer',
    },
  },
});
