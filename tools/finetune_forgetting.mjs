// finetune_forgetting.mjs — what in-page fine-tuning learns and what it
// forgets, per learning rate: the model is fine-tuned (the JS API, WASM SIMD,
// batches of 16, default dropout and seed) on the first 20 pairs of the
// everyday dev set, then BLEU / chrF2 are scored (s2s score) on those 20
// ("tuned") and on the other 123 ("held out", what it may forget).
//
//   node tools/finetune_forgetting.mjs MODEL.s2s [RATExSTEPS[+replay] ...]
//   e.g. node tools/finetune_forgetting.mjs models/en-es.s2s 1e-4x30 3e-4x30 3e-4x30+replay
//
// "+replay" mixes general pairs into every batch (fineTune's replay option,
// half of each batch): every 7th pair of the training phrasebook
// corpus/phrasebook.tsv, as the page does (web/replay.js).
//
// The defaults of fineTune (src/js/translator.js, FINETUNE_LEARNING_RATE) and
// of the page come from this. S2S names the native binary (default build/s2s).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Translator } from '../src/js/index.js';
import { replaySample } from '../web/replay.js';

const [model, ...specs] = process.argv.slice(2);
if (!model) {
  console.error('usage: node tools/finetune_forgetting.mjs MODEL.s2s [RATExSTEPS ...]');
  process.exit(2);
}
const runs = (specs.length ? specs : ['1e-4x30', '3e-4x30', '1e-3x30', '3e-3x30']).map((s) => {
  const [rate, rest] = s.split('x');
  return [Number(rate), Number.parseInt(rest, 10), rest.endsWith('+replay')];
});
const s2s = process.env.S2S || 'build/s2s';
const dev = readFileSync('corpus/everyday/dev.tsv', 'utf8').trim().split('\n').map((l) => l.split('\t').slice(1));
const tune = dev.slice(0, 20), held = dev.slice(20);
const dir = mkdtempSync(join(tmpdir(), 's2s-forgetting-'));
const bytes = readFileSync(model);
const replayPairs = replaySample(readFileSync('corpus/phrasebook.tsv', 'utf8'));

// "BLEU/chrF2" of the translations of pairs' sources against their targets
async function score(t, pairs) {
  const hyps = (await t.translate(pairs.map((p) => p[0]))).map((r) => r.text);
  writeFileSync(join(dir, 'hyp'), hyps.join('\n') + '\n');
  writeFileSync(join(dir, 'ref'), pairs.map((p) => p[1]).join('\n') + '\n');
  const out = execFileSync(s2s, ['score', '--ref', join(dir, 'ref'), '--hyp', join(dir, 'hyp')]).toString();
  return `${out.match(/BLEU = ([\d.]+)/)?.[1]} / ${out.match(/chrF2 = ([\d.]+)/)?.[1]}`;
}

try {
  console.log(`${model}: fine-tuned on ${tune.length} everyday dev pairs, scored on them and on the other ${held.length}`);
  console.log('| learning rate | steps | replay | loss first → last | tuned BLEU / chrF2 | held out BLEU / chrF2 |\n|---|---:|---|---|---|---|');
  const base = await Translator.create({ model: bytes, engine: 'simd' });
  console.log(`| (before) | 0 | | | ${await score(base, tune)} | ${await score(base, held)} |`);
  base.destroy();
  for (const [learningRate, steps, withReplay] of runs) {
    const t = await Translator.create({ model: bytes, engine: 'simd' });
    const replay = withReplay ? (t.model.sourceLanguage === 'es' ? replayPairs.map(([a, b]) => [b, a]) : replayPairs) : undefined;
    const r = withReplay ? `${replay.length} pairs, half of each batch` : '';
    try {
      const losses = await t.fineTune(tune, { steps, learningRate, batchSize: 16, replay });
      console.log(`| ${learningRate} | ${steps} | ${r} | ${losses[0].toFixed(2)} → ${losses.at(-1).toFixed(2)} | ${await score(t, tune)} | ${await score(t, held)} |`);
    } catch (e) {
      console.log(`| ${learningRate} | ${steps} | ${r} | ${e.name}: ${e.message} | | |`);
    } finally {
      t.destroy();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
