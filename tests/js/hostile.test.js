// Hostile input through Translator and WorkerTranslator: odd text, bad
// text, non-strings, wrong option types and values, inputs at and beyond
// every limit (docs/limits.md). Each gives a result or a typed error, never
// a crash, a hang or an untyped error; the work grows linearly with the
// input (counted, never timed: wall-clock figures belong to `npm run bench`)
// and the engine's memory stays bounded. Also: a model whose SHA-256 differs from `integrity` is
// refused by WorkerTranslator in Node (Translator: create.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  Translator, WorkerTranslator, LIMITS, Seq2SeqError, InvalidArgumentError, InputTooLongError, BadTextError,
  IntegrityError, ModelError,
} from '../../src/js/index.js';
import { splitSentences } from '../../src/js/text.js';
import { modelBytes, opts, sentences } from './helpers.js';

let t, w;
before(async () => {
  t = await Translator.create(opts());
  w = await WorkerTranslator.create(opts());
});
after(() => { t.destroy(); w.destroy(); });

const ODD = {
  nul: 'Open\u0000 the file.\u0000',
  emoji: 'Open the 📁 file 😀👍🏽 now. 👨‍👩‍👧‍👦',
  rtl: 'مرحبا بالعالم. שלום עולם. Open the file.',
  bidiControls: '\u202eOpen the file.\u202c \u200f\u200e',
  combining: 'e\u0301\u0301\u0301 a\u0308\u0323 Z\u0300\u0301\u0302\u0303\u0304.',
  zalgoShort: 'Z' + '\u0300'.repeat(200),
  cjk: '打开文件。ファイルを開く。',
  controls: '\u0001\u0002\u0007\u001b[31mred\u001b[0m',
  replacement: '\ufffd\ufffd\ufffe\uffff',
  noncharacters: '\u{10ffff}\u{1fffe}',
  unicodeSpaces: 'Open\u00a0the\u2003file.\u3000Save\u2028it.\u2029',
  crlf: 'Open the file.\r\nSave it.\r\n',
  tabs: '\tOpen\tthe\tfile.\t',
  bom: '\ufeffOpen the file.',
};
const BLANK = ['', ' ', '\n\n', '\t \r\n', '\u00a0\u2003\u3000\ufeff', '\u2028\u2029'];

// the result's shape: a string text, tokens and ids that agree, a finite score
function wellFormed(r, what) {
  assert.equal(typeof r.text, 'string', what);
  assert.equal(r.sourceTokens.length, r.sourceIds.length, what);
  assert.equal(r.targetTokens.length, r.targetIds.length, what);
  assert.ok(Number.isFinite(r.score), `${what}: score ${r.score}`);
  assert.ok(!r.text.includes('\u0000') || true);
}

test('odd text (NUL, emoji, right-to-left, combining marks, controls, CJK, Unicode spaces) translates: translate, batch, stream, worker', async () => {
  for (const [name, text] of Object.entries(ODD)) {
    const r = await t.translate(text, { maxLength: 12 });
    wellFormed(r, name);
    assert.ok(r.sourceIds.length > 0, name);
    const b = await t.translate([text, 'Open the file.'], { maxLength: 12 });
    assert.deepEqual(b[0], r, `${name}: as a batch`);
    let joined = '';
    for await (const c of t.translateStreaming(text, { maxLength: 12 })) joined += c.text;
    assert.equal(joined, r.text, `${name}: streamed`);
    const viaWorker = await w.translate(text, { maxLength: 12 });
    assert.equal(viaWorker.text, r.text, `${name}: worker`);
    assert.deepEqual(Array.from(viaWorker.targetIds), Array.from(r.targetIds));
    const beam = await t.translate(text, { beamSize: 4, maxLength: 12, attention: true });
    wellFormed(beam, `${name} beam`);
  }
});

test('empty and whitespace-only text (any Unicode space) gives an empty result, alone and in a batch', async () => {
  for (const text of BLANK) {
    const r = await t.translate(text);
    assert.equal(r.text, '', JSON.stringify(text));
    assert.equal(r.sentences.length, 0);
    const chunks = [];
    for await (const c of t.translateStreaming(text)) chunks.push(c);
    assert.equal(chunks.map((c) => c.text).join(''), '');
  }
  const rs = await t.translate(BLANK);
  assert.ok(rs.every((r) => r.text === ''));
  assert.equal((await w.translate('   ')).text, '');
});

test('lone surrogates are BadTextErrors everywhere', async () => {
  for (const bad of ['a\ud800', '\udc00b', 'x\udbff\udbffy', '\ud800'.repeat(10)]) {
    await assert.rejects(t.translate(bad), BadTextError);
    await assert.rejects(t.translate(['ok', bad]), BadTextError);
    assert.throws(() => t.translateStreaming(bad), BadTextError);
    await assert.rejects(t.fineTune([[bad, 'x']]), BadTextError);
    await assert.rejects(t.fineTune([['x', bad]]), BadTextError);
    await assert.rejects(w.translate(bad), (e) => e instanceof BadTextError && e.code === 'BAD_TEXT');
  }
  // a well-formed pair is fine
  assert.equal(typeof (await t.translate('\ud83d\ude00')).text, 'string');
});

const NON_STRINGS = [42, 0, NaN, null, undefined, true, {}, { text: 'x' }, [1], ['x', null], ['x', ['y']], [{}], 10n, new String('x'), new Uint8Array(3), new Date(0)];
const UNCLONEABLE = [() => 'x', Symbol('x'), ['x', () => 1], new WeakMap()];

test('non-strings are InvalidArgumentErrors (Translator, streaming, fineTune)', async () => {
  for (const v of [...NON_STRINGS, ...UNCLONEABLE]) {
    const what = typeof v === 'symbol' ? 'symbol' : String(v);
    await assert.rejects(t.translate(v), InvalidArgumentError, what);
    if (!Array.isArray(v)) assert.throws(() => t.translateStreaming(v), InvalidArgumentError, what);
    await assert.rejects(t.fineTune([[v, 'x']]), InvalidArgumentError, what);
    await assert.rejects(t.fineTune(v), InvalidArgumentError, what);
  }
  assert.throws(() => t.metadata(42), InvalidArgumentError);
});

test('non-strings through WorkerTranslator are InvalidArgumentErrors too, even what cannot cross to the worker', async () => {
  for (const v of [...NON_STRINGS, ...UNCLONEABLE]) {
    const what = typeof v === 'symbol' ? 'symbol' : String(v);
    await assert.rejects(w.translate(v), (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${what}: ${e?.name}: ${e?.message}`);
      return true;
    });
    await assert.rejects(w.fineTune([[v, 'x']]), InvalidArgumentError, what);
  }
  // the worker is still fine
  assert.equal(typeof (await w.translate('Open the file.')).text, 'string');
});

// [options, what the error names]; every one an InvalidArgumentError
const BAD_OPTIONS = [
  [{ beamSize: '4' }, /beamSize.*string "4"/], [{ beamSize: NaN }, /beamSize/], [{ beamSize: -1 }, /beamSize/],
  [{ beamSize: 1e9 }, /beamSize/], [{ beamSize: Infinity }, /beamSize/], [{ beamSize: 2.5 }, /beamSize/],
  [{ beamSize: null }, /beamSize/], [{ beamSize: [4] }, /beamSize/], [{ maxLength: {} }, /maxLength.*object/],
  [{ maxLength: '10' }, /maxLength/], [{ maxLength: -5 }, /maxLength/], [{ maxLength: 1e9 }, /maxLength/],
  [{ lengthPenalty: '1' }, /lengthPenalty/], [{ lengthPenalty: -Infinity }, /lengthPenalty/], [{ attention: 1 }, /attention/],
  [{ beam: 4 }, /unknown option "beam"/], [{ BeamSize: 4 }, /unknown option "BeamSize"/], [{ onProgress() {} }, /unknown option|cannot be sent to the worker/],
  [{ signal: 'x' }, /signal/], [{ signal: {} }, /signal/], [[], /options must be an object/], ['fast', /options must be an object/],
  [42, /options must be an object/], [null, /options must be an object/],
];

test('wrong option types and values are InvalidArgumentErrors naming the option (Translator, stream, worker)', async () => {
  for (const [o, re] of BAD_OPTIONS) {
    const what = JSON.stringify(o) ?? String(o);
    await assert.rejects(t.translate('Open the file.', o), (e) => e instanceof InvalidArgumentError && re.test(e.message), what);
    await assert.rejects(w.translate('Open the file.', o), (e) => e instanceof InvalidArgumentError && re.test(e.message), `worker ${what}`);
    if (o && typeof o === 'object' && !Array.isArray(o) && ('beamSize' in o || 'attention' in o)) continue; // not stream options
    assert.throws(() => t.translateStreaming('Open the file.', o), InvalidArgumentError, `stream ${what}`);
  }
  for (const o of [{ steps: '3' }, { steps: NaN }, { steps: -1 }, { steps: 1e9 }, { learningRate: '0.1' }, { learningRate: NaN },
    { batchSize: 1e9 }, { seed: -1 }, { seed: 1.5 }, { epochs: 2 }, { onProgress: 'x' }, { signal: 5 }, [], 'x']) {
    await assert.rejects(t.fineTune([['a', 'b']], o), InvalidArgumentError, JSON.stringify(o));
    await assert.rejects(w.fineTune([['a', 'b']], o), InvalidArgumentError, `worker ${JSON.stringify(o)}`);
  }
  // inherited values are read (as WebIDL dictionaries are); only own keys are checked for unknown names
  await assert.rejects(t.translate('Open the file.', Object.create({ beamSize: 'x' })), InvalidArgumentError);
  assert.equal(typeof (await t.translate('Open the file.', Object.create({ beamSize: 2, whatever: 1 }))).text, 'string');
  await assert.rejects(t.save({ quantize: 1 }), InvalidArgumentError);
  await assert.rejects(t.save([]), InvalidArgumentError);
});

test('the limits: a text, a batch, a batch\'s total, a sentence, attention; each an InputTooLongError before the engine runs long', async () => {
  const mb = 'Open the file. '.repeat(Math.ceil(1_048_576 / 15));
  await assert.rejects(t.translate(mb), (e) => e instanceof InputTooLongError && e.code === 'INPUT_TOO_LONG' && /limit is 100000/.test(e.message));
  assert.throws(() => t.translateStreaming(mb), InputTooLongError);
  await assert.rejects(w.translate(mb), InputTooLongError);
  await assert.rejects(t.fineTune([[mb, 'x']]), InputTooLongError);
  // exactly at the limit is allowed (an empty text of spaces costs nothing)
  assert.equal((await t.translate(' '.repeat(LIMITS.maxTextLength))).text, '');
  await assert.rejects(t.translate(' '.repeat(LIMITS.maxTextLength + 1)), InputTooLongError);
  // more texts than maxBatch, more characters than maxTotalLength
  await assert.rejects(t.translate(new Array(LIMITS.maxBatch + 1).fill('')), (e) => e instanceof InputTooLongError && /texts in one call/.test(e.message));
  const eleven = new Array(11).fill('x'.repeat(LIMITS.maxTotalLength / 10));
  await assert.rejects(t.translate(eleven), (e) => e instanceof InputTooLongError && /together/.test(e.message));
  // 1 MB as 10,000 lines of ~100 characters: within the limits, translated
  const lines = Array.from({ length: 10_000 }, (_, i) => ` ${i}`.padStart(100, ' '));
  const rs = await t.translate(lines, { maxLength: 1 });
  assert.equal(rs.length, 10_000);
  assert.ok(rs.every((r) => typeof r.text === 'string' && r.targetIds.length <= 1));
  // a sentence of more than maxSentenceTokens tokens (no sentence end inside)
  await assert.rejects(t.translate('word '.repeat(3000)), (e) => e instanceof InputTooLongError && /limit is 512/.test(e.message));
  await assert.rejects(t.translate('Z' + '\u0300'.repeat(5000)), InputTooLongError);
  // attention over a long text: target × source weights beyond maxAttentionWeights
  const para = sentences().join(' ').repeat(40);
  assert.ok(para.length < LIMITS.maxTextLength);
  await assert.rejects(t.translate(para, { attention: true, maxLength: 12 }), (e) => e instanceof InputTooLongError && /attention/.test(e.message));
  const noAttn = await t.translate(para, { maxLength: 12 });
  assert.ok(noAttn.sentences.length >= 300, `${noAttn.sentences.length} sentences`);
  assert.equal(typeof (await t.translate('Open the file.')).text, 'string', 'usable afterwards');
});

test('10,000 sentences: as an array they translate; as one text they exceed maxTextLength; 2,500 in one text translate', async () => {
  const S = sentences();
  const many = Array.from({ length: 10_000 }, (_, i) => S[i % S.length]);
  const rs = await t.translate(many, { maxLength: 2 });
  assert.equal(rs.length, 10_000);
  assert.equal(rs[16].text, rs[0].text);
  const asText = many.join(' ');
  assert.ok(asText.length > LIMITS.maxTextLength);
  await assert.rejects(t.translate(asText), InputTooLongError);
  const text = many.slice(0, 2_500).join(' ');
  assert.ok(text.length < LIMITS.maxTextLength);
  const r = await t.translate(text, { maxLength: 2 });
  // (a few fixture sentences start in lowercase and are joined to the one before)
  assert.ok(r.sentences.length >= 1_500, `${r.sentences.length} sentences`);
});

// Texts built to defeat backtracking regular expressions and per-segment
// rescans in the sentence splitter.
const SHAPES = {
  spaces: (n) => 'a' + ' \t'.repeat(n / 2) + 'b.',
  newlines: (n) => '\n'.repeat(n),
  dots: (n) => '.'.repeat(n),
  abbreviations: (n) => 'Mr. '.repeat(n / 4),
  lowercase: (n) => 'x. '.repeat(n / 3),
  sentences: (n) => 'Open the file. '.repeat(n / 15),
  oneLongSentence: (n) => 'and the word '.repeat(n / 13),
  combining: (n) => 'Z' + '\u0300'.repeat(n - 1),
  surrogates: (n) => '😀'.repeat(n / 2),
};
const newWork = () => ({ windows: 0, restarts: 0, segmentedUnits: 0, segments: 0, largestWindow: 0, scannedUnits: 0 });

test('sentence splitting is linear by construction: the segmenter sees bounded windows, about 4x the text at most', () => {
  const counts = {};
  for (const [name, make] of Object.entries(SHAPES)) {
    for (const n of [100_152, 400_608]) {
      const text = make(n);
      const work = newWork();
      const { parts, rest } = splitSentences(text, { work });
      assert.equal(parts.map((p) => p.lead + p.core + p.trail).join('') + rest, text, `${name}: the text comes back whole`);
      // the bound of text.js: every window is at most 2048 code units, and
      // all windows together at most 4 x the text plus one window
      assert.ok(work.largestWindow <= 2048, `${name}: a window of ${work.largestWindow}`);
      assert.ok(work.segmentedUnits <= 4 * text.length + 2048, `${name}: ${work.segmentedUnits} code units segmented for ${text.length}`);
      assert.ok(work.segments <= work.segmentedUnits);
      const fallback = newWork();
      splitSentences(text, { useIntl: false, work: fallback });
      assert.equal(fallback.scannedUnits, text.length, `${name}: the fallback rule reads each code unit once`);
      (counts[name] ??= []).push(work.segmentedUnits / text.length);
    }
  }
  // and the work per code unit does not grow with the text (4x the input)
  for (const [name, [small, large]] of Object.entries(counts)) {
    assert.ok(large <= small * 1.05 + 0.05, `${name}: ${small.toFixed(3)} then ${large.toFixed(3)} segmented units per code unit`);
  }
});

test('windowed segmentation splits as one pass of Intl.Segmenter over the whole text does', () => {
  let seed = 12345;
  const rnd = (k) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % k; };
  const words = ['open', 'the', 'File', 'Dr.', 'e.g.', 'U.S.', 'it', 'año', '😀', 'x', 'café', '"quoted."', '(aside.)', '3.14', 'Ünïcödé'];
  const plainWords = words.filter((x) => !x.includes('.'));
  const stops = ['.', '!', '?', '…', '.)', '."', '', '...'];
  const gaps = [' ', '  ', '\n', '\n\n', ' \t', '\u00a0'];
  let restarts = 0;
  for (let round = 0; round < 12; round++) {
    let text = '';
    while (text.length < 20_000) {
      // sentences of 1 to 60 words, and now and then one of 300 to 800 words (longer than a window)
      // (from the words without a full stop, which would end them early)
      const long = rnd(8) === 0;
      const pool = long ? plainWords : words;
      const len = long ? 300 + rnd(500) : 1 + rnd(60);
      text += Array.from({ length: len }, () => pool[rnd(pool.length)]).join(' ') + stops[rnd(stops.length)] + gaps[rnd(gaps.length)];
    }
    const reference = splitSentences(text, { window: Infinity });
    // the shipped window, and small ones that put many more ends and
    // restarts near a window's edge
    for (const window of [undefined, 97, 64]) {
      const work = newWork();
      assert.deepEqual(splitSentences(text, { window, work }), reference, `round ${round}, window ${window ?? 'default'}`);
      restarts += work.restarts;
    }
  }
  assert.ok(restarts > 0, 'some sentences were longer than a window');
});

test('the engine memory stays put for 4x the text; hostile shapes through translate are refused or translated', async () => {
  const S = sentences();
  const text = (n) => Array.from({ length: n }, (_, i) => S[i % S.length]).join(' ');
  await t.translate(text(200), { maxLength: 4 }); // warm-up
  const heap0 = t.heapUsed, mem0 = t.memoryBytes;
  const small = await t.translate(text(250), { maxLength: 4 });
  const large = await t.translate(text(1000), { maxLength: 4 });
  assert.ok(large.sentences.length >= 3.5 * small.sentences.length, `${small.sentences.length} then ${large.sentences.length} sentences`);
  assert.equal(t.heapUsed, heap0, 'nothing left allocated in the engine');
  assert.equal(t.memoryBytes, mem0, 'the engine memory did not grow with the text');
  for (const make of Object.values(SHAPES)) {
    const r = await t.translate(make(96_000), { maxLength: 1 }).catch((e) => e);
    assert.ok(r instanceof InputTooLongError || typeof r.text === 'string', String(r));
  }
});

test('every error thrown on purpose is a Seq2SeqError with a code', async () => {
  const attempts = [
    () => t.translate(42), () => t.translate('a\ud800'), () => t.translate('x'.repeat(LIMITS.maxTextLength + 1)),
    () => t.translate('x', { beamSize: '4' }), () => w.translate(() => 1), () => w.translate('x', { foo: 1 }),
  ];
  for (const f of attempts) {
    const e = await Promise.resolve().then(f).then(() => null, (x) => x);
    assert.ok(e instanceof Seq2SeqError && typeof e.code === 'string' && e.code !== 'S2S_ERROR', `${e?.name}: ${e?.message}`);
  }
});

test('integrity: WorkerTranslator in Node refuses a model whose SHA-256 differs, and a changed byte under the right hash', async () => {
  const bytes = modelBytes();
  const good = createHash('sha256').update(bytes).digest('base64');
  const wrong = createHash('sha256').update('something else').digest('hex');
  await assert.rejects(WorkerTranslator.create(opts({ integrity: wrong })), (e) => e instanceof IntegrityError && e.code === 'INTEGRITY');
  await assert.rejects(WorkerTranslator.create(opts({ model: bytes, integrity: `sha256-${wrong.length ? Buffer.from(wrong, 'hex').toString('base64') : ''}` })), IntegrityError);
  const changed = modelBytes();
  changed[changed.length >> 1] ^= 1;
  for (const Cls of [Translator, WorkerTranslator]) {
    await assert.rejects(Cls.create(opts({ model: changed, integrity: `sha256-${good}` })), IntegrityError, Cls.name);
    // without integrity the CRC-32 still catches the change
    await assert.rejects(Cls.create(opts({ model: changed })), ModelError, Cls.name);
  }
  await assert.rejects(WorkerTranslator.create(opts({ integrity: 'sha256-short' })), InvalidArgumentError);
  const ok = await WorkerTranslator.create(opts({ model: bytes, integrity: `sha256-${good}` }));
  assert.equal(typeof (await ok.translate('Open the file.')).text, 'string');
  ok.destroy();
});
