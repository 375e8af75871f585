// make_sample.mjs — writes bench/dev-sample.en, the fixed 200 English
// sentences of the translation benchmark (committed; rerun only to change it):
//   node bench/make_sample.mjs        (needs data/dev.tsv: npm run data)
// Rule: the English side of data/dev.tsv (domain<TAB>en<TAB>es), kept when
// the JS API would translate it as exactly one sentence (so one call is one
// sentence in every runtime), then 200 lines evenly spaced over those.
import { readFileSync, writeFileSync } from 'node:fs';
import { normalizeText, splitSentences } from '../src/js/text.js';

const N = 200;
const root = new URL('../', import.meta.url);
const rows = readFileSync(new URL('data/dev.tsv', root), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
const single = rows.map((r) => r[1]).filter((en) => {
  const text = normalizeText(en).trim();
  const { parts } = splitSentences(text);
  return text === en && parts.length === 1 && parts[0].core === en;
});
const sample = Array.from({ length: N }, (_, i) => single[Math.floor((i * single.length) / N)]);
writeFileSync(new URL('bench/dev-sample.en', root), sample.join('\n') + '\n');
console.log(`bench/dev-sample.en: ${N} of ${single.length} one-sentence lines of ${rows.length} in data/dev.tsv`);
