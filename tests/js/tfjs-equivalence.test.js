// The TensorFlow.js re-implementation used by the benchmarks
// (bench/tfjs-model.mjs) gives our engine's tokens on the same f32 weights:
// the fixture model expanded to f32, greedy and beam 4. Skipped when the
// @tensorflow devDependencies are not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Translator } from '../../src/js/index.js';
import { ENGINE, modelBytes, sentences } from './helpers.js';

let tfjs = null, missing = '';
try {
  tfjs = await import('../../bench/tfjs-model.mjs');
} catch (e) {
  missing = `@tensorflow/tfjs-core and @tensorflow/tfjs-backend-wasm are not installed (npm install): ${e.message.split('\n')[0]}`;
}

test('the TF.js model gives our tokens on the f32 fixture model (greedy and beam 4)', { skip: tfjs ? false : missing }, async (ctx) => {
  const f32 = tfjs.dequantizeS2s(modelBytes());
  const t = await Translator.create({ model: f32, engine: ENGINE });
  const m = await tfjs.loadTfjsModel(f32);
  const info = tfjs.tfjsInfo();
  ctx.diagnostic(`TF.js ${info.tfjsVersion} ${info.backend}, SIMD ${info.simd}, threads ${info.threads}`);
  try {
    assert.equal(t.model.quantized, false);
    for (const text of sentences()) {
      for (const beamSize of [1, 4]) {
        const r = (await t.translate(text, { beamSize })).sentences[0];
        const g = m.translateIds(r.sourceIds, { beamSize });
        assert.deepEqual(Array.from(g.ids), Array.from(r.targetIds), `beam ${beamSize}: "${text}"`);
        assert.ok(Math.abs(g.score - r.score) < 1e-4, `beam ${beamSize} score: "${text}" ${g.score} vs ${r.score}`);
        assert.ok(g.firstTokenMs >= 0);
      }
    }
    // maxLength as the Translator passes it: factor 1/1024, extra = maxLength
    for (const text of sentences().slice(0, 4)) {
      const r = (await t.translate(text, { beamSize: 4, maxLength: 3 })).sentences[0];
      const g = m.translateIds(r.sourceIds, { beamSize: 4, maxLenFactor: 1 / 1024, maxLenExtra: 3 });
      assert.deepEqual(Array.from(g.ids), Array.from(r.targetIds), `maxLength 3: "${text}"`);
    }
  } finally {
    t.destroy();
    m.dispose();
  }
});

test('the TF.js loader refuses configurations it does not implement', { skip: tfjs ? false : missing }, async () => {
  // flip s2s.attention (an I32 key) to 2 (Luong dot) in the metadata and re-seal
  const { reseal } = await import('./s2sfile.js');
  const bytes = tfjs.dequantizeS2s(modelBytes());
  const key = new TextEncoder().encode('s2s.attention');
  let at = -1;
  for (let i = 32; i < bytes.length - key.length && at < 0; i++) {
    if (key.every((b, j) => bytes[i + j] === b)) at = i + key.length;
  }
  assert.ok(at > 0);
  new DataView(bytes.buffer).setInt32(at + 4, 2, true); // after u32 type
  reseal(bytes);
  await assert.rejects(tfjs.loadTfjsModel(bytes), /unsupported configuration.*attention/);
});
