// server.js — the browser tests' static server: tools/serve.js (shared with
// `npm start`), serving the repository root on 127.0.0.1 at an ephemeral
// port with the right MIME types (application/wasm for the engines), a log
// of every request and `cache-control: no-cache`. See tools/serve.js.
//
//   const srv = await startServer();   // { origin, requests, close() }
//   node tests/browser/server.js       // serve by hand; prints the pages' URLs

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, startServer } from '../../tools/serve.js';

export { ROOT, startServer };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srv = await startServer();
  console.log(`serving ${ROOT} at ${srv.origin}/tests/browser/ and ${srv.origin}/web/ (Ctrl-C stops)`);
}
