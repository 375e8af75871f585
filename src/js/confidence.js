// confidence.js — a number a person can read for each translated sentence:
// the probability, under the model's own calibration, that the sentence is a
// good translation (sentence chrF2 of at least the calibration's threshold
// against a human reference).
//
// The calibration is a logistic regression over a few features of the search's
// output, fitted on the model's dev split by tools/calibrate_confidence.mjs
// and stored in the model file as the JSON string meta.confidence:
//   { "version": 1, "features": [names], "weights": [numbers], "bias": number,
//     "target": "chrF2 >= 50", ... }
// A file without it (or with one this code does not understand) gives
// confidence null: no number is better than a made-up one.

/** The features, by name; `r` holds tokenLogprobs (target tokens + EOS) and the two lengths. */
const FEATURES = {
  // the mean log-probability per token, end-of-sentence included
  mean_logprob: (r) => r.tokenLogprobs.reduce((a, b) => a + b, 0) / r.tokenLogprobs.length,
  // the least likely token: one bad word spoils a sentence
  min_logprob: (r) => r.tokenLogprobs.reduce((a, b) => Math.min(a, b), 0),
  // output much shorter or longer than the input: dropped or looping words
  log_length_ratio: (r) => Math.log((r.targetLength + 1) / (r.sourceLength + 1)),
  // long sentences are harder
  log_source_length: (r) => Math.log(r.sourceLength + 1),
};

export const CONFIDENCE_FEATURES = Object.freeze(Object.keys(FEATURES));

/** The feature vector of one sentence, in `names` order. */
export function confidenceFeatures(r, names = CONFIDENCE_FEATURES) {
  return names.map((n) => FEATURES[n](r));
}

/**
 * Parses meta.confidence; null when absent or not a calibration this code can
 * apply (unknown version or feature, wrong lengths, a non-finite number).
 */
export function parseCalibration(json) {
  if (typeof json !== 'string' || json.length > 10_000) return null;
  let c;
  try {
    c = JSON.parse(json);
  } catch {
    return null;
  }
  if (!c || c.version !== 1 || !Array.isArray(c.features) || !Array.isArray(c.weights)) return null;
  if (c.features.length !== c.weights.length || c.features.length === 0 || c.features.length > 16) return null;
  if (!c.features.every((f) => Object.hasOwn(FEATURES, f))) return null;
  if (!c.weights.every(Number.isFinite) || !Number.isFinite(c.bias)) return null;
  return Object.freeze({ features: Object.freeze([...c.features]), weights: Object.freeze([...c.weights]), bias: c.bias, target: String(c.target ?? '') });
}

/** The confidence in [0, 1] of one sentence { tokenLogprobs, sourceLength, targetLength }. */
export function confidenceOf(calibration, r) {
  if (!calibration) return null;
  if (r.sourceLength === 0) return 1; // nothing to translate, nothing wrong
  const x = confidenceFeatures(r, calibration.features);
  let z = calibration.bias;
  for (let i = 0; i < x.length; i++) z += calibration.weights[i] * x[i];
  const p = 1 / (1 + Math.exp(-z));
  return Number.isFinite(p) ? p : null;
}
