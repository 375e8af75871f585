// document.js — the page's "paste a document" mode: a multi-paragraph text or
// an HTML fragment, translated piece by piece with progress and cancel, the
// markup kept, low-confidence pieces marked.
//
// Translated HTML is shown without ever handing a string to the browser's
// HTML parser: the engine's own tokenizer (src/js/html.js) reads it and the
// page builds the elements with createElement from an allowlist (no scripts,
// no event handlers, no styles, links only to http(s), mail or this site);
// what is not allowed is dropped with its content (script, style, frames…)
// or unwrapped (any other element: its text stays).

import { tokenize, decodeEntities, VOID } from '../src/js/html.js';

const BATCH = 4; // pieces per translate call: progress and cancel between calls

// elements shown as elements; everything else is unwrapped or dropped
const ALLOWED = new Set(['p', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'small', 'mark', 'sub', 'sup', 'a',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'br', 'hr', 'blockquote', 'q', 'cite', 'abbr',
  'code', 'pre', 'kbd', 'samp', 'var', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'figure',
  'figcaption', 'section', 'article', 'header', 'footer', 'nav', 'aside', 'main', 'time', 'address', 'del', 'ins']);
// elements dropped with everything inside them
const DROPPED = new Set(['script', 'style', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'noscript',
  'textarea', 'title', 'xmp', 'noembed', 'noframes', 'svg', 'math', 'select', 'button', 'form', 'input', 'img', 'video',
  'audio', 'canvas', 'link', 'meta', 'base', 'head']);
const ATTRIBUTES = new Set(['title', 'lang', 'dir', 'colspan', 'rowspan', 'datetime', 'cite']);
const SAFE_URL = /^(?:https?:|mailto:|#|\/(?!\/)|\.{1,2}\/|[^:/?#]*(?:[/?#]|$))/i;

/**
 * The pieces of a document: paragraphs (text separated by blank lines) or the
 * top-level parts of an HTML fragment (each top-level element with what is
 * inside it, and the text between them). Returns [{ text, sep }] where sep is
 * the whitespace or markup-free text that follows and is kept as written.
 */
export function documentPieces(text, html) {
  if (!html) {
    const pieces = [];
    const re = /\n[ \t]*\n\s*/g;
    let at = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > at) pieces.push({ text: text.slice(at, m.index), sep: m[0] });
      at = m.index + m[0].length;
    }
    if (at < text.length) pieces.push({ text: text.slice(at), sep: '' });
    return pieces;
  }
  const tokens = tokenize(text);
  const pieces = [];
  let depth = 0, start = 0;
  let lead = ''; // whitespace before the first piece
  const cut = (end) => {
    const part = text.slice(start, end);
    start = end;
    if (!part) return;
    if (part.trim()) pieces.push({ text: part, sep: '' });
    else if (pieces.length) pieces[pieces.length - 1].sep += part; // whitespace between blocks is kept as written
    else lead += part;
  };
  for (const t of tokens) {
    if (t.type === 'start' && !VOID.has(t.name) && !t.selfClosing) {
      if (depth === 0) cut(t.start);
      depth++;
    } else if (t.type === 'end') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) cut(t.end);
    } else if (depth === 0 && t.type === 'text' && /\n[ \t]*\n/.test(text.slice(t.start, t.end))) {
      cut(t.start); // loose text between blocks is its own piece
    }
  }
  cut(text.length);
  if (lead && pieces.length) pieces[0].text = lead + pieces[0].text;
  return pieces;
}

/** DOM nodes for translated HTML, built from the allowlist; returns { nodes, dropped }. */
export function safeNodes(html, doc = document) {
  const root = doc.createDocumentFragment();
  const stack = [root];
  let dropped = 0, skipping = null; // skipping: { name, depth } while inside a dropped element
  const top = () => stack[stack.length - 1];
  for (const t of tokenize(html)) {
    if (skipping) {
      if (t.type === 'start' && t.name === skipping.name && !t.selfClosing) skipping.depth++;
      if (t.type === 'end' && t.name === skipping.name && --skipping.depth === 0) skipping = null;
      continue;
    }
    if (t.type === 'text') {
      top().append(doc.createTextNode(decodeEntities(html.slice(t.start, t.end))));
    } else if (t.type === 'start') {
      if (DROPPED.has(t.name)) {
        dropped++;
        if (!VOID.has(t.name) && !t.selfClosing) skipping = { name: t.name, depth: 1 };
        continue;
      }
      if (!ALLOWED.has(t.name)) continue; // unwrapped: its content goes on in the parent
      const e = doc.createElement(t.name);
      for (const a of t.attrs) {
        const value = a.valueStart < 0 ? '' : decodeEntities(html.slice(a.valueStart, a.valueEnd));
        if (ATTRIBUTES.has(a.name)) e.setAttribute(a.name, value);
        else if (a.name === 'href' && t.name === 'a' && SAFE_URL.test(value.trim())) {
          e.setAttribute('href', value.trim());
          e.setAttribute('rel', 'noopener noreferrer nofollow');
        }
      }
      top().append(e);
      if (!VOID.has(t.name) && !t.selfClosing) stack.push(e);
    } else if (t.type === 'end') {
      // close up to the matching open element; a stray end tag is ignored
      for (let k = stack.length - 1; k > 0; k--) {
        if (stack[k].localName === t.name) { stack.length = k; break; }
      }
    }
    // comments, doctype and other markup are not shown
  }
  return { nodes: root, dropped };
}

/**
 * Wires the section: els = { source, html (checkbox), translate, cancel, progress, label,
 * output, htmlOut, note }; getTranslator() gives the translator in use; lowConfidence
 * is the threshold below which a piece is marked.
 */
export function initDocumentMode(els, { getTranslator, lowConfidence, setBusy }) {
  let running = null;

  const show = (node, text) => { node.textContent = text; node.hidden = !text; };

  async function run() {
    const t = getTranslator();
    if (!t || running) return;
    const text = els.source.value;
    const html = els.html.checked;
    const pieces = documentPieces(text, html);
    els.output.replaceChildren();
    els.htmlOut.textContent = '';
    els.htmlOut.hidden = true;
    show(els.note, '');
    if (!pieces.length) { show(els.note, 'Paste a text or an HTML fragment first.'); return; }
    const ac = new AbortController();
    running = ac;
    els.translate.disabled = true;
    els.cancel.disabled = false;
    setBusy?.(true);
    els.progress.max = pieces.length;
    els.progress.value = 0;
    els.progress.hidden = false;
    els.label.textContent = `Translating: 0 of ${pieces.length} parts…`;
    let done = 0, low = 0, dropped = 0, htmlText = '';
    try {
      for (let i = 0; i < pieces.length; i += BATCH) {
        const batch = pieces.slice(i, i + BATCH);
        const results = await t.translate(batch.map((p) => p.text), html ? { html: true, signal: ac.signal } : { signal: ac.signal });
        results.forEach((r, k) => {
          const isLow = r.confidence !== null && r.confidence < lowConfidence;
          if (isLow) low++;
          const wrap = document.createElement(html ? 'div' : 'p');
          wrap.className = 'doc-piece';
          if (r.confidence !== null) {
            wrap.dataset.confidence = String(r.confidence);
            wrap.title = `Confidence ${Math.round(100 * r.confidence)} %`;
          }
          if (isLow) wrap.classList.add('low-confidence');
          if (html) {
            const s = safeNodes(r.text);
            dropped += s.dropped;
            wrap.append(s.nodes);
            htmlText += r.text + batch[k].sep;
          } else {
            wrap.textContent = r.text;
          }
          els.output.append(wrap);
        });
        done += batch.length;
        els.progress.value = done;
        els.label.textContent = `Translating: ${done} of ${pieces.length} parts…`;
      }
      els.label.textContent = `Done: ${pieces.length} part${pieces.length === 1 ? '' : 's'}.`;
    } catch (e) {
      if (e?.name === 'AbortError') els.label.textContent = `Cancelled after ${done} of ${pieces.length} parts; those are shown.`;
      else { els.label.textContent = 'The document could not be translated.'; show(els.note, e?.message ?? String(e)); }
    } finally {
      running = null;
      els.translate.disabled = false;
      els.cancel.disabled = true;
      setBusy?.(false);
    }
    const notes = [];
    if (low) notes.push(`${low} of ${done} parts are probably poor translations (marked: confidence below ${100 * lowConfidence} %).`);
    if (dropped) notes.push(`${dropped} element${dropped === 1 ? '' : 's'} (scripts, styles, images, forms, frames) are not shown here; they are in the HTML below.`);
    if (notes.length) show(els.note, notes.join(' '));
    if (html && htmlText) { els.htmlOut.textContent = htmlText; els.htmlOut.hidden = false; }
    els.root.dataset.state = done === pieces.length ? 'done' : 'cancelled';
  }

  els.translate.addEventListener('click', () => { run().catch((e) => show(els.note, e?.message ?? String(e))); });
  els.cancel.addEventListener('click', () => { running?.abort(); els.cancel.disabled = true; });
  return { isRunning: () => !!running };
}
