// The WebAssembly engine gives the tokens and scores of the native build on
// the fixture model, greedy and with beam 4.
//
// The native outputs come from tests/js/native_ref.c. tools/test.sh builds
// and runs it at test time and passes the file in S2S_NATIVE_EXPECTED; without
// it, the committed tests/fixtures/js/native_expected.json (written by
// tools/make_js_fixture.sh) is used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Translator } from '../../src/js/index.js';
import { opts } from './helpers.js';

const file = process.env.S2S_NATIVE_EXPECTED || new URL('../fixtures/js/native_expected.json', import.meta.url);
const expected = JSON.parse(readFileSync(file, 'utf8'));
const TOL = 1e-4; // the scalar build sums in another order than the native SIMD kernels

test(`tokens and scores match the native build (${expected.sentences.length} sentences, greedy and beam 4)`, async (ctx) => {
  const t = await Translator.create(opts());
  let maxDiff = 0;
  for (const s of expected.sentences) {
    for (const beamSize of [1, 4]) {
      const want = s[`beam${beamSize}`];
      const r = await t.translate(s.text, { beamSize });
      assert.deepEqual(Array.from(r.sourceIds), s.sourceIds, `source ids of "${s.text}"`);
      assert.deepEqual(Array.from(r.targetIds), want.targetIds, `beam ${beamSize}: "${s.text}"`);
      const lps = r.sentences[0].tokenLogprobs;
      assert.equal(lps.length, want.tokenLogprobs.length);
      for (let i = 0; i < lps.length; i++) maxDiff = Math.max(maxDiff, Math.abs(lps[i] - want.tokenLogprobs[i]));
      maxDiff = Math.max(maxDiff, Math.abs(r.score - want.score));
    }
  }
  ctx.diagnostic(`largest difference in log-probabilities and scores: ${maxDiff.toExponential(2)}`);
  assert.ok(maxDiff < TOL, `largest difference ${maxDiff}`);
  t.destroy();
});

test('streaming matches the native greedy tokens too', async () => {
  const t = await Translator.create(opts());
  for (const s of expected.sentences) {
    const ids = [];
    for await (const c of t.translateStreaming(s.text)) if (c.id !== null) ids.push(c.id);
    assert.deepEqual(ids, s.beam1.targetIds, s.text);
  }
  t.destroy();
});
