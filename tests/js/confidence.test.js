// confidence.test.js — the per-sentence confidence (src/js/confidence.js): the
// calibration a model file carries is read strictly, the number is a
// probability, it follows the features the way the calibration says, it
// reaches the results of translate (one per sentence, the weakest for the
// text) in this thread and in a worker, a file without a calibration says
// null, and on the shipped model a garbled sentence scores lower than its
// clean twin. Also the sentence chrF2 of tools/calibrate_confidence.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Translator, WorkerTranslator } from '../../src/js/index.js';
import { CONFIDENCE_FEATURES, confidenceOf, parseCalibration } from '../../src/js/confidence.js';
import { sentenceChrF } from '../../tools/calibrate_confidence.mjs';
import { ENGINE, FIXTURE_MODEL, ROOT, opts } from './helpers.js';

const cal = (over = {}) => JSON.stringify({ version: 1, features: ['mean_logprob', 'log_source_length'], weights: [2, -0.5], bias: 1, target: 'x', ...over });

test('parseCalibration: a well-formed calibration, and null for anything else', () => {
  const c = parseCalibration(cal());
  assert.deepEqual([c.features, c.weights, c.bias], [['mean_logprob', 'log_source_length'], [2, -0.5], 1]);
  for (const bad of [undefined, null, '', 'not json', '[]', '{}', cal({ version: 2 }), cal({ features: ['mean_logprob', 'no_such_feature'] }),
    cal({ weights: [1] }), cal({ weights: [1, 'x'] }), cal({ bias: null }), cal({ features: [], weights: [] }),
    cal({ features: ['__proto__', 'mean_logprob'] }), 'x'.repeat(20_000)]) {
    assert.equal(parseCalibration(bad), null, String(bad).slice(0, 60));
  }
  // 1e999 is not finite after JSON.parse
  assert.equal(parseCalibration('{"version":1,"features":["mean_logprob"],"weights":[1e999],"bias":0}'), null);
});

test('confidenceOf: a probability, rising with the mean log-probability, falling with length as the weights say', () => {
  const c = parseCalibration(cal());
  const r = (lp, n) => ({ tokenLogprobs: Float32Array.from({ length: n + 1 }, () => lp), sourceLength: n, targetLength: n });
  let last = -1;
  for (const lp of [-20, -5, -2, -1, -0.5, -0.1, 0]) {
    const p = confidenceOf(c, r(lp, 5));
    assert.ok(p >= 0 && p <= 1, `${p}`);
    assert.ok(p > last, `not rising at ${lp}`);
    last = p;
  }
  assert.ok(confidenceOf(c, r(-1, 40)) < confidenceOf(c, r(-1, 4)));
  assert.equal(confidenceOf(null, r(-1, 4)), null);
  assert.equal(confidenceOf(c, r(-1, 0)), 1, 'an empty source: nothing to get wrong');
  assert.deepEqual(CONFIDENCE_FEATURES, ['mean_logprob', 'min_logprob', 'log_length_ratio', 'log_source_length']);
});

test('translate: one confidence per sentence from the file\'s calibration, the weakest for the text; the same in a worker', async () => {
  const t = await Translator.create(opts());
  const w = await WorkerTranslator.create(opts());
  try {
    const c = parseCalibration(t.metadata('confidence'));
    assert.ok(c, 'the fixture carries a calibration');
    const text = 'Open the file. Save the document before closing it.';
    const r = await t.translate(text);
    assert.equal(r.sentences.length, 2);
    for (const s of r.sentences) {
      const want = confidenceOf(c, { tokenLogprobs: s.tokenLogprobs, sourceLength: s.sourceIds.length, targetLength: s.targetIds.length });
      assert.equal(s.confidence, want);
      assert.ok(s.confidence >= 0 && s.confidence <= 1);
    }
    assert.equal(r.confidence, Math.min(...r.sentences.map((s) => s.confidence)));
    const rw = await w.translate(text);
    assert.deepEqual(rw.sentences.map((s) => s.confidence), r.sentences.map((s) => s.confidence));
    assert.equal(rw.confidence, r.confidence);
  } finally {
    t.destroy();
    w.destroy();
  }
});

test('a model file without a calibration gives confidence null', { skip: !existsSync(join(ROOT, 'build/s2s')) && 'build/s2s is not built' }, async () => {
  // the fixture with meta.confidence emptied (s2s quantize --meta on an int8 file keeps its weights)
  const dir = mkdtempSync(join(tmpdir(), 's2s-conf-'));
  try {
    const out = join(dir, 'nocal.s2s');
    const r = spawnSync(join(ROOT, 'build/s2s'), ['quantize', FIXTURE_MODEL, out, '--meta', 'confidence=']);
    assert.equal(r.status, 0, String(r.stderr));
    const t = await Translator.create({ model: readFileSync(out), engine: ENGINE });
    try {
      const res = await t.translate('Open the file. Close it.');
      assert.equal(res.confidence, null);
      assert.deepEqual(res.sentences.map((s) => s.confidence), [null, null]);
    } finally {
      t.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on the shipped model, a garbled sentence is less confident than its clean twin', async () => {
  const t = await Translator.create({ model: join(ROOT, 'models/en-es.s2s'), engine: ENGINE });
  try {
    assert.ok(parseCalibration(t.metadata('confidence')), 'models/en-es.s2s carries a calibration');
    const pairs = [
      ['Thank you very much for your help.', 'Tnahk yuo vrey mcuh fro yuor hlpe.'],
      ['Where is the train station?', 'Wrehe si teh trian sattoin?'],
      ['Open the file.', 'Opne teh fiel.'],
      ['The store closes at nine o\'clock at night.', 'Teh sotre cloess ta nien oclcok ta nihgt.'],
    ];
    for (const [clean, garbled] of pairs) {
      const [a, b] = await t.translate([clean, garbled]);
      assert.ok(a.confidence > b.confidence, `${clean}: ${a.confidence} vs ${garbled}: ${b.confidence}`);
    }
  } finally {
    t.destroy();
  }
});

test('sentence chrF2 (tools/calibrate_confidence.mjs): bounds, whitespace-blind, agrees with the native s2s eval on single pairs', { skip: false }, () => {
  assert.equal(sentenceChrF('Abre el archivo.', 'Abre el archivo.'), 100);
  assert.equal(sentenceChrF('xyz', 'abc'), 0);
  assert.equal(sentenceChrF('', 'abc'), 0);
  assert.equal(sentenceChrF('Abre  el\tarchivo.', 'Abre el archivo.'), 100);
  const s2s = join(ROOT, 'build/s2s');
  if (!existsSync(s2s)) return;
  const dir = mkdtempSync(join(tmpdir(), 's2s-chrf-'));
  try {
    for (const [hyp, ref] of [['Abra el fichero ahora.', 'Abre el archivo.'], ['Gracias por tu ayuda', 'Muchas gracias por su ayuda.'], ['¿Dónde está la estación?', '¿Dónde está la estación de tren?']]) {
      writeFileSync(join(dir, 't.tsv'), `x\t${ref}\n`);
      writeFileSync(join(dir, 'h.txt'), `${hyp}\n`);
      const r = spawnSync(s2s, ['eval', '--hyp', join(dir, 'h.txt'), '--test', join(dir, 't.tsv')], { encoding: 'utf8' });
      const native = Number(r.stdout.split('\n').find((l) => l.startsWith('all')).trim().split(/\s+/)[3]);
      assert.ok(Math.abs(sentenceChrF(hyp, ref) - native) < 0.01, `${hyp}: ${sentenceChrF(hyp, ref)} vs native ${native}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
