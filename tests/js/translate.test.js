// translate(): results, attention, batches, paragraphs, options, limits and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Translator, LIMITS, InvalidArgumentError, InputTooLongError, BadTextError,
} from '../../src/js/index.js';
import { readFileSync } from 'node:fs';
import { opts, sentences } from './helpers.js';
import { withMeta } from './s2sfile.js';

// the fixture model's bytes, saying that it translates from `lang` (en or
// es): the text rules that depend on the source language then apply
const fixtureIn = (lang) =>
  withMeta(withMeta(readFileSync(opts().model), 'source_language', lang), 'target_language', lang === 'en' ? 'es' : 'en');

let t;
before(async () => { t = await Translator.create(opts()); });
after(() => t.destroy());

test('a sentence gives text, source and target tokens, ids, a score and per-token log-probabilities', async () => {
  const r = await t.translate('Open the file.');
  assert.equal(typeof r.text, 'string');
  assert.ok(r.text.length > 0);
  assert.ok(Array.isArray(r.sourceTokens) && r.sourceTokens.every((s) => typeof s === 'string'));
  assert.equal(r.sourceTokens.join('').replaceAll('\u2581', ' ').trim(), 'Open the file.');
  assert.ok(r.sourceIds instanceof Int32Array && r.sourceIds.length === r.sourceTokens.length);
  assert.ok(r.targetIds instanceof Int32Array && r.targetIds.length === r.targetTokens.length);
  assert.ok(Number.isFinite(r.score) && r.score < 0);
  assert.equal(r.attention, null, 'no attention unless asked');
  assert.equal(r.sentences.length, 1);
  const s = r.sentences[0];
  assert.equal(s.source, 'Open the file.');
  assert.equal(s.tokenLogprobs.length, r.targetIds.length + 1, 'one per token, then EOS');
  // with length penalty 1 the score is the mean log-probability over tokens + EOS
  const mean = s.tokenLogprobs.reduce((a, b) => a + b, 0) / s.tokenLogprobs.length;
  assert.ok(Math.abs(mean - r.score) < 1e-5, `${mean} vs ${r.score}`);
});

test('attention: one row per target token over the source tokens, each a distribution', async () => {
  const r = await t.translate('Save the document before closing it.', { attention: true, beamSize: 4 });
  assert.equal(r.attention.length, r.targetTokens.length);
  for (const row of r.attention) {
    assert.ok(row instanceof Float32Array);
    assert.equal(row.length, r.sourceTokens.length);
    const sum = row.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `row sums to ${sum}`);
    assert.ok(row.every((v) => v >= 0));
  }
  const plain = await t.translate('Save the document before closing it.', { beamSize: 4 });
  assert.equal(plain.text, r.text, 'asking for attention changes nothing else');
  assert.equal(plain.score, r.score);
});

test('translation is deterministic', async () => {
  const a = await t.translate('The man went to the house.', { beamSize: 4 });
  const b = await t.translate('The man went to the house.', { beamSize: 4 });
  assert.deepEqual(a, b);
});

test('an array of texts translates as a batch, each as it would alone', async () => {
  const texts = sentences();
  for (const beamSize of [1, 4]) {
    const batch = await t.translate(texts, { beamSize });
    assert.equal(batch.length, texts.length);
    for (let i = 0; i < texts.length; i++) {
      const one = await t.translate(texts[i], { beamSize });
      assert.equal(batch[i].text, one.text);
      assert.deepEqual(batch[i].targetIds, one.targetIds);
      assert.ok(Math.abs(batch[i].score - one.score) < 1e-5);
    }
  }
  assert.deepEqual(await t.translate([]), []);
});

test('a paragraph is split into sentences, translated and joined back with its whitespace', async () => {
  const para = 'Open the file.  Click OK to continue.\nPrint the current page';
  const r = await t.translate(para, { attention: true });
  assert.equal(r.sentences.length, 3);
  const parts = await Promise.all(['Open the file.', 'Click OK to continue.', 'Print the current page'].map((s) => t.translate(s)));
  assert.equal(r.text, `${parts[0].text}  ${parts[1].text}\n${parts[2].text}`);
  assert.deepEqual(r.sourceTokens, parts.flatMap((p) => p.sourceTokens));
  assert.deepEqual(r.targetTokens, parts.flatMap((p) => p.targetTokens));
  // attention rows span all source tokens, zero outside the row's own sentence
  assert.equal(r.attention.length, r.targetTokens.length);
  const n0 = parts[0].sourceTokens.length;
  const row = r.attention[0];
  assert.equal(row.length, r.sourceTokens.length);
  assert.ok(row.subarray(n0).every((v) => v === 0));
  assert.ok(Math.abs(row.subarray(0, n0).reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.ok(Math.abs(r.score - parts.reduce((a, p) => a + p.score, 0) / 3) < 1e-6);
});

test('empty and whitespace-only input gives empty output without calling the engine', async () => {
  for (const text of ['', '   ', '\n\t \n']) {
    const r = await t.translate(text);
    assert.equal(r.text, '');
    assert.deepEqual(r.sourceTokens, []);
    assert.deepEqual(r.targetTokens, []);
    assert.equal(r.sentences.length, 0);
  }
  const [a, b] = await t.translate(['', 'Open the file.']);
  assert.equal(a.text, '');
  assert.equal(b.text, (await t.translate('Open the file.')).text);
  assert.equal((await t.translate('  Open the file.\n')).text, b.text, 'outer whitespace is dropped');
});

test('text is NFC-normalized first', async () => {
  const composed = 'Café déjà vu.';
  const decomposed = composed.normalize('NFD');
  assert.notEqual(composed, decomposed);
  assert.deepEqual(await t.translate(decomposed), await t.translate(composed));
});

test('maxLength caps the target tokens; lengthPenalty changes the score', async () => {
  for (const maxLength of [1, 2, 3]) {
    for (const beamSize of [1, 4]) {
      const r = await t.translate('And God said, let there be light.', { maxLength, beamSize });
      assert.ok(r.targetTokens.length <= maxLength, `${r.targetTokens.length} > ${maxLength}`);
    }
  }
  const a = await t.translate('Open the file.', { lengthPenalty: 0 });
  const s = a.sentences[0].tokenLogprobs.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(a.score - s) < 1e-4, 'length penalty 0: the plain log-probability');
});

test("a file's length_penalty metadata is the default lengthPenalty; an option still overrides it", async () => {
  assert.equal(t.model.lengthPenalty, 1, 'no metadata: the library default');
  const bytes = withMeta(readFileSync(opts().model), 'length_penalty', '1.6');
  const u = await Translator.create({ ...opts(), model: bytes });
  try {
    assert.equal(u.model.lengthPenalty, 1.6);
    assert.equal(u.metadata('length_penalty'), '1.6');
    const text = 'And God said, let there be light.';
    for (const beamSize of [1, 4]) {
      const own = await u.translate(text, { beamSize });
      assert.deepEqual(own, await u.translate(text, { beamSize, lengthPenalty: 1.6 }));
      assert.deepEqual(await u.translate(text, { beamSize, lengthPenalty: 1 }), await t.translate(text, { beamSize }));
      const s = own.sentences[0].tokenLogprobs;
      const sum = s.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(own.score - sum / s.length ** 1.6) < 1e-4, `${own.score} vs ${sum / s.length ** 1.6}`);
    }
  } finally {
    u.destroy();
  }
});

test("a file's block_repeats metadata is the default blockRepeats of translate and streaming", async () => {
  assert.equal(t.model.blockRepeats, false, 'no metadata: the library default');
  const bytes = withMeta(readFileSync(opts().model), 'block_repeats', '1');
  const u = await Translator.create({ ...opts(), model: bytes });
  try {
    assert.equal(u.model.blockRepeats, true);
    // the fixture's pieces never repeat a whole word ("▁ el ▁ el"), so the rule leaves its
    // output alone either way; tests/test_translate.c and the shipped models' test see it act
    const text = 'Open the file.';
    for (const beamSize of [1, 4]) {
      const own = await u.translate(text, { beamSize });
      assert.deepEqual(own, await u.translate(text, { beamSize, blockRepeats: true }));
      assert.deepEqual(await u.translate(text, { beamSize, blockRepeats: false }), await t.translate(text, { beamSize }));
    }
    let streamed = '';
    for await (const c of u.translateStreaming(text, { blockRepeats: false })) streamed += c.text;
    assert.equal(streamed, (await t.translate(text)).text);
  } finally {
    u.destroy();
  }
  await assert.rejects(t.translate('x', { blockRepeats: 1 }), (e) => e instanceof InvalidArgumentError && /blockRepeats/.test(e.message));
  await assert.rejects(async () => { for await (const c of t.translateStreaming('x', { blockRepeats: 'yes' })) void c; },
    (e) => e instanceof InvalidArgumentError && /blockRepeats/.test(e.message));
});

test('bad arguments are InvalidArgumentErrors naming what is wrong', async () => {
  const bad = [
    [42], [null], [undefined], [{ text: 'x' }], [['x', 7]],
    ['x', { beamSize: 0 }], ['x', { beamSize: 33 }], ['x', { beamSize: 1.5 }], ['x', { beamSize: '4' }],
    ['x', { maxLength: 0 }], ['x', { maxLength: 512 }], ['x', { lengthPenalty: -1 }], ['x', { lengthPenalty: NaN }],
    ['x', { lengthPenalty: 6 }], ['x', { attention: 'yes' }], ['x', { beam: 4 }], ['x', 'fast'], ['x', { signal: 'stop' }],
  ];
  for (const args of bad) {
    await assert.rejects(t.translate(...args), (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${JSON.stringify(args)} -> ${e.name}: ${e.message}`);
      assert.match(e.message, /^translate: /);
      return true;
    });
  }
});

test('inputs beyond the documented limits are InputTooLongErrors', async () => {
  await assert.rejects(t.translate('a'.repeat(LIMITS.maxTextLength + 1)), (e) => e instanceof InputTooLongError && /100000/.test(e.message));
  await assert.rejects(t.translate(new Array(LIMITS.maxBatch + 1).fill('x')), InputTooLongError);
  // a sentence of more than 512 tokens (no sentence end inside)
  const long = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
  await assert.rejects(t.translate(long), (e) => e instanceof InputTooLongError && /limit is 512/.test(e.message) && e.code === 'INPUT_TOO_LONG');
  // the same words as sentences are fine
  const many = Array.from({ length: 60 }, (_, i) => `Word ${i}.`).join(' ');
  const r = await t.translate(many, { maxLength: 4 });
  assert.equal(r.sentences.length, 60);
});

test('a lone surrogate is a BadTextError', async () => {
  await assert.rejects(t.translate('bad \ud800 text'), BadTextError);
});

test('an AbortSignal cancels a batch between chunks', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(t.translate('Open the file.', { signal: ac.signal }), { name: 'AbortError' });
  const ac2 = new AbortController();
  const p = t.translate(new Array(200).fill('Open the file and save it.'), { signal: ac2.signal });
  setImmediate(() => ac2.abort());
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(typeof (await t.translate('Open the file.')).text, 'string', 'usable afterwards');
});

test('English: a first word that takes fewer pieces lowered goes to the engine lowered, and the translation is raised', async () => {
  const en = await Translator.create(opts({ model: fixtureIn('en') }));
  try {
    // the fixture's vocabulary: "Files" is 4 pieces (a byte piece for the capital), "files" 3
    const typed = await en.translate('Files are here.');
    const lowered = await en.translate('files are here.');
    assert.ok(typed.sourceIds.length > 0);
    assert.deepEqual(typed.sourceIds, lowered.sourceIds, 'the engine saw the lowered sentence');
    assert.equal(typed.sentences[0].source, 'Files are here.', 'the source is the text as typed');
    assert.equal(typed.text, lowered.text.replace(/^([^\p{L}\p{N}]*)(\p{Ll})/u, (_, lead, c) => lead + c.toUpperCase()));
    assert.match(typed.text, /^\P{Ll}*\p{Lu}/u, 'the translation starts with a capital');
    let streamed = '';
    for await (const c of en.translateStreaming('Files are here. Files are here.')) streamed += c.text;
    assert.equal(streamed, (await en.translate('Files are here. Files are here.')).text, 'streamed: raised once per sentence');
    // a word that is one capital alone, or in capitals, goes as typed
    const pronoun = await en.translate('I am here');
    assert.notDeepEqual(pronoun.sourceIds, (await en.translate('a am here')).sourceIds);
    assert.equal(pronoun.sourceTokens.join('').replace(/\u2581/g, ' ').trim().slice(0, 1), 'I');
  } finally {
    en.destroy();
  }
  // Spanish sentences (and a model that names no language) go as typed
  // (without a sentence end, so that the small-letter rule stays out)
  const es = await Translator.create(opts({ model: fixtureIn('es') }));
  try {
    assert.notDeepEqual((await es.translate('Files are here')).sourceIds, (await es.translate('files are here')).sourceIds);
  } finally {
    es.destroy();
  }
  assert.notDeepEqual((await t.translate('Files are here')).sourceIds, (await t.translate('files are here')).sourceIds);
});

test('English: the pronoun typed as a small "i" goes to the engine as "I"', async () => {
  const en = await Translator.create(opts({ model: fixtureIn('en') }));
  try {
    const small = await en.translate('Then i saw that i\'m late');
    const raised = await en.translate('Then I saw that I\'m late');
    assert.ok(small.sourceIds.length > 0);
    assert.deepEqual(small.sourceIds, raised.sourceIds, 'the engine saw "I"');
    assert.equal(small.sentences[0].source, 'Then i saw that i\'m late', 'the source is the text as typed');
    assert.equal(small.text, raised.text);
    // a contraction typed without its apostrophe goes with it
    assert.deepEqual((await en.translate('Then I dont see')).sourceIds, (await en.translate("Then I don't see")).sourceIds);
    // "i.e." is not the pronoun
    assert.notDeepEqual((await en.translate('Then i.e. that')).sourceIds, (await en.translate('Then I.e. that')).sourceIds);
  } finally {
    en.destroy();
  }
  // other languages go as typed
  const es = await Translator.create(opts({ model: fixtureIn('es') }));
  try {
    assert.notDeepEqual((await es.translate('Then i saw')).sourceIds, (await es.translate('Then I saw')).sourceIds);
    // Spanish: words typed without their accents get them back
    assert.deepEqual((await es.translate('Tambien el telefono')).sourceIds, (await es.translate('También el teléfono')).sourceIds);
    assert.notDeepEqual((await t.translate('Tambien el telefono')).sourceIds, (await t.translate('También el teléfono')).sourceIds,
      'a model that names no language: as typed');
  } finally {
    es.destroy();
  }
});

test('a question typed without its mark goes to the engine with it (English, Spanish with ¿)', async () => {
  for (const [lang, typed, marked] of [['en', 'Where is the file', 'Where is the file?'], ['es', 'Dónde está el archivo', '¿Dónde está el archivo?']]) {
    const tr = await Translator.create(opts({ model: fixtureIn(lang) }));
    try {
      const a = await tr.translate(typed);
      const b = await tr.translate(marked);
      assert.deepEqual(a.sourceIds, b.sourceIds, `${lang}: the engine saw the question mark`);
      assert.equal(a.text, b.text);
      assert.equal(a.sentences[0].source, typed, 'the source is the text as typed');
    } finally {
      tr.destroy();
    }
  }
  // a model that names no language: as typed
  assert.notDeepEqual((await t.translate('Where is the file')).sourceIds, (await t.translate('Where is the file?')).sourceIds);
});

test('a whole sentence typed in small letters goes to the engine in sentence case, and the translation comes back as written', async () => {
  const small = await t.translate('open the file.');
  const cased = await t.translate('Open the file.');
  assert.deepEqual(small.sourceIds, cased.sourceIds, 'the engine saw the sentence-case text');
  assert.equal(small.text, cased.text);
  assert.equal(small.sentences[0].source, 'open the file.', 'the source is the text as typed');
  let streamed = '';
  for await (const c of t.translateStreaming('open the file. Open the file.')) streamed += c.text;
  assert.equal(streamed, `${cased.text} ${cased.text}`);
  // a label without a sentence end, a single word, or a capital anywhere: as typed
  assert.notDeepEqual((await t.translate('open the file')).sourceIds, (await t.translate('Open the file')).sourceIds);
  assert.notDeepEqual((await t.translate('file.')).sourceIds, (await t.translate('File.')).sourceIds);
  assert.notDeepEqual((await t.translate('open the File.')).sourceIds, (await t.translate('Open the File.')).sourceIds);
});

test('emoji go around the sentences, not through the engine', async () => {
  const plain = await t.translate('Open the file.');
  const smiled = await t.translate('Open the file. 😊👍🏽');
  assert.deepEqual(smiled.sourceIds, plain.sourceIds, 'the engine saw no emoji');
  assert.equal(smiled.text, `${plain.text} 😊👍🏽`);
  assert.equal(smiled.sentences[0].source, 'Open the file.');
  assert.equal((await t.translate('🎉 Open the file.')).text, `🎉 ${plain.text}`);
  // one inside a sentence: the words on either side are translated apart
  const [a, b] = [await t.translate('Open the file'), await t.translate('close the window')];
  const inside = await t.translate('Open the file 🙏 close the window');
  assert.equal(inside.text, `${a.text} 🙏 ${b.text}`);
  assert.equal(inside.sentences.length, 2);
  // only emoji: given back, nothing translated
  const only = await t.translate('😊');
  assert.equal(only.text, '😊');
  assert.equal(only.sourceIds.length, 0);
  let streamed = '';
  for await (const c of t.translateStreaming('Open the file. 😊')) streamed += c.text;
  assert.equal(streamed, `${(await t.translate('Open the file.', { beamSize: 1 })).text} 😊`);
  // © ® ™ are text, not pictures
  assert.notDeepEqual((await t.translate('Open the file ©')).sourceIds, (await t.translate('Open the file')).sourceIds);
});

test('a sentence typed in capitals is translated in sentence case and given back in capitals', async () => {
  const shouted = await t.translate('OPEN THE FILE.');
  const cased = await t.translate('Open the file.');
  assert.equal(shouted.text, cased.text.toUpperCase());
  assert.deepEqual(shouted.sourceIds, cased.sourceIds, 'the engine saw the sentence-case text');
  assert.equal(shouted.sentences[0].source, 'OPEN THE FILE.', 'the source is the text as typed');
  // sentence by sentence: the one typed as written stays so
  const mixed = await t.translate('OPEN THE FILE. Open the file.');
  assert.equal(mixed.sentences[0].text, cased.text.toUpperCase());
  assert.equal(mixed.sentences[1].text, cased.text);
  // streaming gives the same text
  let streamed = '';
  for await (const c of t.translateStreaming('OPEN THE FILE. Open the file.')) streamed += c.text;
  assert.equal(streamed, mixed.text);
  // a lower-case letter anywhere: the sentence goes to the engine as typed
  const partly = await t.translate('Open THE FILE.');
  assert.notDeepEqual(partly.sourceIds, cased.sourceIds);
  assert.equal(partly.sentences[0].source, 'Open THE FILE.');
});
