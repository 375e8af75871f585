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

// The fallback where Intl.Segmenter is missing: a sentence ends after . ! ?
// or … (with closing quotes or brackets) followed by whitespace, and at every
// line break.
const FALLBACK = /[^\n]*?(?:[.!?…]+["'”’)\]]*(?=\s)|\n|$)/gu;

function rawSegments(text, useIntl) {
  const seg = useIntl ? sentenceSegmenter() : null;
  if (seg) return Array.from(seg.segment(text), (s) => s.segment);
  const out = [];
  for (const m of text.matchAll(FALLBACK)) if (m[0]) out.push(m[0]);
  // whitespace after a sentence end belongs to that sentence, as with Intl.Segmenter
  const merged = [];
  for (const s of out) {
    if (merged.length && /^\s+$/u.test(s)) merged[merged.length - 1] += s;
    else if (merged.length && /^\s/u.test(s)) {
      const ws = s.match(/^\s+/u)[0];
      merged[merged.length - 1] += ws;
      merged.push(s.slice(ws.length));
    } else merged.push(s);
  }
  return merged;
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
  const parts = [];
  let pending = '';
  for (const s of rawSegments(text, useIntl)) {
    const m = /^(\s*)([\s\S]*?)(\s*)$/u.exec(s);
    if (!m[2]) { pending += s; continue; }
    const prev = parts[parts.length - 1];
    if (prev && !pending && !/\n/u.test(prev.trail) &&
        (ABBREVIATION.test(prev.core) || /^\p{Ll}/u.test(m[2]))) {
      prev.core += prev.trail + m[1] + m[2];
      prev.trail = m[3];
      continue;
    }
    parts.push({ lead: pending + m[1], core: m[2], trail: m[3] });
    pending = '';
  }
  if (parts.length) parts[parts.length - 1].trail += pending;
  return { parts, rest: parts.length ? '' : pending };
}
