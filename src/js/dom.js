// dom.js — translateElement(translator, root, options): a page's DOM subtree
// translated in place, for embedders (docs/html.md, "Translating a page in
// place").
//
// The page's own element nodes stay in the tree (listeners and references
// the page holds stay valid): each unit (a run of text and inline elements
// between blocks, as in html.js) is written out as HTML whose elements are
// placeholders naming the original nodes (<s2s-i data-s2s-n="3">), that goes
// through the public translate(units, { html: true }), the result is parsed
// in an inert <template>, and the unit is rebuilt from the ORIGINAL element
// nodes and new text nodes. Nothing from the parsed fragment but text data
// ever enters the live document. Every unit is replaced in one synchronous
// step, so cancelling (between batches) never leaves half a unit; restore()
// puts the original nodes and attribute values back.
//
// Needs a DOM (browsers); in Node it only checks its arguments.

import { InputTooLongError, InvalidArgumentError } from './errors.js';
import { LIMITS, checkSignal } from './translator.js';
import { BLOCK, RAW_TEXT, VERBATIM, VOID, escapeText } from './html.js';

const DEFAULT_ATTRIBUTES = Object.freeze(['title', 'alt', 'placeholder', 'aria-label']);
const PASS_ON = ['beamSize', 'maxLength', 'lengthPenalty', 'blockRepeats', 'shortlist'];
const OPTIONS = ['attributes', 'mode', 'batchSize', 'onProgress', 'signal', 'markLowConfidence', ...PASS_ON];
const DEFAULT_BATCH = 16; // units per translate call: progress stays meaningful, cancel prompt
const MARK = 'data-s2s-confidence';
const HTML_NS = 'http://www.w3.org/1999/xhtml';
const ELEMENT = 1, TEXT = 3;

// The element kinds are html.js's, so a page and a string are cut into the same units.
const RAW = new Set([...RAW_TEXT, 'noscript', 'template']);

// Roots translated and not yet restored (also while a translation runs) -> their state.
const active = new WeakMap();

const isNo = (el) => {
  const t = el.getAttribute('translate');
  return (t !== null && t.trim().toLowerCase() === 'no') || !!el.classList?.contains('notranslate');
};

// What the walk does with an element: does it end a unit (block), is its
// content walked, are its named attributes translated.
const KEPT = { block: false, walk: false, attrs: false };
function kindOf(el) {
  const name = el.localName;
  const block = BLOCK.has(name);
  // foreign elements (svg, math and what is inside them), code, translate="no", .notranslate: untouched
  if (el.namespaceURI !== HTML_NS || VERBATIM.has(name) || isNo(el)) return block ? { ...KEPT, block } : KEPT;
  if (RAW.has(name) || VOID.has(name)) return { block, walk: false, attrs: true };
  return { block, walk: true, attrs: true };
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

// A text's leading and trailing whitespace (translate() trims; these are kept as written).
function edges(s) {
  const start = s.trimStart();
  if (!start) return [s, ''];
  return [s.slice(0, s.length - start.length), s.slice(s.trimEnd().length)];
}

function abortError(signal) {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function checkOptions(options) {
  const where = 'translateElement';
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${where}: options must be an object (got ${describe(options)})`);
  }
  // an unknown key is an error, not ignored (as translate's options)
  for (const k of Object.keys(options)) {
    if (!OPTIONS.includes(k)) throw new InvalidArgumentError(`${where}: unknown option "${k}" (known: ${OPTIONS.join(', ')})`);
  }
  const o = options;
  let attributes = DEFAULT_ATTRIBUTES;
  if (o.attributes !== undefined) {
    if (!Array.isArray(o.attributes) || o.attributes.length > 100 || !o.attributes.every((a) => typeof a === 'string' && /^[^\s"'>/=]{1,64}$/.test(a))) {
      throw new InvalidArgumentError(`${where}: attributes must be an array of at most 100 attribute names (got ${describe(o.attributes)})`);
    }
    attributes = [...new Set(o.attributes.map((a) => a.toLowerCase()))];
  }
  const mode = o.mode ?? 'block';
  if (mode !== 'block' && mode !== 'nodes') throw new InvalidArgumentError(`${where}: mode must be 'block' or 'nodes'`);
  const batchSize = o.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > LIMITS.maxBatch) {
    throw new InvalidArgumentError(`${where}: batchSize must be an integer from 1 to ${LIMITS.maxBatch}`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError(`${where}: onProgress must be a function`);
  checkSignal(o.signal, where);
  const mark = o.markLowConfidence;
  if (mark !== undefined && (typeof mark !== 'number' || !(mark >= 0 && mark <= 1))) {
    throw new InvalidArgumentError(`${where}: markLowConfidence must be a number in [0, 1]`);
  }
  const pass = {};
  for (const k of PASS_ON) if (o[k] !== undefined) pass[k] = o[k];
  if (o.signal != null) pass.signal = o.signal;
  return { attributes, mode, batchSize, onProgress: o.onProgress, signal: o.signal, mark, pass };
}

// ------------------------------------------------------------- collecting

// The work in `root`, in document order: units ({ unit }), text nodes in
// 'nodes' mode ({ node }) and attribute values ({ attr }). Reads the DOM only.
function collect(root, attrNames, mode) {
  const where = 'translateElement';
  const items = [];
  const boundary = new Map(); // inline element -> whether a block or <br> is inside it
  const own = (el) => {
    if (active.has(el)) throw new InvalidArgumentError(`${where}: an element inside root is already translated; restore it first`);
  };
  const takeAttrs = (el) => {
    for (const name of attrNames) {
      const value = el.getAttribute(name);
      if (value === null || !/\S/.test(value)) continue;
      if (value.length > LIMITS.maxTextLength) throw new InputTooLongError(`${where}: a ${name} attribute has ${value.length} characters; the limit is ${LIMITS.maxTextLength}`);
      items.push({ attr: { el, name, value }, length: value.length });
    }
  };
  const hasBoundary = (el) => {
    let b = boundary.get(el);
    if (b === undefined) {
      b = false;
      for (let c = el.firstElementChild; c && !b; c = c.nextElementSibling) {
        const k = kindOf(c);
        b = k.block || (k.walk && hasBoundary(c));
      }
      boundary.set(el, b);
    }
    return b;
  };

  // One run of sibling nodes between boundaries: its HTML of placeholders.
  // `kept` lists the run's element (and comment, …) nodes by placeholder id;
  // `inner` the inline elements with their children as they were.
  const flush = (parent, run, next) => {
    if (!run.length) return;
    const u = { parent, next, top: run, kept: [], inner: [], texts: [], html: '' };
    let html = '', words = false;
    const put = (n) => {
      if (n.nodeType === TEXT) {
        u.texts.push([n, n.data]);
        html += escapeText(n.data);
        words ||= /\S/.test(n.data);
        return;
      }
      const id = u.kept.push(n) - 1;
      const k = n.nodeType === ELEMENT ? kindOf(n) : KEPT;
      if (k.attrs) takeAttrs(n);
      if (k.walk) {
        // an inline element: its text is translated, html.js places it around its words.
        // One neutral tag name for all, so that no parser rule of a real name
        // (nested <a>, <plaintext>, <image>, …) can reshape the result.
        own(n);
        const kids = [...n.childNodes];
        u.inner.push([n, kids]);
        html += `<s2s-i data-s2s-n="${id}">`;
        for (const c of kids) put(c);
        html += '</s2s-i>';
      } else {
        // code, script, img, comments, …: kept whole where html.js puts the point
        html += `<s2s-x data-s2s-n="${id}"></s2s-x>`;
      }
    };
    for (const n of run) put(n);
    if (!words) return;
    u.html = html;
    if (mode === 'nodes') {
      for (const [node, data] of u.texts) {
        if (!/\S/.test(data)) continue;
        if (data.length > LIMITS.maxTextLength) throw new InputTooLongError(`${where}: a text node has ${data.length} characters; the limit is ${LIMITS.maxTextLength}`);
        items.push({ node: { node, data, block: parent }, length: data.length });
      }
      return;
    }
    if (html.length > LIMITS.maxTextLength) {
      throw new InputTooLongError(`${where}: a paragraph has ${html.length} characters as HTML; the limit is ${LIMITS.maxTextLength} (mode: 'nodes' translates text node by text node)`);
    }
    items.push({ unit: u, length: html.length });
  };

  const container = (el) => {
    own(el);
    let run = [];
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== ELEMENT) { run.push(c); continue; }
      const k = kindOf(c);
      if (k.block || (k.walk && hasBoundary(c))) {
        // a block, <br>, or an inline element with one inside: the run ends here
        flush(el, run, c);
        run = [];
        if (k.attrs) takeAttrs(c);
        if (k.walk) container(c);
      } else run.push(c);
    }
    flush(el, run, null);
  };

  const k = kindOf(root);
  if (k.attrs) takeAttrs(root);
  if (k.walk) container(root);
  return items;
}

// --------------------------------------------------------------- applying

// Whether the page left a unit as it was collected (it may change the DOM while we translate).
function intact(u) {
  const same = (parent, nodes, after) => {
    if (!nodes.length) return parent.firstChild === after;
    let c = nodes[0].parentNode === parent ? nodes[0] : undefined;
    for (const n of nodes) { if (c !== n) return false; c = c.nextSibling; }
    return c === after;
  };
  if (!same(u.parent, u.top, u.next)) return false;
  for (const [el, kids] of u.inner) if (!same(el, kids, null)) return false;
  return u.texts.every(([n, data]) => n.data === data);
}

// Rebuilds a unit from the translated HTML: original nodes in the new order, new text nodes.
function applyUnit(doc, u, html) {
  const tpl = doc.createElement('template');
  // template content is inert (no script runs, nothing loads), and only its
  // text data and placeholder ids are read: none of its nodes enter the page
  tpl.innerHTML = html;
  const inner = new Set(u.inner.map(([el]) => el));
  const used = new Set();
  const build = (src, add) => {
    for (let c = src.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === TEXT) { if (c.data) add(doc.createTextNode(c.data)); continue; }
      if (c.nodeType !== ELEMENT) continue;
      const id = c.getAttribute('data-s2s-n');
      const n = id !== null && /^\d{1,9}$/.test(id) ? u.kept[Number(id)] : undefined;
      const fresh = n !== undefined && !used.has(n);
      if (fresh) { used.add(n); add(n); }
      if (c.localName === 's2s-x') continue; // kept whole
      // an inline element's new content; an element we did not write (never expected): its text only
      build(c, fresh && inner.has(n) ? (x) => n.append(x) : add);
    }
  };
  // every kept node is detached from every other first: the fragment's nesting then cannot make a cycle
  for (const el of inner) el.replaceChildren();
  const out = [];
  build(tpl.content, (x) => out.push(x));
  // nothing is lost: a kept node the result does not name goes to the unit's end
  for (const n of u.kept) if (!used.has(n)) out.push(n);
  for (const n of u.top) n.remove();
  for (const n of out) u.parent.insertBefore(n, u.next);
  u.now = out;
}

function restoreUnit(u) {
  for (const n of u.now) n.remove();
  for (const n of u.kept) n.remove();
  for (const [el, kids] of u.inner) el.replaceChildren(...kids);
  const next = u.next?.parentNode === u.parent ? u.next : null;
  for (const n of u.top) u.parent.insertBefore(n, next);
}

// ------------------------------------------------------------------- API

/**
 * Translates the text and the named attributes of `root` (an Element) in
 * place. Resolves to { units, attributes, sentences, confidence, restore() }.
 * Options: attributes (default title, alt, placeholder, aria-label), mode
 * ('block', the default, or 'nodes'), batchSize (units per translate call,
 * default 16), onProgress({ done, total }), signal, markLowConfidence (a
 * threshold in [0, 1]), beamSize, maxLength, lengthPenalty, blockRepeats, shortlist. docs/html.md.
 */
export async function translateElement(translator, root, options) {
  const where = 'translateElement';
  if (translator === null || typeof translator !== 'object' || typeof translator.translate !== 'function') {
    throw new InvalidArgumentError(`${where}: translator must be a Translator or WorkerTranslator (got ${describe(translator)})`);
  }
  const o = checkOptions(options);
  if (root === null || typeof root !== 'object' || root.nodeType !== ELEMENT || typeof root.getAttribute !== 'function' ||
      typeof root.ownerDocument?.createElement !== 'function') {
    throw new InvalidArgumentError(`${where}: root must be a DOM Element (got ${describe(root)}); ` +
      'without a DOM (Node), translate HTML strings with translate(html, { html: true })');
  }
  if (o.signal?.aborted) throw abortError(o.signal);
  // the translate options (and a destroyed translator) are checked before the page is touched
  await translator.translate([], o.pass);

  for (let a = root; a; a = a.parentNode) {
    if (active.has(a)) {
      throw new InvalidArgumentError(`${where}: ${a === root ? 'this element' : 'an element around it'} is already translated ` +
        '(or being translated); call restore() on its result, or restoreElement(), first');
    }
  }
  const doc = root.ownerDocument;
  const items = collect(root, o.attributes, o.mode);
  // from here until the state is active, nothing awaits: a second call sees it
  const state = { units: [], nodes: [], attrs: [], marks: new Map(), stopped: false, restored: false, restore: null };
  state.restore = () => {
    if (state.restored) return;
    state.restored = state.stopped = true;
    // newest first, so that every step finds the tree as the one after it left it
    for (let i = state.units.length - 1; i >= 0; i--) restoreUnit(state.units[i]);
    for (let i = state.nodes.length - 1; i >= 0; i--) state.nodes[i].node.data = state.nodes[i].data;
    for (const { el, name, value } of state.attrs) el.setAttribute(name, value);
    for (const [el, m] of state.marks) {
      if (m.orig === null) el.removeAttribute(MARK);
      else el.setAttribute(MARK, m.orig);
    }
    state.units.length = state.nodes.length = state.attrs.length = 0;
    state.marks.clear();
    if (active.get(root) === state) active.delete(root);
  };
  active.set(root, state);

  const counts = { units: 0, attributes: 0, sentences: 0 };
  let confidence = null, anyConfidence = false;
  const noted = (r, block) => {
    counts.sentences += r.sentences.length;
    if (r.confidence === null || r.confidence === undefined) return;
    confidence = anyConfidence ? Math.min(confidence, r.confidence) : r.confidence;
    anyConfidence = true;
    if (o.mark !== undefined && r.confidence < o.mark) {
      let m = state.marks.get(block);
      if (!m) state.marks.set(block, (m = { orig: block.getAttribute(MARK), min: 1 }));
      m.min = Math.min(m.min, r.confidence);
      block.setAttribute(MARK, String(Math.round(m.min * 1000) / 1000));
    }
  };
  const stopped = () => {
    if (o.signal?.aborted) throw abortError(o.signal);
    if (state.stopped) throw new DOMException(`${where}: restored while translating`, 'AbortError');
  };

  try {
    const total = items.length;
    for (let i = 0; i < total;) {
      stopped();
      // a batch: batchSize items at most, within translate's limit per call
      let j = i, len = 0;
      while (j < total && j - i < o.batchSize && (j === i || len + items[j].length <= LIMITS.maxTotalLength)) len += items[j++].length;
      const batch = items.slice(i, j);
      const units = batch.filter((x) => x.unit), nodes = batch.filter((x) => x.node), attrs = batch.filter((x) => x.attr);
      // one call after the other (a Translator runs one engine; the signal is checked between)
      const ru = units.length ? await translator.translate(units.map((x) => x.unit.html), { ...o.pass, html: true }) : [];
      stopped();
      const rn = nodes.length ? await translator.translate(nodes.map((x) => x.node.data), o.pass) : [];
      stopped();
      const ra = attrs.length ? await translator.translate(attrs.map((x) => x.attr.value), o.pass) : [];
      // a batch is applied whole, or not at all when it was stopped meanwhile
      stopped();
      units.forEach(({ unit: u }, k) => {
        if (!intact(u)) return; // the page changed it meanwhile: left as the page has it
        applyUnit(doc, u, ru[k].text);
        state.units.push(u);
        counts.units++;
        noted(ru[k], u.parent);
      });
      nodes.forEach(({ node: t }, k) => {
        if (t.node.data !== t.data) return;
        // translate() trims; the node's own leading and trailing whitespace stays
        const [lead, trail] = edges(t.data);
        t.node.data = lead + rn[k].text + trail;
        state.nodes.push(t);
        counts.units++;
        noted(rn[k], t.block);
      });
      attrs.forEach(({ attr: a }, k) => {
        if (a.el.getAttribute(a.name) !== a.value) return;
        const [lead, trail] = edges(a.value);
        a.el.setAttribute(a.name, lead + ra[k].text + trail);
        state.attrs.push(a);
        counts.attributes++;
      });
      i = j;
      o.onProgress?.({ done: i, total });
    }
  } catch (err) {
    // what was translated stays (whole units) until restore; with nothing changed, nothing to restore
    if (!state.units.length && !state.nodes.length && !state.attrs.length && active.get(root) === state) active.delete(root);
    throw err;
  }
  return { ...counts, confidence, restore: state.restore };
}

/**
 * Puts back what translateElement changed in `root` (also after it was
 * aborted or failed half-way, or while it runs: it then rejects with an
 * AbortError). Returns false when nothing of root's was translated.
 */
export function restoreElement(root) {
  const state = root !== null && typeof root === 'object' ? active.get(root) : undefined;
  if (!state) return false;
  state.restore();
  return true;
}
