// sw.js — the page's service worker: makes it work offline after the first
// visit. Cache-first for the page, the engine's JS and WebAssembly, and the
// models (*.s2s) and fine-tuning's everyday pairs (both cached when first
// loaded). Bump VERSION whenever a file in SHELL changes: the new worker
// caches the new files and drops the old cache.
//
// The page registers it with the scope of the directory above web/ (the
// server sends Service-Worker-Allowed: /), so that the engine's worker
// (../src/js/worker.js) is controlled and can start offline.

const VERSION = '35';
const CACHE = `seq2seq-web-${VERSION}`;

// Relative to this file (web/sw.js). Every file the page and the engine's
// worker load, except the models.
const SHELL = [
  './',
  './index.html',
  './style.css',
  './app.js',
  './config.js',
  './heatmap.js',
  './losschart.js',
  './pairs.js',
  './replay.js',
  './store.js',
  './document.js',
  './icon.svg',
  './compare.html',
  './compare.css',
  './compare.js',
  './lengthchart.js',
  '../src/js/index.js',
  '../src/js/accent-words.js',
  '../src/js/start-words.js',
  '../src/js/confidence.js',
  '../src/js/engine.js',
  '../src/js/dom.js',
  '../src/js/html.js',
  '../src/js/errors.js',
  '../src/js/model-source.js',
  '../src/js/text.js',
  '../src/js/translator.js',
  '../src/js/worker-translator.js',
  '../src/js/worker.js',
  '../dist/seq2seq-simd.wasm',
  '../dist/seq2seq-scalar.wasm',
  '../dist/seq2seq-relaxed.wasm',
].map((p) => new URL(p, self.location.href).href);
const SHELL_SET = new Set(SHELL);
// The comparison page's scores: `npm run eval` rewrites them without a new
// VERSION, and a site may lack them (so not in SHELL, whose files must all
// exist): network first, the last copy seen when offline.
const RESULTS = new URL('./architectures.json', self.location.href).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: 'no-cache' so that a new VERSION never picks up stale HTTP-cached files
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('seq2seq-web-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// The everyday pairs fine-tuning mixes in (web/config.js `replay`): like the
// models, cached when first loaded, as a site may lack them.
const REPLAY = new URL('../corpus/phrasebook.tsv', self.location.href).href;

function isModel(url) {
  return url.pathname.endsWith('.s2s') || url.origin + url.pathname === REPLAY;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const key = url.origin + url.pathname; // the page's URL may carry a query
  if (key === RESULTS) {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(req);
        if (res.ok && res.status === 200) event.waitUntil(cache.put(key, res.clone()).catch(() => {}));
        return res;
      } catch (e) {
        const hit = await cache.match(key);
        if (hit) return hit;
        throw e;
      }
    })());
    return;
  }
  if (!SHELL_SET.has(key) && !isModel(url)) return; // everything else: the network, untouched
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (hit) return hit;
    const res = await fetch(req);
    // models are cached as they are first loaded (only whole, successful answers)
    if (res.ok && res.status === 200 && (isModel(url) || SHELL_SET.has(key))) {
      event.waitUntil(cache.put(key, res.clone()).catch(() => {}));
    }
    return res;
  })());
});
