// store.js — the tuned (or loaded) models kept in this browser: one IndexedDB
// record per direction and model choice { bytes: Uint8Array, name, steps,
// kind: 'tuned' | 'file', savedAt }. The main model ('lstm') of English ->
// Spanish keeps the key it had before there were two directions ('current'),
// and that of another direction the key it had before there were two models
// ('current-<direction>'), so a model kept then is still found; the
// Transformer has a slot of its own, so tuning one never overwrites the other.

const DB = 'seq2seq-wasm';
const STORE = 'models';
function keyOf(direction, choice = 'lstm') {
  const main = direction === 'en-es' ? 'current' : `current-${direction}`;
  return choice === 'lstm' ? main : `current-${direction}-${choice}`;
}

function open() {
  return new Promise((resolve, reject) => {
    if (!globalThis.indexedDB) { reject(new Error('this browser has no IndexedDB')); return; }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      let value;
      req.onsuccess = () => { value = req.result; };
      tx.oncomplete = () => resolve(value);
      tx.onerror = () => reject(tx.error ?? req.error);
      tx.onabort = () => reject(tx.error ?? new Error('the IndexedDB transaction was aborted'));
    });
  } finally {
    db.close();
  }
}

/** The stored model record of a direction ('en-es', 'es-en') and model choice ('lstm', 'transformer'), or null. */
export async function loadStored(direction, choice) {
  const rec = await run('readonly', (s) => s.get(keyOf(direction, choice)));
  if (!rec || !(rec.bytes instanceof Uint8Array) || rec.bytes.length === 0) return null;
  return rec;
}

/** Keeps { bytes, name, steps, kind } as the page's model of a direction and model choice. */
export function saveStored(direction, choice, rec) {
  return run('readwrite', (s) => s.put({ ...rec, savedAt: Date.now() }, keyOf(direction, choice)));
}

export function clearStored(direction, choice) {
  return run('readwrite', (s) => s.delete(keyOf(direction, choice)));
}
