// fuzz_html.mjs — a mutation fuzzer for the markup path of the JS API
// (src/js/html.js), the one input parser that is JavaScript rather than C;
// run by tools/fuzz.sh as the target "html".
//
//   node tests/fuzz/fuzz_html.mjs [--seconds 60] [--seed N] [--strict] [--corpus DIR] [--artifacts DIR] [FILE...]
//
// Inputs grow from the seeds in tests/fuzz/corpus/html/ by byte and markup
// mutations (insert, delete, duplicate, splice two inputs, insert a piece of
// markup from a dictionary). For every input:
//   1. the tokenizer covers it exactly (its tokens, in order, tile the input);
//   2. translateHtml with an identity translator (every sentence translated to
//      itself, one-hot attention on the diagonal) resolves, or rejects with a
//      typed Seq2SeqError (too long, too deep, bad text);
//   3. no text is lost or invented: the output's text content (text tokens,
//      entities decoded, NFC, whitespace removed) has the same characters as
//      the input's (the order may change where a kept element such as <code>
//      sat inside a word: it moves to the word's edge);
//   4. the output opens no more elements than the input (repairs may close
//      elements, never open new ones).
// 3 and 4 are checked with --strict only (see `strict` below).
// With FILE arguments it replays those files and exits. A failing input is
// written to the artifacts directory (default build-fuzz/artifacts/html/) and
// the exit status is 1. Deterministic for a given --seed and time.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tokenize, decodeEntities, translateHtml } from '../../src/js/html.js';
import { Seq2SeqError } from '../../src/js/errors.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const VALUED = new Set(['--seconds', '--seed', '--corpus', '--artifacts']);
const files = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1])));
const seconds = Number(opt('--seconds', process.env.FUZZ_SECONDS ?? 60));
// checks 3 and 4 only with --strict: on heavily broken markup (a tag, comment or
// raw text the input ends inside, nested in other unfinished constructs) the
// repairs can still move text into such a construct; docs/html.md lists it
const strict = args.includes('--strict');
const root = new URL('../../', import.meta.url).pathname;
const corpusDir = opt('--corpus', join(root, 'tests/fuzz/corpus/html'));
const artifacts = opt('--artifacts', join(root, 'build-fuzz/artifacts/html'));

// xorshift32: the runs are reproducible from --seed
let state = Number(opt('--seed', 1)) >>> 0 || 1;
const rnd = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state / 4294967296; };
const pick = (a) => a[Math.floor(rnd() * a.length)];

const DICT = ['<', '>', '</', '/>', '<b>', '</b>', '<i>', '</i>', '<a href="x">', '</a>', '<p>', '</p>', '<br>', '<li>', '<ul>',
  '<code>', '</code>', '<script>', '</script>', '<style>', '</style>', '<!--', '-->', '<!doctype html>', '<![CDATA[', ']]>',
  '&amp;', '&lt;', '&#x41;', '&#65;', '&nbsp;', '&bogus;', '&', '"', "'", '=', ' title="t"', ' translate="no"', '<span translate=no>',
  '<textarea>', '</textarea>', '<title>', '\u200e', '\u00e9', 'e\u0301', '\ud83d\ude00', '\n\n', ' ', 'Open the file.', '¿Qué?'];

// an identity translator with the API's shape: what translateHtml sends comes back unchanged
const identity = {
  async translate(texts, o) {
    return texts.map((text) => {
      const words = text.split(/\s+/).filter(Boolean);
      const att = o.attention ? words.map((_, i) => Float32Array.from(words, (_, j) => (i === j ? 1 : 0))) : null;
      const pieces = words.map((w) => `\u2581${w}`);
      const s = { source: text, text: words.join(' '), sourceTokens: pieces, targetTokens: pieces, sourceIds: new Int32Array(words.length),
        targetIds: new Int32Array(words.length), tokenLogprobs: new Float32Array(words.length + 1), attention: att, score: 0, confidence: null };
      return { text: s.text, sentences: words.length ? [s] : [], score: 0, confidence: null };
    });
  },
};

// the text a reader sees: text tokens, entities decoded, NFC, without whitespace
function textContent(html) {
  let out = '';
  for (const t of tokenize(html)) if (t.type === 'text') out += decodeEntities(html.slice(t.start, t.end));
  return out.normalize('NFC').replace(/\s+/gu, '');
}

function openTags(html) {
  const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
  let n = 0;
  for (const t of tokenize(html)) {
    if (t.type === 'start' && !t.selfClosing && !VOID.has(t.name)) n++;
  }
  return n;
}

async function check(input) {
  const tokens = tokenize(input);
  let at = 0;
  for (const t of tokens) {
    if (t.start !== at || t.end <= t.start) throw new Error(`the tokens do not tile the input at ${at}`);
    at = t.end;
  }
  if (at !== input.length) throw new Error(`the tokens end at ${at} of ${input.length}`);
  let r;
  try {
    r = await translateHtml(identity, input, { html: true, attributes: ['title'] });
  } catch (e) {
    if (e instanceof Seq2SeqError) return 'refused';
    throw new Error(`untyped error ${e?.name}: ${e?.message}`);
  }
  if (typeof r.text !== 'string') throw new Error('no text in the result');
  if (!strict) return 'ok';
  // raw-text elements (script, style, textarea…) are copied; their content is not text tokens either way
  // the same characters: kept elements (code, a comment) inside a word move to the
  // word's edge, so the order may change there; nothing may be lost or invented
  const sorted = (x) => [...x].sort().join('');
  if (sorted(textContent(r.text)) !== sorted(textContent(input))) {
    throw new Error(`text lost or invented:\n  in : ${JSON.stringify(textContent(input).slice(0, 200))}\n  out: ${JSON.stringify(textContent(r.text).slice(0, 200))}`);
  }
  if (openTags(r.text) > openTags(input)) throw new Error(`the output opens more elements (${openTags(r.text)}) than the input (${openTags(input)})`);
  return 'ok';
}

function mutate(s, corpus) {
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rnd() * (s.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0: s = s.slice(0, i) + pick(DICT) + s.slice(i); break;
      case 1: s = s.slice(0, i) + s.slice(i + 1 + Math.floor(rnd() * 8)); break;
      case 2: { const j = Math.floor(rnd() * (s.length + 1)); const a = Math.min(i, j), b = Math.max(i, j); s = s.slice(0, b) + s.slice(a, b) + s.slice(b); break; }
      case 3: { const o = pick(corpus); const j = Math.floor(rnd() * (o.length + 1)); s = s.slice(0, i) + o.slice(j); break; }
      case 4: s = s.slice(0, i) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(i); break;
      default: s = s.slice(0, i) + String.fromCodePoint(Math.floor(rnd() * 0x3000)) + s.slice(i); break;
    }
  }
  return s.length > 20_000 ? s.slice(0, 20_000) : s;
}

async function main() {
  const fail = (input, e) => {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, `crash-${Date.now()}.html`);
    writeFileSync(path, input);
    console.error(`fuzz_html: FAILED: ${e.message}\nfuzz_html: the input was saved to ${path}\nfuzz_html: reproduce with: node tests/fuzz/fuzz_html.mjs ${path}`);
    process.exitCode = 1;
  };
  if (files.length) {
    for (const f of files) {
      const input = readFileSync(f, 'utf8');
      try { console.log(`${f}: ${await check(input)}`); } catch (e) { fail(input, e); return; }
    }
    return;
  }
  const corpus = existsSync(corpusDir) ? readdirSync(corpusDir).sort().map((f) => readFileSync(join(corpusDir, f), 'utf8')) : [];
  if (!corpus.length) corpus.push('<p>Open <b>the file</b>.</p>');
  for (const seed of corpus) {
    try { await check(seed); } catch (e) { fail(seed, e); return; }
  }
  const end = Date.now() + seconds * 1000;
  let runs = 0, refused = 0;
  const pool = [...corpus];
  while (Date.now() < end) {
    const input = mutate(pick(pool), pool);
    let verdict;
    try { verdict = await check(input); } catch (e) { fail(input, e); return; }
    runs++;
    if (verdict === 'refused') refused++;
    else if (pool.length < 500 && rnd() < 0.05) pool.push(input); // keep some variety to mutate further
  }
  console.log(`fuzz_html: ${runs} inputs in ${seconds} s (${refused} refused with a typed error), no failure`);
}

main().catch((e) => { console.error(`fuzz_html: ${e.stack ?? e}`); process.exitCode = 1; });
