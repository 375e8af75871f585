#!/usr/bin/env python3
"""Grow a trained f32 Transformer into a larger one that computes the same function.

    /usr/bin/python3 tools/grow_transformer.py IN.s2s OUT.s2s [--layers N]
        [--dec-layers N] [--ff N] [--seed S]

The browser allows a model about twice the size of the shipped Transformers
(int8 file <= 20 MB), but training one from scratch on two CPU cores takes
days. Growing keeps what the small model learned and adds capacity that
training then fills in:

- new encoder layers (--layers) go after the last one, new decoder layers
  (--dec-layers) likewise; each is a pre-norm block whose residual branches
  end in zero output weights (att.w_o, self.w_o, cross.w_o and ff.w2 with
  their biases), so it adds nothing until training moves those weights;
- a wider feed-forward (--ff) appends hidden units to every layer whose
  second matrix (ff.w2) has zero columns for them, so they add nothing either.

The other new weights are drawn uniform in [-0.1, 0.1] as s2s train draws a
new model's (--init-scale 0.1; numpy's generator with --seed, not the C one:
a grown model has no from-scratch twin to match), LayerNorms start as the
identity. Tokenizer, metadata and the train.* keys are kept, so
`s2s train --init OUT.s2s --continue --rewarm N` goes on with the schedule
where IN's run was; meta.grown_from records the shape it came from.
"""
import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s2sfile  # noqa: E402

INIT_SCALE = 0.1
# the residual branch ends: zero here makes a block the identity
ZERO = re.compile(r"\.(att|self|cross)\.[wb]_o$|\.ff\.[wb]2$")
LAYER = re.compile(r"^(enc|dec)\.(\d+)\.(.*)$")


def new_layer(template, stack, index, rng):
    """The tensors of a new block `stack`.`index`, shaped like `template`'s
    (the stack's layer 0), as (name, array) in template order."""
    out = []
    for name, t in template:
        rest = LAYER.match(name).group(3)
        new = f"{stack}.{index}.{rest}"
        if ZERO.search(new):
            a = np.zeros_like(t)
        elif re.search(r"ln\d\.g$", new):
            a = np.ones_like(t)
        elif re.search(r"ln\d\.b$", new):
            a = np.zeros_like(t)
        else:
            a = rng.uniform(-INIT_SCALE, INIT_SCALE, t.shape).astype(np.float32)
        out.append((new, a))
    return out


def widen_ff(name, t, ff, rng):
    """ff.w1 [ff, emb] and ff.b1 [ff] get new rows drawn at random; ff.w2
    [emb, ff] gets zero columns, so the new units contribute nothing."""
    if name.endswith(".ff.w2"):
        return np.concatenate([t, np.zeros((t.shape[0], ff - t.shape[1]), np.float32)], axis=1)
    if name.endswith((".ff.w1", ".ff.b1")):
        rows = rng.uniform(-INIT_SCALE, INIT_SCALE, (ff - t.shape[0],) + t.shape[1:])
        return np.concatenate([t, rows.astype(np.float32)], axis=0)
    return t


def grow(kv, tensors, layers, dec_layers, ff, seed):
    if kv.get("s2s.architecture") != 1:
        raise ValueError("not a Transformer (s2s.architecture is not 1)")
    for name, t in tensors.items():
        if isinstance(t, s2sfile.Q8Tensor):
            raise ValueError(f"{name} is int8: grow the f32 master, not the shipped file")
    old = (kv["s2s.layers"], kv["s2s.dec_layers"], kv["s2s.ff_dim"])
    want = (layers or old[0], dec_layers or old[1], ff or old[2])
    for what, o, w in zip(("--layers", "--dec-layers", "--ff"), old, want):
        if w < o:
            raise ValueError(f"{what} {w} is smaller than the model's {o}: growing only adds")
    rng = np.random.default_rng(seed)
    grown = []
    for name, t in tensors.items():
        grown.append((name, widen_ff(name, t, want[2], rng) if want[2] > old[2] else t))
    for stack, n_old, n_new in (("enc", old[0], want[0]), ("dec", old[1], want[1])):
        # new blocks go right after the stack's last one, before its final LayerNorm
        at = next(i for i, (n, _) in enumerate(grown) if n.startswith(f"{stack}.ln."))
        template = [(n, t) for n, t in grown if n.startswith(f"{stack}.0.")]
        added = [x for i in range(n_old, n_new) for x in new_layer(template, stack, i, rng)]
        grown = grown[:at] + added + grown[at:]
    kv = dict(kv)
    kv["s2s.layers"], kv["s2s.dec_layers"], kv["s2s.ff_dim"] = want
    kv["meta.grown_from"] = f"layers {old[0]}+{old[1]}, ff {old[2]}"
    return kv, grown


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--layers", type=int, help="encoder layers (default: as now)")
    ap.add_argument("--dec-layers", type=int, help="decoder layers (default: as now)")
    ap.add_argument("--ff", type=int, help="feed-forward width (default: as now)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    kv, tensors = s2sfile.read(a.input)
    try:
        kv, tensors = grow(kv, tensors, a.layers, a.dec_layers, a.ff, a.seed)
    except ValueError as e:
        sys.exit(f"grow_transformer: {a.input}: {e}")
    s2sfile.write(a.output, kv, tensors)
    n = sum(int(np.prod(t.shape)) for _, t in tensors)
    print(f"grow_transformer: {a.output}: layers {kv['s2s.layers']}+{kv['s2s.dec_layers']}, "
          f"ff {kv['s2s.ff_dim']}, {n} parameters (from {kv['meta.grown_from']})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
