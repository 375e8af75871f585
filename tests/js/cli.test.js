// The command line: npx seq2seq-wasm translate ...
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Translator } from '../../src/js/index.js';
import { ENGINE, FIXTURE_MODEL, ROOT, opts } from './helpers.js';

const cli = (args, input) => spawnSync(process.execPath, ['src/js/cli.js', ...args], { cwd: ROOT, input, encoding: 'utf8' });
const base = ['translate', '--model', FIXTURE_MODEL, '--engine', ENGINE];

test('translates its arguments, with --beam', async () => {
  const t = await Translator.create(opts());
  const want = [(await t.translate('Open the file.', { beamSize: 4 })).text, (await t.translate('Click OK to continue.', { beamSize: 4 })).text];
  const r = cli([...base, '--beam', '4', 'Open the file.', 'Click OK to continue.']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want.join('\n') + '\n');
  t.destroy();
});

test('translates stdin line by line, keeping empty lines', async () => {
  const t = await Translator.create(opts());
  const lines = ['Open the file.', '', 'The man went to the house. Print the current page'];
  // without --beam: beam 4, as the page
  const want = await Promise.all(lines.map(async (l) => (await t.translate(l, { beamSize: 4 })).text));
  const r = cli(base, lines.join('\n') + '\n');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want.join('\n') + '\n');
  const j = cli([...base, '--json'], 'Open the file.\n');
  const obj = JSON.parse(j.stdout);
  assert.equal(obj.text, want[0]);
  assert.ok(Array.isArray(obj.targetTokens) && typeof obj.score === 'number');
  t.destroy();
});

test('errors: usage mistakes exit 2 with the usage, engine errors exit 1 with a message', () => {
  let r = cli(['translate', '--beam']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--beam needs a value/);
  r = cli(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
  r = cli([...base, '--block-repeats', 'yes', 'x']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--block-repeats must be 0 or 1/);
  r = cli([...base, '--block-repeats', '1', 'Open the file.']);
  assert.equal(r.status, 0, r.stderr);
  r = cli([...base, '--beam', '99', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /beamSize must be an integer from 1 to 32/);
  r = cli(['translate', '--model', '/nonexistent.s2s', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /could not open the model/);
  r = cli(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: seq2seq-wasm translate/);
  r = cli(['info', '--model', FIXTURE_MODEL]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).cellName, 'lstm');
  assert.ok(!('heads' in JSON.parse(r.stdout)), 'a recurrent model shows no Transformer fields');
});

test('directions: --from/--to pick the shipped model; a --model that names other languages is refused', async () => {
  const ES_EN = FIXTURE_MODEL.replace('tiny-en-es.s2s', 'tiny-es-en.s2s');
  const t = await Translator.create({ model: ES_EN, engine: ENGINE });
  const want = (await t.translate('Abre el archivo.', { beamSize: 4 })).text;
  assert.deepEqual([t.model.sourceLanguage, t.model.targetLanguage], ['es', 'en']);
  t.destroy();
  const f = await Translator.create(opts());
  assert.deepEqual([f.model.sourceLanguage, f.model.targetLanguage], [null, null], 'a file without the keys says nothing');
  f.destroy();
  // giving either side is enough; both must agree with the file when it names them
  for (const dir of [['--from', 'es'], ['--to', 'en'], ['--from', 'es', '--to', 'en']]) {
    const r = cli(['translate', '--model', ES_EN, '--engine', ENGINE, ...dir, 'Abre el archivo.']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want + '\n');
  }
  let r = cli(['translate', '--model', ES_EN, '--from', 'en', 'Open the file.']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /translates es to en, not en to es/);
  // a file without language keys is taken at its word for either direction
  r = cli([...base, '--from', 'en', 'Open the file.']);
  assert.equal(r.status, 0, r.stderr);
  for (const bad of [['--from', 'fr'], ['--to', 'de'], ['--from', 'en', '--to', 'en']]) {
    r = cli(['translate', ...bad, 'x']);
    assert.equal(r.status, 2, bad.join(' '));
    assert.match(r.stderr, /no shipped model translates .* \(there are: en-es, es-en\)/);
  }
  r = cli(['info', '--model', ES_EN]);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.deepEqual([info.sourceLanguage, info.targetLanguage], ['es', 'en']);
});

test('without --model, English -> Spanish is the shipped Transformer', () => {
  const i = cli(['info', '--engine', ENGINE]);
  assert.equal(i.status, 0, i.stderr);
  const info = JSON.parse(i.stdout);
  assert.match(info.model, /en-es-transformer\.s2s$/);
  assert.equal(info.architectureName, 'transformer');
  assert.equal(info.heads, 4);
  // only its own family's fields (its file holds 0 for cell, which would read as 'rnn')
  for (const k of ['cell', 'cellName', 'attentionName', 'bridgeName', 'encHidden', 'inputFeed']) assert.ok(!(k in info), k);
  const r = cli(['translate', '--engine', ENGINE, 'Thank you.']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'Gracias.\n');
});

test('--from es uses the shipped Spanish -> English model', () => {
  const r = cli(['translate', '--from', 'es', '--beam', '4', '--engine', ENGINE, '¿Dónde está la estación de tren?']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /train station/);
  const i = cli(['info', '--to', 'en']);
  assert.equal(i.status, 0, i.stderr);
  assert.match(JSON.parse(i.stdout).model, /es-en-transformer\.s2s$/);
});


test('--rerank-model reranks the beam with a model of the other direction, as the API does', async () => {
  const REVERSE = FIXTURE_MODEL.replace('tiny-en-es.s2s', 'tiny-es-en.s2s');
  const t = await Translator.create(opts());
  await t.loadRerankModel(REVERSE);
  const want = (await t.translate('Open the file.', { beamSize: 4, rerankWeight: 1 })).text;
  t.destroy();
  let r = cli([...base, '--beam', '4', '--rerank-model', REVERSE, '--rerank-weight', '1', 'Open the file.']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want + '\n');
  r = cli([...base, '--rerank-weight', '1', 'Open.']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--rerank-weight needs --rerank/);
  r = cli([...base, '--beam', '2', '--rerank-model', REVERSE, 'Open.']); // the fixture has no rerank_weight
  assert.equal(r.status, 1);
  assert.match(r.stderr, /rerank_weight/);
});
