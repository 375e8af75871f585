// Sentence splitting and normalization (src/js/text.js), with Intl.Segmenter and the fallback rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSentences, normalizeText } from '../../src/js/text.js';
import { BadTextError } from '../../src/js/errors.js';

const cores = (t, o) => splitSentences(t, o).parts.map((p) => p.core);
const joined = (t, o) => splitSentences(t, o).parts.map((p) => p.lead + p.core + p.trail).join('');

for (const useIntl of [true, false]) {
  const o = { useIntl };
  const name = useIntl ? 'Intl.Segmenter' : 'the fallback rule';
  test(`${name}: sentences end at . ! ? and line breaks; whitespace is kept`, () => {
    const text = 'Open the file.  Is it there? Yes!\nNext line\n\nNew paragraph.';
    assert.deepEqual(cores(text, o), ['Open the file.', 'Is it there?', 'Yes!', 'Next line', 'New paragraph.']);
    assert.equal(joined(text, o), text);
  });
  test(`${name}: abbreviations and lowercase continuations do not end a sentence`, () => {
    assert.deepEqual(cores('Dr. Smith arrived. He said hello, e.g. twice.', o), ['Dr. Smith arrived.', 'He said hello, e.g. twice.']);
  });
  test(`${name}: whitespace only gives no sentence`, () => {
    assert.deepEqual(cores(' \n\t ', o), []);
    assert.deepEqual(cores('', o), []);
  });
}

test('normalizeText gives NFC and refuses lone surrogates', () => {
  assert.equal(normalizeText('Cafe\u0301'), 'Café');
  assert.throws(() => normalizeText('a\udc00b'), BadTextError);
});
