// model-speed.mjs — speed and memory of one model file in Node (WASM SIMD),
// for a model card: the same measurement loop as the benchmark suite
// (translate-loop.js), on 200 dev pairs in either direction.
//
//   node bench/model-speed.mjs MODEL.s2s [--reverse] [--dev data/dev.tsv] [--reps 2] [--rerank FILE]
//
// The sentences: the pairs of the dev file whose two sides are each one
// sentence for the JS API, 200 of them evenly spaced; the English side, or
// the Spanish with --reverse (so both directions translate the same pairs).
// Prints words/s (source words), target tokens/s, first-token median for
// greedy and beam 4, peak WebAssembly memory and the file's size. --rerank
// FILE then loads FILE (the other direction) with loadRerankModel and adds
// beam 4 reranked by it, the memory then holding both files.
import { readFileSync, statSync } from 'node:fs';
import { Translator } from '../src/js/index.js';
import { normalizeText, splitSentences } from '../src/js/text.js';
import { measure } from './translate-loop.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const VALUED = new Set(['--dev', '--reps', '--rerank']); // options followed by a value
const model = args.find((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1])));
if (!model) { console.error('usage: node bench/model-speed.mjs MODEL.s2s [--reverse] [--dev data/dev.tsv] [--reps 2] [--rerank FILE]'); process.exit(2); }
const rerank = opt('--rerank', null);
const reverse = args.includes('--reverse');
const reps = Number(opt('--reps', 2));
const one = (s) => { const t = normalizeText(s).trim(); const { parts } = splitSentences(t); return t === s && parts.length === 1 && parts[0].core === s; };
const pairs = readFileSync(opt('--dev', 'data/dev.tsv'), 'utf8').split('\n').filter(Boolean)
  .map((l) => l.split('\t').slice(-2)).filter(([en, es]) => one(en) && one(es));
const N = 200;
const sentences = Array.from({ length: N }, (_, i) => pairs[Math.floor((i * pairs.length) / N)][reverse ? 1 : 0]);
const words = sentences.reduce((a, s) => a + s.split(/\s+/).filter(Boolean).length, 0);

const t = await Translator.create({ model: readFileSync(model), engine: 'simd' });
try {
  const rows = [];
  // one table row: words/s, target tokens/s, median first-token (beam: whole-call) ms
  const row = (search, r) => {
    const tokens = r.tokens.reduce((a, b) => a + b, 0);
    const ft = [...r.firstTokenMs].sort((a, b) => a - b)[N >> 1];
    return `| ${search} | ${(words / r.seconds).toFixed(0)} | ${(tokens / r.seconds).toFixed(0)} | ${ft.toFixed(1)} |`;
  };
  // a model with a lexical shortlist: with it (the default) and without, pass by pass
  const lists = t.model.shortlist ? [true, false] : [true];
  for (const beamSize of [1, 4]) {
    for (const shortlist of lists) {
      const r = await measure(t, sentences, { beamSize, reps, shortlist });
      const search = (beamSize === 1 ? 'greedy' : 'beam 4') + (lists.length > 1 ? (shortlist ? ', shortlist' : ', whole vocabulary') : '');
      rows.push(row(search, r));
    }
  }
  if (rerank) {
    await t.loadRerankModel(readFileSync(rerank)); // translate() reranks from now on
    rows.push(row(`beam 4, reranked by ${rerank.split('/').pop()}`, await measure(t, sentences, { beamSize: 4, reps })));
  }
  const file = statSync(model).size + (rerank ? statSync(rerank).size : 0);
  const peak = t.memoryBytes;
  console.log(`${model}: ${N} dev sentences (${reverse ? 'Spanish' : 'English'}, ${words} words), WASM SIMD in Node ${process.version}, best of ${reps} passes`);
  console.log('| search | words/s | tokens/s | first token, median ms |\n|---|---:|---:|---:|');
  console.log(rows.join('\n'));
  console.log(`WebAssembly memory ${(peak / 1048576).toFixed(1)} MiB for ${rerank ? 'the two files' : 'a file'} of ${(file / 1048576).toFixed(1)} MiB (${(peak / file).toFixed(2)}x)`);
} finally {
  t.destroy();
}
