// Integrity and hostile input in a real browser (headless Chromium, as
// api.test.js): in the page (Translator) and in a module Web Worker
// (WorkerTranslator), a model whose SHA-256 differs from `integrity` is an
// IntegrityError whether it comes from a URL or as bytes, and so is one
// changed byte under the right hash; a damaged file without `integrity` is a
// ModelError; the right hash loads. Hostile input gives typed errors there
// too (what cannot be posted to a worker included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, skip, openTestPage, closeAll } from './helpers.js';

const MODEL = '/tests/fixtures/js/tiny-en-es.s2s';
const bytes = readFileSync(join(ROOT, MODEL.slice(1)));
const GOOD = 'sha256-' + createHash('sha256').update(bytes).digest('base64');
const WRONG_HEX = createHash('sha256').update('not the model').digest('hex');

let server, context, page, profile;
const problems = [];

before(async () => {
  if (skip) return;
  ({ server, context, page, profile } = await openTestPage({ problems }));
}, { timeout: 160_000 });

after(() => closeAll({ context, server, profile }), { timeout: 80_000 });

// Runs in the page: each case's outcome, 'ok' or the error's name.
function cases({ model, good, wrongHex }) {
  return (async () => {
    const api = await import('/src/js/index.js');
    const outcome = async (p) => {
      try { const t = await p; t.destroy?.(); return 'ok'; } catch (e) { return e?.name ?? String(e); }
    };
    const fileBytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
    const changed = fileBytes.slice();
    changed[changed.length >> 1] ^= 1;
    const wrongSri = 'sha256-' + btoa(String.fromCharCode(...wrongHex.match(/../g).map((h) => parseInt(h, 16))));
    const out = {};
    for (const kind of ['main', 'worker']) {
      const Cls = kind === 'worker' ? api.WorkerTranslator : api.Translator;
      out[kind] = {
        urlWrongSri: await outcome(Cls.create({ model, integrity: wrongSri })),
        urlWrongHex: await outcome(Cls.create({ model, integrity: wrongHex })),
        bytesWrong: await outcome(Cls.create({ model: fileBytes.slice(), integrity: wrongSri })),
        bufferWrong: await outcome(Cls.create({ model: fileBytes.slice().buffer, integrity: wrongHex })),
        changedRightHash: await outcome(Cls.create({ model: changed.slice(), integrity: good })),
        changedNoHash: await outcome(Cls.create({ model: changed.slice() })),
        badIntegrity: await outcome(Cls.create({ model, integrity: 'md5-xyz' })),
        good: await outcome(Cls.create({ model: fileBytes.slice(), integrity: good })),
      };
      const t = await Cls.create({ model, integrity: good });
      const name = async (p) => { try { await p; return 'ok'; } catch (e) { return e?.name ?? String(e); } };
      out[kind].hostile = {
        loneSurrogate: await name(t.translate('a\ud800')),
        number: await name(t.translate(42)),
        func: await name(t.translate(() => 'x')),
        beamString: await name(t.translate('x', { beamSize: '4' })),
        unknownKey: await name(t.translate('x', { beam: 4 })),
        tooLong: await name(t.translate('x'.repeat(api.LIMITS.maxTextLength + 1))),
        emojiRtlNul: await name(t.translate('Open the 📁 file. مرحبا\u0000.')),
        blank: (await t.translate(' \u00a0\n')).text === '' ? 'ok' : 'not empty',
      };
      t.destroy();
    }
    return out;
  })();
}

test('integrity and hostile input in Chromium: page and worker, URL and bytes', { skip, timeout: 240_000 }, async () => {
  const out = await page.evaluate(cases, { model: MODEL, good: GOOD, wrongHex: WRONG_HEX });
  for (const kind of ['main', 'worker']) {
    assert.deepEqual(out[kind], {
      urlWrongSri: 'IntegrityError', urlWrongHex: 'IntegrityError', bytesWrong: 'IntegrityError', bufferWrong: 'IntegrityError',
      changedRightHash: 'IntegrityError', changedNoHash: 'ModelError', badIntegrity: 'InvalidArgumentError', good: 'ok',
      hostile: {
        loneSurrogate: 'BadTextError', number: 'InvalidArgumentError', func: 'InvalidArgumentError', beamString: 'InvalidArgumentError',
        unknownKey: 'InvalidArgumentError', tooLong: 'InputTooLongError', emojiRtlNul: 'ok', blank: 'ok',
      },
    }, kind);
  }
  assert.deepEqual(problems.filter((p) => !/favicon/.test(p)), []);
});
