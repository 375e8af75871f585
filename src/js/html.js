// html.js — "HTML in, HTML out": translate(html, { html: true }).
//
// The markup is parsed here, on the caller's side, and only plain text goes
// to the translator's public translate() (with attention), so the engine may
// live in a worker. Paragraph-like units (text between block elements and
// <br>) are translated one sentence per text; inline elements are put back
// around the target words their source words were aligned to; everything
// that is not translated text is copied as written. docs/html.md describes
// the behaviour, the repairs and the fallbacks.
//
// Every pass is linear in the input (the tokenizer reads each character a
// bounded number of times, the element stack is at most LIMITS.maxHtmlDepth
// deep, placement is bounded by words × depth); no regular expression runs
// over more than a short, bounded slice.

import { BadTextError, InputTooLongError, InvalidArgumentError } from './errors.js';
import { LIMITS } from './translator.js';
import { normalizeText, splitSentences } from './text.js';

// ---------------------------------------------------------------- tokenizer

/** Elements whose content is raw text (never markup, never translated). */
export const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes']);

const isWs = (c) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isAlpha = (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

// A start or end tag from just after "<" or "</": { name, attrs, selfClosing,
// end } or null when the input ends before the tag's ">".
function scanTag(html, p) {
  const n = html.length;
  let i = p;
  while (i < n) {
    const c = html.charCodeAt(i);
    if (isWs(c) || c === 47 || c === 62) break; // '/' '>'
    i++;
  }
  const name = html.slice(p, i).toLowerCase();
  const attrs = [];
  let selfClosing = false;
  for (;;) {
    while (i < n && isWs(html.charCodeAt(i))) i++;
    if (i >= n) return null;
    const c = html.charCodeAt(i);
    if (c === 62) return { name, attrs, selfClosing, end: i + 1 };
    if (c === 47) {
      if (html.charCodeAt(i + 1) === 62) return { name, attrs, selfClosing: true, end: i + 2 };
      i++;
      continue;
    }
    // an attribute name (its first character may be '=', as in browsers)
    const ns = i++;
    while (i < n) {
      const d = html.charCodeAt(i);
      if (isWs(d) || d === 47 || d === 62 || d === 61) break;
      i++;
    }
    const attr = { name: html.slice(ns, i).toLowerCase(), valueStart: -1, valueEnd: -1, quote: '' };
    let j = i;
    while (j < n && isWs(html.charCodeAt(j))) j++;
    if (html.charCodeAt(j) === 61) {
      j++;
      while (j < n && isWs(html.charCodeAt(j))) j++;
      if (j >= n) return null;
      const q = html[j];
      if (q === '"' || q === "'") {
        const k = html.indexOf(q, j + 1);
        if (k < 0) return null;
        Object.assign(attr, { valueStart: j + 1, valueEnd: k, quote: q });
        i = k + 1;
      } else {
        let k = j;
        while (k < n && !isWs(html.charCodeAt(k)) && html.charCodeAt(k) !== 62) k++;
        Object.assign(attr, { valueStart: j, valueEnd: k });
        i = k;
      }
    }
    attrs.push(attr);
  }
}

const EOF = Symbol('eof');

// The markup token starting at `lt` (a "<"), null when this "<" is text, or
// EOF when it opens a tag the input ends inside.
function readMarkup(html, lt) {
  const n = html.length;
  const c = html.charCodeAt(lt + 1);
  const toGt = (type) => {
    const k = html.indexOf('>', lt + 2);
    return { type, start: lt, end: k < 0 ? n : k + 1 };
  };
  if (c === 33) { // '!'
    if (html.startsWith('<!--', lt)) {
      // "<!-->" and "<!--->" are whole (empty) comments, as in browsers
      if (html.startsWith('>', lt + 4)) return { type: 'comment', start: lt, end: lt + 5 };
      if (html.startsWith('->', lt + 4)) return { type: 'comment', start: lt, end: lt + 6 };
      const k = html.indexOf('-->', lt + 4);
      return { type: 'comment', start: lt, end: k < 0 ? n : k + 3 };
    }
    if (html.slice(lt + 2, lt + 9).toLowerCase() === 'doctype') return toGt('doctype');
    return toGt('bogus'); // <![CDATA[…]> and other "<!" markup: a bogus comment up to ">"
  }
  if (c === 63) return toGt('bogus'); // "<?"
  if (c === 47) { // '/'
    const d = html.charCodeAt(lt + 2);
    if (isAlpha(d)) {
      const t = scanTag(html, lt + 2);
      return t ? { type: 'end', start: lt, end: t.end, name: t.name, attrs: t.attrs } : EOF;
    }
    if (d === 62) return { type: 'bogus', start: lt, end: lt + 3 }; // "</>"
    if (lt + 2 >= n) return null;
    return toGt('bogus');
  }
  if (isAlpha(c)) {
    const t = scanTag(html, lt + 1);
    return t ? { type: 'start', start: lt, end: t.end, name: t.name, attrs: t.attrs, selfClosing: t.selfClosing } : EOF;
  }
  return null;
}

// "</name" at k, followed by whitespace, "/", ">" or the end: where a raw-text element ends.
function endsRawText(html, k, name) {
  if (html.slice(k + 2, k + 2 + name.length).toLowerCase() !== name) return false;
  const c = html.charCodeAt(k + 2 + name.length);
  return Number.isNaN(c) || isWs(c) || c === 47 || c === 62;
}

/**
 * The tokens of an HTML fragment, each { type, start, end, … } with type
 * 'text', 'start' (name, attrs [{ name, valueStart, valueEnd, quote }],
 * selfClosing), 'end' (name, attrs), 'comment', 'doctype', 'bogus' or 'raw'
 * (the content of a raw-text element). They cover the input exactly:
 * concatenating html.slice(start, end) over them gives it back. A "<" that
 * does not start markup is text, and so is everything from a tag the input
 * ends inside (browsers drop it; text is never lost here).
 */
export function tokenize(html) {
  const tokens = [];
  const n = html.length;
  let textStart = 0, i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const t = readMarkup(html, lt);
    if (t === EOF) break; // the rest is text: no later "<" is rescanned, so this stays linear
    if (t === null) { i = lt + 1; continue; }
    if (lt > textStart) tokens.push({ type: 'text', start: textStart, end: lt });
    tokens.push(t);
    i = textStart = t.end;
    if (t.type === 'start' && RAW_TEXT.has(t.name)) {
      let j = i, end = n;
      for (;;) {
        const k = html.indexOf('</', j);
        if (k < 0) break;
        if (endsRawText(html, k, t.name)) {
          // an end tag the input ends inside ("</style" without ">") does not end the
          // raw text, as in browsers: the rest of the input is raw text then
          if (scanTag(html, k + 2) !== null) end = k;
          break;
        }
        j = k + 2;
      }
      if (end > i) tokens.push({ type: 'raw', start: i, end });
      i = textStart = end;
    }
  }
  if (n > textStart) tokens.push({ type: 'text', start: textStart, end: n });
  return tokens;
}

// ------------------------------------------------------ character references

const NAMED = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»',
  bull: '•', middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°',
  plusmn: '±', times: '×', divide: '÷', shy: '\u00ad', zwj: '\u200d', zwnj: '\u200c', lrm: '\u200e', rlm: '\u200f',
  iexcl: '¡', iquest: '¿', ordf: 'ª', ordm: 'º', frac12: '½', frac14: '¼', frac34: '¾', micro: 'µ',
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', ntilde: 'ñ', uuml: 'ü', ccedil: 'ç',
  Aacute: 'Á', Eacute: 'É', Iacute: 'Í', Oacute: 'Ó', Uacute: 'Ú', Ntilde: 'Ñ', Uuml: 'Ü', Ccedil: 'Ç',
  agrave: 'à', egrave: 'è', auml: 'ä', ouml: 'ö', szlig: 'ß', thinsp: '\u2009', ensp: '\u2002', emsp: '\u2003',
};
// names browsers also accept without the ";" in text
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

const isAlnum = (c) => isAlpha(c) || (c >= 48 && c <= 57);

/** `s` with its character references decoded; unknown ones stay as written. */
export function decodeEntities(s) {
  if (!s.includes('&')) return s;
  let out = '', from = 0, i = s.indexOf('&');
  while (i >= 0) {
    let j = i + 1, ch = null;
    if (s.charCodeAt(j) === 35) { // '#'
      const hex = s.charCodeAt(j + 1) === 120 || s.charCodeAt(j + 1) === 88;
      let k = j + (hex ? 2 : 1);
      const ds = k;
      while (k < s.length && k - ds < 8 && (hex ? /[0-9a-f]/i.test(s[k]) : s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57)) k++;
      if (k > ds) {
        const cp = parseInt(s.slice(ds, k), hex ? 16 : 10);
        // as browsers: NUL, surrogates and beyond U+10FFFF become U+FFFD
        ch = cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
        j = s.charCodeAt(k) === 59 ? k + 1 : k;
      }
    } else {
      let k = j;
      while (k < s.length && k - j < 32 && isAlnum(s.charCodeAt(k))) k++;
      const name = s.slice(j, k);
      if (s.charCodeAt(k) === 59 && Object.hasOwn(NAMED, name)) { ch = NAMED[name]; j = k + 1; }
      else if (LEGACY.has(name) && s.charCodeAt(k) !== 61) { ch = NAMED[name]; j = k; }
    }
    if (ch !== null) { out += s.slice(from, i) + ch; from = j; }
    i = s.indexOf('&', Math.max(j, i + 1));
  }
  return out + s.slice(from);
}

/** Translated text for HTML: & < > escaped. */
export function escapeText(s) {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function escapeAttr(s, quote) {
  let r = escapeText(s).replaceAll('"', '&quot;');
  if (quote === "'") r = r.replaceAll("'", '&#39;');
  return r;
}

// ------------------------------------------------------------ element kinds

/** Elements without content or end tag. */
export const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements that end a unit (a paragraph translated on its own). Unknown names are inline. */
export const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'center', 'col', 'colgroup', 'dd', 'details',
  'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5',
  'h6', 'head', 'header', 'hgroup', 'hr', 'html', 'legend', 'li', 'main', 'menu', 'nav', 'noscript', 'ol', 'optgroup',
  'option', 'p', 'pre', 'section', 'select', 'summary', 'table', 'tbody', 'td', 'template', 'tfoot', 'th', 'thead',
  'tr', 'ul', 'video', 'audio', 'canvas', 'object', 'picture', 'frameset', 'frame',
]);
/** Elements whose content is kept as written (and translate="no"). */
export const VERBATIM = new Set(['code', 'kbd', 'samp', 'var', 'svg', 'math']);

// Start tags that end an open element of these names first (HTML's optional
// end tags), unless one of `barriers` is open above it.
const P_CLOSERS = new Set(['address', 'article', 'aside', 'blockquote', 'details', 'dialog', 'div', 'dl', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'main',
  'menu', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'ul', 'li', 'dd', 'dt', 'summary']);
const SCOPE = ['table', 'td', 'th', 'caption', 'button', 'object', 'template', 'html'];
const IMPLIED = {
  li: { closes: ['li'], barriers: ['ul', 'ol', ...SCOPE] },
  dt: { closes: ['dt', 'dd'], barriers: ['dl', ...SCOPE] },
  dd: { closes: ['dt', 'dd'], barriers: ['dl', ...SCOPE] },
  option: { closes: ['option'], barriers: ['select', 'datalist', 'optgroup'] },
  optgroup: { closes: ['option', 'optgroup'], barriers: ['select'] },
  tr: { closes: ['tr'], barriers: ['table', 'tbody', 'thead', 'tfoot'] },
  td: { closes: ['td', 'th'], barriers: ['tr', 'table'] },
  th: { closes: ['td', 'th'], barriers: ['tr', 'table'] },
  tbody: { closes: ['tbody', 'thead', 'tfoot'], barriers: ['table'] },
  thead: { closes: ['tbody', 'thead', 'tfoot'], barriers: ['table'] },
  tfoot: { closes: ['tbody', 'thead', 'tfoot'], barriers: ['table'] },
};

const hasTranslateNo = (html, t) => t.attrs.some((a) => a.name === 'translate' && a.valueStart >= 0 &&
  html.slice(a.valueStart, a.valueEnd).trim().toLowerCase() === 'no');

// ------------------------------------------------------------------- walker

// The open elements, with per-name index stacks so that finding the nearest
// open element of a name is O(1) (a stray end tag never scans the stack).
class OpenElements {
  constructor(where) {
    this.items = [];
    this.byName = new Map();
    this.blocks = []; // indices of open block elements
    this.where = where;
  }

  get depth() { return this.items.length; }
  top() { return this.items[this.items.length - 1]; }
  nearest(name) { const s = this.byName.get(name); return s && s.length ? s[s.length - 1] : -1; }
  topBlock() { return this.blocks.length ? this.blocks[this.blocks.length - 1] : -1; }

  push(e) {
    if (this.items.length >= LIMITS.maxHtmlDepth) {
      throw new InputTooLongError(`${this.where}: the HTML nests elements more than ${LIMITS.maxHtmlDepth} deep ` +
        `(LIMITS.maxHtmlDepth); at <${e.name}>`);
    }
    const i = this.items.length;
    this.items.push(e);
    let s = this.byName.get(e.name);
    if (!s) this.byName.set(e.name, (s = []));
    s.push(i);
    if (e.block) this.blocks.push(i);
  }

  // pops down to index i (inclusive), calling onPop for each, innermost first
  popTo(i, onPop) {
    while (this.items.length > i) {
      const e = this.items.pop();
      this.byName.get(e.name).pop();
      if (e.block) this.blocks.pop();
      onPop(e);
    }
  }
}

// A unit: the text between two boundaries, with the inline elements and the
// untranslated items ("points": comments, images, code, …) inside it as a tree.
function newUnit(open, ids) {
  const root = { id: ids.next++, kind: 'el', children: [], s: 0, e: -1, parent: null, root: true };
  const unit = { root, cur: root, plain: [], len: 0, flat: [], nodes: [root] };
  // inline elements open since an earlier unit (above the innermost block): their start tags are already out
  for (let i = open.topBlock() + 1; i < open.depth; i++) {
    const e = open.items[i];
    if (e.verbatim) break;
    const node = { id: ids.next++, kind: 'el', tag: e.tag, name: e.name, children: [], s: 0, e: -1, parent: unit.cur, openLeft: true, unit };
    unit.cur.children.push(node);
    unit.nodes.push(node);
    unit.cur = node;
    e.node = node;
  }
  return unit;
}

/**
 * Parses one fragment into output parts: strings, { tag } (a start tag whose
 * named attributes are translated) and { unit } (a unit to translate). Jobs
 * (texts to translate) are pushed onto `jobs`.
 */
function walk(html, attrNames, jobs, where) {
  const tokens = tokenize(html);
  const parts = [];
  const open = new OpenElements(where);
  const ids = { next: 0 };
  let unit = null;
  let verbatim = null; // { depth, parts: [] } while inside code, svg, translate="no", …
  // The input ends inside something unfinished (a tag or comment without its ">",
  // raw text without its end tag, a stray "<"): an end tag added after it would
  // be read as part of it, so the elements still open at the end are left open.
  // A comment, doctype or raw text the input ends inside is copied after everything
  // else, as it was the last thing in the input (whatever followed it would be read
  // as part of it); elements open before it are closed before it.
  let stop = tokens.length;
  const last = tokens[stop - 1];
  if (last && (last.type === 'raw' ? !/^<\/[^>]*>/.test(html.slice(last.end))
    : last.type !== 'text' && last.type !== 'start' && last.type !== 'end' && html.charCodeAt(html.length - 1) !== 62)) {
    stop--;
    if (last.type === 'raw' && stop > 0 && tokens[stop - 1].type === 'start') stop--; // with its start tag
  } else if (last?.type === 'start' && RAW_TEXT.has(last.name)) {
    stop--; // a raw-text start tag with nothing after it
  }
  let tail = stop < tokens.length ? html.slice(tokens[stop].start) : '';
  if (!tail && last?.type === 'text') {
    // a tag the input ends inside ("<a href=…" without ">") is text from its "<"
    // on: that rest is the tail, the text before it is translated as usual
    for (let p = html.indexOf('<', last.start); p >= 0; p = html.indexOf('<', p + 1)) {
      if (readMarkup(html, p) !== EOF) continue;
      tail = html.slice(p);
      if (p > last.start) tokens[stop - 1] = { type: 'text', start: last.start, end: p };
      else stop--;
      break;
    }
  }

  const tagPart = (t) => {
    if (!attrNames.size || t.type !== 'start') return html.slice(t.start, t.end);
    const attrs = [];
    for (const a of t.attrs) {
      if (!attrNames.has(a.name) || a.valueStart < 0) continue;
      const value = decodeEntities(html.slice(a.valueStart, a.valueEnd));
      const trimmed = value.trim();
      if (!trimmed) continue;
      const lead = value.slice(0, value.indexOf(trimmed));
      attrs.push({ a, lead, trail: value.slice(lead.length + trimmed.length), job: jobs.push(trimmed) - 1 });
    }
    return attrs.length ? { tag: t, attrs } : html.slice(t.start, t.end);
  };
  const unitOf = () => (unit ??= newUnit(open, ids));
  const addPoint = (raw) => {
    const u = unitOf();
    u.cur.children.push({ id: ids.next++, kind: 'point', raw, x: u.len, parent: u.cur });
    u.flat.push(raw);
  };
  const endUnit = () => {
    if (!unit) return;
    parts.push({ unit });
    unit = null;
  };
  // an element left the stack: a node of the current unit is closed here (generated end tag)
  const popped = (e) => {
    if (e.node && e.node.unit === unit && unit && e.node.e < 0) closeNode(unit, e.node, `</${e.tag.name}>`);
  };
  const closeNode = (u, node, endRaw) => {
    node.e = u.len;
    node.endRaw = endRaw;
    u.flat.push(endRaw);
    // nodes opened inside it and still open were popped before it
    u.cur = node.parent;
  };
  const textOf = (t) => {
    const raw = html.slice(t.start, t.end);
    try {
      return normalizeText(decodeEntities(raw));
    } catch (err) {
      if (err instanceof BadTextError) throw new BadTextError(`${where}: ${err.message}`);
      throw err;
    }
  };

  for (let k = 0; k < stop; k++) {
    const t = tokens[k];
    const raw = html.slice(t.start, t.end);
    if (verbatim) {
      // inside a kept element: everything is copied until it ends
      if (t.type === 'start') {
        if (!VOID.has(t.name) && !t.selfClosing && !RAW_TEXT.has(t.name)) open.push({ name: t.name, tag: t, block: false, verbatim: true });
        verbatim.raw += raw;
        continue;
      }
      if (t.type === 'end') {
        const i = open.nearest(t.name);
        if (i > verbatim.index) { open.popTo(i, () => {}); verbatim.raw += raw; continue; }
        if (i === verbatim.index) {
          open.popTo(i, () => {});
          verbatim.raw += raw;
          addPoint(verbatim.raw);
          verbatim = null;
          continue;
        }
        if (i < 0) { verbatim.raw += raw; continue; }
        // it ends an element around the kept one: so does the kept one (repair: its end tag is added)
        const v = verbatim;
        verbatim = null;
        open.popTo(v.index, () => {});
        addPoint(withEndTag(v.raw, v.name));
        // and the end tag is handled below as usual
      } else {
        verbatim.raw += raw;
        continue;
      }
    }

    switch (t.type) {
      case 'text': {
        const u = unitOf();
        const s = textOf(t);
        u.plain.push(s);
        u.len += s.length;
        u.flat.push(raw);
        break;
      }
      case 'raw':
        // only reached for a raw-text element's content (see 'start')
        addPoint(raw);
        break;
      case 'comment': case 'doctype': case 'bogus':
        addPoint(raw);
        break;
      case 'start': {
        const name = t.name;
        if (RAW_TEXT.has(name)) {
          // the element, its content and its end tag are one untranslated point
          // (its start tag's named attributes are translated: <textarea placeholder=…>)
          let r = '';
          if (tokens[k + 1]?.type === 'raw') r += html.slice(tokens[k + 1].start, tokens[++k].end);
          if (tokens[k + 1]?.type === 'end' && tokens[k + 1].name === name) r += html.slice(tokens[k + 1].start, tokens[++k].end);
          addPoint([tagPart(t), r]);
          break;
        }
        const block = BLOCK.has(name);
        if (block) {
          // HTML's optional end tags: <li> ends an open <li>, <div> an open <p>, …
          const rule = IMPLIED[name];
          let at = -1;
          if (rule) {
            const i = Math.max(...rule.closes.map((c) => open.nearest(c)));
            if (i >= 0 && rule.barriers.every((b) => open.nearest(b) < i)) at = i;
          }
          if (at < 0 && P_CLOSERS.has(name)) {
            const i = open.nearest('p');
            if (i >= 0 && SCOPE.every((b) => open.nearest(b) < i)) at = i;
          }
          if (at >= 0) open.popTo(at, popped);
          endUnit();
          const no = hasTranslateNo(html, t);
          parts.push(no ? raw : tagPart(t));
          if (!VOID.has(name)) {
            const e = { name, tag: t, block: true };
            if (no) {
              open.push({ ...e, verbatim: true });
              verbatim = { index: open.depth - 1, name, raw: '' };
            } else open.push(e);
          }
          break;
        }
        if (VOID.has(name)) {
          const tp = tagPart(t);
          const u = unitOf();
          u.cur.children.push({ id: ids.next++, kind: 'point', raw: tp, x: u.len, parent: u.cur });
          u.flat.push(tp);
          break;
        }
        if (VERBATIM.has(name) || hasTranslateNo(html, t)) {
          if (name === 'svg' || name === 'math' ? t.selfClosing : false) { addPoint(raw); break; }
          open.push({ name, tag: t, block: false, verbatim: true });
          verbatim = { index: open.depth - 1, name, raw };
          break;
        }
        // an inline element: a node of the unit, placed on the words it covers
        const u = unitOf();
        const tp = tagPart(t);
        const node = { id: ids.next++, kind: 'el', tag: t, startPart: tp, name, children: [], s: u.len, e: -1, parent: u.cur, unit: u };
        open.push({ name, tag: t, block: false, node });
        u.cur.children.push(node);
        u.nodes.push(node);
        u.cur = node;
        u.flat.push(tp);
        break;
      }
      case 'end': {
        const name = t.name;
        const i = open.nearest(name);
        const block = BLOCK.has(name);
        if (name === 'br' || (block && i < 0)) { endUnit(); parts.push(raw); break; }
        if (i < 0 || (!block && open.topBlock() > i)) {
          // a stray end tag (or one for an inline element outside the current block): copied as written
          addPoint(raw);
          break;
        }
        if (block) {
          open.popTo(i, popped);
          endUnit();
          parts.push(raw);
          break;
        }
        // an inline end tag: elements opened after it are closed here (repair of misnesting)
        const u = unitOf(); // (a new unit takes over the elements still open: e.node is then its own)
        const e = open.items[i];
        open.popTo(i + 1, popped);
        open.popTo(i, () => {});
        if (e.node && e.node.unit === u && e.node.e < 0) closeNode(u, e.node, raw);
        else addPoint(raw);
        break;
      }
      default:
        addPoint(raw);
    }
  }
  if (verbatim) {
    // the input ended inside a kept element: its end tag is added
    addPoint(withEndTag(verbatim.raw, verbatim.name));
    open.popTo(verbatim.index, () => {});
    verbatim = null;
  }
  // inline elements still open at the end are closed there (before an unfinished tail)
  open.popTo(0, popped);
  endUnit();
  if (tail) parts.push(tail);

  for (const p of parts) if (p.unit) prepareUnit(p.unit, jobs);
  return { parts };
}

// ------------------------------------------------------- units: text & jobs

function prepareUnit(u, jobs) {
  const P = u.plain.join('');
  u.P = P;
  u.plain = null;
  let lw = 0, tw = 0;
  while (lw < P.length && /\s/.test(P[lw])) lw++;
  if (lw === P.length) { u.verbatim = true; return; }
  while (/\s/.test(P[P.length - 1 - tw])) tw++;
  u.lw = lw;
  u.tw = tw;
  // the concatenation of NFC segments is NFC but for a combining mark right after a tag; then
  // offsets could shift, so that unit is placed by position only
  u.aligned = P.normalize('NFC') === P;
  // one text per sentence: translate() splits a paragraph the same way, and a sentence's
  // attention is always within LIMITS.maxAttentionWeights where a paragraph's may not be
  const core = P.slice(lw, P.length - tw);
  let off = lw;
  u.sentences = splitSentences(core).parts.map((q) => {
    const s = { lead: q.lead, core: q.core, trail: q.trail, at: off + q.lead.length, job: jobs.push(q.core) - 1 };
    off += q.lead.length + q.core.length + q.trail.length;
    return s;
  });
  // elements without text of their own are kept whole where they were (points)
  const nonWs = new Int32Array(P.length + 1);
  for (let i = 0; i < P.length; i++) nonWs[i + 1] = nonWs[i] + (/\s/.test(P[i]) ? 0 : 1);
  for (let i = u.nodes.length - 1; i > 0; i--) {
    const n = u.nodes[i];
    if (n.e < 0) { n.openRight = true; n.e = P.length; }
    if (n.kind === 'el' && nonWs[n.e] === nonWs[n.s]) n.empty = true;
  }
  u.root.e = P.length;
}

// ------------------------------------------------------ pieces and alignment

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
// punctuation that may stand at a word's edge (not the apostrophe or hyphen inside one)
const EDGE_PUNCT = /^[\p{P}]$/u;
const isSpaceChar = (ch) => /\s/.test(ch);

// The [start, end) of each piece in `text` (what decode would join them
// into): "▁" matches a run of whitespace (or nothing, as the leading one
// does), byte pieces are gathered into characters. Tolerant: a piece that
// does not match takes one character, so a surprise never derails the rest.
function pieceSpans(pieces, text) {
  const spans = new Array(pieces.length);
  let pos = 0;
  let bytes = [], byteIdx = [];
  const skipWs = () => { while (pos < text.length && isSpaceChar(text[pos])) pos++; };
  const matchChar = (ch, k) => {
    if (isSpaceChar(ch)) { skipWs(); return; }
    if (text.startsWith(ch, pos)) {
      if (spans[k][0] < 0) spans[k][0] = pos;
      pos += ch.length;
      spans[k][1] = pos;
      return;
    }
    skipWs();
    if (pos < text.length) {
      const cp = text.codePointAt(pos);
      if (spans[k][0] < 0) spans[k][0] = pos;
      pos += cp > 0xffff ? 2 : 1;
      spans[k][1] = pos;
    }
  };
  for (let k = 0; k < pieces.length; k++) {
    spans[k] = [-1, -1];
    const p = pieces[k];
    const m = BYTE_PIECE.exec(p);
    if (m) {
      const b = parseInt(m[1], 16);
      bytes.push(b);
      byteIdx.push(k);
      const need = bytes[0] < 0x80 ? 1 : bytes[0] >= 0xf0 ? 4 : bytes[0] >= 0xe0 ? 3 : bytes[0] >= 0xc0 ? 2 : 1;
      if (bytes.length >= need) {
        let ch;
        try { ch = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)); } catch { ch = '\ufffd'; }
        const first = spans[byteIdx[0]];
        matchChar(ch, byteIdx[0]);
        for (const j of byteIdx) spans[j] = first;
        bytes = [];
        byteIdx = [];
      }
      continue;
    }
    if (bytes.length) { bytes = []; byteIdx = []; }
    if (p.length > 1 && p.startsWith('<') && p.endsWith('>')) { matchChar('\u0000', k); continue; } // <unk> and the like
    for (const ch of p.replaceAll('\u2581', ' ')) matchChar(ch, k);
  }
  for (const s of spans) if (s[0] < 0) s[1] = -1;
  return spans;
}

// Markup copied as written, then the end tag a repair adds. When the copy ends
// in text holding a "<" (an unfinished tag the input ended in, or "a < b"), the
// added end tag could turn that text into a tag: its "<"s are written as
// "&lt;", which reads as the same text.
function withEndTag(raw, name) {
  const tokens = tokenize(raw);
  const last = tokens[tokens.length - 1];
  if (last && last.type === 'text' && raw.indexOf('<', last.start) >= 0) {
    raw = raw.slice(0, last.start) + raw.slice(last.start).replaceAll('<', '&lt;');
  }
  return `${raw}</${name}>`;
}

// ----------------------------------------------------------------- placement

/**
 * Places a unit's elements on target words. `align` is
 * { W, srcSpans: [[s, e)...] in source order, srcMin, srcMax (target word
 * range per source token, -1 if none), sentences: [{ srcAt, srcLen, word0, words }] },
 * P the source text. Sets node.a / node.b (a word range) or node.g (a gap,
 * for points and for elements that got no words). Exported for tests.
 */
export function placeUnit(root, P, align) {
  const { W } = align;
  const taken = new Int32Array(Math.max(W, 0)).fill(root.id);
  const byId = new Map();
  const nS = align.srcSpans.length;
  // nearest aligned source token at or before / at or after each index
  const prevA = new Int32Array(nS), nextA = new Int32Array(nS);
  for (let j = 0, last = -1; j < nS; j++) { if (align.srcMin[j] >= 0) last = j; prevA[j] = last; }
  for (let j = nS - 1, last = -1; j >= 0; j--) { if (align.srcMin[j] >= 0) last = j; nextA[j] = last; }
  // first token whose span starts at or after x
  const firstFrom = (x) => {
    let lo = 0, hi = nS;
    while (lo < hi) { const m = (lo + hi) >> 1; if (align.srcSpans[m][0] < x) lo = m + 1; else hi = m; }
    return lo;
  };
  const proportional = (x) => {
    const ss = align.sentences;
    if (!ss.length) return 0;
    let k = 0;
    while (k + 1 < ss.length && ss[k + 1].srcAt <= x) k++;
    const s = ss[k];
    const rel = s.srcLen > 0 ? Math.min(1, Math.max(0, (x - s.srcAt) / s.srcLen)) : 0;
    return s.word0 + Math.round(rel * s.words);
  };
  // the target gap for source offset x: after the words of the nearest aligned token before it,
  // or before those of the nearest after it; by position in its sentence when nothing is aligned
  const anchor = (x) => {
    const j0 = firstFrom(x);
    const p = j0 > 0 ? prevA[j0 - 1] : -1, n = j0 < nS ? nextA[j0] : -1;
    if (p < 0 && n < 0) return proportional(x);
    const gMin = align.gapMin ?? align.srcMin, gMax = align.gapMax ?? align.srcMax;
    if (n < 0 || (p >= 0 && x - align.srcSpans[p][1] <= align.srcSpans[n][0] - x)) return gMax[p] + 1;
    return gMin[n];
  };
  // target words the source tokens inside [s, e) are aligned to: [min, max], or null
  const desired = (s, e) => {
    let j = firstFrom(s);
    if (j > 0 && align.srcSpans[j - 1][1] > s) j--;
    let a = Infinity, b = -1;
    const gMin = align.gapMin ?? align.srcMin, gMax = align.gapMax ?? align.srcMax;
    for (; j < nS && align.srcSpans[j][0] < e; j++) {
      if (align.srcMin[j] < 0 || align.srcSpans[j][1] <= s) continue;
      // a token's punctuation words come along on the side where the token lies inside
      // the element: "(now)" around <b>now</b> brings "now" only, "station?" inside
      // <em>…station?</em> brings the "?" too
      a = Math.min(a, align.srcSpans[j][0] >= s ? gMin[j] : align.srcMin[j]);
      b = Math.max(b, align.srcSpans[j][1] <= e ? gMax[j] : align.srcMax[j]);
    }
    return b >= 0 ? [a, b] : null;
  };
  // a gap inside a sibling's words moves to that sibling's nearer edge
  const outOfSiblings = (g, owner) => {
    if (g > 0 && g < W && taken[g - 1] === taken[g] && taken[g] !== owner) {
      const sib = byId.get(taken[g]);
      return g - sib.a <= sib.b + 1 - g ? sib.a : sib.b + 1;
    }
    return g;
  };
  const asPoint = (node, g) => {
    node.g = g;
    node.a = node.b = undefined;
    for (const c of node.children ?? []) asPoint(c, g);
  };

  const place = (node, lo, hi) => {
    const ranged = node.children.filter((c) => c.kind === 'el' && !c.empty);
    // elements continuing from/into another unit first: their edges are fixed
    ranged.sort((x, y) => (y.openLeft ? 2 : y.openRight ? 1 : 0) - (x.openLeft ? 2 : x.openRight ? 1 : 0));
    for (const c of ranged) {
      byId.set(c.id, c);
      if (hi < lo) { asPoint(c, lo); continue; }
      let d = desired(c.s, c.e);
      if (d) d = [Math.max(d[0], lo), Math.min(d[1], hi)];
      if (!d || d[0] > d[1]) {
        // nothing aligned inside the parent's words: the words at its position
        const a = Math.min(Math.max(anchor(c.s), lo), hi);
        const b = Math.min(Math.max(anchor(c.e) - 1, a), hi);
        d = [a, b];
      }
      let [a, b] = d;
      if (c.openLeft) a = lo;
      if (c.openRight) b = hi;
      // the longest run of words in [a, b] not taken by an earlier sibling
      let bestA = -1, bestB = -2;
      if (c.openLeft || c.openRight) {
        if (c.openLeft) { let z = a; while (z <= b && taken[z] === node.id) z++; bestA = a; bestB = z - 1; }
        else { let z = b; while (z >= a && taken[z] === node.id) z--; bestA = z + 1; bestB = b; }
      } else {
        for (let w = a; w <= b;) {
          if (taken[w] !== node.id) { w++; continue; }
          let z = w;
          while (z + 1 <= b && taken[z + 1] === node.id) z++;
          if (z - w > bestB - bestA) { bestA = w; bestB = z; }
          w = z + 1;
        }
      }
      if (bestB < bestA) {
        asPoint(c, outOfSiblings(c.openRight && !c.openLeft ? hi + 1 : Math.min(Math.max(a, lo), hi + 1), node.id));
        continue;
      }
      c.a = bestA;
      c.b = bestB;
      for (let w = bestA; w <= bestB; w++) taken[w] = c.id;
    }
    for (const c of node.children) {
      if (c.kind === 'el' && !c.empty) continue;
      let g;
      if (c.openLeft) g = lo;
      else if (c.openRight) g = hi + 1;
      else g = outOfSiblings(Math.min(Math.max(anchor(c.kind === 'el' ? c.s : c.x), lo), hi + 1), node.id);
      asPoint(c, g);
    }
    // children's children only once every sibling has its words (taken[] then names siblings only)
    for (const c of ranged) if (c.a !== undefined) place(c, c.a, c.b);
  };
  root.a = 0;
  root.b = W - 1;
  place(root, 0, W - 1);
}

// The alignment of one unit from its sentences' results.
function alignUnit(u, results) {
  let T = '';
  const sentences = [];
  const srcSpans = [], srcTok = []; // per source token: span in P; target words
  const tgt = []; // per target token: { word, src (global source token index) }
  let aligned = u.aligned;
  for (const s of u.sentences) {
    T += s.lead;
    const r = results[s.job];
    const tAt = T.length;
    T += r.text;
    // translate() may split a "sentence" again; then its parts are found the same way
    const sub = splitSentences(s.core).parts;
    if (sub.length !== r.sentences.length) aligned = false;
    let so = s.at, to = tAt;
    r.sentences.forEach((rs, i) => {
      const q = sub[i];
      if (q) { so += q.lead.length; to = T.indexOf(rs.text, to); if (to < 0) { aligned = false; to = tAt; } }
      const sSpans = pieceSpans(rs.sourceTokens, q ? q.core : '').map(([a, b]) => (a < 0 ? [so, so] : [so + a, so + b]));
      const tSpans = pieceSpans(rs.targetTokens, rs.text).map(([a, b]) => (a < 0 ? null : [to + a, to + b]));
      sentences.push({ srcAt: so, srcLen: q ? q.core.length : 0, tAt: to, tLen: rs.text.length });
      const base = srcSpans.length;
      for (const sp of sSpans) { srcSpans.push(sp); srcTok.push(null); }
      if (rs.attention && aligned) {
        rs.attention.forEach((row, t) => {
          if (!tSpans[t]) return;
          let best = -1, bw = -Infinity;
          for (let j = 0; j < row.length; j++) if (row[j] > bw) { bw = row[j]; best = j; }
          if (best >= 0 && best < sSpans.length) tgt.push({ at: tSpans[t][0], end: tSpans[t][1], src: base + best });
        });
      }
      if (q) { so += q.core.length + q.trail.length; to += rs.text.length; }
    });
    T += s.trail;
  }
  // words: runs of non-whitespace in T, with punctuation at either end split off
  // as words of their own ("¿", "estación", "?"), so that an element placed on
  // "estación" does not take the question mark the source had outside it
  const wordAt = new Int32Array(T.length).fill(-1);
  const words = [];
  const push = (a, b) => { for (let k = a; k < b; k++) wordAt[k] = words.length; words.push([a, b]); };
  for (let i = 0; i < T.length;) {
    if (isSpaceChar(T[i])) { i++; continue; }
    let j = i;
    while (j < T.length && !isSpaceChar(T[j])) j++;
    let a = i, b = j;
    while (a < b && EDGE_PUNCT.test(T[a])) a++;
    while (b > a && EDGE_PUNCT.test(T[b - 1])) b--;
    if (a === b) push(i, j); // all punctuation: one word
    else {
      if (a > i) push(i, a);
      push(a, b);
      if (b < j) push(b, j);
    }
    i = j;
  }
  const srcMin = new Int32Array(srcSpans.length).fill(-1), srcMax = new Int32Array(srcSpans.length).fill(-1);
  // the same with punctuation words included: where a point (code, a comment) next to the
  // token goes, so that it keeps its place relative to the punctuation as well
  const gapMin = new Int32Array(srcSpans.length).fill(-1), gapMax = new Int32Array(srcSpans.length).fill(-1);
  if (aligned) {
    // a token covering a word and punctuation next to it ("▁(now)") counts for the word only
    const isPunctWord = (w) => { for (let k = words[w][0]; k < words[w][1]; k++) if (!EDGE_PUNCT.test(T[k])) return false; return true; };
    for (const { at, end, src } of tgt) {
      let w0 = -1, w1 = -1;
      for (let k = at; k < end; k++) if (wordAt[k] >= 0) { if (w0 < 0) w0 = wordAt[k]; w1 = wordAt[k]; }
      if (w0 < 0) continue;
      let c0 = w0, c1 = w1;
      while (c0 < c1 && isPunctWord(c0)) c0++;
      while (c1 > c0 && isPunctWord(c1)) c1--;
      if (srcMin[src] < 0 || c0 < srcMin[src]) srcMin[src] = c0;
      if (c1 > srcMax[src]) srcMax[src] = c1;
      if (gapMin[src] < 0 || w0 < gapMin[src]) gapMin[src] = w0;
      if (w1 > gapMax[src]) gapMax[src] = w1;
    }
  }
  // words per sentence, for placement by position
  for (const s of sentences) {
    let w0 = 0;
    while (w0 < words.length && words[w0][1] <= s.tAt) w0++;
    let w1 = w0;
    while (w1 < words.length && words[w1][0] < s.tAt + s.tLen) w1++;
    s.word0 = w0;
    s.words = w1 - w0;
  }
  // keep the spans sorted (the binary searches need it), even after a tolerant match went astray
  for (let j = 1; j < srcSpans.length; j++) {
    if (srcSpans[j][0] < srcSpans[j - 1][0]) srcSpans[j] = [srcSpans[j - 1][0], Math.max(srcSpans[j - 1][0], srcSpans[j][1])];
  }
  return { T, words, W: words.length, srcSpans, srcMin, srcMax, gapMin, gapMax, sentences };
}

// ----------------------------------------------------------------- rendering

function renderUnit(u, results, renderTag) {
  if (u.verbatim) return u.flat.map(renderTag).join('');
  const align = alignUnit(u, results);
  const { T, words, W } = align;
  placeUnit(u.root, u.P, align);
  const P = u.P;
  let out = '';
  let next = 0;
  const sepDone = new Uint8Array(W + 1);
  const sep = (g) => {
    if (g > 0 && g < W && !sepDone[g]) { sepDone[g] = 1; out += escapeText(T.slice(words[g - 1][1], words[g][0])); }
  };
  const upTo = (g) => {
    while (next < g && next < W) {
      sep(next);
      out += escapeText(T.slice(words[next][0], words[next][1]));
      next++;
    }
  };
  const startOf = (n) => (n.openLeft ? '' : renderTag(n.startPart));
  const endOf = (n) => (n.openRight ? '' : n.endRaw);
  const pointText = (n) => {
    if (n.kind === 'point') return renderTag(n.raw);
    let s = startOf(n);
    for (const c of n.children) s += pointText(c);
    return s + endOf(n);
  };
  const srcOf = (n) => (n.kind === 'point' ? n.x : n.s);
  // the lead and trail: untranslated items before the first word / after the last, with the whitespace as written
  const lead = [], trail = [];
  const rootKids = u.root.children;
  let firstRanged = rootKids.findIndex((c) => c.a !== undefined);
  if (firstRanged < 0) firstRanged = rootKids.length;
  for (let i = 0; i < firstRanged; i++) {
    const c = rootKids[i];
    if (c.g === 0 && !c.openLeft && !c.openRight && srcOf(c) <= u.lw) lead.push(c);
    else break;
  }
  for (let i = rootKids.length - 1; i >= lead.length; i--) {
    const c = rootKids[i];
    if (c.a === undefined && c.g === W && !c.openLeft && !c.openRight && srcOf(c) >= P.length - u.tw) trail.unshift(c);
    else break;
  }
  const skip = new Set([...lead, ...trail]);
  let pos = 0;
  for (const c of lead) { out += escapeText(P.slice(pos, srcOf(c))); out += pointText(c); pos = srcOf(c); }
  out += escapeText(P.slice(pos, u.lw));

  const renderPoint = (c) => {
    const x = srcOf(c);
    const before = x > 0 && isSpaceChar(P[x - 1]), after = x < P.length && isSpaceChar(P[x]);
    upTo(c.g);
    // between two words the translation's separator goes where the source had whitespace;
    // at the first or last word the source's whitespace next to the item is kept
    const interior = c.g > 0 && c.g < W;
    if (interior && (before || !after)) sep(c.g);
    if (c.g === W && W > 0 && before) { let k = x; while (k > 0 && isSpaceChar(P[k - 1])) k--; out += escapeText(P.slice(k, x)); }
    out += pointText(c);
    if (after && (c.g === 0 ? W > 0 : interior)) {
      if (!interior || sepDone[c.g]) { let k = x; while (k < P.length && isSpaceChar(P[k])) k++; out += escapeText(P.slice(x, k)); }
      else sep(c.g);
    }
  };
  const renderRanged = (n) => {
    upTo(n.a);
    sep(n.a);
    if (!n.root) out += startOf(n);
    const kids = n.children.filter((c) => !skip.has(c))
      .map((c, i) => ({ c, key: c.a !== undefined ? c.a : c.g, src: srcOf(c), i }))
      .sort((x, y) => x.key - y.key || x.src - y.src || x.i - y.i);
    for (const { c } of kids) {
      if (c.a !== undefined) renderRanged(c);
      else renderPoint(c);
    }
    upTo(n.b + 1);
    if (!n.root) out += endOf(n);
  };
  renderRanged(u.root);
  upTo(W);
  pos = P.length - u.tw;
  for (const c of trail) { out += escapeText(P.slice(pos, srcOf(c))); out += pointText(c); pos = srcOf(c); }
  out += escapeText(P.slice(pos));
  return out;
}

// ----------------------------------------------------------------------- API

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/**
 * translate(html, { html: true, attributes, …translate options }) for any
 * translator with a translate(texts[], options) method (Translator or
 * WorkerTranslator). Returns { text (HTML), sentences, sourceTokens,
 * targetTokens, sourceIds, targetIds, attention: null, score, confidence },
 * or an array of them for an array of fragments.
 */
// One fragment must be a string within LIMITS.maxTextLength (`at` names it in a batch).
function checkHtml(h, where, at = '') {
  if (typeof h !== 'string') throw new InvalidArgumentError(`${where}: text must be a string${at}, got ${describe(h)}`);
  if (h.length > LIMITS.maxTextLength) throw new InputTooLongError(`${where}: the text${at} has ${h.length} characters; the limit is ${LIMITS.maxTextLength} (split it)`);
}

// The html options of translate / translateStreaming: { attrNames, rest }.
function htmlOptions(options, where) {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new InvalidArgumentError(`${where}: options must be an object (got ${describe(options)})`);
  }
  const { html, attributes, ...rest } = options ?? {};
  if (html !== undefined && html !== true) throw new InvalidArgumentError(`${where}: translateHtml needs html: true`);
  let attrNames = new Set();
  if (attributes !== undefined) {
    if (!Array.isArray(attributes) || attributes.length > 100 || !attributes.every((a) => typeof a === 'string' && /^[^\s"'>/=]{1,64}$/.test(a))) {
      throw new InvalidArgumentError(`${where}: attributes must be an array of at most 100 attribute names (got ${describe(attributes)})`);
    }
    attrNames = new Set(attributes.map((a) => a.toLowerCase()));
  }
  return { attrNames, rest };
}

// Renders a tag part (or markup copied as written), its named attributes translated.
function tagRenderer(src, results) {
  const renderTag = (p) => {
    if (typeof p === 'string') return p;
    if (Array.isArray(p)) return p.map(renderTag).join('');
    const t = p.tag;
    let s = '', from = t.start;
    for (const { a, lead, trail, job } of p.attrs) {
      let v = escapeAttr(lead + results[job].text + trail, a.quote);
      if (!a.quote && /[\s"'=<>`]/.test(v)) v = `"${escapeAttr(lead + results[job].text + trail, '"')}"`;
      s += src.slice(from, a.valueStart) + v;
      from = a.valueEnd;
    }
    return s + src.slice(from, t.end);
  };
  return renderTag;
}

// Translates jobs[i] for i in `which` (all when null) into results, in calls within translate's limits.
async function translateJobs(translator, jobs, which, results, passOn) {
  const idx = which ?? jobs.map((_, i) => i);
  for (let i = 0; i < idx.length;) {
    let j = i, len = 0;
    while (j < idx.length && j - i < LIMITS.maxBatch && len + jobs[idx[j]].length <= LIMITS.maxTotalLength) len += jobs[idx[j++]].length;
    if (j === i) j++;
    const rs = await translator.translate(idx.slice(i, j).map((k) => jobs[k]), passOn);
    for (let k = 0; k < rs.length; k++) results[idx[i + k]] = rs[k];
    i = j;
  }
}

/**
 * translateStreaming(html, { html: true, attributes, maxLength, lengthPenalty,
 * signal }): the HTML of one fragment in chunks, in order, whose texts join to
 * the greedy translate(html, { html: true }).text. A chunk is markup copied as
 * written or one whole unit (a paragraph-like run of text with its inline
 * elements): an inline element can only be placed once its sentence is
 * complete. Chunks have the StreamChunk fields; `sentence` is the index of the
 * unit's first sentence among the fragment's, null for markup.
 */
export async function* translateHtmlStreaming(translator, input, options) {
  const where = 'translateStreaming';
  const { attrNames, rest } = htmlOptions(options, where);
  for (const k of ['beamSize', 'attention']) {
    if (k in rest) throw new InvalidArgumentError(`${where}: unknown option '${k}' (streaming is greedy and returns no attention)`);
  }
  checkHtml(input, where);
  const passOn = { ...rest, attention: true };
  await translator.translate([], passOn); // the options are checked even when there is nothing to translate
  const jobs = [];
  const doc = walk(input, attrNames, jobs, where);
  const results = new Array(jobs.length);
  // attribute values first (short, anywhere in the fragment), then unit by unit
  const unitJobs = new Set(doc.parts.flatMap((p) => (p.unit && !p.unit.verbatim ? p.unit.sentences.map((x) => x.job) : [])));
  await translateJobs(translator, jobs, jobs.map((_, i) => i).filter((i) => !unitJobs.has(i)), results, passOn);
  const renderTag = tagRenderer(input, results);
  let sentence = 0;
  for (const p of doc.parts) {
    if (p.unit && !p.unit.verbatim) {
      await translateJobs(translator, jobs, p.unit.sentences.map((x) => x.job), results, passOn);
      const first = sentence;
      for (const x of p.unit.sentences) sentence += results[x.job].sentences.length;
      yield { text: renderUnit(p.unit, results, renderTag), id: null, token: null, logprob: 0, attention: null, sentence: first };
    } else {
      const text = p.unit ? renderUnit(p.unit, results, renderTag) : renderTag(p);
      if (text) yield { text, id: null, token: null, logprob: 0, attention: null, sentence: null };
    }
  }
}

export async function translateHtml(translator, input, options) {
  const where = 'translate';
  const { attrNames, rest } = htmlOptions(options, where);
  // per-head maps of the pieces of a document would need their own layout
  if (rest.attention === 'heads') throw new InvalidArgumentError(`${where}: attention: 'heads' is not available with html: true`);
  const wantAttention = rest.attention === true;
  const passOn = { ...rest, attention: true };
  const batch = Array.isArray(input);
  const htmls = batch ? input : [input];
  if (batch && htmls.length > LIMITS.maxBatch) throw new InputTooLongError(`${where}: ${htmls.length} texts in one call; the limit is ${LIMITS.maxBatch}`);
  let total = 0;
  htmls.forEach((h, i) => {
    checkHtml(h, where, batch ? ` (text ${i})` : '');
    total += h.length;
  });
  if (batch && total > LIMITS.maxTotalLength) {
    throw new InputTooLongError(`${where}: the texts have ${total} characters together; the limit is ${LIMITS.maxTotalLength} per call (split the array)`);
  }
  // the options are checked by translate() even when there is nothing to translate
  await translator.translate([], passOn);

  const jobs = [];
  const docs = htmls.map((h) => walk(h, attrNames, jobs, where));
  const results = new Array(jobs.length);
  await translateJobs(translator, jobs, null, results, passOn);

  const out = docs.map((doc, di) => {
    const renderTag = tagRenderer(htmls[di], results);
    let text = '';
    const sentenceIdx = [];
    for (const p of doc.parts) {
      if (p.unit) {
        text += renderUnit(p.unit, results, renderTag);
        if (!p.unit.verbatim) for (const s of p.unit.sentences) sentenceIdx.push(s.job);
      } else text += renderTag(p);
    }
    const sentences = sentenceIdx.flatMap((j) => results[j].sentences.map((s) => (wantAttention ? s : { ...s, attention: null })));
    const score = sentences.length ? sentences.reduce((a, s) => a + s.score, 0) / sentences.length : 0;
    const confidence = sentences.reduce((a, s) => (a === null || s.confidence === null ? null : Math.min(a, s.confidence)), 1);
    return {
      text,
      sourceTokens: sentences.flatMap((s) => s.sourceTokens),
      targetTokens: sentences.flatMap((s) => s.targetTokens),
      sourceIds: concatI32(sentences.map((s) => s.sourceIds)),
      targetIds: concatI32(sentences.map((s) => s.targetIds)),
      attention: null,
      score,
      confidence: sentences.length ? confidence : null,
      sentences,
    };
  });
  return batch ? out : out[0];
}

function concatI32(arrs) {
  const out = new Int32Array(arrs.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const a of arrs) { out.set(a, at); at += a.length; }
  return out;
}

/**
 * The plain text of each unit of `html` that would be translated (decoded,
 * without its surrounding whitespace), in order: what translate(html,
 * { html: true }) sends, joined per unit. For tests and for callers that
 * want to see what is translated.
 */
export function htmlUnits(html) {
  if (typeof html !== 'string') throw new InvalidArgumentError(`htmlUnits: html must be a string (got ${describe(html)})`);
  if (html.length > LIMITS.maxTextLength) throw new InputTooLongError(`htmlUnits: the text has ${html.length} characters; the limit is ${LIMITS.maxTextLength}`);
  const { parts } = walk(html, new Set(), [], 'htmlUnits');
  return parts.filter((p) => p.unit && !p.unit.verbatim).map(({ unit: u }) => u.P.slice(u.lw, u.P.length - u.tw));
}
