// translate(html, { html: true }): the tokenizer, placement (with a fake
// translator whose attention is made by hand), and the real thing on the
// fixture model (it translates poorly: these tests check structure, not
// quality), through Translator and WorkerTranslator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Translator, WorkerTranslator, LIMITS, Seq2SeqError, InvalidArgumentError, InputTooLongError,
} from '../../src/js/index.js';
import { tokenize, decodeEntities, htmlUnits, translateHtml } from '../../src/js/html.js';
import { opts } from './helpers.js';

// ------------------------------------------------------------ helpers

const serialize = (html) => tokenize(html).map((t) => html.slice(t.start, t.end)).join('');

// Each element as "ancestors > start tag", a sorted list: the same tags with
// the same nesting, whatever order a translation put siblings in.
function structure(html) {
  const stack = [], out = [];
  for (const t of tokenize(html)) {
    const raw = html.slice(t.start, t.end);
    if (t.type === 'start') {
      out.push([...stack.map((s) => s.raw), raw].join(' > '));
      if (!['br', 'img', 'input', 'hr', 'wbr', 'meta'].includes(t.name)) stack.push({ name: t.name, raw });
    } else if (t.type === 'end') {
      const i = stack.map((s) => s.name).lastIndexOf(t.name);
      if (i >= 0) stack.length = i;
      out.push(`end ${raw}`);
    }
  }
  return out.sort();
}

const others = (html) => tokenize(html).filter((t) => ['comment', 'doctype', 'bogus', 'raw'].includes(t.type))
  .map((t) => html.slice(t.start, t.end)).sort();
const words = (texts) => texts.join(' ').split(/\s+/).filter(Boolean);

// a PRNG for reproducible random inputs (mulberry32)
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXTURES = [
  '<p>Click <a href="/docs?a=1&amp;b=2" title="The manual">the big red button</a> to save your work.</p>',
  '<p>Hello <b>brave <i>new</i> world</b>, and <strong>welcome</strong> back.</p>',
  '<p>Open the file <em>now</em>.</p>\n<p>Then close <span class="x">it</span>.</p>',
  '<div>Fish &amp; chips &lt;cheap&gt; &copy; 2024 &#169; &#xA9; &unknown; caf&eacute;&nbsp;here</div>',
  '<p>Before <!-- a comment, kept --> after the comment.</p>',
  '<p>Press <kbd>Ctrl</kbd> and run <code>npm test</code> to check the result.</p>',
  '<style>p { color: red; }</style>\n<p>Styled text here.</p>\n<script>if (a < b) document.write("<p>x</p>");</script>',
  '<p>First line<br>second line<br/>third line</p>',
  '<ul>\n  <li>Open the door.</li>\n  <li>Close the <b>window</b>.</li>\n</ul>',
  '<p dir="ltr">\u200eThe man went to the house.\u200e</p>',
  '<p title=\'It\\\'s "quoted"\' data-x="a > b">Save the document before closing it.</p>',
  '<!DOCTYPE html><h1>The title</h1><p>A paragraph with an <img src="a.png" alt="A picture"> image.</p>',
  '<table><tr><td>Name</td><td>The <a href="#">long</a> value</td></tr></table>',
];

let t, w;
before(async () => { [t, w] = await Promise.all([Translator.create(opts()), WorkerTranslator.create(opts())]); });
after(() => { t.destroy(); w.destroy(); });

// ------------------------------------------------------------ tokenizer

test('the tokenizer covers its input exactly and finds tags, comments, raw text', () => {
  for (const f of FIXTURES) assert.equal(serialize(f), f);
  const toks = tokenize('<p class="a" data-x=\'y>z\' hidden>x</p><!--c--><script>a<b</script><![CDATA[d]]><?pi?></>');
  assert.deepEqual(toks.map((x) => x.type), ['start', 'text', 'end', 'comment', 'start', 'raw', 'end', 'bogus', 'bogus', 'bogus']);
  assert.deepEqual(toks[0].attrs.map((a) => a.name), ['class', 'data-x', 'hidden']);
  assert.equal(tokenize('a < b <3 <').every((x) => x.type === 'text'), true, 'a < that does not start a tag is text');
  // a tag the input ends inside: the rest is text (nothing is lost)
  assert.deepEqual(tokenize('x <b title="y>z').map((x) => x.type), ['text']);
});

test('character references: named, numeric, unknown left as written', () => {
  assert.equal(decodeEntities('&amp;&lt;&gt;&quot;&apos;&nbsp;&#65;&#x42;&#x1F600;&bogus;&amp x &#0;'), '&<>"\'\u00a0AB\u{1F600}&bogus;& x \ufffd');
});

test('random strings and "<" soup re-serialize exactly through the tokenizer (seeded)', () => {
  const rnd = prng(17);
  const alphabet = ['<', '>', '/', '!', '-', '"', "'", '=', ' ', '&', ';', '#', 'a', 'b', 'p', 'script', 'style', '\n', 'é', '\u{1F600}', '?', '['];
  for (let n = 0; n < 500; n++) {
    let s = '';
    const len = Math.floor(rnd() * 80);
    for (let i = 0; i < len; i++) s += rnd() < 0.2 ? String.fromCharCode(Math.floor(rnd() * 0x3000)) : alphabet[Math.floor(rnd() * alphabet.length)];
    assert.equal(serialize(s), s, JSON.stringify(s));
  }
  const soup = '<'.repeat(30_000) + '<a <b <c </ </> <!-- <!x <? << > >';
  assert.equal(serialize(soup), soup);
});

// ------------------------------------------------------------ placement (fake translator)

// A fake translator: each word becomes its upper case, in reverse order (or as
// `map` says), with one-hot attention from target word to source word.
function fakeTranslator({ reverse = true, attention = true } = {}) {
  return {
    calls: 0,
    async translate(texts, o) {
      this.calls++;
      return texts.map((text) => {
        const src = text.split(/\s+/).filter(Boolean);
        const order = src.map((_, i) => i);
        if (reverse) order.reverse();
        const tgt = order.map((i) => src[i].toUpperCase());
        const att = o.attention && attention ? order.map((i) => Float32Array.from(src, (_, j) => (j === i ? 0.9 : 0.1 / src.length))) : null;
        const s = {
          source: text, text: tgt.join(' '), sourceTokens: src.map((x) => `\u2581${x}`), targetTokens: tgt.map((x) => `\u2581${x}`),
          sourceIds: new Int32Array(src.length), targetIds: new Int32Array(tgt.length), attention: att, score: -1, confidence: 0.5,
        };
        return { text: s.text, sentences: src.length ? [s] : [] };
      });
    },
  };
}

test('placement: inline elements follow their aligned words (hand-made attention)', async () => {
  const f = fakeTranslator();
  const r = await translateHtml(f, '<p>one <b>two</b> three <a href="x">four five</a> six</p>', { html: true });
  assert.equal(r.text, '<p>SIX <a href="x">FIVE FOUR</a> THREE <b>TWO</b> ONE</p>');
  // nested, and an element around a whole sentence
  const n = await translateHtml(f, '<p><i>alpha <b>beta</b></i> gamma</p>', { html: true });
  assert.equal(n.text, '<p>GAMMA <i><b>BETA</b> ALPHA</i></p>');
  // in order (no reordering) everything stays where it was
  const same = await translateHtml(fakeTranslator({ reverse: false }), '<p>a <b>b <i>c</i></b> <u>d</u> e.</p>', { html: true });
  assert.equal(same.text, '<p>A <b>B <i>C</i></b> <u>D</u> E.</p>');
  // punctuation at a word's edge is a word of its own: it stays outside the element, as in the source
  const q = await translateHtml(fakeTranslator({ reverse: false }), '<p>Where is the <em>train station</em>? (<b>now</b>)</p>', { html: true });
  assert.equal(q.text, '<p>WHERE IS THE <em>TRAIN STATION</em>? (<b>NOW</b>)</p>');
});

test('placement: crossing placements and missing attention fall back without losing elements', async () => {
  // one word aligned to two elements' words: the first takes it, the second keeps its position
  const crossing = {
    async translate(texts, o) {
      return texts.map((text) => {
        const src = text.split(' ');
        const att = o.attention ? [Float32Array.of(0.1, 0.8, 0.1), Float32Array.of(0.1, 0.1, 0.8)] : null;
        return { text: 'X Y', sentences: text ? [{ text: 'X Y', sourceTokens: src.map((s) => `\u2581${s}`), targetTokens: ['\u2581X', '\u2581Y'], attention: att, score: 0, confidence: null, sourceIds: new Int32Array(3), targetIds: new Int32Array(2) }] : [] };
      });
    },
  };
  const c = await translateHtml(crossing, '<p>a <b>b</b> <i>c</i></p>', { html: true });
  assert.equal(c.text, '<p><b>X</b> <i>Y</i></p>');
  // without attention: by position in the sentence
  const none = await translateHtml(fakeTranslator({ reverse: false, attention: false }), '<p>one two <b>three</b> four</p>', { html: true });
  assert.equal(none.text, '<p>ONE TWO <b>THREE</b> FOUR</p>');
  // an element with no text of its own stays where it was, whole
  const empty = await translateHtml(fakeTranslator(), '<p>one <a id="top"></a>two <img src="x"> three</p>', { html: true });
  assert.match(empty.text, /<a id="top"><\/a>/);
  assert.match(empty.text, /<img src="x">/);
  assert.deepEqual(words(htmlUnits(empty.text)), ['THREE', 'TWO', 'ONE']);
});

test('placement: code is kept verbatim at its position; unclosed and misnested tags are repaired', async () => {
  const f = fakeTranslator({ reverse: false });
  const c = await translateHtml(f, '<p>Run <code>npm <b>test</b></code> now</p>', { html: true });
  assert.equal(c.text, '<p>RUN <code>npm <b>test</b></code> NOW</p>');
  const lead = await translateHtml(f, '<p><code>npm</code> is a tool</p>', { html: true });
  assert.equal(lead.text, '<p><code>npm</code> IS A TOOL</p>');
  const unclosed = await translateHtml(f, '<p>one <b>two three</p><p>four', { html: true });
  assert.equal(unclosed.text, '<p>ONE <b>TWO THREE</b></p><p>FOUR');
  const misnested = await translateHtml(f, '<p>one <b>two <i>three</b> four</i> five</p>', { html: true });
  assert.equal(misnested.text, '<p>ONE <b>TWO <i>THREE</i></b> FOUR</i> FIVE</p>', 'i closed with b; the stray </i> kept');
  const br = await translateHtml(f, '<b>one<br>two</b>', { html: true });
  assert.equal(br.text, '<b>ONE<br>TWO</b>');
  const no = await translateHtml(f, '<div translate="no" title="t">keep <p>this</p></div><p>go <span translate="no">as is</span> on</p>', { html: true, attributes: ['title'] });
  assert.equal(no.text, '<div translate="no" title="t">keep <p>this</p></div><p>GO <span translate="no">as is</span> ON</p>');
  const eof = await translateHtml(f, 'one <b>two <i>three', { html: true });
  assert.equal(eof.text, 'ONE <b>TWO <i>THREE</i></b>');
});

// ------------------------------------------------------------ the fixture model

test('fixtures: same tags and nesting, untranslated parts byte-identical, same words as the units translated as plain text', async () => {
  for (const f of FIXTURES) {
    const r = await t.translate(f, { html: true });
    assert.equal(typeof r.text, 'string');
    assert.deepEqual(structure(r.text), structure(f), f);
    assert.deepEqual(others(r.text), others(f), f);
    for (const keep of ['<!-- a comment, kept -->', '<kbd>Ctrl</kbd>', '<code>npm test</code>', '<!DOCTYPE html>']) {
      if (f.includes(keep)) assert.ok(r.text.includes(keep), `${keep} in ${r.text}`);
    }
    const units = htmlUnits(f);
    const plain = units.length ? await t.translate(units) : [];
    assert.deepEqual(words(htmlUnits(r.text)), words(plain.map((p) => p.text)), f);
    assert.deepEqual(r.sentences.map((s) => s.text), plain.flatMap((p) => p.sentences.map((s) => s.text)));
    assert.equal(r.attention, null);
    const confs = r.sentences.map((s) => s.confidence);
    assert.equal(r.confidence, confs.length && !confs.includes(null) ? Math.min(...confs) : null);
  }
  // whitespace between blocks and around units is kept as written
  const list = await t.translate(FIXTURES[8], { html: true });
  assert.match(list.text, /^<ul>\n {2}<li>[^<]*<\/li>\n {2}<li>[^<]*<b>[^<]*<\/b>[^<]*<\/li>\n<\/ul>$/);
  const script = await t.translate(FIXTURES[6], { html: true });
  assert.ok(script.text.startsWith('<style>p { color: red; }</style>\n<p>'));
  assert.ok(script.text.endsWith('</p>\n<script>if (a < b) document.write("<p>x</p>");</script>'));
});

test('translated text is escaped; an array of fragments gives an array of results', async () => {
  const r = await t.translate(['<p>Fish &amp; chips &lt;b&gt;</p>', '', '<p>Open the file.</p>'], { html: true });
  assert.equal(r.length, 3);
  assert.equal(r[1].text, '');
  assert.equal(r[1].confidence, null);
  for (const x of r) assert.equal(serialize(x.text), x.text);
  // no "<" from translated text can open a tag
  assert.deepEqual(tokenize(r[0].text).filter((k) => k.type !== 'text').map((k) => r[0].text.slice(k.start, k.end)), ['<p>', '</p>']);
});

test('attributes: only those named are translated, quoted as written and escaped', async () => {
  const f = '<p><a href="/x" title="Open the file" data-note="Open the file">Click here</a> <img alt=\'Open the door\' src=a.png> <input placeholder=Name></p>';
  const plain = await t.translate(f, { html: true });
  assert.deepEqual(structure(plain.text), structure(f), 'nothing changes without attributes');
  const r = await t.translate(f, { html: true, attributes: ['title', 'ALT', 'placeholder'] });
  const tags = tokenize(r.text).filter((k) => k.type === 'start');
  const attr = (name) => { for (const k of tags) for (const a of k.attrs) if (a.name === name) return { v: r.text.slice(a.valueStart, a.valueEnd), q: a.quote }; return null; };
  const expect = async (s) => (await t.translate(s)).text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  assert.equal(attr('title').v, await expect('Open the file'));
  assert.equal(attr('title').q, '"');
  assert.equal(attr('alt').q, "'");
  assert.equal(attr('alt').v, (await expect('Open the door')).replaceAll("'", '&#39;'));
  assert.equal(attr('data-note').v, 'Open the file');
  assert.equal(attr('href').v, '/x');
  assert.ok(r.text.includes('src=a.png'));
  const ta = await t.translate('<textarea placeholder="Open the file">Open the file</textarea>', { html: true, attributes: ['placeholder'] });
  assert.equal(ta.text, `<textarea placeholder="${await expect('Open the file')}">Open the file</textarea>`);
  await assert.rejects(t.translate(f, { html: true, attributes: 'title' }), InvalidArgumentError);
  await assert.rejects(t.translate(f, { attributes: ['title'] }), InvalidArgumentError, 'attributes without html');
  await assert.rejects(t.translate(f, { html: 'yes' }), InvalidArgumentError);
  await assert.rejects(t.translate(f, { html: true, htlm: true }), InvalidArgumentError, 'unknown options stay errors');
  await assert.rejects(t.translate(f, { html: true, beamSize: 0 }), InvalidArgumentError);
  assert.equal((await t.translate('<b>x</b>', { html: false })).text, (await t.translate('<b>x</b>')).text);
});

test('hostile: unclosed tags, deep nesting, a huge attribute, "<" soup, random input: typed errors only, text never lost', async () => {
  const check = async (html) => {
    let r;
    try {
      r = await t.translate(html, { html: true });
    } catch (e) {
      assert.ok(e instanceof Seq2SeqError, `${e?.name}: ${e?.message} for ${JSON.stringify(html.slice(0, 60))}`);
      return null;
    }
    const units = htmlUnits(html);
    const plain = units.length ? await t.translate(units) : [];
    assert.deepEqual(words(htmlUnits(r.text)), words(plain.map((p) => p.text)), JSON.stringify(html.slice(0, 80)));
    return r;
  };
  await check('<p>Open <b>the <i>file');
  await check('<div><p>one<li>two<td>three</b></i></div></span>');
  await check('a < b > c <<< <a <b> d </ x <!-- e');
  await check('x <b title="y>z');
  // 10,000 nested elements: beyond maxHtmlDepth, an InputTooLongError naming the limit
  const deep = `${'<b>'.repeat(10_000)}Open the file.${'</b>'.repeat(10_000)}`;
  await assert.rejects(t.translate(deep, { html: true }), (e) => e instanceof InputTooLongError && /maxHtmlDepth/.test(e.message));
  await assert.rejects(t.translate(`${'<div>'.repeat(10_000)}x`, { html: true }), InputTooLongError);
  const ok = await check(`${'<span>'.repeat(LIMITS.maxHtmlDepth - 1)}Open the file.${'</span>'.repeat(LIMITS.maxHtmlDepth - 1)}`);
  assert.deepEqual(structure(ok.text), structure(`${'<span>'.repeat(LIMITS.maxHtmlDepth - 1)}x${'</span>'.repeat(LIMITS.maxHtmlDepth - 1)}`));
  // optional end tags do not nest: 10,000 <li> without </li> are fine
  const items = `<ul>${'<li>Go'.repeat(10_000)}</ul>`;
  assert.equal(htmlUnits(items).length, 10_000);
  // a 90,000-character attribute is copied as written
  const huge = `<p title="${'x'.repeat(90_000)}">Open the file.</p>`;
  const h = await check(huge);
  assert.ok(h.text.startsWith(`<p title="${'x'.repeat(90_000)}">`));
  await assert.rejects(t.translate(`<p>${'x'.repeat(LIMITS.maxTextLength)}</p>`, { html: true }), InputTooLongError);
  await assert.rejects(t.translate('<p>\ud800</p>', { html: true }), Seq2SeqError);
  await assert.rejects(t.translate(42, { html: true }), InvalidArgumentError);
  // random byte strings (seeded), decoded as Latin-1 and as UTF-8
  const rnd = prng(5);
  for (let n = 0; n < 25; n++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 120) }, () => (rnd() < 0.3 ? '<>/="\' &;'.charCodeAt(Math.floor(rnd() * 10)) : Math.floor(rnd() * 256)));
    for (const s of [String.fromCharCode(...bytes), new TextDecoder().decode(bytes)]) {
      assert.equal(serialize(s), s);
      await check(s);
    }
  }
});

test('the work is bounded: long inputs finish (linear passes)', async () => {
  // many elements, many units, many points in one unit
  const many = `<p>${'<b>go</b> <!--c--> '.repeat(3_000)}</p>`;
  assert.equal(serialize(many), many);
  assert.equal(htmlUnits(many).length, 1);
  const f = fakeTranslator({ reverse: false });
  const r = await translateHtml(f, many, { html: true });
  assert.equal(structure(r.text).length, structure(many).length);
  const units = `${'<p>go</p>'.repeat(11_000)}`;
  f.calls = 0;
  const u = await translateHtml(f, units, { html: true });
  assert.equal(f.calls, 1 + 2, 'one options check and one call per batch of maxBatch texts');
  assert.equal(u.text, units.replaceAll('go', 'GO'));
});

test('WorkerTranslator gives the same HTML as Translator', async () => {
  for (const f of FIXTURES.slice(0, 6)) {
    const [a, b] = await Promise.all([t.translate(f, { html: true, attributes: ['title'] }), w.translate(f, { html: true, attributes: ['title'] })]);
    assert.equal(b.text, a.text);
    assert.deepEqual(b.sentences, a.sentences);
  }
  const batch = await w.translate(FIXTURES.slice(6), { html: true });
  assert.deepEqual(batch.map((x) => x.text), (await t.translate(FIXTURES.slice(6), { html: true })).map((x) => x.text));
  await assert.rejects(w.translate('<p>x</p>', { html: true, nope: 1 }), InvalidArgumentError);
});

test('translateStreaming with html: true yields markup and whole units that join to translate()\'s HTML, here and in the worker', async () => {
  const collect = async (it) => { const cs = []; for await (const c of it) cs.push(c); return cs; };
  for (const f of FIXTURES) {
    const want = (await t.translate(f, { html: true, attributes: ['title'] })).text;
    for (const x of [t, w]) {
      const chunks = await collect(x.translateStreaming(f, { html: true, attributes: ['title'] }));
      assert.equal(chunks.map((c) => c.text).join(''), want, JSON.stringify(f.slice(0, 60)));
      // units carry the index of their first sentence, in order; markup chunks carry null
      const firsts = chunks.filter((c) => c.sentence !== null).map((c) => c.sentence);
      assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b));
      assert.ok(chunks.every((c) => c.id === null && c.token === null && c.attention === null));
    }
  }
  // greedy, no attention: those options are refused, as for text streaming
  await assert.rejects(collect(t.translateStreaming('<p>x</p>', { html: true, beamSize: 4 })), InvalidArgumentError);
  await assert.rejects(collect(w.translateStreaming('<p>x</p>', { html: true, attention: true })), InvalidArgumentError);
  await assert.rejects(collect(t.translateStreaming(42, { html: true })), InvalidArgumentError);
  // an abort stops it between units
  const ac = new AbortController();
  const it = t.translateStreaming('<p>Open the file.</p><p>Close it.</p><p>Save it.</p>', { html: true, signal: ac.signal });
  const seen = [];
  await assert.rejects((async () => { for await (const c of it) { seen.push(c.text); if (c.sentence !== null) ac.abort(); } })(), (e) => e.name === 'AbortError');
  assert.equal(seen.filter((s) => !s.startsWith('<')).length, 1, 'nothing after the aborted unit');
});
