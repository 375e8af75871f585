// text.js — what JS does to text before the engine sees it: Unicode NFC,
// and splitting a paragraph into sentences while keeping the whitespace
// between them, so that joining the translated sentences back with the same
// whitespace keeps the paragraph's layout (line breaks included).

import { ACCENT_WORDS } from './accent-words.js';
import { START_WORDS } from './start-words.js';
import { BadTextError } from './errors.js';

/** NFC of `text`; a lone surrogate (not encodable as UTF-8) is a BadTextError. */
export function normalizeText(text) {
  if (typeof text.isWellFormed === 'function' ? !text.isWellFormed() : /\p{Surrogate}/u.test(text)) {
    throw new BadTextError('the text contains a lone UTF-16 surrogate (not valid Unicode)');
  }
  return text.normalize('NFC');
}

// How a sentence is typed in capitals ("THANK YOU."): the number of its
// words of two or more capitals, or 0 when it has a lower-case letter. The
// models learned from text as written and turn shouted text into nonsense
// (chrF2 1.7 on the everyday test set typed in capitals, 61.9 as written), so
// the translator translates a sentence of two or more such words in sentence
// case and gives the translation back in capitals; a single one ("GRACIAS.",
// or an acronym or code: "FV", "IPMT", "=RRI(4;7500)") only when the model
// writes it in fewer pieces in sentence case, as it does a word it knows.
export function capitalWords(sentence) {
  if (/\p{Ll}/u.test(sentence)) return 0;
  const words = sentence.match(/\p{Lu}{2,}/gu);
  return words === null ? 0 : words.length;
}

// "WHERE AM I?" -> "Where am I?": lower case, the first letter a capital,
// and for English the pronoun "I" (alone or in "I'm", "I'll") a capital too.
export function sentenceCase(sentence, language) {
  const s = sentence.toLowerCase().replace(/\p{L}/u, (c) => c.toUpperCase());
  return language === 'en' ? raisePronounI(restoreApostrophes(s)) : s;
}

// "Students need a quiet place." -> "students need a quiet place.": the
// sentence with its first word lowered when that word is one capital and
// then lower-case letters ("Students", not "I", "NASA" or "McDonald"), else
// null. A common word that starts a sentence is capitalised, and the
// vocabulary splits it into other, rarer pieces ("▁St ud ent s", where
// "students" is "▁student s"), which the models then mistranslate
// ("Aquí seguidas están aquí."); the translator encodes the lowered
// sentence instead where that takes fewer pieces, as it does for a word
// the model knows in lower case, and raises the translation's first letter.
// A word the training text often starts a sentence with ("Thanks",
// "Please"; start-words.js) the models know as it is: null ("thanks!", a
// program's string, was "¡Genial!").
let startWords; // built on first use
export function lowerFirstWord(sentence) {
  const m = /^([^\p{L}\p{N}]*)(\p{Lu}\p{Ll}+)(?![\p{L}\p{N}])/u.exec(sentence);
  if (m === null) return null;
  startWords ??= new Set(START_WORDS.split(' '));
  if (startWords.has(m[2])) return null;
  const at = m[1].length;
  const first = String.fromCodePoint(sentence.codePointAt(at));
  return sentence.slice(0, at) + first.toLowerCase() + sentence.slice(at + first.length);
}

// "then i said i'm late" -> "then I said I'm late": the English pronoun
// typed as a small "i" (alone, or in i'm, i'll, i've, i'd) raised, as people
// type it in messages. The models saw "i" almost only as a letter or a
// variable and turn such sentences into nonsense ("i comprado este ayer");
// raising it gains 3.2 chrF2 on the everyday dev set typed in lower case
// (docs/evaluation.md). "i.e.", "(i)", "i++" and "i-th" stay as typed.
const SMALL_I = /(?<![\p{L}\p{N}\p{M}_.(\-/\\'’])i(?=(?:['’](?:m|ll|ve|d))?(?:$|[\s,;:!?"”»)]|\.(?![\p{L}\p{N}])))/gu;
export function raisePronounI(sentence) {
  return sentence.replace(SMALL_I, 'I');
}

// "I dont know, im late" -> "I don't know, I'm late": English contractions
// typed without the apostrophe, as in messages, where the word without it
// is no other word. The models read "Dont worry." as "Te preocupes." and
// "Im tired." as "Cansado."; "its", "were", "ill", "id", "wed", "lets",
// "wont", "hell", "shell", "well" and "cant" stay as typed, as they are words too.
const CONTRACTIONS = new Map(Object.entries({
  dont: "don't", doesnt: "doesn't", didnt: "didn't", isnt: "isn't", arent: "aren't", wasnt: "wasn't",
  werent: "weren't", havent: "haven't", hasnt: "hasn't", hadnt: "hadn't", wouldnt: "wouldn't",
  couldnt: "couldn't", shouldnt: "shouldn't", mustnt: "mustn't", neednt: "needn't", aint: "ain't",
  im: "I'm", ive: "I've", youre: "you're", youve: "you've", youll: "you'll", youd: "you'd",
  theyre: "they're", theyve: "they've", theyll: "they'll", theyd: "they'd", weve: "we've",
  hes: "he's", shes: "she's", thats: "that's", whats: "what's", wheres: "where's", whos: "who's",
  theres: "there's", heres: "here's", hows: "how's", whens: "when's", itll: "it'll", thatll: "that'll",
}));
const BARE_CONTRACTION = new RegExp(`(?<![\\p{L}\\p{N}'’])(?:${[...CONTRACTIONS.keys()].join('|')})(?![\\p{L}\\p{N}'’])`, 'giu');
export function restoreApostrophes(sentence) {
  return sentence.replace(BARE_CONTRACTION, (typed) => {
    // in small letters or with a capital first: "IM" is instant messaging
    // (a sentence typed in capitals gets here through sentenceCase)
    if (!/^\p{Lu}?\p{Ll}+$/u.test(typed)) return typed;
    const word = CONTRACTIONS.get(typed.toLowerCase());
    if (word.startsWith('I')) return word; // the pronoun
    return /^\p{Lu}/u.test(typed) ? raiseFirstLetter(word) : word;
  });
}

// "tambien quiero una cancion" -> "también quiero una canción": Spanish
// words typed without their accents (or ñ: "manana"), given them back where
// the plain form is no word of its own (accent-words.js, from the training Spanish by
// tools/data/accent_words.py: "tambien", "telefono", "aqui"; not "esta",
// "como", "mas" or "el", which are words too). Typed so, the everyday dev
// set lost 8.7 chrF2 with the Spanish -> English Transformer; this gives
// back most of what such words cost (docs/evaluation.md).
let accentOf; // plain form -> accented form, built on first use
const PLAIN_LETTER = { á: 'a', é: 'e', í: 'i', ó: 'o', ú: 'u', ü: 'u', ñ: 'n' };
export function restoreAccents(sentence) {
  if (accentOf === undefined) {
    accentOf = new Map();
    for (const w of ACCENT_WORDS.split(' ')) {
      // typed with ñ but no accents ("compañia"), and with neither ("compania")
      accentOf.set(w.replace(/[áéíóúü]/gu, (c) => PLAIN_LETTER[c]), w);
      accentOf.set(w.replace(/[áéíóúüñ]/gu, (c) => PLAIN_LETTER[c]), w);
    }
  }
  const first = sentence.search(/\p{L}/u);
  // words in small letters, and the first word with its capital: a capital
  // inside a sentence or a word in capitals is a name or a code as often
  // ("Demas", "VALOR.NUMERO")
  return sentence.replace(/\p{L}+/gu, (typed, at) => {
    const word = accentOf.get(typed.toLowerCase());
    if (word === undefined) return typed;
    if (typed === typed.toLowerCase()) return word;
    return at === first && /^\p{Lu}\p{Ll}*$/u.test(typed) ? raiseFirstLetter(word) : typed;
  });
}

// Whether a sentence is typed all in small letters ("where is the
// station?"), as a whole sentence: no capital, and two or more words with a
// . ? ! or … at the end (before closing quotes or brackets), or, in English,
// four or more words. The models learned sentences with a capital first
// letter and lose words without it ("el museo está cerrado el museo."), so
// the translator encodes such a sentence in sentence case (sentenceCase) and
// gives back the translation as the model writes it. Shorter lower-case text
// without a sentence end, and any in Spanish (program labels such as "show
// hidden files" or "mostrar archivos ocultos", which the models learned as
// they are: sentence case cost the Spanish ones 3 chrF2), goes as typed.
export function typedInSmallLetters(sentence, language) {
  if (/\p{Lu}/u.test(sentence) || !/\p{Ll}/u.test(sentence)) return false;
  const words = sentence.split(/\s+/u).filter((w) => w !== '').length;
  return (words >= 2 && /[.?!…]["'”’»)\]]*$/u.test(sentence)) || (language === 'en' && words >= 4);
}

// "Where is the train station" -> "Where is the train station?": a
// question typed without its question mark, given one, else null. The
// models learned questions by their marks and, without them, write
// statements or nonsense ("Donde es la estación de tren", "Cuesta que
// costa" for "How much does it cost"); with the mark added, the everyday
// dev set typed without final punctuation gains 3.2 chrF2 from English and
// 0.9 from Spanish (docs/evaluation.md). A sentence that ends in
// punctuation, or of one word, is left alone. English: an auxiliary then a
// subject ("can you", "is it", "do they"; "do", "have", "may" and "might"
// only before a pronoun, as "Have a nice day" and "May the gods bless you"
// are not questions), or a question word then
// an auxiliary or a word that asks ("where is", "how much", "what time",
// "what's"); not "how to" or "when enabled". Spanish: an accented question
// word first ("dónde", "cuándo", "por qué"), which gets its ¿ too; "qué",
// "cómo" and "cuánto" also begin exclamations ("qué pena" became "What do
// you think?"), so they count only before a verb or pronoun of a short list
// ("qué hora es", "cómo estás", "cuánto cuesta"); unaccented "donde",
// "como" and "que" begin statements as often.
const AUX_ASKING = 'is|are|was|were|am|does|did|can|could|will|would|should|shall|has|had';
const AUX = `${AUX_ASKING}|do|have`; // "do" and "have" also start commands
const EN_PRONOUN = 'you|i|we|they|he|she|it|this|that|these|those|there|anyone|anybody|someone|somebody|everyone';
const EN_SUBJECT = `${EN_PRONOUN}|the|my|your|our|his|her|their|a|an`;
const EN_QUESTION = new RegExp(
  `^(?:(?:where|what|how|when|who|why|which|whose)\\s+(?:${AUX}|much|many|long|far|old|often|time|kind|about|else)` +
  `|(?:where|what|how|who|when|why)['’]s|(?:${AUX_ASKING})(?:n['’]t)?\\s+(?:${EN_SUBJECT})` +
  `|(?:do|have)(?:n['’]t)?\\s+(?:${EN_PRONOUN})|(?:may|might)\\s+(?:i|we|you|he|she|it|they))` +
  '(?![\\p{L}\\p{N}])', 'iu');
const ES_ASKING = 'es|son|está|están|estás|hay|pasa|pasó|tal|hace|haces|hago|hacemos|quiere|quieres|puedo|puede|puedes|' +
  'significa|se|te|me|le|les|lo|la|nos|vas|va|vamos|voy|tienes|tiene|tengo|cuesta|cuestan|vale|valen|hora|llegar|llego|dices|dice';
const ES_QUESTION = new RegExp(
  `^(?:dónde|adónde|cuándo|quién(?:es)?|cuál(?:es)?|por qué|(?:qué|cómo|cuánt[oa]s?)\\s+(?:${ES_ASKING}))(?![\\p{L}\\p{N}])`, 'iu');
const SENTENCE_END = /[.?!…:;,]["'”’»)\]]*$/u;
export function asQuestion(sentence, language) {
  if (SENTENCE_END.test(sentence) || !/\S\s+\S/u.test(sentence)) return null;
  if (language === 'en' && EN_QUESTION.test(sentence)) return `${sentence}?`;
  if (language === 'es' && ES_QUESTION.test(sentence)) return `¿${sentence}?`;
  return null;
}

// The text with its first letter a capital when a letter is the first thing
// after punctuation and spaces ("¿dónde está?" -> "¿Dónde está?"; "42 gatos"
// stays).
export function raiseFirstLetter(text) {
  return text.replace(/^([^\p{L}\p{N}]*)(\p{Ll})/u, (_, lead, c) => lead + c.toUpperCase());
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

// Every step below is linear in the text's length by construction: no
// backtracking regular expression over a whole sentence, no string rebuilt
// per sentence (parts are offsets into the text until the end), and
// Intl.Segmenter never sees more than WINDOW code units at a time. Callers
// may pass a `work` object to count what was done (tests/js/hostile.test.js
// checks the counts, not the clock).

// The fallback where Intl.Segmenter is missing: a sentence ends after a run
// of . ! ? or … (with closing quotes or brackets) followed by whitespace,
// and at every line break; the whitespace after a sentence end belongs to
// that sentence (as with Intl.Segmenter). Returns the end offsets.
const TERMINATORS = new Set(['.', '!', '?', '\u2026']);
const CLOSERS = new Set(['"', "'", '\u201d', '\u2019', ')', ']']);

function fallbackEnds(text, work) {
  if (work) work.scannedUnits += text.length;
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

// Intl.Segmenter's cost per segment grows with the length of the string it
// is given (Node 20: quadratic over a long text), so it is only ever given
// windows of at most WINDOW code units: the segments of a window are kept
// except its last (which the window's end may have cut short), and the next
// window starts where that one began. A window holding a single unfinished
// segment (a "sentence" of WINDOW code units or more: whitespace, dots,
// garbage) is not grown: the next window starts inside it at a restart
// point (restartPoint) where no sentence end can be, and the segment simply
// goes on, so no end is invented and none is lost. Every window either
// keeps a finished segment or moves at least WINDOW / 2 code units on, and
// two windows in a row move at least WINDOW / 2 on, so the segmenter sees
// at most about 4 x the text's length in all. Returns the end offsets.
const WINDOW = 2048;

// Letters, digits and marks: no sentence-end rule of UAX #29 looks behind
// or ahead across a pair of these, so restarting the segmenter between two
// of them changes nothing it decides after that point.
const PLAIN = /[\p{L}\p{N}\p{M}]/u;

// Where to restart inside an unfinished segment that fills [pos, end): the
// last position in the window's second half between two plain characters,
// else (a window of spaces, dots or symbols, where an end can only follow a
// terminator the segmenter has already seen) the window's end (which never
// splits a surrogate pair).
function restartPoint(text, pos, end, window) {
  for (let i = end - 1; i > pos + window / 2; i--) {
    if (PLAIN.test(text[i]) && PLAIN.test(text[i - 1])) return i;
  }
  return end;
}

const isHighSurrogate = (c) => c >= 0xd800 && c <= 0xdbff;

// A character that ends SB8's look-ahead: a letter, a paragraph separator
// or a sentence terminator.
const STOPS_LOOKAHEAD = /[\p{L}\n\r\u0085\u2028\u2029.!?\u3002\uff0e\uff01\uff1f]/u;

function intlEnds(seg, text, window, work) {
  const ends = [];
  let pos = 0; // where the current window starts
  while (pos < text.length) {
    let end = Math.min(text.length, pos + window);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const found = [];
    for (const x of seg.segment(text.slice(pos, end))) found.push(pos + x.index + x.segment.length);
    if (work) {
      work.windows++;
      work.segmentedUnits += end - pos;
      work.segments += found.length;
      work.largestWindow = Math.max(work.largestWindow, end - pos);
    }
    if (end === text.length) {
      for (const e of found) ends.push(e);
      break;
    }
    // the last segment may have been cut short by the window's end; so may
    // an end whose look-ahead (UAX #29's rule SB8 reads on over spaces,
    // digits and symbols to the next letter) ran into the window's end
    found.pop();
    while (found.length && !STOPS_LOOKAHEAD.test(text.slice(found[found.length - 1], end))) found.pop();
    if (found.length) {
      for (const e of found) ends.push(e);
      pos = found[found.length - 1];
    } else {
      if (work) work.restarts++;
      pos = restartPoint(text, pos, end, window);
    }
  }
  return ends;
}

function segmentEnds(text, useIntl, window, work) {
  const seg = useIntl ? sentenceSegmenter() : null;
  return seg ? intlEnds(seg, text, window, work) : fallbackEnds(text, work);
}

// A break after one of these, or before a lowercase letter, is not a sentence end.
const ABBREVIATION = /(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\.g|i\.e|cf|No|Fig|approx|Inc|Ltd|Co)\.$/u;

/**
 * The sentences of `text` as { lead, core, trail }: lead + core + trail
 * concatenated over all parts gives `text` back; `core` has no surrounding
 * whitespace and is never empty. A text of only whitespace gives [] and
 * `rest` (the whitespace) is returned separately. useIntl: false forces the
 * fallback rule. For tests: window, the segmenter's window in code units
 * (Infinity: the whole text in one pass, the reference); work, an object
 * whose counters (windows, restarts, segmentedUnits, segments,
 * largestWindow, scannedUnits) are increased by what this call did.
 */
export function splitSentences(text, { useIntl = true, window = WINDOW, work } = {}) {
  // offsets into text: a part is lead [ls, cs), core [cs, ce), trail [ce, te)
  const parts = [];
  let pendingFrom = -1; // start of whitespace-only segments not yet placed
  let start = 0;
  for (const end of segmentEnds(text, useIntl, window, work)) {
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

// One emoji: a character shown as a picture (by default, or asked for with
// U+FE0F; not © ® ™, which are text too), a keycap ("1️⃣"), with its skin
// tone, tags, and the characters joined to it by U+200D ("👩‍💻"). Flags are
// pairs of regional indicators, each a picture of its own here.
const EMOJI = '(?:(?:\\p{Emoji_Presentation}|\\p{Extended_Pictographic}\\uFE0F|[#*0-9]\\uFE0F?\\u20E3)' +
  '(?:[\\uFE0F\\u20E3\\u{1F3FB}-\\u{1F3FF}\\u{E0020}-\\u{E007F}]|\\u200D\\p{Extended_Pictographic}\\uFE0F?)*)';
// a run of emoji, spaces between them; splitAtEmoji adds the spaces around
// it (in the pattern, a long run of mixed spaces before a "#" took 46 s)
const EMOJI_RUN = new RegExp(`${EMOJI}(?:\\s*${EMOJI})*`, 'gu');
const WORDY = /[\p{L}\p{N}]/u;

/**
 * A sentence part ({ lead, core, trail }, as splitSentences gives them) as
 * the parts the engine should see: emoji are no words the models learned
 * ("Thanks 😊" came out as "Agradecimiento de trozo"), so each run of them,
 * with the spaces and punctuation around it that belong to no words, goes to
 * the trail of the words before it (or the lead of the first words), and the
 * words on either side of a run inside the sentence become parts of their
 * own. lead + core + trail over the parts gives the part back. A part with
 * no words beside its emoji keeps them all as its trail and an empty core
 * (nothing to translate). A part without emoji comes back as it is.
 */
export function splitAtEmoji(part) {
  const { core } = part;
  const runs = [...core.matchAll(EMOJI_RUN)];
  if (runs.length === 0) return [part];
  // the pieces between runs with the spaces around them, as [start, end)
  // offsets of core
  const pieces = [];
  let from = 0;
  for (const m of runs) {
    let start = m.index, end = start + m[0].length;
    while (start > from && /\s/u.test(core[start - 1])) start--;
    while (end < core.length && /\s/u.test(core[end])) end++;
    pieces.push([from, start]);
    from = end;
  }
  pieces.push([from, core.length]);
  const words = pieces.filter(([a, b]) => WORDY.test(core.slice(a, b)));
  if (words.length === 0) return [{ lead: part.lead, core: '', trail: core + part.trail }];
  const out = [];
  let done = 0; // core[0, done) is placed
  for (let i = 0; i < words.length; i++) {
    let [a, b] = words[i];
    while (/\s/u.test(core[a])) a++;
    while (/\s/u.test(core[b - 1])) b--;
    const end = i + 1 < words.length ? words[i + 1][0] : core.length;
    out.push({ lead: i === 0 ? part.lead + core.slice(0, a) : core.slice(done, a), core: core.slice(a, b), trail: core.slice(b, end) });
    done = end;
  }
  out[out.length - 1].trail += part.trail;
  return out;
}

/**
 * The parts of a text (splitSentences) with their emoji apart
 * (splitAtEmoji), and a part of nothing but emoji ("Done. 🎉") joined to
 * the trail of the part before it, or to the lead of the next: so every
 * part has words to translate, but in a text of only emoji, which is one
 * part with an empty core.
 */
export function emojiApart(parts) {
  const out = [];
  let pending = ''; // emoji before the first words
  for (const q of parts.flatMap(splitAtEmoji)) {
    if (q.core !== '') {
      out.push(pending ? { ...q, lead: pending + q.lead } : q);
      pending = '';
    } else if (out.length) out[out.length - 1].trail += q.lead + q.trail;
    else pending += q.lead + q.trail;
  }
  if (out.length === 0 && pending) out.push({ lead: '', core: '', trail: pending });
  return out;
}
