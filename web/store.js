// store.js — the tuned (or loaded) models kept in this browser: one IndexedDB
// record per direction { bytes: Uint8Array, name, steps, kind: 'tuned' | 'file',
// savedAt }. English -> Spanish keeps the key it had before there were two
// directions ('current'), so a model kept then is still found.

const DB = 'seq2seq-wasm';
const STORE = 'models';
const keyOf = (direction) => (direction === 'en-es' ? 'current' : `current-${direction}`);

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

/** The stored model record of a direction ('en-es', 'es-en'), or null. */
export async function loadStored(direction) {
  const rec = await run('readonly', (s) => s.get(keyOf(direction)));
  if (!rec || !(rec.bytes instanceof Uint8Array) || rec.bytes.length === 0) return null;
  return rec;
}

/** Keeps { bytes, name, steps, kind } as the page's current model of a direction. */
export function saveStored(direction, rec) {
  return run('readwrite', (s) => s.put({ ...rec, savedAt: Date.now() }, keyOf(direction)));
}

export function clearStored(direction) {
  return run('readwrite', (s) => s.delete(keyOf(direction)));
}
