// s2sfile.js — just enough of the .s2s format (docs/format.md) for tests to
// find a tensor's bytes, add a metadata entry and re-seal a changed file
// with its CRC-32.
const TYPE_SIZES = { 0: 4, 1: 4 };

// The file's layout: its counts, where the key/value entries end (kvEnd) and
// the tensor table ends (tableEnd), the data offset, and each tensor's entry.
function layout(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 32;
  const u32 = () => { const v = dv.getUint32(at, true); at += 4; return v; };
  const str = () => { const n = u32(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const nKv = dv.getUint32(8, true), nT = dv.getUint32(12, true);
  const dataOffset = Number(dv.getBigUint64(16, true));
  for (let i = 0; i < nKv; i++) {
    str();
    const type = u32();
    if (type in TYPE_SIZES) at += TYPE_SIZES[type];
    else if (type === 2) str();
    else if (type === 3 || type === 4) { const n = u32(); at += 4 * n; }
    else if (type === 5) { const n = u32(); for (let k = 0; k < n; k++) str(); }
  }
  const kvEnd = at;
  const entries = {};
  for (let i = 0; i < nT; i++) {
    const name = str(), dtype = u32(), nd = u32();
    const dims = Array.from({ length: nd }, u32);
    const offset = Number(dv.getBigUint64(at, true));
    at += 8;
    entries[name] = { dtype, dims, offset: dataOffset + offset };
  }
  return { nKv, dataOffset, kvEnd, tableEnd: at, entries };
}

export function tensors(bytes) {
  return layout(bytes).entries;
}

let table;
export function crc32(bytes) {
  table ??= Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A copy of the file with one more string metadata entry (`meta.KEY` = value). */
export function withMeta(bytes, key, value) {
  const { nKv, dataOffset, kvEnd, tableEnd } = layout(bytes);
  const enc = new TextEncoder();
  const k = enc.encode(`meta.${key}`), v = enc.encode(value);
  const entry = new Uint8Array(12 + k.length + v.length);
  const ev = new DataView(entry.buffer);
  ev.setUint32(0, k.length, true); entry.set(k, 4);
  ev.setUint32(4 + k.length, 2, true);
  ev.setUint32(8 + k.length, v.length, true); entry.set(v, 12 + k.length);
  const newOffset = Math.ceil((tableEnd + entry.length) / 32) * 32;
  const out = new Uint8Array(newOffset + bytes.length - dataOffset);
  out.set(bytes.subarray(0, kvEnd));
  out.set(entry, kvEnd);
  out.set(bytes.subarray(kvEnd, tableEnd), kvEnd + entry.length);
  out.set(bytes.subarray(dataOffset), newOffset);
  const ov = new DataView(out.buffer);
  ov.setUint32(8, nKv + 1, true);
  ov.setBigUint64(16, BigInt(newOffset), true);
  ov.setBigUint64(24, BigInt(out.length), true);
  return reseal(out);
}

/** Rewrites the CRC-32 trailer after a change. */
export function reseal(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}
