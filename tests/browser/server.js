// server.js — a small static file server for the browser tests: serves the
// repository root on 127.0.0.1 at an ephemeral port (GET and HEAD only), with
// the MIME types the page needs (application/wasm for the engines, so that
// nothing depends on sniffing), a log of every request, and
// `cache-control: no-cache` (no validators are sent, so every fetch reaches
// the server). Not `no-store`: Chromium then reports a fetch whose body was
// read to the end through getReader() as failed (net::ERR_ABORTED) to
// DevTools, although the page got every byte (playwright issue #42742).
//
//   const srv = await startServer();   // { origin, requests, close() }
//   node tests/browser/server.js       // serve by hand; prints the page's URL

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.s2s': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Starts the server. Resolves with { origin: 'http://127.0.0.1:PORT',
 * requests: [{ method, url, status }], close() } once it listens.
 */
export function startServer({ root = ROOT } = {}) {
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
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(base, '.' + path);
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n');
    let st;
    try {
      st = await stat(file);
    } catch {
      return send(404, 'not found\n');
    }
    if (!st.isFile()) return send(404, 'not found\n');
    entry.status = 200;
    res.writeHead(200, {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  // idle keep-alive sockets would otherwise hold close() open
  server.keepAliveTimeout = 1000;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      const { port } = server.address();
      ok({
        origin: `http://127.0.0.1:${port}`,
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
  const srv = await startServer();
  console.log(`serving ${ROOT} at ${srv.origin}/tests/browser/ (Ctrl-C stops)`);
}
