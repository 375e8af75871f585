// translator.model: the hyper-parameters and enum names come from the engine's
// table (s2s_hparam_*), so JS, the CLI and the file format share one list;
// index.d.ts is checked against that list here because it cannot read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Translator } from '../../src/js/index.js';
import { Engine, chooseFlavor } from '../../src/js/engine.js';
import { ENGINE, ROOT, opts } from './helpers.js';

const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

async function engineTable() {
  const e = await Engine.create(chooseFlavor(ENGINE));
  const keys = [];
  const names = {};
  for (let i = 0; i < e.x.s2s_hparam_count(); i++) {
    const key = e.readCString(e.x.s2s_hparam_key(i));
    keys.push(key);
    const values = [];
    for (let v = 0; e.x.s2s_hparam_value_name(i, v); v++) values.push(e.readCString(e.x.s2s_hparam_value_name(i, v)));
    if (values.length) names[key] = values;
  }
  return { keys, names };
}

test('the engine names every hyper-parameter once, the twelve of the RNN era first, then architecture and the Transformer\'s', async () => {
  const { keys, names } = await engineTable();
  assert.deepEqual(keys, ['src_vocab', 'tgt_vocab', 'emb_dim', 'enc_hidden', 'dec_hidden', 'layers', 'bidirectional',
    'cell', 'attention', 'bridge', 'input_feed', 'tie_output', 'architecture',
    'heads', 'ff_dim', 'dec_layers', 'positions', 'max_positions', 'activation']);
  // the spellings the JS API has always shown (the CLI used 'dot' and 'general' before 0.2)
  assert.deepEqual(names, {
    cell: ['rnn', 'lstm', 'gru'],
    attention: ['none', 'bahdanau', 'luong-dot', 'luong-general'],
    bridge: ['copy', 'project', 'zero'],
    architecture: ['rnn', 'transformer'],
    positions: ['sinusoidal', 'learned'],
    activation: ['relu', 'gelu'],
  });
});

test('translator.model carries each hyper-parameter and each enum name from the engine', async () => {
  const { keys, names } = await engineTable();
  const t = await Translator.create(opts());
  const m = t.model;
  for (const k of keys) assert.equal(typeof m[camel(k)], 'number', k);
  for (const k of Object.keys(names)) assert.equal(m[`${camel(k)}Name`], names[k][m[camel(k)]], k);
  assert.equal(m.architecture, 0, 'a file without s2s.architecture is an RNN');
  assert.deepEqual([m.cellName, m.attentionName, m.bridgeName, m.architectureName], ['lstm', 'bahdanau', 'project', 'rnn']);
  t.destroy();
});

test('index.d.ts ModelInfo declares every hyper-parameter and enum name of the engine', async () => {
  const { keys, names } = await engineTable();
  const dts = readFileSync(`${ROOT}src/js/index.d.ts`, 'utf8');
  const body = dts.slice(dts.indexOf('export interface ModelInfo {'));
  const block = body.slice(0, body.indexOf('\n}'));
  for (const k of keys) assert.match(block, new RegExp(`\\b${camel(k)}: number;`), k);
  for (const [k, values] of Object.entries(names)) {
    const decl = block.match(new RegExp(`\\b${camel(k)}Name: ([^;]+);`));
    assert.ok(decl, `${k}Name is declared`);
    assert.deepEqual([...decl[1].matchAll(/'([^']+)'/g)].map((x) => x[1]), values, `${k}Name lists the engine's names`);
  }
});
