// pairs.js — sentence pairs typed or uploaded for fine-tuning: one pair a
// line, English, then a tab or "|", then Spanish. Lines that are empty or
// start with "#" are skipped. Every bad line is reported by its number.

export const MAX_PAIRS = 10_000;      // LIMITS.maxFineTunePairs
export const MAX_LINE = 2_000;        // characters of one side
export const MAX_FILE_BYTES = 5 << 20;

/**
 * Parses the text: { pairs: [{ source, target, line }], errors: [string] }.
 */
export function parsePairs(text) {
  const pairs = [];
  const errors = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let parts = raw.split('\t');
    if (parts.length === 1) parts = raw.split('|');
    if (parts.length === 1) {
      errors.push(`Line ${n}: put a tab or “|” between the English and the Spanish.`);
      return;
    }
    if (parts.length > 2) {
      errors.push(`Line ${n}: ${parts.length} columns; a pair has two (English, Spanish).`);
      return;
    }
    const [source, target] = parts.map((p) => p.trim());
    if (!source || !target) {
      errors.push(`Line ${n}: the ${source ? 'Spanish' : 'English'} side is empty.`);
      return;
    }
    if (source.length > MAX_LINE || target.length > MAX_LINE) {
      errors.push(`Line ${n}: longer than ${MAX_LINE} characters; split it into sentences.`);
      return;
    }
    const joined = source + target;
    if (typeof joined.isWellFormed === 'function' && !joined.isWellFormed()) {
      errors.push(`Line ${n}: contains broken characters (lone surrogates).`);
      return;
    }
    pairs.push({ source, target, line: n });
  });
  if (pairs.length > MAX_PAIRS) errors.push(`${pairs.length} pairs; at most ${MAX_PAIRS} can be trained on at once.`);
  return { pairs, errors };
}

/** The text of an uploaded pairs file, or throws an Error with a message for the user. */
export async function readPairsFile(file) {
  if (file.size > MAX_FILE_BYTES) throw new Error(`“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; a pairs file may have at most ${MAX_FILE_BYTES >> 20} MB.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.includes(0)) throw new Error(`“${file.name}” is not a text file (it has NUL bytes). Save the pairs as UTF-8 text, tab-separated.`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`“${file.name}” is not UTF-8 text. Save it as UTF-8, tab-separated.`);
  }
}
