// The lexical shortlist: a model file that carries one uses it unless
// { shortlist: false }; off, it translates exactly as the same weights without one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Translator, InvalidArgumentError } from '../../src/js/index.js';
import { opts, sentences } from './helpers.js';

const SHORTLIST_MODEL = fileURLToPath(new URL('../fixtures/js/tiny-en-es-shortlist.s2s', import.meta.url));

let plain, listed;
before(async () => {
  plain = await Translator.create(opts());
  listed = await Translator.create(opts({ model: SHORTLIST_MODEL }));
});
after(() => {
  plain.destroy();
  listed.destroy();
});

test('model.shortlist tells what the file carries', () => {
  assert.deepEqual({ ...listed.model.shortlist }, { frequent: 64, candidates: 8 });
  assert.equal(plain.model.shortlist, null);
});

test('shortlist: false translates as the same weights without a shortlist, bit for bit', async () => {
  for (const beamSize of [1, 4]) {
    for (const s of sentences()) {
      const a = await plain.translate(s, { beamSize, attention: true });
      const b = await listed.translate(s, { beamSize, attention: true, shortlist: false });
      assert.equal(b.text, a.text, s);
      assert.deepEqual(b.targetIds, a.targetIds);
      assert.deepEqual(b.sentences[0].tokenLogprobs, a.sentences[0].tokenLogprobs);
      assert.deepEqual(b.attention, a.attention);
    }
  }
});

test('with the shortlist, a token is normalised over fewer pieces: never less likely', async () => {
  let same = 0, differ = 0;
  for (const s of sentences()) {
    const full = await listed.translate(s, { shortlist: false });
    const short = await listed.translate(s);
    if (short.text !== full.text) { differ++; continue; }
    same++;
    const lf = full.sentences[0].tokenLogprobs, ls = short.sentences[0].tokenLogprobs;
    let raised = 0;
    for (let i = 0; i < lf.length; i++) {
      assert.ok(ls[i] >= lf[i] - 1e-6, `${s}: token ${i}: ${ls[i]} < ${lf[i]}`);
      if (ls[i] > lf[i] + 1e-6) raised++;
    }
    assert.ok(raised > 0, `${s}: the shortlist changed no log-probability (was it used?)`);
  }
  // the fixture's list covers 99.7% of what the full search picks on held-out text
  assert.ok(same > differ, `${same} sentences agree, ${differ} differ`);
});

test('streaming uses the shortlist as translate() does, and honours shortlist: false', async () => {
  for (const s of sentences().slice(0, 6)) {
    for (const shortlist of [true, false]) {
      let text = '';
      const ids = [];
      for await (const c of listed.translateStreaming(s, { shortlist })) {
        text += c.text;
        if (c.id !== null) ids.push(c.id);
      }
      const r = await listed.translate(s, { shortlist });
      assert.equal(text, r.text, s);
      assert.deepEqual(Int32Array.from(ids), r.targetIds);
    }
  }
});

test('shortlist must be a boolean', async () => {
  await assert.rejects(listed.translate('Open the file.', { shortlist: 'no' }), InvalidArgumentError);
  await assert.rejects(async () => {
    for await (const c of listed.translateStreaming('Open the file.', { shortlist: 0 })) void c;
  }, InvalidArgumentError);
});
