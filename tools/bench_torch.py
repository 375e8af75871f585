#!/usr/bin/python3
"""Training throughput of the PyTorch reference (tools/torch_ref.Seq2Seq) on
exactly the shapes, batches and optimizer settings bench/bench_core.c uses.

    /usr/bin/python3 tools/bench_torch.py [--shape h256|h512|all] [--steps N]
        [--warmup N] [--batch N] [--vocab N] [--dropout P] [--threads N] [--json]

Per step: forward with teacher forcing, CrossEntropyLoss(ignore_index=PAD,
label_smoothing=0.1), backward, clip_grad_norm_(5.0), Adam(lr 1e-3). Batches
are collated into padded tensors once, before timing (bench_core's batches
are built before timing too; the C trainer adds SOS/EOS inside its step, so
the C side pays for that and we do not -- a few microseconds).

Random data: the same 64-bit LCG and draw order as bench_core.c, so both
sides see identical ids and lengths. Reported: target tokens (EOS included,
PAD excluded) per wall-clock second and per process-CPU second, median over
the timed steps after warm-up. Also which BLAS library the process mapped.
"""

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_ref  # noqa: E402
from torch_ref import Seq2Seq, make_decoder_io, token_loss  # noqa: E402

# The recipe of bench/bench_core.c (keep in sync).
SRC_LO, SRC_HI, TGT_LO, TGT_HI, FIRST_ID = 12, 22, 13, 23, 4
DATA_SEED = 20240501
N_BATCHES = 4
MASK64 = (1 << 64) - 1

SHAPES = {"h256": (128, 256), "h512": (256, 512)}


class Lcg:
    def __init__(self, seed):
        self.s = seed & MASK64

    def int(self, lo, hi):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK64
        v = (self.s >> 33) & 0xFFFFFFFF
        return lo + v % (hi - lo + 1)


def make_batches(batch, vocab):
    """-> [(src (B,S), src_len (B,), dec_in (B,T+1), dec_out (B,T+1), n_tokens)]"""
    rng = Lcg(DATA_SEED)
    out = []
    for _ in range(N_BATCHES):
        srcs, tgts = [], []
        for _ in range(batch):
            ls = rng.int(SRC_LO, SRC_HI)
            lt = rng.int(TGT_LO, TGT_HI)
            srcs.append([rng.int(FIRST_ID, vocab - 1) for _ in range(ls)])
            tgts.append([rng.int(FIRST_ID, vocab - 1) for _ in range(lt)])
        S = max(len(s) for s in srcs)
        T = max(len(t) for t in tgts)
        src = torch.full((batch, S), torch_ref.PAD, dtype=torch.long)
        tgt = torch.full((batch, T), torch_ref.PAD, dtype=torch.long)
        for i, (s, t) in enumerate(zip(srcs, tgts)):
            src[i, :len(s)] = torch.tensor(s)
            tgt[i, :len(t)] = torch.tensor(t)
        src_len = torch.tensor([len(s) for s in srcs], dtype=torch.long)
        tgt_len = torch.tensor([len(t) for t in tgts], dtype=torch.long)
        dec_in, dec_out = make_decoder_io(tgt, tgt_len)
        n_tok = int((dec_out != torch_ref.PAD).sum())
        out.append((src, src_len, dec_in, dec_out, n_tok))
    return out


def hparams(shape, vocab):
    he, hd = SHAPES[shape]
    return dict(src_vocab=vocab, tgt_vocab=vocab, emb_dim=256, enc_hidden=he, dec_hidden=hd,
                layers=1, bidirectional=1, cell=torch_ref.CELL_LSTM,
                attention=torch_ref.ATTN_BAHDANAU, bridge=torch_ref.BRIDGE_PROJECT,
                input_feed=1, tie_output=0)


def blas_info():
    """Which BLAS/LAPACK shared objects this process mapped, and OpenBLAS's own view."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(p)
            if "blas" in base or "lapack" in base:
                libs.add(os.path.realpath(p))
    info = {"mapped": sorted(libs)}
    for p in sorted(libs):
        try:
            lib = ctypes.CDLL(p)
            get_core = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        get_core.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        info["openblas_core"] = get_core().decode()
        info["openblas_config"] = lib.openblas_get_config().decode()
        info["openblas_threads"] = lib.openblas_get_num_threads()
        break
    # Which library provides the sgemm_ that libtorch_cpu calls: dlsym on its
    # handle searches it and its dependencies in load order, as the loader did.
    torch_cpu = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    try:
        addr = ctypes.cast(ctypes.CDLL(torch_cpu).sgemm_, ctypes.c_void_p).value
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                if lo <= addr < hi and len(parts) >= 6:
                    info["sgemm_from"] = os.path.realpath(parts[-1])
                    break
    except (OSError, AttributeError):
        pass
    if "sgemm_from" in info:
        info["kind"] = "reference" if "/blas/" in info["sgemm_from"] else "openblas"
    return info


def bench_train(shape, a):
    torch.manual_seed(1)
    model = Seq2Seq(hparams(shape, a.vocab), dropout=a.dropout)
    with torch.no_grad():
        for p in model.parameters():  # like s2s_model_init(scale 0.1)
            p.uniform_(-0.1, 0.1)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    batches = make_batches(a.batch, a.vocab)
    wall, cpu, tw, tc, toks = [], [], [], [], []
    first = last = None
    for k in range(a.warmup + a.steps):
        src, src_len, dec_in, dec_out, n_tok = batches[k % N_BATCHES]
        w0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        logits = model(src, src_len, dec_in)
        loss = token_loss(logits, dec_out, 0.1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        lv = float(loss)
        dw, dc = time.perf_counter() - w0, time.process_time() - c0
        if first is None:
            first = lv
        last = lv
        if k >= a.warmup:
            wall.append(dw)
            cpu.append(dc)
            tw.append(n_tok / dw)
            tc.append(n_tok / dc)
            toks.append(n_tok)
    return dict(tok_s=statistics.median(tw), tok_s_cpu=statistics.median(tc),
                step_ms=statistics.median(wall) * 1e3, step_ms_cpu=statistics.median(cpu) * 1e3,
                tokens_per_step=sum(toks) / len(toks), first_loss=first, last_loss=last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", default="all", choices=["h256", "h512", "all"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--label", default="", help="a name for this configuration in the JSON")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    shapes = ["h256", "h512"] if a.shape == "all" else [a.shape]
    res = dict(impl="torch", label=a.label, torch=torch.__version__, python=platform.python_version(),
               threads=torch.get_num_threads(), blas=blas_info(), batch=a.batch, vocab=a.vocab,
               dropout=a.dropout, warmup=a.warmup, steps=a.steps,
               env={k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
                                                    "LD_LIBRARY_PATH", "OMP_NUM_THREADS")},
               shapes={})
    if not a.json:
        b = res["blas"]
        print("bench_torch: torch %s, %d threads, sgemm_ from %s (%s)"
              % (torch.__version__, res["threads"], b.get("sgemm_from", "?"),
                 b.get("openblas_core", b.get("kind", "?"))))
    for s in shapes:
        he, hd = SHAPES[s]
        r = bench_train(s, a)
        res["shapes"][s] = dict(emb=256, enc_hidden=he, dec_hidden=hd, train=r)
        if not a.json:
            print("%s: %.0f tok/s wall (%.1f ms/step), %.0f tok/s per CPU-second; "
                  "%.0f tokens/step; loss %.3f -> %.3f"
                  % (s, r["tok_s"], r["step_ms"], r["tok_s_cpu"], r["tokens_per_step"],
                     r["first_loss"], r["last_loss"]))
            sys.stdout.flush()
    if a.json:
        print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
