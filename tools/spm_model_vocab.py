#!/usr/bin/env python3
"""Print a SentencePiece .model's vocabulary as `piece<TAB>score`, one line per id.

The same format as `spm_export_vocab`, but every score printed with 9
significant digits, enough to give back the model's exact float32
(spm_export_vocab prints 6, so near-ties can encode differently from the
.model). Reads the protobuf by hand: ModelProto field 1 holds the pieces,
each a message with 1 = piece (string), 2 = score (float), 3 = type.

usage: spm_model_vocab.py MODEL [OUT.tsv]
"""
import struct
import sys


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """Yield (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield num, wire, value


def pieces(model_bytes):
    """Yield (piece, score, type) in id order."""
    for num, wire, value in fields(model_bytes):
        if num != 1 or wire != 2:
            continue
        piece, score, ptype = "", 0.0, 1
        for n, w, v in fields(value):
            if n == 1:
                piece = v.decode("utf-8")
            elif n == 2:
                score = struct.unpack("<f", v)[0]
            elif n == 3:
                ptype = v
        yield piece, score, ptype


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    lines = "".join(f"{p}\t{s:.9g}\n" for p, s, _ in pieces(data))
    if len(sys.argv) == 3:
        with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
            f.write(lines)
    else:
        sys.stdout.write(lines)


if __name__ == "__main__":
    main()
