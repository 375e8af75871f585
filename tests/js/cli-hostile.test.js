// Hostile stdin through both command lines: the npm CLI (src/js/cli.js) and
// the native tool (build/s2s translate; skipped when it is not built).
// Invalid UTF-8, NUL bytes, CRLF, empty and blank lines, a line of more than
// 512 tokens, a line longer than the line limit: each line gets one output
// line (empty when it cannot be translated, with a message naming the line
// on stderr), the others go on, and the exit status says whether every line
// was translated (0) or not (1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Translator, LIMITS } from '../../src/js/index.js';
import { ENGINE, FIXTURE_MODEL, ROOT, opts } from './helpers.js';

const NATIVE = join(ROOT, 'build/s2s');
const npmCli = (args, input) => spawnSync(process.execPath, ['src/js/cli.js', 'translate', '--model', FIXTURE_MODEL, '--engine', ENGINE, ...args],
  { cwd: ROOT, input, maxBuffer: 64 << 20 });
const nativeCli = (args, input) => spawnSync(NATIVE, ['translate', '--model', FIXTURE_MODEL, ...args], { cwd: ROOT, input, maxBuffer: 64 << 20 });

const enc = (s) => Buffer.from(s, 'utf8');
const lines = (buf) => buf.toString('utf8').split('\n');

test('npm CLI: bad lines give an empty line and a message naming them; the rest are translated; exit 1', async () => {
  const t = await Translator.create(opts());
  const good = ['Open the file.', 'Close the window 📁 😀.', 'مرحبا. Save it.', 'e\u0301 a\u0308\u0323', 'nul\u0000 inside'];
  const want = await Promise.all(good.map(async (l) => (await t.translate(l, { beamSize: 4 })).text)); // the CLI's default beam
  t.destroy();
  const input = Buffer.concat([
    enc(`${good[0]}\n`), Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x0a]), // line 2: invalid UTF-8
    enc(`${good[1]}\r\n`), Buffer.from([0xe2, 0x82, 0x0a]), // line 4: a cut sequence
    enc(`${good[2]}\n\n   \n${good[3]}\n`), enc(`${'word '.repeat(2000)}\n`), // line 9: > 512 tokens
    enc(`${'a'.repeat(3 * LIMITS.maxTextLength + 1)}\n`), // line 10: longer than the line limit
    enc(`${good[4]}`), // line 11, without a final newline
  ]);
  const r = npmCli([], input);
  assert.equal(r.status, 1, r.stderr.toString());
  const out = lines(r.stdout);
  assert.equal(out.length, 12, 'one line per input line (and the final newline)');
  assert.deepEqual([out[0], out[2], out[4], out[7], out[10]], want);
  assert.deepEqual([out[1], out[3], out[5], out[6], out[8], out[9], out[11]], ['', '', '', '', '', '', '']);
  const err = r.stderr.toString();
  assert.match(err, /line 2: not valid UTF-8/);
  assert.match(err, /line 4: not valid UTF-8/);
  assert.match(err, /line 9: .*limit is 512/);
  assert.match(err, /line 10: longer than 300000 bytes/);
  assert.match(err, /4 inputs could not be translated/);
  // all good: exit 0; only blank lines: blank output
  assert.equal(npmCli([], enc('Open the file.\n\n \n')).status, 0);
  assert.equal(npmCli([], enc('\n\n')).stdout.toString(), '\n\n');
  assert.equal(npmCli([], Buffer.alloc(0)).stdout.toString(), '');
  // --json: an error object for the bad line
  const j = npmCli(['--json'], Buffer.from([0xff, 0x0a]));
  assert.equal(JSON.parse(lines(j.stdout)[0]).error, 'BadTextError');
  // arguments: a bad one is reported, the others translated
  const a = spawnSync(process.execPath, ['src/js/cli.js', 'translate', '--model', FIXTURE_MODEL, '--engine', ENGINE, 'Open the file.', 'x\ud800'.normalize(), 'word '.repeat(2000)], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(a.status, 1);
  assert.equal(a.stdout.split('\n')[0], want[0]);
  assert.match(a.stderr, /text 3: .*limit is 512/);
});

test('npm CLI: 1 MB of stdin in 10,000 lines is translated line by line', { timeout: 480_000 }, () => {
  const input = enc(Array.from({ length: 10_000 }, (_, i) => `${i}.`.padStart(100, ' ')).join('\n') + '\n');
  assert.ok(input.length >= 1_000_000);
  const r = npmCli(['--max-length', '1'], input);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(lines(r.stdout).length, 10_001);
});

test('native s2s translate: bad lines are reported and left empty, the others translated; exit 1', { skip: !existsSync(NATIVE) && 'build/s2s is not built' }, () => {
  const good = nativeCli([], enc('Open the file.\nnul\u0000 inside\n'));
  assert.equal(good.status, 0, good.stderr.toString());
  const [open, nul] = lines(good.stdout);
  const input = Buffer.concat([
    enc('Open the file.\n'), Buffer.from([0x62, 0xff, 0x0a]), enc('nul\u0000 inside\r\n'),
    enc(`${'word '.repeat(2000)}\n`), // more than 512 tokens: the first 512 translated, a warning
    Buffer.alloc((1 << 20) + 10, 0x61), enc('\n'), // longer than 1 MiB: skipped
    enc('\n  \nOpen the file.'),
  ]);
  const r = nativeCli([], input);
  assert.equal(r.status, 1, r.stderr.toString());
  const out = lines(r.stdout);
  assert.equal(out.length, 9);
  assert.deepEqual([out[0], out[1], out[2], out[4], out[5], out[6], out[7], out[8]], [open, '', nul, '', '', '', open, '']);
  assert.ok(out[3].length > 0, 'the long line is translated from its first 512 tokens');
  const err = r.stderr.toString();
  assert.match(err, /line 2 left empty: .*invalid UTF-8/);
  assert.match(err, /line 4: \d+ tokens, translating the first 512/);
  assert.match(err, /line 5 left empty: longer than 1048576 bytes/);
  assert.match(err, /2 of 8 lines could not be translated/);
  assert.equal(nativeCli([], enc('Open the file.\n')).status, 0);
  assert.equal(nativeCli(['--beam', '0'], enc('x\n')).status, 2);
});
