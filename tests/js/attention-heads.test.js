// attention: 'heads' on the tiny Transformer fixture (tests/fixtures/js/tiny-tf-en-es.s2s,
// tools/make_js_fixture.sh): every decoder layer's and head's cross-attention
// and the encoder's self-attention, their shapes and sums, the mean of the
// last layer's heads against `attention`, the native build's tokens, scores
// and per-head digests (native_expected_tf.json, tests/js/native_ref.c
// --heads), streaming and the worker alike; the RNN fixture has none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Translator, WorkerTranslator, InvalidArgumentError, InputTooLongError, LIMITS } from '../../src/js/index.js';
import { ENGINE, opts } from './helpers.js';

const TF_MODEL = fileURLToPath(new URL('../fixtures/js/tiny-tf-en-es.s2s', import.meta.url));
const expected = JSON.parse(readFileSync(new URL('../fixtures/js/native_expected_tf.json', import.meta.url), 'utf8'));
const TOL = 1e-4; // as native-equivalence.test.js: other summation orders

let t;
before(async () => { t = await Translator.create({ model: TF_MODEL, engine: ENGINE }); });
after(() => t?.destroy());

// Rows of `cols` weights in data from row `first` on, `count` of them: each sums to 1.
function assertDistributions(data, cols, what) {
  for (let r = 0; r < data.length / cols; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      assert.ok(data[r * cols + c] >= 0, what);
      sum += data[r * cols + c];
    }
    assert.ok(Math.abs(sum - 1) < 1e-4, `${what}: row ${r} sums to ${sum}`);
  }
}

// As native_ref.c's print_moments: per block of rows x cols, sum w (c + 1) / rows.
function moments(data, blocks, rows, cols) {
  const out = [];
  for (let b = 0; b < blocks; b++) {
    let m = 0;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m += data[(b * rows + r) * cols + c] * (c + 1);
    out.push(m / rows);
  }
  return out;
}

test('the model info names a Transformer with its layers and heads', () => {
  const m = t.model;
  assert.equal(m.architectureName, 'transformer');
  assert.deepEqual([m.heads, m.layers, m.decLayers, m.embDim, m.ffDim], [4, 2, 2, 32, 64]);
  assert.equal(m.quantized, true);
});

test("attention: 'heads' gives every layer's and head's map, and the encoder's, shaped and summing to 1", async () => {
  const text = expected.sentences[0].text;
  const plain = await t.translate(text);
  const r = await t.translate(text, { attention: 'heads' });
  assert.equal(r.text, plain.text, 'the level changes no translation');
  assert.deepEqual(Array.from(r.targetIds), Array.from(plain.targetIds));
  const T = r.targetTokens.length, S = r.sourceTokens.length;
  const h = r.attentionHeads, e = r.encoderAttention;
  assert.deepEqual([h.layers, h.heads, h.rows, h.cols], [2, 4, T, S]);
  assert.ok(h.data instanceof Float32Array && h.data.length === 2 * 4 * T * S);
  assertDistributions(h.data, S, 'cross-attention');
  assert.deepEqual([e.layers, e.heads, e.rows, e.cols], [2, 4, S, S]);
  assert.ok(e.data instanceof Float32Array && e.data.length === 2 * 4 * S * S);
  assertDistributions(e.data, S, 'encoder self-attention');
  // the default view, `attention`, is the mean of the last layer's heads
  assert.equal(r.attention.length, T);
  for (let row = 0; row < T; row++) {
    for (let c = 0; c < S; c++) {
      let mean = 0;
      for (let k = 0; k < 4; k++) mean += h.data[((1 * 4 + k) * T + row) * S + c] / 4;
      assert.ok(Math.abs(mean - r.attention[row][c]) < 1e-6, `row ${row} col ${c}`);
    }
  }
  assert.equal(r.sentences[0].heads, undefined, 'not repeated per sentence');
  assert.equal((await t.translate(text, { attention: true })).attentionHeads, undefined, 'only on request');
});

test('a text of several sentences gets each block in place and zeros outside it', async () => {
  const r = await t.translate('I like cats. The house is big.', { attention: 'heads' });
  assert.equal(r.sentences.length, 2);
  const { rows: T, cols: S, data } = r.attentionHeads;
  const [a, b] = r.sentences;
  const t0 = a.targetTokens.length, s0 = a.sourceTokens.length;
  for (let lh = 0; lh < 8; lh++) {
    for (let row = 0; row < T; row++) {
      let inside = 0, outside = 0;
      for (let c = 0; c < S; c++) {
        const w = data[(lh * T + row) * S + c];
        if ((row < t0) === (c < s0)) inside += w; else outside += w;
      }
      assert.ok(Math.abs(inside - 1) < 1e-4 && outside === 0, `head ${lh} row ${row}`);
    }
  }
  assert.equal(T, t0 + b.targetTokens.length);
  assertDistributions(r.encoderAttention.data.subarray(0, S), S, 'first encoder row');
});

test(`tokens, scores and per-head digests match the native build (${expected.sentences.length} sentences)`, async (ctx) => {
  let maxDiff = 0, maxMoment = 0;
  for (const s of expected.sentences) {
    for (const beamSize of [1, 4]) {
      const want = s[`beam${beamSize}`];
      const r = await t.translate(s.text, { beamSize });
      assert.deepEqual(Array.from(r.sourceIds), s.sourceIds, s.text);
      assert.deepEqual(Array.from(r.targetIds), want.targetIds, `beam ${beamSize}: "${s.text}"`);
      const lps = r.sentences[0].tokenLogprobs;
      for (let i = 0; i < lps.length; i++) maxDiff = Math.max(maxDiff, Math.abs(lps[i] - want.tokenLogprobs[i]));
      maxDiff = Math.max(maxDiff, Math.abs(r.score - want.score));
    }
    const r = await t.translate(s.text, { attention: 'heads' });
    const h = r.attentionHeads, e = r.encoderAttention;
    assert.deepEqual([h.layers, h.heads, h.rows + 1, h.cols], [s.heads.layers, s.heads.heads, s.heads.rows, s.heads.cols]);
    assert.deepEqual([e.layers, e.heads, e.rows], [s.encoder.layers, s.encoder.heads, s.encoder.n]);
    const got = h.rows ? moments(h.data, h.layers * h.heads, h.rows, h.cols) : s.heads.moments.map(() => 0);
    for (let b = 0; b < got.length; b++) maxMoment = Math.max(maxMoment, Math.abs(got[b] - s.heads.moments[b]));
    const enc = moments(e.data, e.layers * e.heads, e.rows, e.cols);
    for (let b = 0; b < enc.length; b++) maxMoment = Math.max(maxMoment, Math.abs(enc[b] - s.encoder.moments[b]));
  }
  ctx.diagnostic(`largest differences: log-probabilities ${maxDiff.toExponential(2)}, per-head digests ${maxMoment.toExponential(2)}`);
  assert.ok(maxDiff < TOL, `largest difference ${maxDiff}`);
  assert.ok(maxMoment < 1e-3, `largest digest difference ${maxMoment}`);
});

test("streaming gives the native greedy tokens, and with attention: 'heads' each token's heads", async () => {
  for (const s of expected.sentences) {
    const ids = [];
    for await (const c of t.translateStreaming(s.text)) {
      if (c.id !== null) ids.push(c.id);
      assert.ok(!('attentionHeads' in c));
    }
    assert.deepEqual(ids, s.beam1.targetIds, s.text);
  }
  const text = expected.sentences[1].text;
  const r = await t.translate(text, { attention: 'heads' });
  const { rows: T, cols: S, data } = r.attentionHeads;
  let k = 0;
  for await (const c of t.translateStreaming(text, { attention: 'heads' })) {
    if (c.id === null) continue;
    const h = c.attentionHeads;
    assert.deepEqual([h.layers, h.heads, h.cols], [2, 4, S]);
    for (let lh = 0; lh < 8; lh++) {
      for (let j = 0; j < S; j++) assert.ok(Math.abs(h.data[lh * S + j] - data[(lh * T + k) * S + j]) < 1e-5);
    }
    k++;
  }
  assert.equal(k, T);
});

test('the worker gives the same heads, as transferable Float32Arrays', async () => {
  const w = await WorkerTranslator.create({ model: TF_MODEL, engine: ENGINE });
  try {
    const text = expected.sentences[2].text;
    const [a, b] = await Promise.all([w.translate(text, { attention: 'heads' }), t.translate(text, { attention: 'heads' })]);
    assert.ok(a.attentionHeads.data instanceof Float32Array && a.encoderAttention.data instanceof Float32Array);
    assert.deepEqual(a.attentionHeads, b.attentionHeads);
    assert.deepEqual(a.encoderAttention, b.encoderAttention);
    const chunks = [];
    for await (const c of w.translateStreaming(text, { attention: 'heads' })) if (c.id !== null) chunks.push(c.attentionHeads);
    assert.equal(chunks.length, a.attentionHeads.rows);
    assert.ok(chunks[0].data instanceof Float32Array);
  } finally {
    w.destroy();
  }
});

test("bad values, html, the limit and the RNN: typed errors or null", async () => {
  await assert.rejects(t.translate('Hello.', { attention: 'all' }), InvalidArgumentError);
  assert.throws(() => t.translateStreaming('Hello.', { attention: true }), InvalidArgumentError);
  await assert.rejects(t.translate('<p>Hello.</p>', { html: true, attention: 'heads' }), InvalidArgumentError);
  // 2 x 4 x T x S + 2 x 4 x S x S over the whole text: past LIMITS.maxAttentionWeights
  const long = Array.from({ length: 80 }, () => 'The house is big.').join(' ');
  await assert.rejects(t.translate(long, { attention: 'heads' }), (err) => err instanceof InputTooLongError && /limit is 4000000/.test(err.message));
  assert.equal(LIMITS.maxAttentionWeights, 4_000_000);
  const rnn = await Translator.create(opts());
  try {
    const r = await rnn.translate('I like cats.', { attention: 'heads' });
    const one = await rnn.translate('I like cats.', { attention: true });
    assert.equal(r.attentionHeads, null);
    assert.equal(r.encoderAttention, null);
    assert.deepEqual(r.attention, one.attention);
  } finally {
    rnn.destroy();
  }
});
