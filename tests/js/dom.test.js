// translateElement without a DOM (Node): every bad argument is an
// InvalidArgumentError (a rejection, never a crash), checked before anything
// is translated; restoreElement of something never translated is false. The
// DOM behaviour itself is tested in Chromium (tests/browser/dom.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Translator, translateElement, restoreElement, InvalidArgumentError } from '../../src/js/index.js';
import { opts } from './helpers.js';

let t;
before(async () => { t = await Translator.create(opts()); });
after(() => t?.destroy());

const invalid = (p, pattern) => assert.rejects(p, (e) => {
  assert.ok(e instanceof InvalidArgumentError, `${e?.name}: ${e?.message}`);
  assert.equal(e.code, 'INVALID_ARGUMENT');
  if (pattern) assert.match(e.message, pattern);
  return true;
});

test('without a DOM: a root that is not an Element is an InvalidArgumentError', async () => {
  assert.equal(typeof globalThis.document, 'undefined');
  for (const root of [undefined, null, 'body', '<p>Hi</p>', 42, {}, [], { nodeType: 1 }, { nodeType: 3, ownerDocument: {} }]) {
    await invalid(translateElement(t, root), /root must be a DOM Element/);
  }
  // the message points at the DOM-free way
  await invalid(translateElement(t, '<p>Hi</p>'), /translate\(html, \{ html: true \}\)/);
});

test('a translator without translate() is an InvalidArgumentError', async () => {
  for (const tr of [undefined, null, 'Translator', {}, { translate: 'x' }, () => {}]) {
    await invalid(translateElement(tr, null), /translator must be/);
  }
});

test('bad options are InvalidArgumentErrors, checked before the root', async () => {
  const cases = [
    [[], /options must be an object/],
    ['block', /options must be an object/],
    [null, /options must be an object/],
    [{ html: true }, /unknown option "html"/],
    [{ attention: true }, /unknown option "attention"/],
    [{ attributes: 'title' }, /attributes must be an array/],
    [{ attributes: ['ti tle'] }, /attributes must be an array/],
    [{ attributes: [42] }, /attributes must be an array/],
    [{ attributes: Array(101).fill('a') }, /attributes must be an array/],
    [{ mode: 'text' }, /mode must be/],
    [{ batchSize: 0 }, /batchSize/],
    [{ batchSize: 1.5 }, /batchSize/],
    [{ batchSize: '16' }, /batchSize/],
    [{ onProgress: 'log' }, /onProgress must be a function/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ markLowConfidence: 2 }, /markLowConfidence/],
    [{ markLowConfidence: Number.NaN }, /markLowConfidence/],
    [{ markLowConfidence: '0.5' }, /markLowConfidence/],
  ];
  for (const [o, pattern] of cases) await invalid(translateElement(t, null, o), pattern);
});

test('translate options are passed on and checked by the translator (with a fake root shape)', async () => {
  // a root-looking object gets past the shape check; translate([]) then checks the options
  // before the tree is read
  const fakeRoot = { nodeType: 1, getAttribute: () => null, ownerDocument: { createElement() {} } };
  await invalid(translateElement(t, fakeRoot, { beamSize: 99 }), /beamSize/);
  await invalid(translateElement(t, fakeRoot, { maxLength: 0 }), /maxLength/);
  // an aborted signal rejects with its reason before anything is done
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(translateElement(t, fakeRoot, { signal: ac.signal }), { name: 'AbortError' });
});

test('restoreElement of anything never translated is false', () => {
  for (const v of [undefined, null, 'x', {}, { nodeType: 1 }]) assert.equal(restoreElement(v), false);
});
