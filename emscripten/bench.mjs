// emscripten/bench.mjs — a quick speed check of one or more engine builds:
//   node emscripten/bench.mjs MODEL.s2s DIR...
// Each DIR holds seq2seq-simd.wasm and/or seq2seq-scalar.wasm (dist/ by
// default). Prints, per build, the median time to translate a fixed batch
// (greedy, then beam 4) with a fixed output length, after a warm-up.
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { Translator } from '../src/js/index.js';

const [model, ...dirs] = process.argv.slice(2);
if (!model) { console.error('usage: node emscripten/bench.mjs MODEL.s2s [DIR...]'); process.exit(2); }
const texts = [
  'Open the file.', 'Save the document before closing it.', 'The man went to the house.',
  'And God said, let there be light.', 'Select the cells you want to delete.', 'Click OK to continue.',
  'Do you want to replace the existing file?', 'The window will close in a few seconds.',
];
const reps = Number(process.env.BENCH_REPS || 5);
for (const dir of dirs.length ? dirs : ['dist']) {
  const base = pathToFileURL(resolve(dir) + '/');
  for (const flavor of ['simd', 'scalar']) {
    if (!readdirSync(dir).includes(`seq2seq-${flavor}.wasm`)) continue;
    const t = await Translator.create({ model, engine: flavor, engineBaseUrl: base });
    const row = [];
    for (const beamSize of [1, 4]) {
      const o = { beamSize, maxLength: 20 };
      await t.translate(texts, o); // warm-up (V8 tiers up)
      const times = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await t.translate(texts, o);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      row.push(`beam ${beamSize}: ${times[times.length >> 1].toFixed(1)} ms`);
    }
    console.log(`${dir} ${flavor}: ${row.join(', ')}`);
    t.destroy();
  }
}
