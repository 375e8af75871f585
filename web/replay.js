// replay.js — the general sentence pairs the page mixes into fine-tuning
// (fineTune's replay option) so that a model tuned on a few of the user's
// pairs keeps translating everything else: every 7th pair of the project's
// training phrasebook (corpus/phrasebook.tsv, MIT), about 320 everyday
// sentences across its topics. tools/finetune_forgetting.mjs measures the
// effect with the same sample.

/** [english, spanish] pairs from phrasebook TSV text (topic<TAB>en<TAB>es lines). */
export function replaySample(tsv, every = 7) {
  const pairs = [];
  const lines = tsv.split('\n');
  for (let i = 0; i < lines.length; i += every) {
    const f = lines[i].split('\t');
    if (f.length === 3 && f[1].trim() && f[2].trim()) pairs.push([f[1], f[2]]);
  }
  return pairs;
}
