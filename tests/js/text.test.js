// Sentence splitting and normalization (src/js/text.js), with Intl.Segmenter and the fallback rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asQuestion, capitalWords, lowerFirstWord, normalizeText, raiseFirstLetter, raisePronounI, restoreAccents, restoreApostrophes, sentenceCase,
  emojiApart, splitAtEmoji, splitSentences, typedInSmallLetters,
} from '../../src/js/text.js';
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

test('capitalWords counts the words of two or more capitals of a sentence without lower-case letters', () => {
  assert.equal(capitalWords('THANK YOU.'), 2);
  assert.equal(capitalWords('¿DÓNDE ESTÁ LA ESTACIÓN?'), 4);
  assert.equal(capitalWords('GRACIAS.'), 1);
  assert.equal(capitalWords('=RRI(4;7500;10000) = 7.46 %'), 1, 'a code is one word');
  assert.equal(capitalWords('Thank YOU VERY much'), 0, 'a lower-case letter: typed as written');
  assert.equal(capitalWords('I'), 0);
  assert.equal(capitalWords('42 %'), 0);
});

test('lowerFirstWord lowers a first word of one capital and small letters, else gives null', () => {
  assert.equal(lowerFirstWord('Students need a quiet place.'), 'students need a quiet place.');
  assert.equal(lowerFirstWord('«Cats sleep» all day'), '«cats sleep» all day', 'after leading punctuation');
  assert.equal(lowerFirstWord('Éxito total.'), 'éxito total.');
  assert.equal(lowerFirstWord('\u{10400}\u{10428} x'), '\u{10428}\u{10428} x', 'a capital outside the BMP');
  assert.equal(lowerFirstWord('I am here.'), null, 'one capital alone: the pronoun');
  assert.equal(lowerFirstWord('NASA is here.'), null);
  assert.equal(lowerFirstWord('McDonald is here.'), null);
  assert.equal(lowerFirstWord('Thanks for coming.'), null, 'a word the training text often starts with (start-words.js)');
  assert.equal(lowerFirstWord('Please wait.'), null);
  assert.equal(lowerFirstWord('iPhone'), null);
  assert.equal(lowerFirstWord('students are here.'), null, 'already small');
  assert.equal(lowerFirstWord('42 cats'), null, 'a number first');
  assert.equal(lowerFirstWord('Cats2go'), null, 'a digit inside the word');
  assert.equal(lowerFirstWord(''), null);
});

test('raisePronounI raises the English pronoun typed as a small "i", and nothing else', () => {
  assert.equal(raisePronounI("then i said i'm late, i think"), "then I said I'm late, I think");
  assert.equal(raisePronounI('i’ll go and i’ve seen it; i’d say i.'), 'I’ll go and I’ve seen it; I’d say I.');
  assert.equal(raisePronounI('"i am" (i) i.e. i++ i-th x/i pi'), '"I am" (i) i.e. i++ i-th x/i pi');
  assert.equal(raisePronounI('if it is mine'), 'if it is mine', 'inside words');
  assert.equal(raisePronounI('íi ii'), 'íi ii');
});

test('typedInSmallLetters: no capital, and two or more words with a sentence end, or four English words', () => {
  assert.equal(typedInSmallLetters('where is the station?'), true);
  assert.equal(typedInSmallLetters('¿dónde está la estación?'), true);
  assert.equal(typedInSmallLetters('see you (soon).'), true, 'a closing bracket after the end');
  assert.equal(typedInSmallLetters('espera…'), false, 'one word');
  assert.equal(typedInSmallLetters('show hidden files'), false, 'no sentence end: a label');
  assert.equal(typedInSmallLetters('where is the station', 'en'), true, 'English: four words without an end');
  assert.equal(typedInSmallLetters('show hidden files', 'en'), false, 'English: three words without an end');
  assert.equal(typedInSmallLetters('dónde está la estación', 'es'), false, 'Spanish: an end is needed');
  assert.equal(typedInSmallLetters('¿dónde está?', 'es'), true);
  assert.equal(typedInSmallLetters('where is Madrid?'), false, 'a capital');
  assert.equal(typedInSmallLetters('42 + 7 = 49.'), false, 'no letter');
  assert.equal(typedInSmallLetters(''), false);
});

test('asQuestion gives a question typed without its mark the mark, and leaves other sentences', () => {
  assert.equal(asQuestion('Where is the train station', 'en'), 'Where is the train station?');
  assert.equal(asQuestion('how much does it cost', 'en'), 'how much does it cost?');
  assert.equal(asQuestion("What's your name", 'en'), "What's your name?");
  assert.equal(asQuestion('Can you help me', 'en'), 'Can you help me?');
  assert.equal(asQuestion('May I come in', 'en'), 'May I come in?');
  assert.equal(asQuestion('May the gods bless you', 'en'), null, 'a wish');
  assert.equal(asQuestion('Have a nice day', 'en'), null, 'a wish');
  assert.equal(asQuestion('Do the dishes', 'en'), null, 'a command');
  assert.equal(asQuestion('Have you eaten', 'en'), 'Have you eaten?');
  assert.equal(asQuestion('Is the shop open', 'en'), 'Is the shop open?');
  assert.equal(asQuestion('Could not download cover art', 'en'), null, 'a message');
  assert.equal(asQuestion('How to install', 'en'), null, 'a title');
  assert.equal(asQuestion('When enabled, show the grid', 'en'), null);
  assert.equal(asQuestion('Whereas it is late', 'en'), null, 'a whole word');
  assert.equal(asQuestion('Is it late?', 'en'), null, 'already ended');
  assert.equal(asQuestion('I need a doctor', 'en'), null);
  assert.equal(asQuestion('Where', 'en'), null, 'one word');
  assert.equal(asQuestion('Dónde está el baño', 'es'), '¿Dónde está el baño?');
  assert.equal(asQuestion('qué hora es', 'es'), '¿qué hora es?');
  assert.equal(asQuestion('Cuánto cuesta', 'es'), '¿Cuánto cuesta?');
  assert.equal(asQuestion('Qué pena', 'es'), null, 'an exclamation');
  assert.equal(asQuestion('donde esta el baño', 'es'), null, 'unaccented: as often a statement');
  assert.equal(asQuestion('Where is the train station', 'es'), null, 'by the source language');
  assert.equal(asQuestion('Where is it', undefined), null);
});

test('restoreApostrophes mends English contractions typed without the apostrophe, where that is no other word', () => {
  assert.equal(restoreApostrophes('I dont know, im late and youre early'), "I don't know, I'm late and you're early");
  assert.equal(restoreApostrophes('Dont worry. Thats it, whats next?'), "Don't worry. That's it, what's next?");
  assert.equal(restoreApostrophes('Ive seen it'), "I've seen it");
  assert.equal(restoreApostrophes('Its raining, were late, ill go, lets see, cant'), 'Its raining, were late, ill go, lets see, cant', 'words too');
  assert.equal(restoreApostrophes('IM engine for DONT'), 'IM engine for DONT', 'capitals: an acronym, or shouted text (sentenceCase mends that)');
  assert.equal(restoreApostrophes("dontcha, don't, Donte"), "dontcha, don't, Donte");
  assert.equal(sentenceCase('DONT GO, IM LATE', 'en'), "Don't go, I'm late");
  assert.equal(sentenceCase('DONT', 'es'), 'Dont');
});

test('restoreAccents gives Spanish words typed without accents their accents where the plain form is no word', () => {
  assert.equal(restoreAccents('tambien quiero una cancion para mi telefono'), 'también quiero una canción para mi teléfono');
  assert.equal(restoreAccents('¿Tambien aqui?'), '¿También aquí?', 'the first word keeps its capital');
  assert.equal(restoreAccents('esta es la casa, como siempre'), 'esta es la casa, como siempre', 'words too: as typed');
  assert.equal(restoreAccents('y Demas. VALOR.NUMERO y TELEFONO'), 'y Demas. VALOR.NUMERO y TELEFONO', 'names and codes: as typed');
  assert.equal(restoreAccents('Ya también'), 'Ya también');
  assert.equal(restoreAccents('manana voy al bano con mi compania'), 'mañana voy al baño con mi compañía', 'ñ typed as n');
  assert.equal(restoreAccents('Manana, la compañia'), 'Mañana, la compañía', 'ñ typed, accents not');
  assert.equal(restoreAccents('una pena'), 'una pena', 'uña and peña: words too');
});

test('raiseFirstLetter raises a small letter that comes first after punctuation', () => {
  assert.equal(raiseFirstLetter('¿dónde está?'), '¿Dónde está?');
  assert.equal(raiseFirstLetter('los estudiantes'), 'Los estudiantes');
  assert.equal(raiseFirstLetter('Ya está'), 'Ya está');
  assert.equal(raiseFirstLetter('42 gatos'), '42 gatos', 'a number first: nothing to raise');
  assert.equal(raiseFirstLetter(''), '');
});

test('sentenceCase: lower case, a capital first letter, and English "I" a capital', () => {
  assert.equal(sentenceCase('WHERE AM I? I\'M LOST, I THINK.', 'en'), 'Where am I? I\'m lost, I think.');
  assert.equal(sentenceCase('¿DÓNDE ESTÁ? I.', 'es'), '¿Dónde está? i.', 'only English has the pronoun');
  assert.equal(sentenceCase('ÉL ESTÁ AQUÍ', 'es'), 'Él está aquí');
  assert.equal(sentenceCase('I.E. NOT I', 'en'), 'I.e. not I', '"i.e." is not the pronoun');
  assert.equal(sentenceCase('PIXEL IN IT', 'en'), 'Pixel in it', 'an "i" inside a word stays small');
});

test('splitAtEmoji: runs of emoji go to the trail (or the lead), and split a sentence where words lie on both sides', () => {
  const parts = (core) => splitAtEmoji({ lead: ' ', core, trail: '\n' });
  const joined = (ps) => ps.map((q) => q.lead + q.core + q.trail).join('');
  for (const core of ['Thanks 😊', '😂😂 so funny', 'I love 🍕 and 🍺!', '😊', 'Go 🇪🇸 team ❤️ 👍🏽', 'Coding 👩‍💻 1️⃣ now', 'No emoji.']) {
    assert.equal(joined(parts(core)), ` ${core}\n`, `${core}: nothing lost`);
  }
  assert.deepEqual(parts('Thanks 😊'), [{ lead: ' ', core: 'Thanks', trail: ' 😊\n' }]);
  assert.deepEqual(parts('😂😂 so funny'), [{ lead: ' 😂😂 ', core: 'so funny', trail: '\n' }]);
  assert.deepEqual(parts('I love 🍕 and 🍺!').map((q) => q.core), ['I love', 'and'], 'punctuation with no words stays with the emoji');
  assert.deepEqual(parts('Coding 👩‍💻 now').map((q) => q.core), ['Coding', 'now'], 'a joined sequence is one emoji');
  assert.deepEqual(parts('😊 👍🏽'), [{ lead: ' ', core: '', trail: '😊 👍🏽\n' }], 'no words: nothing to translate');
  const same = { lead: '', core: 'Firefox® and ™ © #1 10', trail: '' };
  assert.equal(splitAtEmoji(same)[0], same, '© ® ™, # and digits are text');
  // long runs of mixed spaces: the pattern once took 46 s on 60,000 of them
  // before a "#" (each start scanned the whole run); now the spaces around
  // a run are added by a plain loop
  const spaces = ' \u3000\t'.repeat(20000);
  assert.deepEqual(parts(`a${spaces}#`), [{ lead: ' ', core: `a${spaces}#`, trail: '\n' }]);
  assert.deepEqual(parts(`a${spaces}😊${spaces}b`).map((q) => q.core), ['a', 'b']);
});

test('emojiApart: a sentence of only emoji joins the words before it, or after it', () => {
  const apart = (text) => emojiApart(splitSentences(text).parts);
  for (const text of ['Done. 🎉', '🎉 Done.', 'Done. 🎉 Next. 👍', '🎉', 'Done 🎉 next']) {
    const ps = apart(text);
    assert.equal(ps.map((q) => q.lead + q.core + q.trail).join(''), text, `${text}: nothing lost`);
    assert.ok(ps.every((q) => q.core !== '') || (ps.length === 1 && ps[0].core === ''), `${text}: words in every part`);
  }
  assert.deepEqual(apart('Done. 🎉').map((q) => q.core), ['Done.']);
  assert.deepEqual(apart('🎉 Done.'), [{ lead: '🎉 ', core: 'Done.', trail: '' }]);
  assert.deepEqual(apart('Done. 🎉 Next. 👍').map((q) => q.core), ['Done.', 'Next.']);
  assert.deepEqual(apart('🎉'), [{ lead: '', core: '', trail: '🎉' }]);
  assert.deepEqual(apart(''), []);
});
