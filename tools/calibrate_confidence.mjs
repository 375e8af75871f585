#!/usr/bin/env node
// tools/calibrate_confidence.mjs — fits the confidence calibration of a model on
// its dev split and (with --write) stores it in the file as meta.confidence
// (src/js/confidence.js explains what the number means).
//
//   node tools/calibrate_confidence.mjs MODEL.s2s data/dev.tsv [--reverse]
//        [--threshold 50] [--write OUT.s2s] [--s2s build/s2s]
//
// Translates every dev pair whose source is one sentence, greedily, with the JS
// engine (what the page and the package run), scores each against its reference
// with sentence chrF2, and calls a translation good when that reaches the
// threshold. A logistic regression on the features of confidence.js is fitted
// on the even-numbered pairs and judged on the odd-numbered ones, so the table it
// prints (confidence bin -> how many, share good, mean chrF2) is held out.
// --write copies MODEL to OUT with the calibration added (`s2s quantize --meta`,
// which leaves an int8 file's weights byte for byte as they were).

import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Translator } from '../src/js/index.js';
import { CONFIDENCE_FEATURES, confidenceFeatures } from '../src/js/confidence.js';

function parseArgs(argv) {
  const o = { threshold: 50, reverse: false, write: null, s2s: 'build/s2s', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reverse') o.reverse = true;
    else if (a === '--threshold') o.threshold = Number(argv[++i]);
    else if (a === '--write') o.write = argv[++i];
    else if (a === '--s2s') o.s2s = argv[++i];
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.files.push(a);
  }
  if (o.files.length !== 2 || !(o.threshold > 0 && o.threshold < 100)) {
    throw new Error('usage: calibrate_confidence.mjs MODEL.s2s DEV.tsv [--reverse] [--threshold 50] [--write OUT.s2s]');
  }
  return o;
}

// Sentence chrF2 as sacreBLEU computes it for one pair: character n-grams of
// orders 1-6 with whitespace removed, precision and recall averaged over the
// orders both sides have, then F with beta = 2; 0-100.
export function sentenceChrF(hyp, ref, beta = 2) {
  const h = [...hyp.replace(/\s+/gu, '')], r = [...ref.replace(/\s+/gu, '')];
  let p = 0, rc = 0, orders = 0;
  for (let n = 1; n <= 6; n++) {
    if (h.length < n || r.length < n) break;
    const count = (chars) => {
      const m = new Map();
      for (let i = 0; i + n <= chars.length; i++) {
        const g = chars.slice(i, i + n).join('');
        m.set(g, (m.get(g) ?? 0) + 1);
      }
      return m;
    };
    const hm = count(h), rm = count(r);
    let match = 0;
    for (const [g, c] of hm) match += Math.min(c, rm.get(g) ?? 0);
    p += match / (h.length - n + 1);
    rc += match / (r.length - n + 1);
    orders++;
  }
  if (!orders) return 0;
  p /= orders;
  rc /= orders;
  const b2 = beta * beta;
  return p + rc > 0 ? (100 * (1 + b2) * p * rc) / (b2 * p + rc) : 0;
}

// Logistic regression by Newton's method (IRLS) with a small ridge, on
// standardized features; returns weights and bias for the raw features.
function fitLogistic(X, y, ridge = 1e-3) {
  const d = X[0].length, n = X.length;
  const mean = Array(d).fill(0), sd = Array(d).fill(0);
  for (const x of X) x.forEach((v, j) => { mean[j] += v / n; });
  for (const x of X) x.forEach((v, j) => { sd[j] += (v - mean[j]) ** 2 / n; });
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  const Z = X.map((x) => [1, ...x.map((v, j) => (v - mean[j]) / sd[j])]);
  let w = Array(d + 1).fill(0);
  for (let it = 0; it < 50; it++) {
    const g = Array(d + 1).fill(0);
    const H = Array.from({ length: d + 1 }, (_, i) => Array.from({ length: d + 1 }, (_, k) => (i === k && i > 0 ? ridge * n : 0)));
    for (let i = 0; i < n; i++) {
      const z = Z[i].reduce((a, v, j) => a + v * w[j], 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let j = 0; j <= d; j++) {
        g[j] += (p - y[i]) * Z[i][j];
        for (let k = 0; k <= d; k++) H[j][k] += p * (1 - p) * Z[i][j] * Z[i][k];
      }
    }
    for (let j = 1; j <= d; j++) g[j] += ridge * n * w[j];
    const step = solve(H, g);
    w = w.map((v, j) => v - step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  const weights = w.slice(1).map((v, j) => v / sd[j]);
  const bias = w[0] - weights.reduce((a, v, j) => a + v * mean[j], 0);
  return { weights, bias };
}

function solve(A, b) { // Gaussian elimination with partial pivoting; A is small
  const n = b.length, M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const [modelPath, devPath] = o.files;
  const pairs = readFileSync(devPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => {
    const c = l.replace(/\r$/, '').split('\t');
    const [en, es] = c.slice(-2);
    return o.reverse ? { src: es, ref: en } : { src: en, ref: es };
  });
  const t = await Translator.create({ model: readFileSync(modelPath) });
  const rows = [];
  try {
    const B = 256;
    for (let i = 0; i < pairs.length; i += B) {
      const chunk = pairs.slice(i, i + B);
      const res = await t.translate(chunk.map((p) => p.src));
      res.forEach((r, k) => {
        if (r.sentences.length !== 1) return; // references are per pair, features per sentence
        const s = r.sentences[0];
        rows.push({
          index: i + k,
          x: confidenceFeatures({ tokenLogprobs: s.tokenLogprobs, sourceLength: s.sourceIds.length, targetLength: s.targetIds.length }),
          chrf: sentenceChrF(s.text, chunk[k].ref),
        });
      });
      process.stderr.write(`\rtranslated ${Math.min(i + B, pairs.length)} of ${pairs.length}`);
    }
  } finally {
    t.destroy();
  }
  process.stderr.write('\n');
  const fit = rows.filter((r) => r.index % 2 === 0), held = rows.filter((r) => r.index % 2 === 1);
  const good = (r) => (r.chrf >= o.threshold ? 1 : 0);
  const positives = fit.filter(good).length;
  if (positives === 0 || positives === fit.length) {
    throw new Error(`every fitted sentence is ${positives ? 'good' : 'bad'} at chrF2 ${o.threshold}: nothing to calibrate (try another --threshold)`);
  }
  const { weights, bias } = fitLogistic(fit.map((r) => r.x), fit.map(good));
  const conf = (r) => sigmoid(bias + weights.reduce((a, w, j) => a + w * r.x[j], 0));

  const bins = [[0, 0.2], [0.2, 0.4], [0.4, 0.6], [0.6, 0.8], [0.8, 1.0001]];
  const lines = [`| confidence | sentences | good (chrF2 ≥ ${o.threshold}) | mean chrF2 | mean confidence |`, '|---|---:|---:|---:|---:|'];
  for (const [lo, hi] of bins) {
    const b = held.filter((r) => conf(r) >= lo && conf(r) < hi);
    const share = b.length ? b.filter(good).length / b.length : NaN;
    const mean = (f) => (b.length ? b.reduce((a, r) => a + f(r), 0) / b.length : NaN);
    lines.push(`| ${lo.toFixed(1)}–${Math.min(hi, 1).toFixed(1)} | ${b.length} | ${b.length ? (100 * share).toFixed(1) + ' %' : '–'} | ${b.length ? mean((r) => r.chrf).toFixed(1) : '–'} | ${b.length ? mean(conf).toFixed(2) : '–'} |`);
  }
  // how well the number ranks sentences: the chance a good one scores above a bad one (AUC)
  const pos = held.filter((r) => good(r)).map(conf), neg = held.filter((r) => !good(r)).map(conf);
  let wins = 0;
  const sortedNeg = [...neg].sort((a, b) => a - b);
  for (const p of pos) {
    let lo = 0, hi = sortedNeg.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (sortedNeg[m] < p) lo = m + 1; else hi = m; }
    wins += lo;
  }
  const auc = pos.length && neg.length ? wins / (pos.length * neg.length) : NaN;
  const brier = held.reduce((a, r) => a + (conf(r) - good(r)) ** 2, 0) / held.length;
  const base = held.filter(good).length / held.length;
  const calibration = {
    version: 1, features: CONFIDENCE_FEATURES, weights: weights.map((w) => Number(w.toPrecision(6))), bias: Number(bias.toPrecision(6)),
    target: `sentence chrF2 >= ${o.threshold}`,
    fitted: `${devPath}${o.reverse ? ' (reversed)' : ''}: ${fit.length} one-sentence pairs (even lines), greedy`,
    held_out: { sentences: held.length, good: Number(base.toFixed(4)), auc: Number(auc.toFixed(4)), brier: Number(brier.toFixed(4)) },
  };
  console.log(`Held out (odd lines of ${devPath}): ${held.length} sentences, ${(100 * base).toFixed(1)} % good; ` +
    `AUC ${auc.toFixed(3)}, Brier ${brier.toFixed(4)} (always saying ${base.toFixed(2)}: ${(base * (1 - base)).toFixed(4)})\n`);
  console.log(lines.join('\n'));
  console.log('\n' + JSON.stringify(calibration));
  if (o.write) {
    const r = spawnSync(o.s2s, ['quantize', modelPath, o.write, '--meta', `confidence=${JSON.stringify(calibration)}`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${o.s2s} quantize failed (status ${r.status})`);
    console.log(`wrote ${o.write}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(`calibrate_confidence: ${e.message}`); process.exit(1); });
}
