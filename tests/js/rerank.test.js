// Reranking by a model of the other direction: loadRerankModel puts it in the
// translator's engine, translate() then picks among the beam's finished
// hypotheses by score + rerankWeight × its log P(source | hypothesis).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Translator, WorkerTranslator, InvalidArgumentError, ModelError } from '../../src/js/index.js';
import { modelBytes, opts, sentences } from './helpers.js';
import { withMeta } from './s2sfile.js';

const REVERSE = fileURLToPath(new URL('../fixtures/js/tiny-es-en.s2s', import.meta.url));

let t;
before(async () => {
  t = await Translator.create(opts());
  await t.loadRerankModel(REVERSE);
});
after(() => t.destroy());

test('model.rerank names the loaded model; a file without rerank_weight has weight 0', () => {
  assert.deepEqual(t.model.rerank, { sourceLanguage: 'es', targetLanguage: 'en' });
  assert.equal(t.model.rerankWeight, 0);
});

test('weight 0 picks what the beam picks and reports the reverse score', async () => {
  const plain = await Translator.create(opts());
  try {
    for (const s of sentences()) {
      const a = await plain.translate(s, { beamSize: 4 });
      const b = await t.translate(s, { beamSize: 4, rerankWeight: 0 });
      assert.equal(b.text, a.text, s);
      assert.equal(a.sentences[0].rerankLogprob, null);
      const r = b.sentences[0].rerankLogprob;
      assert.ok(Number.isFinite(r) && r <= 0, `${s}: ${r}`);
    }
  } finally {
    plain.destroy();
  }
});

// The weight-0 winner is among the weighted search's candidates and has the
// best beam score, so the weighted winner's reverse score is at least its own.
test('a weight picks translations the reverse model finds likelier', async () => {
  let changed = 0;
  for (const s of sentences()) {
    const a = await t.translate(s, { beamSize: 4, rerankWeight: 0 });
    const b = await t.translate(s, { beamSize: 4, rerankWeight: 100 });
    for (let i = 0; i < a.sentences.length; i++) {
      assert.ok(b.sentences[i].rerankLogprob >= a.sentences[i].rerankLogprob - 1e-4, s);
    }
    changed += a.text !== b.text;
  }
  assert.ok(changed > 0, 'a weight of 100 changed nothing: the reranking did not run');
});

test('rerank: false, or no rerank model, reports no reverse score', async () => {
  const r = await t.translate('Open the file.', { beamSize: 2, rerank: false });
  assert.equal(r.sentences[0].rerankLogprob, null);
  const u = await Translator.create(opts());
  try {
    await assert.rejects(u.translate('Open.', { rerank: true, rerankWeight: 1 }), InvalidArgumentError);
    await u.loadRerankModel(REVERSE);
    // neither rerankWeight nor the file's rerank_weight: an error, not a silent no-op
    await assert.rejects(u.translate('Open.', { beamSize: 2 }), /rerank_weight/);
    const before = u.heapUsed;
    await u.loadRerankModel(REVERSE); // replaces: the first is freed (allocator slack aside)
    assert.ok(Math.abs(u.heapUsed - before) < 4096, `${u.heapUsed} vs ${before}`);
    await u.loadRerankModel(null);
    assert.equal(u.model.rerank, null);
    assert.ok(u.heapUsed < before, 'unloading frees the model');
    assert.equal((await u.translate('Open.', { beamSize: 2 })).sentences[0].rerankLogprob, null);
  } finally {
    u.destroy();
  }
});

test('a model of the same direction, or not a model, is refused and nothing changes', async () => {
  // files that name their languages: es -> en cannot rerank es -> en
  const es = await Translator.create(opts({ model: REVERSE }));
  try {
    await assert.rejects(es.loadRerankModel(REVERSE), (e) => e instanceof ModelError && /en -> es/.test(e.message));
    assert.equal(es.model.rerank, null);
  } finally {
    es.destroy();
  }
  await assert.rejects(t.loadRerankModel(new Uint8Array([1, 2, 3])), ModelError);
  await assert.rejects(t.loadRerankModel(REVERSE, { integrity: 'sha256-AAAA' }));
  await assert.rejects(t.loadRerankModel(REVERSE, { unknown: 1 }), InvalidArgumentError);
  await assert.rejects(t.translate('Open.', { rerankWeight: -1 }), InvalidArgumentError);
  assert.deepEqual(t.model.rerank, { sourceLanguage: 'es', targetLanguage: 'en' });
});

test('WorkerTranslator reranks as Translator does', async () => {
  const w = await WorkerTranslator.create(opts());
  try {
    await w.loadRerankModel(REVERSE);
    for (const s of sentences().slice(0, 4)) {
      const a = await t.translate(s, { beamSize: 4, rerankWeight: 1 });
      const b = await w.translate(s, { beamSize: 4, rerankWeight: 1 });
      assert.equal(b.text, a.text);
      assert.equal(b.sentences[0].rerankLogprob, a.sentences[0].rerankLogprob);
    }
  } finally {
    w.destroy();
  }
});

test("the file's rerank_weight is the default weight", async () => {
  const u = await Translator.create(opts({ model: withMeta(modelBytes(), 'rerank_weight', '1') }));
  try {
    assert.equal(u.model.rerankWeight, 1);
    await u.loadRerankModel(REVERSE);
    for (const s of sentences().slice(0, 5)) {
      const a = await u.translate(s, { beamSize: 4 });
      const b = await t.translate(s, { beamSize: 4, rerankWeight: 1 });
      assert.equal(a.text, b.text, s);
      assert.equal(a.sentences[0].rerankLogprob, b.sentences[0].rerankLogprob);
    }
  } finally {
    u.destroy();
  }
});
