// translateStreaming(): pieces as they are decided.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Translator, DestroyedError, InvalidArgumentError, Seq2SeqError } from '../../src/js/index.js';
import { opts, sentences } from './helpers.js';

let t;
before(async () => { t = await Translator.create(opts()); });
after(() => t.destroy());

async function collect(it) {
  const out = [];
  for await (const c of it) out.push(c);
  return out;
}

test('the pieces join to what translate() gives with beam 1, token for token', async () => {
  for (const s of sentences()) {
    const chunks = await collect(t.translateStreaming(s));
    const r = await t.translate(s, { attention: true });
    assert.equal(chunks.map((c) => c.text).join(''), r.text, s);
    const toks = chunks.filter((c) => c.id !== null);
    assert.deepEqual(Int32Array.from(toks, (c) => c.id), r.targetIds);
    assert.deepEqual(toks.map((c) => c.token), r.targetTokens);
    for (let i = 0; i < toks.length; i++) {
      assert.ok(Math.abs(toks[i].logprob - r.sentences[0].tokenLogprobs[i]) < 1e-5);
      assert.equal(toks[i].attention.length, r.sourceTokens.length);
      for (let k = 0; k < toks[i].attention.length; k++) assert.ok(Math.abs(toks[i].attention[k] - r.attention[i][k]) < 1e-5);
    }
  }
});

test('a paragraph streams sentence by sentence, with its whitespace', async () => {
  const para = 'Open the file.  Click OK to continue.\nPrint the current page';
  const chunks = await collect(t.translateStreaming(para));
  assert.equal(chunks.map((c) => c.text).join(''), (await t.translate(para)).text);
  assert.deepEqual([...new Set(chunks.map((c) => c.sentence))], [0, 1, 2]);
  assert.ok(chunks.some((c) => c.id === null && c.text === '  '));
  assert.deepEqual(await collect(t.translateStreaming('   ')), []);
});

test('it is an async iterable whose pieces arrive one by one', async () => {
  const it = t.translateStreaming('Save the document before closing it.');
  assert.equal(typeof it[Symbol.asyncIterator], 'function');
  const first = await it[Symbol.asyncIterator]().next();
  assert.equal(first.done, false);
  assert.equal(typeof first.value.text, 'string');
});

test('breaking out early frees the stream', async () => {
  await collect(t.translateStreaming('Open the file.')); // warm-up allocations
  const heap = t.heapUsed;
  for (let i = 0; i < 5; i++) {
    for await (const c of t.translateStreaming('Save the document before closing it.')) { void c; break; }
  }
  assert.equal(t.heapUsed, heap);
});

test('an AbortSignal stops the stream', async () => {
  const ac = new AbortController();
  const seen = [];
  await assert.rejects((async () => {
    for await (const c of t.translateStreaming('Save the document before closing it.', { signal: ac.signal })) {
      seen.push(c);
      ac.abort();
    }
  })(), { name: 'AbortError' });
  assert.equal(seen.length, 1);
});

test('bad arguments throw at once; beamSize is not an option here', () => {
  assert.throws(() => t.translateStreaming(42), InvalidArgumentError);
  assert.throws(() => t.translateStreaming('x', { beamSize: 4 }), InvalidArgumentError);
  assert.throws(() => t.translateStreaming('x', { maxLength: 0 }), InvalidArgumentError);
});

test('destroy() during a stream ends it with a DestroyedError, and reset() with an error', async () => {
  const u = await Translator.create(opts());
  const it = u.translateStreaming('Save the document before closing it. Open the file.')[Symbol.asyncIterator]();
  await it.next();
  u.destroy();
  await assert.rejects(it.next(), DestroyedError);

  const v = await Translator.create(opts());
  await v.fineTune([['Open the file.', 'Abre el archivo.']], { steps: 1 });
  const it2 = v.translateStreaming('Save the document before closing it.')[Symbol.asyncIterator]();
  await it2.next();
  await v.reset();
  await assert.rejects(it2.next(), Seq2SeqError);
  v.destroy();
});
