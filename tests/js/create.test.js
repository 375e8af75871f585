// Translator.create: every way to give the model, progress, integrity, abort, bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  Translator, DownloadProgressEvent, InvalidArgumentError, IntegrityError, ModelError, NetworkError,
} from '../../src/js/index.js';
import { FIXTURE_MODEL, modelBytes, opts } from './helpers.js';

let server, base;
before(async () => {
  const bytes = modelBytes();
  server = createServer((req, res) => {
    if (req.url === '/model.s2s') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      // in pieces, so that progress has several steps
      let at = 0;
      const send = () => {
        if (at >= bytes.length) return res.end();
        res.write(bytes.subarray(at, at + 16384));
        at += 16384;
        setTimeout(send, 1);
      };
      send();
    } else if (req.url === '/slow.s2s') {
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, 1000)); // then nothing: the client must abort
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

const sha256 = (b) => createHash('sha256').update(b).digest();
const hello = async (t) => {
  const r = await t.translate('Open the file.');
  assert.equal(typeof r.text, 'string');
  assert.ok(r.targetTokens.length > 0);
  return r.text;
};

test('the model as a path, a file: URL, an ArrayBuffer, a Uint8Array view and an http URL give the same translator', async () => {
  const texts = [];
  const bytes = modelBytes();
  const padded = new Uint8Array(bytes.length + 10);
  padded.set(bytes, 7);
  for (const model of [FIXTURE_MODEL, pathToFileURL(FIXTURE_MODEL), pathToFileURL(FIXTURE_MODEL).href,
    bytes.buffer.slice(0), padded.subarray(7, 7 + bytes.length), `${base}/model.s2s`, new URL(`${base}/model.s2s`)]) {
    const t = await Translator.create(opts({ model }));
    texts.push(await hello(t));
    t.destroy();
  }
  assert.equal(new Set(texts).size, 1);
});

test('progress events carry bytes loaded and the total while fetching', async () => {
  for (const model of [`${base}/model.s2s`, FIXTURE_MODEL]) {
    const events = [];
    const t = await Translator.create(opts({
      model,
      monitor(m) { m.addEventListener('downloadprogress', (e) => events.push(e)); },
    }));
    const size = modelBytes().length;
    assert.ok(events.length >= 2, `${events.length} events`);
    assert.ok(events.every((e) => e instanceof DownloadProgressEvent && e.type === 'downloadprogress' && e.total === size));
    assert.equal(events[0].loaded, 0);
    assert.equal(events.at(-1).loaded, size);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded >= events[i - 1].loaded);
    if (model.startsWith('http')) assert.ok(events.length > 3, 'the download came in several pieces');
    t.destroy();
  }
});

test('integrity: a matching SHA-256 (SRI base64 or hex) loads, in Node too', async () => {
  const digest = sha256(modelBytes());
  for (const integrity of [`sha256-${digest.toString('base64')}`, digest.toString('hex'), digest.toString('hex').toUpperCase()]) {
    const t = await Translator.create(opts({ integrity }));
    await hello(t);
    t.destroy();
  }
  const t = await Translator.create(opts({ model: `${base}/model.s2s`, integrity: `sha256-${digest.toString('base64')}` }));
  t.destroy();
});

test('integrity: a different hash is an IntegrityError; a malformed one an InvalidArgumentError', async () => {
  const wrong = sha256(Buffer.from('something else'));
  await assert.rejects(Translator.create(opts({ integrity: `sha256-${wrong.toString('base64')}` })),
    (e) => e instanceof IntegrityError && e.code === 'INTEGRITY' && /SHA-256/.test(e.message));
  await assert.rejects(Translator.create(opts({ model: `${base}/model.s2s`, integrity: wrong.toString('hex') })), IntegrityError);
  for (const integrity of ['md5-abc', 'sha384-' + 'A'.repeat(64), '1234', 42]) {
    await assert.rejects(Translator.create(opts({ integrity })), InvalidArgumentError);
  }
});

test('an AbortSignal cancels loading: before it starts and during a download', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(Translator.create(opts({ signal: ac.signal })), { name: 'AbortError' });
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 100);
  await assert.rejects(Translator.create(opts({ model: `${base}/slow.s2s`, signal: ac2.signal })), { name: 'AbortError' });
  const ac3 = new AbortController();
  const reason = new Error('changed my mind');
  setTimeout(() => ac3.abort(reason), 50);
  await assert.rejects(Translator.create(opts({ model: `${base}/slow.s2s`, signal: ac3.signal })), (e) => e === reason);
  // AbortSignal.timeout works too
  await assert.rejects(Translator.create(opts({ model: `${base}/slow.s2s`, signal: AbortSignal.timeout(50) })), { name: 'TimeoutError' });
});

test('an invalid model is a ModelError with a clear message', async () => {
  const bytes = modelBytes();
  const cases = [
    new Uint8Array(0),
    new TextEncoder().encode('this is not a model file at all'),
    bytes.subarray(0, 100),
    bytes.subarray(0, bytes.length - 1),
    (() => { const b = new Uint8Array(bytes); b[b.length - 100] ^= 0xff; return b; })(), // a data byte
    (() => { const b = new Uint8Array(bytes); b[4] = 99; return b; })(),                 // version
  ];
  for (const model of cases) {
    await assert.rejects(Translator.create(opts({ model })), (e) => {
      assert.ok(e instanceof ModelError, `${e.name}: ${e.message}`);
      assert.equal(e.code, 'INVALID_MODEL');
      assert.match(e.message, /^invalid model: ./);
      return true;
    });
  }
});

test('a missing file or an HTTP error is a NetworkError', async () => {
  await assert.rejects(Translator.create(opts({ model: '/nonexistent/model.s2s' })), (e) => e instanceof NetworkError && /no such file/.test(e.message));
  await assert.rejects(Translator.create(opts({ model: `${base}/missing.s2s` })), (e) => e instanceof NetworkError && /404/.test(e.message));
  await assert.rejects(Translator.create(opts({ model: 'http://127.0.0.1:1/model.s2s' })), NetworkError);
});

test('bad create options are InvalidArgumentErrors', async () => {
  for (const o of [undefined, null, 'model.s2s', {}, { model: null }, { model: 42 }, { model: '' },
    { model: FIXTURE_MODEL, monitor: 'yes' }, { model: FIXTURE_MODEL, signal: {} },
    { model: FIXTURE_MODEL, beam: 4 }]) {
    await assert.rejects(Translator.create(o), InvalidArgumentError, JSON.stringify(o));
  }
});

test('the constructor is not the way in', () => {
  assert.throws(() => new Translator(), InvalidArgumentError);
});
