// The package as a user gets it: npm pack, install the tarball into an empty
// project, then import it and run its CLI there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Translator } from '../../src/js/index.js';
import { ENGINE, FIXTURE_MODEL, ROOT, opts } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-wasm-pack-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });

test('npm pack ships only the engine, the JS, the types, the CLI and the models', { skip: ENGINE === 'scalar' && 'run once, with the SIMD pass' }, async () => {
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT));
  const files = info.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'src/js/index.js', 'src/js/index.d.ts', 'src/js/cli.js', 'src/js/worker.js',
    'dist/seq2seq-simd.wasm', 'dist/seq2seq-scalar.wasm', 'dist/seq2seq-relaxed.wasm']) assert.ok(files.includes(f), `ships ${f}`);
  for (const f of files) {
    assert.match(f, /^(package\.json|README\.md|LICENSE|src\/js\/[\w.-]+\.(js|d\.ts)|dist\/seq2seq-(simd|scalar|relaxed)\.wasm|models\/[\w.-]+)$/, `${f} should not ship`);
  }
  const tarball = join(dir, info.filename);

  // an empty project that installs the tarball
  const proj = join(dir, 'project');
  execFileSync('mkdir', ['-p', proj]);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--no-package-lock', '--offline', tarball], proj);
  const pkg = JSON.parse(readFileSync(join(proj, 'node_modules/seq2seq-wasm/package.json'), 'utf8'));
  assert.equal(pkg.name, 'seq2seq-wasm');

  const t = await Translator.create(opts());
  const want = (await t.translate('Open the file.')).text;
  t.destroy();
  writeFileSync(join(proj, 'use.js'), `
    import { Translator, WorkerTranslator, InvalidArgumentError } from 'seq2seq-wasm';
    const t = await Translator.create({ model: ${JSON.stringify(FIXTURE_MODEL)} });
    const r = await t.translate('Open the file.');
    const w = await WorkerTranslator.create({ model: ${JSON.stringify(FIXTURE_MODEL)} });
    const rw = await w.translate('Open the file.');
    let typed = false;
    try { await t.translate(42); } catch (e) { typed = e instanceof InvalidArgumentError; }
    console.log(JSON.stringify({ text: r.text, worker: rw.text, engine: t.engine.flavor, typed }));
    t.destroy(); w.destroy();
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['use.js'], { cwd: proj, encoding: 'utf8' }));
  assert.deepEqual(out, { text: want, worker: want, engine: 'simd', typed: true });

  // the CLI as npx runs it
  const r = spawnSync(join(proj, 'node_modules/.bin/seq2seq-wasm'), ['translate', '--model', FIXTURE_MODEL, 'Open the file.'], { cwd: proj, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, want + '\n');
  const r2 = spawnSync('npx', ['--offline', 'seq2seq-wasm', 'translate', '--model', FIXTURE_MODEL], { cwd: proj, input: 'Open the file.\n', encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stdout, want + '\n');
  // without --model: the package's own English -> Spanish model (the Transformer)
  const r3 = spawnSync(join(proj, 'node_modules/.bin/seq2seq-wasm'), ['translate', 'Thank you.'], { cwd: proj, encoding: 'utf8' });
  assert.equal(r3.status, 0, r3.stderr);
  assert.equal(r3.stdout, 'Gracias.\n');
});

test('the package is publishable: not private, npm publish --dry-run passes, the tarball lists its engines', { skip: ENGINE === 'scalar' && 'run once, with the SIMD pass' }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.private, undefined, 'package.json must not say "private"');
  for (const k of ['name', 'version', 'description', 'license', 'exports', 'types', 'bin', 'files', 'engines']) assert.ok(pkg[k], `package.json has ${k}`);
  // prepack makes sure dist/ holds both engines before anything is packed
  assert.equal(pkg.scripts.prepack, 'sh tools/ensure_engines.sh');
  // --offline: nothing is sent; npm checks the manifest and packs as it would publish
  const [report] = Object.values(JSON.parse(npm(['publish', '--dry-run', '--offline', '--json'], ROOT)));
  const files = report.files.map((f) => f.path);
  assert.equal(report.name, 'seq2seq-wasm');
  for (const f of ['dist/seq2seq-simd.wasm', 'dist/seq2seq-scalar.wasm', 'dist/seq2seq-relaxed.wasm', 'models/en-es-transformer.s2s', 'models/en-es.s2s', 'models/es-en.s2s', 'models/es-en-transformer.s2s', 'models/en-es-transformer.md', 'models/es-en.md', 'models/es-en-transformer.md', 'README.md', 'LICENSE']) assert.ok(files.includes(f), `publishes ${f}`);
});
