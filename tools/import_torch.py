"""Turn a torch_ref.Seq2Seq state dict into an .s2s model file.

    /usr/bin/python3 tools/import_torch.py STATE_DICT.pt HPARAMS.json OUT.s2s \
        [--vocab spm.vocab] [--meta KEY=VALUE ...]

STATE_DICT.pt is torch.save(model.state_dict()) of tools/torch_ref.Seq2Seq;
HPARAMS.json holds the 12 s2s_hparams fields (src_vocab ... tie_output), and for a
torch_ref.Transformer also architecture (1), heads, ff_dim, dec_layers, positions,
max_positions and activation.
--vocab takes spm_export_vocab output ("piece<TAB>score" per line, id order)
and stores tokenizer.pieces/scores/types; types are inferred: <unk> 2,
<s> </s> <pad> 3, <0xNN> 6, anything else 1.
"""

import argparse
import json
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import s2sfile  # noqa: E402
import torch_ref as R  # noqa: E402

BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


def piece_type(piece):
    if piece == "<unk>":
        return 2
    if piece in ("<s>", "</s>", "<pad>"):
        return 3
    if BYTE_PIECE.match(piece):
        return 6
    return 1


def read_spm_vocab(path):
    pieces, scores = [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line:
                continue
            piece, sep, score = line.rpartition("\t")
            if not sep:
                raise ValueError("%s:%d: expected 'piece<TAB>score'" % (path, lineno))
            pieces.append(piece)
            scores.append(float(score))
    return pieces, scores


def convert(state_dict, hparams, vocab=None, meta=None):
    """-> (kv, tensors) ready for s2sfile.write."""
    hp = R.full_hparams(hparams)  # the Transformer's keys too (then a version-3 file)
    model = R.build(hp)
    model.load_state_dict(state_dict, strict=True)
    kv = R.hparam_kv(hp)
    if vocab is not None:
        pieces, scores = vocab
        if len(pieces) < max(hp["src_vocab"], hp["tgt_vocab"]):
            print("warning: vocabulary has %d pieces, model vocabularies %d/%d"
                  % (len(pieces), hp["src_vocab"], hp["tgt_vocab"]), file=sys.stderr)
        kv["tokenizer.pieces"] = list(pieces)
        kv["tokenizer.scores"] = np.asarray(scores, dtype=np.float32)
        kv["tokenizer.types"] = np.asarray([piece_type(p) for p in pieces], dtype=np.int32)
    for k, v in (meta or {}).items():
        kv["meta." + k] = str(v)
    tensors = [(n, np.ascontiguousarray(p.detach().cpu().numpy().astype(np.float32)))
               for n, p in model.named_s2s_tensors()]
    return kv, tensors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("state_dict")
    ap.add_argument("hparams_json")
    ap.add_argument("out")
    ap.add_argument("--vocab", help="spm_export_vocab output")
    ap.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                    help="free-form meta.KEY string (repeatable)")
    args = ap.parse_args(argv)
    sd = torch.load(args.state_dict, map_location="cpu")
    with open(args.hparams_json, encoding="utf-8") as fh:
        hparams = json.load(fh)
    vocab = read_spm_vocab(args.vocab) if args.vocab else None
    meta = {}
    for m in args.meta:
        k, sep, v = m.partition("=")
        if not sep or not k:
            ap.error("--meta wants KEY=VALUE, got %r" % m)
        meta[k] = v
    kv, tensors = convert(sd, hparams, vocab, meta)
    s2sfile.write(args.out, kv, tensors)
    n = sum(t.size for _, t in tensors)
    print("%s: %d tensors, %d parameters" % (args.out, len(tensors), n))


if __name__ == "__main__":
    main()
