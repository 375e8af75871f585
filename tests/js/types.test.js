// index.d.ts declares exactly what index.js exports (a textual check), the
// real TypeScript compiler (the devDependency `typescript`) accepts
// tests/js/types-usage.ts — the API as the README uses it, and misuse it must
// reject — and package.json points at both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as api from '../../src/js/index.js';
import { ROOT } from './helpers.js';

test('every runtime export is declared in index.d.ts and every declaration exists', () => {
  const dts = readFileSync(`${ROOT}src/js/index.d.ts`, 'utf8');
  const declared = new Set([...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1]));
  assert.deepEqual([...declared].sort(), Object.keys(api).sort());
  for (const cls of ['Translator', 'WorkerTranslator']) {
    const body = dts.slice(dts.indexOf(`export declare class ${cls} `));
    const block = body.slice(0, body.indexOf('\n}'));
    for (const m of ['create', 'translate', 'translateStreaming', 'fineTune', 'save', 'reset', 'destroy', 'engine', 'model']) {
      assert.match(block, new RegExp(`\\b${m}\\b`), `${cls}.${m} is declared`);
      assert.ok(m in api[cls] || m in api[cls].prototype, `${cls}.${m} exists`);
    }
  }
});

test('package.json: ESM, an exports map with "types" first, the bin, files', () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
  assert.equal(pkg.name, 'seq2seq-wasm');
  assert.equal(pkg.type, 'module');
  assert.equal(Object.keys(pkg.exports['.'])[0], 'types');
  assert.equal(pkg.exports['.'].types, './src/js/index.d.ts');
  assert.equal(pkg.exports['.'].default, './src/js/index.js');
  assert.equal(pkg.bin['seq2seq-wasm'], 'src/js/cli.js');
  assert.ok(readFileSync(`${ROOT}src/js/cli.js`, 'utf8').startsWith('#!/usr/bin/env node'));
  for (const f of ['simd', 'scalar', 'relaxed']) assert.ok(pkg.files.includes(`dist/seq2seq-${f}.wasm`), f);
});

const TSC = `${ROOT}node_modules/typescript/bin/tsc`;
const noTsc = !existsSync(TSC) && 'typescript is not installed (npm install): index.d.ts is not compiled';

test('tsc --strict accepts the documented uses of index.d.ts and rejects misuse (tests/js/types-usage.ts)', { skip: noTsc, timeout: 240_000 }, () => {
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--pretty', 'false', 'tests/js/types-usage.ts'];
  const r = spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
  const version = JSON.parse(readFileSync(`${ROOT}node_modules/typescript/package.json`, 'utf8')).version;
  assert.equal(r.status, 0, `tsc ${version} ${args.join(' ')} exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}:\n${r.stdout}${r.stderr}`);
});
