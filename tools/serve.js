// serve.js — the small static file server of `npm start` and of the browser
// tests: serves the repository root (GET and HEAD only) on 127.0.0.1, with
// the MIME types the page needs (application/wasm for the engines, so that
// nothing depends on sniffing), a log of every request, and
// `cache-control: no-cache` (no validators are sent, so every fetch reaches
// the server). Not `no-store`: Chromium then reports a fetch whose body was
// read to the end through getReader() as failed (net::ERR_ABORTED) to
// DevTools, although the page got every byte (playwright issue #42742).
//
// For the web page (web/): `/` redirects to `/web/`; every response outside
// /tests/ and /bench/ carries the page's Content-Security-Policy (CSP below; web/index.html
// repeats it in a <meta>), and web/sw.js is sent with `Service-Worker-Allowed: /`
// so that the service worker may control the whole origin (the page at /web/
// runs a worker at /src/js/worker.js and loads /dist/ and /models/).
//
//   const srv = await startServer();   // { origin, requests, close() }
//   node tools/serve.js [--port N]     // serve by hand (default 8080); prints the address
//
// `files` maps URL paths to other files or to contents (the browser tests
// serve a web/config.js pointing at the test fixture this way).

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.s2s': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The page's policy: only its own origin; WebAssembly compilation allowed
 * ('wasm-unsafe-eval', not 'unsafe-eval'); no inline script or style.
 * web/index.html carries the same minus frame-ancestors (ignored in a <meta>).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Starts the server. Resolves with { origin: 'http://127.0.0.1:PORT',
 * requests: [{ method, url, status }], close() } once it listens.
 * Options: root (default the repository), port (default 0: any free one),
 * host (default 127.0.0.1), files ({ '/url/path': { path } | { body, type } }).
 */
export function startServer({ root = ROOT, port = 0, host = '127.0.0.1', files = {} } = {}) {
  const base = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const entry = { method: req.method, url: req.url, status: 0 };
    requests.push(entry);
    const send = (status, body, headers = {}) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (path.includes('\0')) return send(400, 'bad request\n');
    if (path === '/') return send(302, 'see /web/\n', { location: '/web/' });
    if (path === '/web') return send(301, 'see /web/\n', { location: '/web/' });
    const headers = {
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    // the test pages of tests/browser/ use inline styles, the TF.js benchmark page an inline
    // import map (bench/browser/tfjs.html); everything else gets the page's policy
    if (!path.startsWith('/tests/') && !path.startsWith('/bench/')) {
      headers['content-security-policy'] = CSP;
      headers['referrer-policy'] = 'no-referrer';
    }
    if (path === '/web/sw.js') headers['service-worker-allowed'] = '/';
    if (path.endsWith('/')) path += 'index.html';
    const type = MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';

    const override = files[path];
    if (override && override.body !== undefined) {
      const body = Buffer.from(override.body);
      entry.status = 200;
      res.writeHead(200, { ...headers, 'content-type': override.type ?? type, 'content-length': body.length });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const file = override?.path ? resolve(override.path) : resolve(base, '.' + path);
    if (!override && file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n');
    let st;
    try {
      st = await stat(file);
    } catch {
      return send(404, 'not found\n');
    }
    if (!st.isFile()) return send(404, 'not found\n');
    entry.status = 200;
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': st.size });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  // idle keep-alive sockets would otherwise hold close() open
  server.keepAliveTimeout = 1000;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const { port: bound } = server.address();
      ok({
        origin: `http://${host}:${bound}`,
        requests,
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let port = Number(process.env.PORT) || 8080;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i].startsWith('--port=')) port = Number(args[i].slice(7));
    else { console.error(`tools/serve.js: unknown argument ${args[i]} (known: --port N)`); process.exit(2); }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error('tools/serve.js: --port must be 0-65535'); process.exit(2); }
  let srv;
  try {
    srv = await startServer({ port });
  } catch (e) {
    console.error(`tools/serve.js: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (try --port N)' : e.message}`);
    process.exit(1);
  }
  console.log(`seq2seq-wasm: the translation page is at ${srv.origin}/web/`);
  console.log(`(serving ${ROOT}; the browser API test page is ${srv.origin}/tests/browser/; Ctrl-C stops)`);
}
