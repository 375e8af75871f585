// text.js — what JS does to text before the engine sees it: Unicode NFC,
// and splitting a paragraph into sentences while keeping the whitespace
// between them, so that joining the translated sentences back with the same
// whitespace keeps the paragraph's layout (line breaks included).

import { BadTextError } from './errors.js';

/** NFC of `text`; a lone surrogate (not encodable as UTF-8) is a BadTextError. */
export function normalizeText(text) {
  if (typeof text.isWellFormed === 'function' ? !text.isWellFormed() : /\p{Surrogate}/u.test(text)) {
    throw new BadTextError('the text contains a lone UTF-16 surrogate (not valid Unicode)');
  }
  return text.normalize('NFC');
}

let segmenter; // Intl.Segmenter is immutable; one instance serves every translator
function sentenceSegmenter() {
  if (segmenter === undefined) {
    segmenter = typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function'
      ? new Intl.Segmenter('en', { granularity: 'sentence' })
      : null;
  }
  return segmenter;
}

// JavaScript's \s, as char codes (what String.prototype.trim removes).
function isSpace(c) {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

// Every step below is linear in the text's length (no backtracking regular
// expression over a whole sentence, no string rebuilt per sentence: parts
// are offsets into the text until the end), so a hostile text costs time in
// proportion to its size; tests/js/hostile.test.js checks the ratio for 4x
// the input.

// The fallback where Intl.Segmenter is missing: a sentence ends after a run
// of . ! ? or … (with closing quotes or brackets) followed by whitespace,
// and at every line break; the whitespace after a sentence end belongs to
// that sentence (as with Intl.Segmenter). Returns the end offsets.
const TERMINATORS = new Set(['.', '!', '?', '\u2026']);
const CLOSERS = new Set(['"', "'", '\u201d', '\u2019', ')', ']']);

function fallbackEnds(text) {
  const ends = [];
  const n = text.length;
  const cut = (at) => {
    while (at < n && isSpace(text.charCodeAt(at))) at++;
    if (at > (ends.length ? ends[ends.length - 1] : 0)) ends.push(at);
    return at;
  };
  let i = 0;
  while (i < n) {
    const ch = text[i];
    if (ch === '\n') i = cut(i + 1);
    else if (TERMINATORS.has(ch)) {
      let k = i;
      while (k < n && TERMINATORS.has(text[k])) k++;
      while (k < n && CLOSERS.has(text[k])) k++;
      i = k < n && isSpace(text.charCodeAt(k)) ? cut(k) : k;
    } else i++;
  }
  if (!ends.length || ends[ends.length - 1] < n) ends.push(n);
  return ends;
}

// Intl.Segmenter takes time proportional to the text's length for every
// segment (Node 20: quadratic over a long text), so a long text is
// segmented in windows of WINDOW code units: the segments of a window are
// kept except its last (which the window's end may have cut short), and the
// next window starts where that one began. A window holding a single segment
// is doubled until the segment ends. Texts up to WINDOW long are segmented
// in one piece, as before. Returns the end offsets.
const WINDOW = 2048;

function intlEnds(seg, text) {
  const ends = [];
  let pos = 0;
  while (pos < text.length) {
    for (let w = WINDOW; ; w *= 2) {
      const end = Math.min(text.length, pos + w);
      const found = [];
      for (const x of seg.segment(text.slice(pos, end))) found.push(pos + x.index + x.segment.length);
      if (end === text.length) {
        for (const e of found) ends.push(e);
        pos = end;
        break;
      }
      if (found.length > 1) {
        found.pop();
        for (const e of found) ends.push(e);
        pos = found[found.length - 1];
        break;
      }
    }
  }
  return ends;
}

function segmentEnds(text, useIntl) {
  const seg = useIntl ? sentenceSegmenter() : null;
  return seg ? intlEnds(seg, text) : fallbackEnds(text);
}

// A break after one of these, or before a lowercase letter, is not a sentence end.
const ABBREVIATION = /(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\.g|i\.e|cf|No|Fig|approx|Inc|Ltd|Co)\.$/u;

/**
 * The sentences of `text` as { lead, core, trail }: lead + core + trail
 * concatenated over all parts gives `text` back; `core` has no surrounding
 * whitespace and is never empty. A text of only whitespace gives [] and
 * `rest` (the whitespace) is returned separately. useIntl: false forces the
 * fallback rule (for tests).
 */
export function splitSentences(text, { useIntl = true } = {}) {
  // offsets into text: a part is lead [ls, cs), core [cs, ce), trail [ce, te)
  const parts = [];
  let pendingFrom = -1; // start of whitespace-only segments not yet placed
  let start = 0;
  for (const end of segmentEnds(text, useIntl)) {
    let a = start, z = end;
    while (a < z && isSpace(text.charCodeAt(a))) a++;
    if (a === z) {
      if (pendingFrom < 0) pendingFrom = start;
      start = end;
      continue;
    }
    while (isSpace(text.charCodeAt(z - 1))) z--;
    const prev = parts[parts.length - 1];
    if (prev && pendingFrom < 0 && !hasNewline(text, prev.ce, prev.te) &&
        (ABBREVIATION.test(text.slice(Math.max(prev.cs, prev.ce - 10), prev.ce)) || /^\p{Ll}/u.test(text.slice(a, a + 2)))) {
      // the last 10 code units are enough for ABBREVIATION (its longest match is 8)
      prev.ce = z;
      prev.te = end;
    } else {
      parts.push({ ls: pendingFrom < 0 ? start : pendingFrom, cs: a, ce: z, te: end });
      pendingFrom = -1;
    }
    start = end;
  }
  const rest = pendingFrom < 0 ? '' : text.slice(pendingFrom);
  if (parts.length) parts[parts.length - 1].te = text.length;
  return {
    parts: parts.map((p) => ({ lead: text.slice(p.ls, p.cs), core: text.slice(p.cs, p.ce), trail: text.slice(p.ce, p.te) })),
    rest: parts.length ? '' : rest,
  };
}

function hasNewline(text, from, to) {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) return true;
  return false;
}
