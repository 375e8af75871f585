// translateElement in a real browser (headless Chromium, served and started
// as api.test.js does): a realistic article is translated in place with the
// fixture model, by a Translator in the page and by a WorkerTranslator. The
// page's element objects stay in the tree (same tags in the same order, the
// same objects, a button's listener still fires); code, script, translate="no"
// and .notranslate are untouched; the named attributes are translated and
// nothing else changes; each block's text and markup are what
// translate(block's HTML, { html: true, attributes }) gives; progress reaches
// the total; an abort after the first progress leaves whole units and rejects
// with an AbortError; restore() gives back exactly the original innerHTML and
// text nodes; 'nodes' mode keeps every node; a unit the page changes meanwhile
// is left alone. The fixture model translates poorly: structure is checked,
// not quality.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { skip, openTestPage, closeAll } from './helpers.js';

const MODEL = '/tests/fixtures/js/tiny-en-es.s2s';

const ARTICLE = `<article id="art" class="post" data-id="7">
  <h1 title="The main title">How to save your work</h1>
  <p>Open the file. Select <b>the cells</b> you want to <a href="/help" title="Help page">delete</a>.</p>
  <p>Save the document before closing it. Use <code>Ctrl+S</code> to save it.</p>
  <ul>
    <li>Open the file.</li>
    <li>The man went to the <em>house</em>.</li>
  </ul>
  <table>
    <thead><tr><th>Name</th><th>Action</th></tr></thead>
    <tbody><tr><td>Document</td><td>Save it <span aria-label="Close the window" class="icon"></span></td></tr></tbody>
  </table>
  <img alt="A picture of the house" width="10" height="10">
  <p><label>Name <input placeholder="Write your name" value="Open the file." data-note="Open the file."></label></p>
  <p translate="no">Do not translate this sentence.</p>
  <p class="notranslate">Nor <b>this</b> one.</p>
  <script>window.s2sScriptRuns = (window.s2sScriptRuns || 0) + 1; // Open the file.</script>
  <p>Click the <button type="button" id="btn" title="Press it">button</button> now.</p>
  <p>Write &lt;img src=x onerror="window.s2sPwned=1"&gt; in the box &amp; close it.</p>
  <p>One line<br>Another line</p>
  <pre>Open the file.
Save it.</pre>
  <!-- Open the file. -->
</article>`;

let server, context, page, profile;
const problems = [];

before(async () => {
  if (skip) return;
  ({ server, context, page, profile } = await openTestPage({ problems }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

// Runs in the page: every check's raw material as JSON.
function scenario({ model, kind, article }) {
  return (async () => {
    const api = await import('/src/js/index.js');
    const Cls = kind === 'worker' ? api.WorkerTranslator : api.Translator;
    const t = await Cls.create({ model });
    const host = document.createElement('div');
    document.body.append(host);
    host.innerHTML = article; // (a script inserted this way never runs)
    const root = host.querySelector('article');
    const out = { kind };

    const NAMED = ['title', 'alt', 'placeholder', 'aria-label'];
    const all = () => [root, ...root.querySelectorAll('*')];
    const attrsOf = (el) => Object.fromEntries([...el.attributes].map((a) => [a.name, a.value]));
    const textNodes = () => {
      const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const r = [];
      while (w.nextNode()) r.push(w.currentNode);
      return r;
    };
    const parse = (html) => { const tp = document.createElement('template'); tp.innerHTML = html; return tp.content; };
    // a block's text per unit: split at its <br> children
    const segments = (b) => {
      const s = [''];
      for (const c of b.childNodes) if (c.nodeName === 'BR') s.push(''); else s[s.length - 1] += c.textContent;
      return s;
    };
    const errorName = async (p) => { try { await p; return 'resolved'; } catch (e) { return e?.name ?? String(e); } };

    const before = root.innerHTML;
    const elems = all();
    const texts0 = textNodes();
    let clicks = 0;
    const btn = root.querySelector('#btn');
    btn.addEventListener('click', () => { clicks++; });
    const attrs0 = elems.map(attrsOf);
    const blocks = [...root.querySelectorAll('h1, p:not([translate]):not(.notranslate), li, th, td, pre')];
    const kept = [...root.querySelectorAll('code, script, [translate="no"], .notranslate')];
    const kept0 = kept.map((e) => e.outerHTML);

    // what translate(html, { html: true }) gives for each block, and translate(value) for each named attribute
    out.expected = [];
    out.expectedHtml = [];
    for (const b of blocks) {
      const r = await t.translate(b.outerHTML, { html: true, attributes: NAMED });
      out.expected.push(parse(r.text).textContent);
      out.expectedHtml.push(parse(r.text).firstElementChild.outerHTML); // through the parser: the same serializer on both sides
    }
    const named = [];
    elems.forEach((el, i) => {
      if (el.closest('[translate="no"], .notranslate, code')) return;
      for (const n of NAMED) if (el.hasAttribute(n)) named.push([i, n, el.getAttribute(n)]);
    });
    const namedExpected = [];
    for (const [, , v] of named) namedExpected.push((await t.translate(v)).text);

    // --- the whole article
    const progress = [];
    const res = await api.translateElement(t, root, { batchSize: 3, markLowConfidence: 1, onProgress: (p) => progress.push({ ...p }) });
    out.result = { units: res.units, attributes: res.attributes, sentences: res.sentences, confidence: res.confidence };
    out.progress = progress;
    const elems1 = all();
    out.sameTags = JSON.stringify(elems1.map((e) => e.localName)) === JSON.stringify(elems.map((e) => e.localName));
    out.sameObjects = elems1.length === elems.length && elems1.every((e, i) => e === elems[i]);
    btn.click();
    out.clicksAfter = clicks;
    out.actual = blocks.map((b) => b.textContent);
    out.keptSame = kept.map((e, i) => e.outerHTML === kept0[i]);
    out.scriptRuns = window.s2sScriptRuns ?? 0;
    out.pwned = window.s2sPwned ?? 0;
    // attributes: the named ones translated (as translate() gives them), the others as they were
    // (but the low-confidence marks on the units' blocks)
    out.namedActual = named.map(([i, n]) => elems1[i].getAttribute(n));
    out.namedExpected = namedExpected;
    out.otherAttrsSame = elems1.every((el, i) => {
      const a = attrsOf(el), b = { ...attrs0[i] };
      delete a['data-s2s-confidence'];
      for (const n of NAMED) { delete a[n]; delete b[n]; }
      return JSON.stringify(a) === JSON.stringify(b);
    });
    // the markup too (without the marks): the inline elements where html.js put them
    out.actualHtml = blocks.map((b) => {
      const c = b.cloneNode(true);
      for (const e of [c, ...c.querySelectorAll('[data-s2s-confidence]')]) e.removeAttribute('data-s2s-confidence');
      return c.outerHTML;
    });
    out.inputInLabel = root.querySelector('input').parentNode === root.querySelector('label');
    out.marks = [...root.querySelectorAll('[data-s2s-confidence]')].map((e) => [e.localName, Number(e.getAttribute('data-s2s-confidence'))]);
    out.changed = root.innerHTML !== before;
    out.translatedSegments = blocks.map(segments);
    // a second call on it, or on an element inside it, is refused
    out.again = await errorName(api.translateElement(t, root));
    out.inside = await errorName(api.translateElement(t, blocks[0]));

    res.restore();
    out.restoredSame = root.innerHTML === before;
    out.restoredObjects = all().every((e, i) => e === elems[i]) && all().length === elems.length;
    const texts1 = textNodes();
    out.restoredTextNodes = texts1.length === texts0.length && texts1.every((n, i) => n === texts0[i]);
    btn.click();
    out.clicksAfterRestore = clicks;
    res.restore(); // a second restore does nothing
    out.restoredTwiceSame = root.innerHTML === before;
    out.restoreElementAfter = api.restoreElement(root);

    // --- cancelled after the first progress: whole units, an AbortError, restorable
    const ac = new AbortController();
    const seen = [];
    out.abortError = await errorName(api.translateElement(t, root, {
      batchSize: 2, signal: ac.signal, onProgress: (p) => { seen.push({ ...p }); ac.abort(); },
    }));
    out.abortProgress = seen;
    out.abortSegments = blocks.map(segments);
    out.originalSegments = null;
    out.abortSameObjects = all().every((e, i) => e === elems[i]);
    out.abortAgain = await errorName(api.translateElement(t, root));
    out.abortRestore = api.restoreElement(root);
    out.abortRestoredSame = root.innerHTML === before;
    out.originalSegments = blocks.map(segments);

    // --- 'nodes' mode: every node stays, text nodes included
    const rn = await api.translateElement(t, root, { mode: 'nodes', attributes: [] });
    out.nodes = {
      units: rn.units, attributes: rn.attributes,
      sameObjects: all().every((e, i) => e === elems[i]),
      sameTextNodes: textNodes().every((n, i) => n === texts0[i]),
      changed: root.innerHTML !== before,
      attrsSame: all().every((el, i) => JSON.stringify(attrsOf(el)) === JSON.stringify(attrs0[i])),
    };
    rn.restore();
    out.nodes.restoredSame = root.innerHTML === before;

    // --- the page changes a unit while it is being translated: that unit is left as the page made it
    const pre = root.querySelector('pre');
    const preText = pre.firstChild.data;
    let edited = false;
    const rm = await api.translateElement(t, root, {
      batchSize: 1, attributes: [], onProgress: () => { if (!edited) { edited = true; pre.firstChild.data = 'Edited by the page.'; } },
    });
    out.mutated = { units: rm.units, kept: pre.textContent === 'Edited by the page.' };
    rm.restore();
    out.mutated.keptAfterRestore = pre.textContent === 'Edited by the page.';
    pre.firstChild.data = preText;
    out.mutated.restoredSame = root.innerHTML === before;

    // --- a restore while it runs: the call rejects, the page is as it was
    const p = api.translateElement(t, root, { batchSize: 1, onProgress: () => api.restoreElement(root) });
    out.restoreWhileRunning = await errorName(p);
    out.restoreWhileRunningSame = root.innerHTML === before;

    out.finalScriptRuns = window.s2sScriptRuns ?? 0;
    out.finalPwned = window.s2sPwned ?? 0;
    host.remove();
    t.destroy();
    return out;
  })();
}

for (const kind of ['main', 'worker']) {
  test(`translateElement with ${kind === 'main' ? 'a Translator in the page' : 'a WorkerTranslator'}: in place, progress, abort, restore`, { skip, timeout: 120_000 }, async () => {
    const o = await page.evaluate(scenario, { model: MODEL, kind, article: ARTICLE });

    // the page's elements are the same objects, in the same order; listeners still fire
    assert.ok(o.changed, 'the article was translated');
    assert.ok(o.sameTags, 'the same element tags in document order');
    assert.ok(o.sameObjects, 'the same element objects');
    assert.equal(o.clicksAfter, 1, "the button's listener fires after translation");

    // kept things are kept; nothing ran
    assert.deepEqual(o.keptSame, o.keptSame.map(() => true), 'code, script, translate="no", .notranslate unchanged');
    assert.equal(o.scriptRuns, 0);
    assert.equal(o.pwned, 0);

    // each block's text is what translate(its HTML, { html: true }) gives
    assert.equal(o.actual.length, 14, 'h1, 6 p, 2 li, 2 th, 2 td, pre');
    assert.deepEqual(o.actual, o.expected);

    // the named attributes as translate() gives them, no other attribute changed
    assert.equal(o.namedActual.length, 6, 'title ×3, alt, placeholder, aria-label');
    assert.deepEqual(o.namedActual, o.namedExpected);
    assert.deepEqual(o.actualHtml, o.expectedHtml, "each block's markup is translate(its HTML, { html: true, attributes })'s");
    assert.ok(o.inputInLabel);
    assert.ok(o.otherAttrsSame, 'the other attributes (value, data-*, href, class, …) unchanged');

    // counts, progress, marks
    assert.equal(o.result.attributes, 6);
    assert.equal(o.result.units, 15, 'the 14 blocks, the one with a <br> being 2 units');
    assert.ok(o.result.sentences >= o.result.units);
    assert.equal(typeof o.result.confidence, 'number');
    const total = o.result.units + o.result.attributes;
    assert.deepEqual(o.progress.map((p) => p.total), o.progress.map(() => total));
    assert.equal(o.progress.at(-1).done, total, 'progress reaches the total');
    assert.equal(o.progress.length, Math.ceil(total / 3), 'one progress event per batch of 3');
    for (let i = 1; i < o.progress.length; i++) assert.ok(o.progress[i].done > o.progress[i - 1].done);
    assert.ok(o.marks.length > 0, 'markLowConfidence: 1 marks the blocks');
    for (const [, c] of o.marks) assert.ok(c >= 0 && c < 1);

    // refused while translated
    assert.equal(o.again, 'InvalidArgumentError');
    assert.equal(o.inside, 'InvalidArgumentError');

    // restore: exactly the original markup, element objects and text nodes; twice is harmless
    assert.ok(o.restoredSame, 'restore() gives back the original innerHTML');
    assert.ok(o.restoredObjects, 'the original element objects');
    assert.ok(o.restoredTextNodes, 'the original text nodes');
    assert.equal(o.clicksAfterRestore, 2);
    assert.ok(o.restoredTwiceSame);
    assert.equal(o.restoreElementAfter, false, 'nothing left to restore');

    // abort after the first progress: an AbortError, whole units only (each segment
    // either as it was or as translated), some done and some not
    assert.equal(o.abortError, 'AbortError');
    assert.equal(o.abortProgress.length, 1);
    assert.ok(o.abortSameObjects);
    let done = 0, orig = 0;
    o.abortSegments.forEach((segs, b) => segs.forEach((s, k) => {
      const was = o.originalSegments[b][k], full = o.translatedSegments[b][k];
      assert.ok(s === was || s === full, `block ${b} segment ${k}: ${JSON.stringify(s)} is neither ${JSON.stringify(was)} nor ${JSON.stringify(full)}`);
      if (s !== was) done++; else orig++;
    }));
    assert.ok(done >= 1 && orig >= 1, `${done} segments translated, ${orig} not`);
    assert.equal(o.abortAgain, 'InvalidArgumentError', 'a half-translated root is refused until restored');
    assert.equal(o.abortRestore, true);
    assert.ok(o.abortRestoredSame, 'restoreElement after an abort gives back the original');

    // 'nodes' mode
    assert.ok(o.nodes.changed && o.nodes.sameObjects && o.nodes.sameTextNodes, JSON.stringify(o.nodes));
    assert.ok(o.nodes.units >= o.result.units);
    assert.equal(o.nodes.attributes, 0);
    assert.ok(o.nodes.attrsSame, 'attributes: [] changes none');
    assert.ok(o.nodes.restoredSame);

    assert.deepEqual(o.mutated, { units: o.result.units - 1, kept: true, keptAfterRestore: true, restoredSame: true });

    assert.equal(o.restoreWhileRunning, 'AbortError');
    assert.ok(o.restoreWhileRunningSame);
    assert.equal(o.finalScriptRuns, 0);
    assert.equal(o.finalPwned, 0);
  });
}

test('no console error, page error or failed request', { skip }, () => {
  assert.deepEqual(problems, []);
});
