#!/usr/bin/env python3
"""Read and write .s2s model files (docs/format.md) with numpy only.

    import s2sfile
    s2sfile.write("m.s2s", {"s2s.emb_dim": 256, "meta.name": "demo"},
                  [("src_emb", np.zeros((100, 256), np.float32))])
    kv, tensors = s2sfile.read("m.s2s")

kv values map to types by their Python type: int -> I32, float -> F32,
str -> STR, 1-D int32 array -> I32_ARRAY, 1-D float32 array -> F32_ARRAY,
list/tuple of str -> STR_ARRAY. Tensors are float32 arrays (F32), int32
arrays (I32) or Q8Tensor (Q8, dtype 3: per-row int8, format version 2). The
retired dtype 1 (Q8 blocks of 32, version 1) is refused on reading. The layout is the one src/format.c writes,
byte for byte: entries in the order given, data_offset and every tensor at
the next multiple of 32, zero padding, CRC-32 trailer.

`python3 tools/s2sfile.py FILE` prints the key/values and the tensor table.
"""
import io
import struct
import sys
import zlib

import numpy as np

MAGIC = b"S2SM"
VERSION = 3      # the newest read; versions 1..3 are read (version 1: no dtype 3, see docs/format.md)
VERSION_DEFAULT = 2  # written, except for a Transformer (s2s.architecture != 0): 3, as src/model.c
MIN_VERSION = 1
ALIGN = 32
HEADER = struct.Struct("<4sIIIQQ")  # magic, version, n_kv, n_tensors, data_offset, file_size
MAX_KV = 65536
MAX_TENSORS = 4096
MAX_NAME = 256
MAX_STR_VALUE = 1 << 20
MAX_ARRAY = 1 << 24
Q8_COLS = 16      # a Q8 tensor's innermost dim (its row length) is a multiple of this

I32, F32, STR, I32_ARRAY, F32_ARRAY, STR_ARRAY = range(6)
KV_TYPE_NAMES = ["I32", "F32", "STR", "I32_ARRAY", "F32_ARRAY", "STR_ARRAY"]
DTYPE_F32, DTYPE_Q8_BLOCKS, DTYPE_I32, DTYPE_Q8 = range(4)  # DTYPE_Q8_BLOCKS is retired
DTYPE_NAMES = ["F32", "Q8 blocks (retired)", "I32", "Q8"]


class Q8Tensor:
    """A per-row int8 tensor (dtype 3): dims (outermost first, 1..4 of them)
    and its raw bytes. cols = the innermost dim, a multiple of 16; rows =
    product(dims) / cols. raw is `rows` little-endian f32 scales (scale of row
    r) then rows * cols int8 values, row-major; value = scale[r] * q[r][c]."""

    def __init__(self, dims, raw):
        self.dims = tuple(int(d) for d in dims)
        self.raw = bytes(raw)
        if not 1 <= len(self.dims) <= 4 or any(d < 1 for d in self.dims):
            raise ValueError(f"Q8Tensor: bad dims {self.dims}")
        if self.dims[-1] % Q8_COLS:
            raise ValueError(f"Q8Tensor: innermost dim {self.dims[-1]} is not a multiple of "
                             f"{Q8_COLS}")
        if len(self.raw) != q8_nbytes(self.dims):
            raise ValueError(f"Q8Tensor: {len(self.raw)} bytes, dims {self.dims} need "
                             f"{q8_nbytes(self.dims)}")

    @classmethod
    def from_parts(cls, dims, scales, qs):
        """The tensor of shape dims from its row scales (rows,) and int8
        values (rows, cols), taken as float32 and int8."""
        scales = np.asarray(scales, np.float32).reshape(-1)
        qs = np.asarray(qs)
        if qs.dtype != np.int8:
            raise ValueError(f"Q8Tensor.from_parts: need int8 values, got {qs.dtype}")
        return cls(dims, scales.astype("<f4").tobytes() + np.ascontiguousarray(qs).tobytes())

    @property
    def shape(self):
        return self.dims

    @property
    def cols(self):
        return self.dims[-1]

    @property
    def rows(self):
        return _product(self.dims) // self.cols

    def scales(self):
        """The row scales, float32 of shape (rows,)."""
        return np.frombuffer(self.raw, "<f4", self.rows).astype(np.float32)

    def qs(self):
        """The int8 values, shape (rows, cols)."""
        return np.frombuffer(self.raw, np.int8, offset=4 * self.rows).reshape(
            self.rows, self.cols).copy()

    def dequantize(self):
        """The float32 values scale[r] * q[r][c] in the tensor's shape."""
        return (self.scales()[:, None] * self.qs().astype(np.float32)).reshape(self.dims)

    def __eq__(self, other):
        return isinstance(other, Q8Tensor) and self.dims == other.dims and self.raw == other.raw

    def __repr__(self):
        return f"Q8Tensor(dims={self.dims}, {len(self.raw)} bytes)"


def _product(dims):
    n = 1
    for d in dims:
        n *= int(d)
    return n


def q8_nbytes(dims):
    """Bytes of a Q8 tensor of shape dims: 4 * rows + rows * cols."""
    cols = int(dims[-1])
    if cols < 1 or cols % Q8_COLS:
        raise ValueError(f"q8_nbytes: innermost dim {cols} is not a positive multiple of "
                         f"{Q8_COLS}")
    rows = _product(dims) // cols
    return 4 * rows + rows * cols


def quantize_q8(x):
    """Quantize a float32 array (1..4 dims, the last a multiple of 16) row by
    row with the engine's rule, bit for bit: per row, amax = the largest |x|,
    ignoring NaN, starting from 0; scale = amax / 127 in float32; a row whose
    scale is 0 stores q = 0; otherwise q = round-half-to-even(x / scale) with
    the division in float32, saturated to [-128, 127] as the SIMD narrowing does
    (only subnormal rows get past 127 in magnitude), and NaN -> 0."""
    x = np.asarray(x)
    if x.dtype != np.float32:
        raise ValueError(f"quantize_q8: need float32, got {x.dtype}")
    if x.ndim < 1 or x.shape[-1] % Q8_COLS:
        raise ValueError(f"quantize_q8: innermost dim of shape {x.shape} is not a multiple "
                         f"of {Q8_COLS}")
    rows = x.reshape(-1, x.shape[-1])
    mag = np.abs(rows)
    amax = np.max(np.where(np.isnan(mag), np.float32(0), mag), axis=1,
                  initial=np.float32(0)).astype(np.float32)
    scale = (amax / np.float32(127)).astype(np.float32)
    safe = np.where(scale == 0, np.float32(1), scale).astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        q = np.rint(rows / safe[:, None])  # float32 / float32 stays float32
    q = np.where(np.isnan(q) | (scale[:, None] == 0), np.float32(0), q)
    q = np.clip(q, -128, 127).astype(np.int8)
    return Q8Tensor.from_parts(x.shape, scale, q)


# ---------------------------------------------------------------- writing

def _name_bytes(name, what):
    b = name.encode("utf-8", "surrogateescape") if isinstance(name, str) else bytes(name)
    if not 1 <= len(b) <= MAX_NAME:
        raise ValueError(f"{what} {name!r}: {len(b)} bytes, must be 1..{MAX_NAME}")
    return b


def _string(s, what):
    b = s.encode("utf-8", "surrogateescape")
    if len(b) > MAX_STR_VALUE:
        raise ValueError(f"{what}: string of {len(b)} bytes exceeds 1 MiB")
    return struct.pack("<I", len(b)) + b


def _encode_value(key, v):
    """(type, bytes after the type) for one kv value."""
    if isinstance(v, (bool, int, np.integer)):
        if not -(1 << 31) <= int(v) < (1 << 31):
            raise ValueError(f"kv {key!r}: {v} does not fit in int32")
        return I32, struct.pack("<i", int(v))
    if isinstance(v, (float, np.floating)):
        return F32, np.float32(v).tobytes()
    if isinstance(v, str):
        return STR, _string(v, f"kv {key!r}")
    if isinstance(v, np.ndarray):
        if v.ndim != 1 or v.dtype not in (np.int32, np.float32):
            raise ValueError(f"kv {key!r}: arrays must be 1-D int32 or float32, got "
                             f"{v.dtype} {v.shape}")
        if len(v) > MAX_ARRAY:
            raise ValueError(f"kv {key!r}: {len(v)} elements exceed 2^24")
        t = I32_ARRAY if v.dtype == np.int32 else F32_ARRAY
        return t, struct.pack("<I", len(v)) + v.astype(v.dtype.newbyteorder("<")).tobytes()
    if isinstance(v, (list, tuple)) and all(isinstance(s, str) for s in v):
        if len(v) > MAX_ARRAY:
            raise ValueError(f"kv {key!r}: {len(v)} elements exceed 2^24")
        return STR_ARRAY, struct.pack("<I", len(v)) + b"".join(
            _string(s, f"kv {key!r} element {i}") for i, s in enumerate(v))
    raise ValueError(f"kv {key!r}: unsupported value type {type(v).__name__}")


def _encode_tensor(name, v):
    """(dtype, dims, data bytes) for one tensor value."""
    if isinstance(v, Q8Tensor):
        return DTYPE_Q8, v.dims, v.raw
    if isinstance(v, np.ndarray) and v.dtype in (np.float32, np.int32):
        if not 1 <= v.ndim <= 4 or v.size == 0:
            raise ValueError(f"tensor {name!r}: shape {v.shape} needs 1..4 dims, each >= 1")
        dtype = DTYPE_F32 if v.dtype == np.float32 else DTYPE_I32
        data = np.ascontiguousarray(v, dtype=v.dtype.newbyteorder("<")).tobytes()
        return dtype, v.shape, data
    raise ValueError(f"tensor {name!r}: need a float32/int32 array or a Q8Tensor, got "
                     f"{type(v).__name__} {getattr(v, 'dtype', '')}")


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def to_bytes(kv, tensors):
    """The complete file for kv (a dict, in its order) and tensors (a list of
    (name, value) in the order they are laid out)."""
    if len(kv) > MAX_KV:
        raise ValueError(f"{len(kv)} kv exceed {MAX_KV}")
    if len(tensors) > MAX_TENSORS:
        raise ValueError(f"{len(tensors)} tensors exceed {MAX_TENSORS}")
    meta = io.BytesIO()
    seen = set()
    for key, v in kv.items():
        kb = _name_bytes(key, "key")
        if kb in seen:  # distinct str keys can collide after surrogateescape/bytes mixing
            raise ValueError(f"duplicate key {key!r}")
        seen.add(kb)
        t, value = _encode_value(key, v)
        meta.write(struct.pack("<I", len(kb)) + kb + struct.pack("<I", t) + value)
    entries, seen, offset = [], set(), 0
    for name, v in tensors:
        nb = _name_bytes(name, "tensor name")
        if nb in seen:
            raise ValueError(f"duplicate tensor name {name!r}")
        seen.add(nb)
        dtype, dims, data = _encode_tensor(name, v)
        offset = _align(offset)
        entries.append((nb, dtype, dims, offset, data))
        offset += len(data)
    for nb, dtype, dims, off, _ in entries:
        meta.write(struct.pack("<I", len(nb)) + nb + struct.pack("<II", dtype, len(dims)))
        meta.write(struct.pack(f"<{len(dims)}IQ", *dims, off))
    data_offset = _align(HEADER.size + meta.tell())
    file_size = data_offset + offset + 4
    buf = bytearray(file_size)
    # version 3 only for the Transformer, so RNN files stay readable by older engines
    version = VERSION if int(kv.get("s2s.architecture", 0)) != 0 else VERSION_DEFAULT
    HEADER.pack_into(buf, 0, MAGIC, version, len(kv), len(tensors), data_offset, file_size)
    body = meta.getvalue()
    buf[HEADER.size:HEADER.size + len(body)] = body
    for _, _, _, off, data in entries:
        buf[data_offset + off:data_offset + off + len(data)] = data
    struct.pack_into("<I", buf, file_size - 4, zlib.crc32(bytes(buf[:file_size - 4])))
    return bytes(buf)


def write(path_or_fileobj, kv, tensors):
    """Write to_bytes(kv, tensors) to a path or a binary file object."""
    data = to_bytes(kv, tensors)
    if hasattr(path_or_fileobj, "write"):
        path_or_fileobj.write(data)
    else:
        with open(path_or_fileobj, "wb") as f:
            f.write(data)


# ---------------------------------------------------------------- reading

class _Cursor:
    """Reads little-endian fields from buf[pos:end], raising ValueError with
    `where` when a field would run past end (data_offset)."""

    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def take(self, n, where, field):
        if n > self.end - self.pos:
            raise ValueError(f"{where}: {field} of {n} bytes at byte {self.pos} runs past "
                             f"data_offset ({self.end})")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self, where, field):
        return struct.unpack("<I", self.take(4, where, field))[0]

    def string(self, where, field, max_len, allow_empty):
        at = self.pos
        n = self.u32(where, f"{field} length")
        if n > max_len or (n == 0 and not allow_empty):
            raise ValueError(f"{where}: {field} length {n} at byte {at} is not in "
                             f"{0 if allow_empty else 1}..{max_len}")
        return bytes(self.take(n, where, field))


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


def read(path_or_bytes):
    """(kv dict, {name: float32/int32 array or Q8Tensor}) from a path or the
    file's bytes, validated as src/format.c does; ValueError says what is
    wrong and where."""
    _, kv, tensors, _ = _parse(_load(path_or_bytes))
    return kv, tensors


def _load(path_or_bytes):
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes)
    with open(path_or_bytes, "rb") as f:
        return f.read()


def _parse(buf):
    """(header dict, kv, tensors, table rows (name, dtype name, dims, offset,
    nbytes)) after validating everything in docs/format.md."""
    size = len(buf)
    if size < HEADER.size + 4:
        raise ValueError(f"file is {size} bytes, smaller than a header and a trailer (36)")
    magic, version, n_kv, n_tensors, data_offset, file_size = HEADER.unpack_from(buf, 0)
    if magic != MAGIC:
        raise ValueError('not an .s2s file: the magic is not "S2SM"')
    if not MIN_VERSION <= version <= VERSION:
        raise ValueError(f"file version {version}, this reader reads versions {MIN_VERSION} to "
                         f"{VERSION}")
    if file_size != size:
        raise ValueError(f"header file_size {file_size} disagrees with the size {size}")
    stored = struct.unpack_from("<I", buf, size - 4)[0]
    actual = zlib.crc32(buf[:size - 4])
    if stored != actual:
        raise ValueError(f"CRC-32 mismatch: trailer says 0x{stored:08x}, bytes give 0x{actual:08x}")
    if n_kv > MAX_KV:
        raise ValueError(f"n_kv {n_kv} exceeds {MAX_KV}")
    if n_tensors > MAX_TENSORS:
        raise ValueError(f"n_tensors {n_tensors} exceeds {MAX_TENSORS}")
    if data_offset % ALIGN or not HEADER.size <= data_offset <= size - 4:
        raise ValueError(f"data_offset {data_offset} is not a multiple of 32 in [32, {size - 4}]")
    min_bytes = n_kv * 13 + n_tensors * 25  # the smallest entries, as src/format.c checks
    if min_bytes > data_offset - HEADER.size:
        raise ValueError(f"n_kv {n_kv} and n_tensors {n_tensors} need at least {min_bytes} "
                         f"bytes of metadata, the file has {data_offset - HEADER.size}")

    c = _Cursor(buf, HEADER.size, data_offset)
    kv = {}
    for i in range(n_kv):
        where = f"kv {i}"
        kb = c.string(where, "key", MAX_NAME, False)
        key = _decode(kb)
        where = f"kv {i} ({key!r})"
        if key in kv:
            raise ValueError(f"duplicate key {key!r}")
        at = c.pos
        t = c.u32(where, "type")
        if t == I32:
            kv[key] = struct.unpack("<i", c.take(4, where, "I32 value"))[0]
        elif t == F32:
            kv[key] = float(np.frombuffer(c.take(4, where, "F32 value"), "<f4")[0])
        elif t == STR:
            kv[key] = _decode(c.string(where, "STR value", MAX_STR_VALUE, True))
        elif t in (I32_ARRAY, F32_ARRAY, STR_ARRAY):
            count_at = c.pos
            n = c.u32(where, "count")
            if n > MAX_ARRAY:
                raise ValueError(f"{where}: {KV_TYPE_NAMES[t]} count {n} at byte {count_at} "
                                 f"exceeds {MAX_ARRAY}")
            if t == STR_ARRAY:
                kv[key] = [_decode(c.string(where, "STR_ARRAY element", MAX_STR_VALUE, True))
                           for _ in range(n)]
            else:
                raw = c.take(4 * n, where, f"{KV_TYPE_NAMES[t]} value")
                kv[key] = np.frombuffer(raw, "<i4" if t == I32_ARRAY else "<f4").astype(
                    np.int32 if t == I32_ARRAY else np.float32)
        else:
            raise ValueError(f"{where}: unknown type {t} at byte {at}")

    data_len = size - 4 - data_offset
    tensors, spans, rows = {}, [], []
    for i in range(n_tensors):
        where = f"tensor {i}"
        name = _decode(c.string(where, "name", MAX_NAME, False))
        where = f"tensor {i} ({name!r})"
        at = c.pos
        dtype = c.u32(where, "dtype")
        n_dims = c.u32(where, "n_dims")
        if dtype == DTYPE_Q8_BLOCKS:
            raise ValueError(f"{where}: int8 blocks (dtype 1, format version 1) are no longer "
                             f"read; quantize the f32 model again")
        if dtype > DTYPE_Q8 or (dtype == DTYPE_Q8 and version < 2):  # dtype 3 came with version 2
            raise ValueError(f"{where}: unknown dtype {dtype} at byte {at} (version {version})")
        if not 1 <= n_dims <= 4:
            raise ValueError(f"{where}: n_dims {n_dims} at byte {at + 4} is not in 1..4")
        fields = struct.unpack(f"<{n_dims}IQ", c.take(4 * n_dims + 8, where, "dims and offset"))
        dims, offset = fields[:-1], fields[-1]
        if any(d == 0 for d in dims):
            raise ValueError(f"{where}: a dim is 0 in {dims}")
        if dtype == DTYPE_Q8:
            if dims[-1] % Q8_COLS:
                raise ValueError(f"{where}: Q8 innermost dim {dims[-1]} is not a multiple of "
                                 f"{Q8_COLS}")
            nbytes = q8_nbytes(dims)
        else:
            nbytes = _product(dims) * 4
        if nbytes >= 1 << 64:
            raise ValueError(f"{where}: the byte size overflows 64 bits")
        if offset % ALIGN:
            raise ValueError(f"{where}: offset {offset} is not a multiple of 32")
        if offset + nbytes > data_len:
            raise ValueError(f"{where}: data [{offset}, {offset + nbytes}) runs past the end of "
                             f"the tensor data ({data_len})")
        if name in tensors:
            raise ValueError(f"duplicate tensor name {name!r}")
        raw = buf[data_offset + offset:data_offset + offset + nbytes]
        if dtype == DTYPE_Q8:
            tensors[name] = Q8Tensor(dims, raw)
        else:
            tensors[name] = np.frombuffer(raw, "<f4" if dtype == DTYPE_F32 else "<i4").astype(
                np.float32 if dtype == DTYPE_F32 else np.int32).reshape(dims)
        spans.append((offset, offset + nbytes, i, name))
        rows.append((name, DTYPE_NAMES[dtype], dims, offset, nbytes))
    if any(buf[c.pos:data_offset]):
        raise ValueError(f"padding before data_offset {data_offset} is not zero")
    spans.sort()
    for a, b in zip(spans, spans[1:]):
        if a[1] > b[0]:
            raise ValueError(f"tensor {b[2]} ({b[3]!r}) overlaps tensor {a[2]} ({a[3]!r})")
    header = dict(version=version, n_kv=n_kv, n_tensors=n_tensors, data_offset=data_offset,
                  file_size=file_size)
    return header, kv, tensors, rows


def _show(v, limit=8):
    if isinstance(v, np.ndarray):
        kind = "I32_ARRAY" if v.dtype == np.int32 else "F32_ARRAY"
        items = ", ".join(repr(x.item()) for x in v[:limit])
        more = f", ... ({len(v)} total)" if len(v) > limit else ""
        return f"{kind}[{len(v)}] [{items}{more}]"
    if isinstance(v, list):
        items = ", ".join(repr(s) for s in v[:limit])
        more = f", ... ({len(v)} total)" if len(v) > limit else ""
        return f"STR_ARRAY[{len(v)}] [{items}{more}]"
    if isinstance(v, str):
        return "STR " + repr(v if len(v) <= 80 else v[:77] + "...")
    return ("I32 " if isinstance(v, int) else "F32 ") + repr(v)


def main(argv):
    if len(argv) != 2:
        print("usage: s2sfile.py FILE", file=sys.stderr)
        return 2
    try:
        header, kv, _, rows = _parse(_load(argv[1]))
    except (OSError, ValueError) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 1
    print(f"{argv[1]}: version {header['version']}, {header['file_size']} bytes, "
          f"{header['n_kv']} kv, {header['n_tensors']} tensors, data at {header['data_offset']}")
    for k, v in kv.items():
        print(f"  {k} = {_show(v)}")
    print(f"  {'name':<32} {'dtype':<5} {'dims':<24} {'offset':>10} {'bytes':>10}")
    for name, dtype, dims, offset, nbytes in rows:
        print(f"  {name:<32} {dtype:<5} {str(list(dims)):<24} {offset:>10} {nbytes:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
