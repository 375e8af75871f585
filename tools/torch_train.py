#!/usr/bin/python3
"""PyTorch trainer for the engine's models: `s2s train`'s recipe on GPUs,
data-parallel, exported to .s2s.

    /usr/bin/python3 tools/torch_train.py --train data/train.tsv --dev data/dev.tsv \\
        --vocab data/spm.vocab --out run/model-f32.s2s [the options of s2s train]
    torchrun --nproc_per_node=N tools/torch_train.py ...      # DDP: NCCL on GPUs, gloo on CPUs
    build/s2s quantize run/model-f32.s2s models/x.s2s         # int8, as for C-trained models

The same TSV files, vocabulary, options and defaults as `s2s train`, and the
same recipe: the batch plan of src/cli/cli_train.c (length-bucketed, shuffled
by its generator: the same batches in the same order), the C weight init for
new models, Adam, label smoothing, global-norm clipping, the exploding-loss
guard, dev loss and greedy dev BLEU (scored by `s2s score`), the best model by
dev BLEU at --out, --lr-decay on a dev plateau, early stopping, and exact
checkpoints (--checkpoint, default OUT.ckpt.pt; --resume). Text is tokenized by
the engine itself (build/s2s_ids), so both trainers see the same ids.

--batch is the global batch: with N processes each takes 1/N of every batch
and the step's gradient is that of the whole batch (the loss is divided by the
batch's token count, not each shard's). --amp bf16 computes in bfloat16 on
GPUs; the weights, the optimizer and the export stay f32.

What cannot match the C trainer: the dropout masks (C draws them from its own
generator); everything else follows the same arithmetic in f32.
"""

import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import import_torch  # noqa: E402
import s2sfile  # noqa: E402
import torch_ref as R  # noqa: E402

M64 = (1 << 64) - 1
MAX_SEQ_LEN = 512  # S2S_MAX_SEQ_LEN
MAX_BATCH = 1024   # S2S_MAX_BATCH
EXPLODE_FACTOR, EXPLODE_WARMUP, EXPLODE_DECAY = 10.0, 5, 0.9  # src/train.h

CELLS = {"rnn": R.CELL_RNN, "lstm": R.CELL_LSTM, "gru": R.CELL_GRU}
ATTENTIONS = {"none": R.ATTN_NONE, "bahdanau": R.ATTN_BAHDANAU, "dot": R.ATTN_DOT,
              "general": R.ATTN_GENERAL}
BRIDGES = {"copy": R.BRIDGE_COPY, "project": R.BRIDGE_PROJECT, "zero": R.BRIDGE_ZERO}


# --------------------------------------------------------------- generators
class CliRng:
    """cli_rng of src/cli/cli.c (splitmix64): the batch plan's generator."""

    def __init__(self, state):
        self.state = state & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        limit = M64 - M64 % n  # rejection, as in C, keeps it unbiased
        while True:
            x = self.next()
            if x < limit:
                return x % n


def c_init_params(n, seed, scale):
    """The n weights s2s_model_init draws (src/util.h's xorshift64*), float32.
    Python integers are slow, so 4096 lanes advance together: the generator
    is linear over GF(2), and 4096 steps at once are a 64x64 bit matrix."""
    z = (seed + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    state = (z ^ (z >> 31)) | 1

    def step(s):
        s ^= s >> 12
        s ^= (s << 25) & M64
        s ^= s >> 27
        return s

    lanes = 4096
    first = []
    s = state
    for _ in range(min(n, lanes)):
        s = step(s)
        first.append(s)
    states = np.array(first, dtype=np.uint64)
    if n > lanes:
        # column j of the jump matrix: the state `lanes` steps after the state 1 << j
        cols = []
        for j in range(64):
            v = 1 << j
            for _ in range(lanes):
                v = step(v)
            cols.append(v)
        cols = np.array(cols, dtype=np.uint64)
        out = np.empty(((n + lanes - 1) // lanes) * lanes, dtype=np.uint64)
        out[:lanes] = states
        cur = states
        one = np.uint64(1)
        for k in range(1, len(out) // lanes):
            nxt = np.zeros(lanes, dtype=np.uint64)
            for j in range(64):
                bit = (cur >> np.uint64(j)) & one
                nxt ^= np.where(bit == one, cols[j], np.uint64(0))
            out[k * lanes:(k + 1) * lanes] = nxt
            cur = nxt
        states = out[:n]
    with np.errstate(over="ignore"):
        u32 = (states * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(32)
    u = (u32 >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return (np.float32(2.0) * u - np.float32(1.0)) * np.float32(scale)


# --------------------------------------------------------------------- data
def read_tsv(path, reverse=False):
    """-> [(domain, src, tgt)] as bytes, read as src/cli/tsv.c reads them."""
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = []
    for lineno, line in enumerate(lines, 1):
        line = line.rstrip(b"\r\n")
        if not line:
            continue
        col = line.split(b"\t", 3)
        if len(col) not in (2, 3):
            raise SystemExit("%s:%d: expected 2 or 3 tab-separated columns (domain, en, es), "
                             "found %s" % (path, lineno, "more" if len(col) > 3 else "1"))
        dom = col[0] if len(col) == 3 else b"-"
        src, tgt = col[-2], col[-1]
        out.append((dom, tgt, src) if reverse else (dom, src, tgt))
    return out


def find_tool(name, explicit=None):
    """build/<name> (or S2S_BUILD_DIR, or an explicit path) from CMake."""
    cands = [explicit] if explicit else []
    cands += [os.path.join(os.environ.get("S2S_BUILD_DIR", ""), name) if
              os.environ.get("S2S_BUILD_DIR") else None,
              os.path.join(ROOT, "build", name)]
    for c in cands:
        if c and os.access(c, os.X_OK):
            return c
    raise SystemExit("torch_train: %s not found; build it with `cmake -S . -B build && cmake "
                     "--build build --target s2s s2s_ids` (or set S2S_BUILD_DIR)" % name)


def engine_encode(ids_tool, model_path, texts):
    """The engine's ids of each text (bytes): a list of int lists, or "long"/"error"."""
    if not texts:
        return []
    r = subprocess.run([ids_tool, "encode", model_path], input=b"\n".join(texts) + b"\n",
                       stdout=subprocess.PIPE, check=True)
    out = []
    for line in r.stdout.split(b"\n")[:len(texts)]:
        if line.startswith(b"!"):
            out.append(line[1:].decode())
        else:
            out.append([int(x) for x in line.split()])
    return out


def engine_decode(ids_tool, model_path, seqs):
    if not seqs:
        return []
    text = "".join(" ".join(str(int(i)) for i in s) + "\n" for s in seqs).encode()
    r = subprocess.run([ids_tool, "decode", model_path], input=text, stdout=subprocess.PIPE,
                       check=True)
    return r.stdout.split(b"\n")[:len(seqs)]


class Encoded:
    """Kept pairs of a corpus: ids per side and the corpus row they came from."""

    def __init__(self, src, tgt, row):
        self.src, self.tgt, self.row = src, tgt, row
        self.src_len = np.array([len(s) for s in src], dtype=np.int64)
        self.n = len(src)


def encode_corpus(ids_tool, model_path, pairs, max_len, what, log):
    """Drop pairs as encode_corpus in cli_train.c does: too long on a side,
    unreadable, or with an empty side."""
    enc_s = engine_encode(ids_tool, model_path, [p[1] for p in pairs])
    enc_t = engine_encode(ids_tool, model_path, [p[2] for p in pairs])
    src, tgt, row = [], [], []
    too_long = empty = bad = ns = nt = 0
    for i, (s, t) in enumerate(zip(enc_s, enc_t)):
        if isinstance(s, str):
            t = s  # C does not encode the target after a failed source
        if s == "long" or t == "long" or (
                not isinstance(t, str) and (len(s) > max_len or len(t) > max_len)):
            too_long += 1
            continue
        if isinstance(t, str):
            bad += 1
            continue
        if not s or not t:
            empty += 1
            continue
        src.append(np.array(s, dtype=np.int64))
        tgt.append(np.array(t, dtype=np.int64))
        row.append(i)
        ns += len(s)
        nt += len(t)
    n = len(src)
    log("%s: %d pairs kept of %d (%d longer than %d tokens, %d with an empty side, %d "
        "unreadable); %.1f source and %.1f target tokens per sentence"
        % (what, n, len(pairs), too_long, max_len, empty, bad, ns / n if n else 0.0,
           nt / n if n else 0.0))
    return Encoded(src, tgt, row)


def make_plan(src_len, batch, seed, epoch):
    """make_plan of cli_train.c: shuffle, sort by source length inside chunks
    of 100 batches, cut, shuffle the batches. -> [array of pair indices]."""
    n = len(src_len)
    rng = CliRng(((seed * 0x9E3779B97F4A7C15) & M64) ^ ((epoch << 32) & M64) ^ 0x5EED)
    k = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        k[i], k[j] = k[j], k[i]
    chunk = batch * 100
    spans = []
    lens = src_len.tolist()
    for c0 in range(0, n, chunk):
        c1 = min(c0 + chunk, n)
        k[c0:c1] = sorted(k[c0:c1], key=lambda idx: (lens[idx], idx))
        for b in range(c0, c1, batch):
            spans.append((b, min(c1 - b, batch)))
    for i in range(len(spans) - 1, 0, -1):
        j = rng.below(i + 1)
        spans[i], spans[j] = spans[j], spans[i]
    order = np.array(k, dtype=np.int64)
    return [order[s:s + z] for s, z in spans]


def make_tensors(enc, idx, device):
    """Padded (B, S) source, lengths, decoder inputs SOS + tgt and targets
    tgt + EOS, (B, T) each, as trainer_pass builds them."""
    srcs = [enc.src[i] for i in idx]
    tgts = [enc.tgt[i] for i in idx]
    B = len(idx)
    S = max(len(s) for s in srcs)
    T = max(len(t) for t in tgts) + 1
    src = np.zeros((B, S), dtype=np.int64)
    dec_in = np.zeros((B, T), dtype=np.int64)
    dec_out = np.zeros((B, T), dtype=np.int64)
    for b, (s, t) in enumerate(zip(srcs, tgts)):
        src[b, :len(s)] = s
        dec_in[b, 0] = R.SOS
        dec_in[b, 1:len(t) + 1] = t
        dec_out[b, :len(t)] = t
        dec_out[b, len(t)] = R.EOS
    lens = torch.tensor([len(s) for s in srcs], dtype=torch.long)
    return (torch.from_numpy(src).to(device), lens, torch.from_numpy(dec_in).to(device),
            torch.from_numpy(dec_out).to(device))


# ------------------------------------------------------------------ models
def hparams_from_kv(kv):
    return R.hparams_from_kv(kv)  # with the Transformer's keys (0 when absent)


def load_s2s(path):
    """-> (hparams, {name: float32 array}, kv) of an f32 .s2s file."""
    kv, tensors = s2sfile.read(path)
    if any(isinstance(t, s2sfile.Q8Tensor) for t in tensors.values()):
        raise SystemExit("torch_train: %s is int8; start from its f32 model (s2s dequantize)"
                         % path)
    return hparams_from_kv(kv), {n: np.asarray(t, dtype=np.float32)
                                 for n, t in tensors.items()}, kv


def vocab_kv(vocab_path):
    pieces, scores = import_torch.read_spm_vocab(vocab_path)
    return {"tokenizer.pieces": list(pieces),
            "tokenizer.scores": np.asarray(scores, dtype=np.float32),
            "tokenizer.types": np.asarray([import_torch.piece_type(p) for p in pieces],
                                          dtype=np.int32)}


def new_model_tensors(hp, seed, scale):
    """The weights `s2s train --vocab` starts from: s2s_model_init's draw over
    the parameters in file order (model_walk), with the same seed."""
    shapes = [(n, tuple(p.shape)) for n, p in R.build(hp).named_s2s_tensors()]
    total = sum(int(np.prod(s)) for _, s in shapes)
    flat = c_init_params(total, seed, scale)
    out, at = {}, 0
    for name, shape in shapes:
        k = int(np.prod(shape))
        out[name] = flat[at:at + k].reshape(shape)
        at += k
    if int(hp.get("architecture", 0)) == R.ARCH_TRANSFORMER:
        # tf_init after the draw: every LayerNorm the identity (gain 1, bias 0)
        for name in out:
            if LAYERNORM.search(name):
                out[name] = np.full_like(out[name], 1.0 if name.endswith(".g") else 0.0)
    return out


LAYERNORM = re.compile(r"(^|\.)ln\d?\.[gb]$")  # enc.0.ln1.g, dec.ln.b, ...


def write_s2s(path, hp, tensors, base_kv, meta=None):
    """An f32 .s2s of the weights with the tokenizer and meta.* of base_kv."""
    kv = R.hparam_kv(hp)
    for k, v in base_kv.items():
        if k.startswith("tokenizer.") or (k.startswith("meta.") and not k.startswith("meta.train.")):
            kv[k] = v
    for k, v in (meta or {}).items():
        kv["meta." + k] = str(v)
    # the layout's names from a throwaway model, built without touching the RNG
    # that dropout draws from: writing a file must not change the training
    with torch.random.fork_rng(devices=[]):
        names = [n for n, _ in R.build(hp).named_s2s_tensors()]
    tmp = path + ".tmp"
    s2sfile.write(tmp, kv, [(n, np.ascontiguousarray(tensors[n], dtype=np.float32))
                            for n in names])
    os.replace(tmp, path)  # never a half-written model at path


def model_tensors(model):
    return {n: p.detach().float().cpu().numpy() for n, p in model.named_s2s_tensors()}


# ---------------------------------------------------------------- the step
class Dist:
    """The process group, or a single process."""

    def __init__(self, device_opt):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        want_cuda = device_opt == "cuda" or (device_opt == "auto" and torch.cuda.is_available())
        if want_cuda:
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")
        if self.world > 1:
            dist.init_process_group("nccl" if want_cuda else "gloo")

    def all_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def broadcast(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.broadcast(t, 0)
        return t.tolist()


def shard(idx, rank, world):
    """This process's part of a batch: contiguous, sizes differ by at most one."""
    return np.array_split(idx, world)[rank]


def batch_loss_and_grad(model, enc, idx, rank, world, eps, device, amp=None):
    """Forward and backward of this process's share of batch idx. The loss is
    the summed token loss over the batch's token count (all shards together),
    times world because DDP averages gradients: the update is the whole
    batch's mean-loss gradient however it is split. -> this shard's loss sum."""
    total_tokens = int(sum(len(enc.tgt[i]) + 1 for i in idx))
    part = shard(idx, rank, world)
    weight = 1.0
    if len(part) == 0:  # fewer pairs than processes: join the all-reduce with nothing
        part, weight = idx[:1], 0.0
    src, lens, dec_in, dec_out = make_tensors(enc, part, device)
    ctx = torch.autocast(device.type, dtype=torch.bfloat16) if amp == "bf16" else _null()
    with ctx:
        logits = model(src, lens, dec_in)
    V = logits.shape[-1]
    loss_sum = F.cross_entropy(logits.float().reshape(-1, V), dec_out.reshape(-1),
                               ignore_index=R.PAD, label_smoothing=eps, reduction="sum") * weight
    (loss_sum * (world / total_tokens)).backward()
    return float(loss_sum.detach()), total_tokens


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def grad_norm(params):
    """Global norm of the gradients, summed in float64 as train.c does."""
    total = 0.0
    for p in params:
        if p.grad is not None:
            total += float(p.grad.detach().double().pow(2).sum())
    return math.sqrt(total)


def rng_state(device):
    return {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state(device) if device.type == "cuda" else None}


def set_rng_state(st, device):
    torch.set_rng_state(st["cpu"])
    if device.type == "cuda" and st.get("cuda") is not None:
        torch.cuda.set_rng_state(st["cuda"], device)


# ----------------------------------------------------------------- decoding
@torch.no_grad()
def greedy(model, enc, idx, batch, device):
    """Greedy search as s2s translates with beam 1: argmax over the whole
    target vocabulary, at most floor(2 * len) + 10 tokens (then EOS)."""
    out = {}
    order = sorted(idx, key=lambda i: (len(enc.src[i]), i))
    for s in range(0, len(order), batch):
        part = order[s:s + batch]
        srcs = [enc.src[i] for i in part]
        B, S = len(part), max(len(x) for x in srcs)
        src = np.zeros((B, S), dtype=np.int64)
        for b, x in enumerate(srcs):
            src[b, :len(x)] = x
        lens = torch.tensor([len(x) for x in srcs], dtype=torch.long)
        limit = [min(2 * len(x) + 10, MAX_SEQ_LEN - 1) for x in srcs]
        st = model.start(torch.from_numpy(src).to(device), lens)
        y = torch.full((B,), R.SOS, dtype=torch.long, device=device)
        steps = []
        done = torch.zeros(B, dtype=torch.bool, device=device)
        for t in range(max(limit)):
            logits, _ = model.step(st, y)
            y = logits.float().argmax(dim=1)
            steps.append(y)
            done |= y == R.EOS
            if bool(done.all()):
                break
        toks = torch.stack(steps, 1).cpu().tolist() if steps else [[] for _ in part]
        for b, i in enumerate(part):
            seq = []
            for tok in toks[b][:limit[b]]:
                if tok == R.EOS:
                    break
                seq.append(tok)
            out[i] = seq
    return [out[i] for i in idx]


@torch.no_grad()
def dev_loss(model, enc, batch, device, amp=None):
    total, tokens = 0.0, 0
    for s in range(0, enc.n, batch):
        idx = np.arange(s, min(s + batch, enc.n))
        src, lens, dec_in, dec_out = make_tensors(enc, idx, device)
        ctx = torch.autocast(device.type, dtype=torch.bfloat16) if amp == "bf16" else _null()
        with ctx:
            logits = model(src, lens, dec_in)
        V = logits.shape[-1]
        total += float(F.cross_entropy(logits.float().reshape(-1, V), dec_out.reshape(-1),
                                       ignore_index=R.PAD, reduction="sum"))
        tokens += int((dec_out != R.PAD).sum())
    return total / tokens if tokens else 0.0


def bleu_chrf(s2s_bin, hyps, refs):
    """Corpus BLEU and chrF2 by `s2s score`, the C trainer's own metrics."""
    with tempfile.TemporaryDirectory() as tmp:
        h, r, j = (os.path.join(tmp, x) for x in ("hyp.txt", "ref.txt", "score.json"))
        with open(h, "wb") as fh:
            fh.write(b"".join(x + b"\n" for x in hyps))
        with open(r, "wb") as fh:
            fh.write(b"".join(x + b"\n" for x in refs))
        subprocess.run([s2s_bin, "score", "--ref", r, "--hyp", h, "--json", j], check=True,
                       stdout=subprocess.DEVNULL)
        with open(j, encoding="utf-8") as fh:
            sc = json.load(fh)
    return float(sc["overall"]["bleu"]), float(sc["overall"]["chrf2"])


# ------------------------------------------------------------------ options
def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="s2s train's recipe in PyTorch (tools/torch_train.py; see tools/README.md)")
    a = ap.add_argument
    a("--train", required=True)
    a("--dev")
    a("--out", required=True)
    a("--vocab", help="spm.vocab: a new model (the C trainer's initial weights)")
    a("--init", help="start from this f32 .s2s model")
    a("--checkpoint", help="checkpoint (default OUT.ckpt.pt)")
    a("--resume", action="store_true")
    a("--continue", dest="cont", action="store_true",
      help="with --init: go on from where that file's run was (its train.* metadata: step, "
           "epoch, batch position, seed), as s2s train --continue")
    a("--rewarm", type=int, default=0, metavar="N",
      help="after --continue, ramp the schedule's rate up linearly over N steps")
    a("--keep-checkpoints", type=int, default=0, metavar="N",
      help="also keep the weights of each evaluation as CKPT.step-STEP.s2s, the newest N "
           "(for s2s average: checkpoint averaging)")
    a("--reverse", action="store_true")
    a("--meta", action="append", default=[], metavar="KEY=VALUE")
    a("--arch", choices=("rnn", "transformer"), default="rnn",
      help="transformer: --emb is the model width; --heads, --ff, --dec-layers, --positions, "
           "--activation (s2s train's options and defaults)")
    a("--heads", type=int, default=4)
    a("--ff", type=int, default=0, help="feed-forward width (0: 4 x emb)")
    a("--dec-layers", type=int, default=0, help="decoder layers (0: --layers)")
    a("--positions", choices=("sinusoidal", "learned"), default="sinusoidal")
    a("--activation", choices=("relu", "gelu"), default="relu")
    a("--warmup", type=int, default=0, help="raise the lr linearly over the first N steps")
    a("--lr-schedule", choices=("plateau", "inverse-sqrt"), default="plateau",
      help="plateau: --lr-decay on a dev plateau; inverse-sqrt: after --warmup N steps, "
           "lr x sqrt(N / step) (give it again with --resume)")
    a("--cell", choices=CELLS, default="lstm")
    a("--attention", choices=ATTENTIONS, default="bahdanau")
    a("--bridge", choices=BRIDGES, default="project")
    a("--emb", type=int, default=256)
    a("--hidden", type=int, default=256)
    a("--dec-hidden", type=int)
    a("--layers", type=int, default=1)
    a("--bidirectional", type=int, choices=(0, 1), default=1)
    a("--input-feed", type=int, choices=(0, 1), default=1)
    a("--tie", type=int, choices=(0, 1), default=0)
    a("--init-scale", type=float, default=0.1)
    a("--batch", type=int, default=64)
    a("--epochs", type=int, default=10)
    a("--max-steps", type=int, default=0)
    a("--time-limit", type=float, default=0.0, metavar="MINUTES")
    a("--lr", type=float, default=1e-3)
    a("--lr-decay", type=float, default=1.0)
    a("--dropout", type=float, default=0.2)
    a("--label-smoothing", type=float, default=0.1)
    a("--clip", type=float, default=5.0)
    a("--seed", type=int, default=1)
    a("--max-len", type=int, default=100)
    a("--dev-bleu-sentences", type=int, default=500)
    a("--eval-every", type=int, default=0)
    a("--patience", type=int, default=3)
    a("--log-every", type=int, default=100)
    a("--step-log", help="one line per accepted step: step epoch batch tokens loss lr")
    # PyTorch only
    a("--device", choices=("auto", "cpu", "cuda"), default="auto")
    a("--amp", choices=("off", "bf16"), default="off",
      help="bf16 autocast on GPUs (weights and export stay f32)")
    a("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    a("--s2s", help="the s2s binary (default build/s2s)")
    a("--s2s-ids", help="the s2s_ids binary (default build/s2s_ids)")
    args = ap.parse_args(argv)
    if args.cont and (args.init is None or args.resume):
        ap.error("--continue goes with --init (and not with --resume)")
    if args.rewarm and not args.cont:
        ap.error("--rewarm needs --continue")
    if not args.resume and (args.vocab is None) == (args.init is None):
        ap.error("give exactly one of --vocab (new model) or --init (start from a model)")
    if not 1 <= args.batch <= MAX_BATCH:
        ap.error("--batch must be 1..%d" % MAX_BATCH)
    if args.lr_schedule == "inverse-sqrt" and (args.warmup < 1 or args.lr_decay < 1.0):
        ap.error("--lr-schedule inverse-sqrt needs --warmup N >= 1 and no --lr-decay")
    if not 1 <= args.max_len <= MAX_SEQ_LEN - 1:
        ap.error("--max-len must be 1..%d" % (MAX_SEQ_LEN - 1))
    return args


# --------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    dd = Dist(args.device)
    rank0 = dd.rank == 0
    if args.threads:
        torch.set_num_threads(args.threads)
    device = dd.device
    if args.amp == "bf16" and (device.type != "cuda" or not torch.cuda.is_bf16_supported()):
        raise SystemExit("torch_train: --amp bf16 needs a GPU with bfloat16 (use --amp off)")

    def log(msg):
        if rank0:
            print("torch_train: " + msg, file=sys.stderr, flush=True)

    ids_tool = find_tool("s2s_ids", args.s2s_ids)
    s2s_bin = find_tool("s2s", args.s2s) if args.dev else None
    ckpt = args.checkpoint or args.out + ".ckpt.pt"
    meta_in = {}
    for m in args.meta:
        k, sep, v = m.partition("=")
        if not sep or not k:
            raise SystemExit("--meta wants KEY=VALUE, got %r" % m)
        meta_in[k] = v

    state = {"epoch": 1, "batch_done": 0, "step": 0, "best_bleu": -1.0, "best_step": 0,
             "bad_evals": 0, "lr": float(np.float32(args.lr)),  # C holds --lr as a float
             "seed": args.seed, "batch": args.batch,
             "loss_level": 0.0, "level_steps": 0}
    saved = None
    if args.resume:
        # our own checkpoint holds numpy arrays and RNG states besides tensors:
        # PyTorch >= 2.6 loads only tensors unless told (1.13 has the flag too)
        saved = torch.load(ckpt, map_location="cpu", weights_only=False)
        hp, tensors, base_kv = saved["hparams"], saved["tensors"], saved["base_kv"]
        state.update(saved["state"])
        log("resuming %s at epoch %d, batch %d, step %d (best dev BLEU %.2f)"
            % (ckpt, state["epoch"], state["batch_done"], state["step"], state["best_bleu"]))
    elif args.init:
        hp, tensors, base_kv = load_s2s(args.init)
        if "tokenizer.pieces" not in base_kv:
            raise SystemExit("%s has no vocabulary attached" % args.init)
        base_kv.pop("meta.averaged_steps", None)  # as cli_train.c: not true of new weights
        if args.cont:
            # as cli_train.c: the schedule and the batch order go on; dev BLEU's
            # best starts afresh; dropout seeded apart from the first run's
            for k in ("epoch", "batch_done", "step", "seed", "batch"):
                v = base_kv.get("meta.train." + k)
                if v is None:
                    raise SystemExit("%s has no 'train.%s' metadata: not written by s2s train?"
                                     % (args.init, k))
                state[k] = int(float(v))
            log("continuing %s's run at epoch %d, batch %d, step %d%s"
                % (args.init, state["epoch"], state["batch_done"], state["step"],
                   " (rate ramped up again)" if args.rewarm else ""))
    else:
        base_kv = vocab_kv(args.vocab)
        n = len(base_kv["tokenizer.pieces"])
        if args.arch == "transformer":  # as cli_train.c: one width, the RNN's fields 0
            learned = args.positions == "learned"
            hp = {"src_vocab": n, "tgt_vocab": n, "emb_dim": args.emb, "enc_hidden": args.emb,
                  "dec_hidden": args.emb, "layers": args.layers, "bidirectional": 0,
                  "cell": 0, "attention": 0, "bridge": 0, "input_feed": 0,
                  "tie_output": args.tie, "architecture": R.ARCH_TRANSFORMER,
                  "heads": args.heads, "ff_dim": args.ff or 4 * args.emb,
                  "dec_layers": args.dec_layers or args.layers,
                  "positions": R.POS_LEARNED if learned else R.POS_SINUSOIDAL,
                  "max_positions": MAX_SEQ_LEN if learned else 0,
                  "activation": R.ACT_GELU if args.activation == "gelu" else R.ACT_RELU}
        else:
            hp = {"src_vocab": n, "tgt_vocab": n, "emb_dim": args.emb,
                  "enc_hidden": args.hidden,
                  "dec_hidden": args.dec_hidden or args.hidden * (2 if args.bidirectional else 1),
                  "layers": args.layers, "bidirectional": args.bidirectional,
                  "cell": CELLS[args.cell], "attention": ATTENTIONS[args.attention],
                  "bridge": BRIDGES[args.bridge], "input_feed": args.input_feed,
                  "tie_output": args.tie}
        R.validate_hparams(hp)
        tensors = new_model_tensors(hp, args.seed, args.init_scale)
    for k, v in meta_in.items():
        base_kv["meta." + k] = v
    # the engine tokenizes with the vocabulary as a model file holds it
    work = tempfile.mkdtemp(prefix="torch_train.")
    vocab_model = os.path.join(work, "vocab.s2s")
    write_s2s(vocab_model, hp, tensors, base_kv)

    dropout_seed = state["seed"] + state["step"] if args.cont else state["seed"]
    torch.manual_seed(dropout_seed * 1000003 + dd.rank)  # dropout masks: per process
    model = R.build(hp, dropout=args.dropout)
    model.load_s2s_tensors(tensors)
    model.to(device)
    params = [p for _, p in model.named_s2s_tensors()]
    opt = torch.optim.Adam(params, lr=state["lr"], betas=(0.9, 0.999), eps=1e-8)
    if saved is not None:
        opt.load_state_dict(saved["optim"])
        rs = saved["rng"][dd.rank] if dd.rank < len(saved["rng"]) else None
        if rs is not None:
            set_rng_state(rs, device)
    net = model
    if dd.world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    if hp.get("architecture"):
        desc = "transformer, width %d, heads %d, ff %d, layers %d+%d, %s positions, %s" % (
            hp["emb_dim"], hp["heads"], hp["ff_dim"], hp["layers"], hp["dec_layers"],
            "learned" if hp["positions"] == R.POS_LEARNED else "sinusoidal",
            "gelu" if hp["activation"] == R.ACT_GELU else "relu")
    else:
        desc = "%s/%s/%s, emb %d, hidden %d%s, dec %d, layers %d" % (
            [k for k, v in CELLS.items() if v == hp["cell"]][0],
            [k for k, v in ATTENTIONS.items() if v == hp["attention"]][0],
            [k for k, v in BRIDGES.items() if v == hp["bridge"]][0], hp["emb_dim"],
            hp["enc_hidden"], " x2" if hp["bidirectional"] else "", hp["dec_hidden"],
            hp["layers"])
    log("model %s, vocab %d: %d parameters; %d process%s on %s%s" % (
        desc, hp["src_vocab"], sum(p.numel() for p in params), dd.world,
        "es" if dd.world > 1 else "", device.type, ", bf16" if args.amp == "bf16" else ""))

    train_pairs = read_tsv(args.train, args.reverse)
    train = encode_corpus(ids_tool, vocab_model, train_pairs, args.max_len, "train", log)
    del train_pairs
    if train.n == 0:
        raise SystemExit("train: no usable pairs in %s" % args.train)
    dev = dev_refs = None
    if args.dev:
        dev_pairs = read_tsv(args.dev, args.reverse)
        dev = encode_corpus(ids_tool, vocab_model, dev_pairs, MAX_SEQ_LEN - 1, "dev", log)
        dev_refs = [dev_pairs[r][2] for r in dev.row]

    step_log = open(args.step_log, "a" if args.resume else "w") if (args.step_log and rank0) else None
    batch = state["batch"]
    vocab_log = math.log(max(hp["tgt_vocab"], 2))

    def train_meta():
        return {"train.%s" % k: state[k] for k in ("epoch", "batch_done", "step", "best_bleu",
                                                    "best_step", "bad_evals", "lr", "seed",
                                                    "batch")}

    def save_out():
        if rank0:
            meta = train_meta()
            meta["train.trainer"] = "tools/torch_train.py"
            write_s2s(args.out, hp, model_tensors(model), base_kv, meta)

    def save_checkpoint():
        rs = rng_state(device)
        if dd.world > 1:
            all_rs = [None] * dd.world
            dist.all_gather_object(all_rs, {k: (v.cpu() if v is not None else None)
                                            for k, v in rs.items()})
        else:
            all_rs = [rs]
        if rank0:
            blob = {"version": 1, "hparams": hp, "tensors": model_tensors(model),
                    "base_kv": base_kv, "optim": opt.state_dict(), "state": dict(state),
                    "rng": all_rs, "args": vars(args)}
            torch.save(blob, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)
            if args.keep_checkpoints > 0:
                keep_checkpoint()

    def keep_checkpoint():
        """The weights now as CKPT.step-STEP.s2s (an f32 model file, as s2s train
        --keep-checkpoints writes); only the newest keep_checkpoints of them stay."""
        meta = train_meta()
        meta["train.trainer"] = "tools/torch_train.py"
        write_s2s("%s.step-%d.s2s" % (ckpt, state["step"]), hp, model_tensors(model), base_kv, meta)
        folder, base = os.path.split(os.path.abspath(ckpt))
        kept = []
        for name in os.listdir(folder):
            m = re.fullmatch(re.escape(base) + r"\.step-(\d+)\.s2s", name)
            if m:
                kept.append(int(m.group(1)))
        for step in sorted(kept)[:-args.keep_checkpoints]:
            os.remove(os.path.join(folder, "%s.step-%d.s2s" % (base, step)))

    def evaluate():
        """Dev loss and BLEU on process 0; every process gets the verdict."""
        verdict = [0.0, state["lr"], 0.0]
        if rank0:
            t0 = time.time()
            model.eval()
            loss = dev_loss(model, dev, batch, device, args.amp)
            n = min(args.dev_bleu_sentences, dev.n)
            bleu = chrf = 0.0
            if n > 0:
                seqs = greedy(model, dev, list(range(n)), batch, device)
                hyps = engine_decode(ids_tool, vocab_model, seqs)
                bleu, chrf = bleu_chrf(s2s_bin, hyps, dev_refs[:n])
            model.train()
            better = bleu > state["best_bleu"]
            verdict = [1.0 if better else 0.0, state["lr"], bleu]
            log("dev: step %d  loss %.4f  ppl %.2f  BLEU %.2f  chrF2 %.2f  (%d sentences, "
                "%.1f s)%s" % (state["step"], loss, math.exp(loss), bleu, chrf, n,
                               time.time() - t0, "  best, saved" if better else ""))
        return dd.broadcast(verdict)

    interrupted = []
    signal.signal(signal.SIGINT, lambda *a: interrupted.append(1))
    t_start = t_last = time.time()
    limit = args.time_limit * 60.0
    run_steps = win_tokens = 0
    last_eval_step, need_final_eval, diverged = -1, False, 0
    stop = None
    model.train()
    while not stop:
        if args.epochs > 0 and state["epoch"] > args.epochs:
            stop = "all epochs done"
            break
        plan = make_plan(train.src_len, batch, state["seed"], state["epoch"])
        ep_loss = ep_tokens = 0.0
        for b in range(state["batch_done"], len(plan)):
            idx = plan[b]
            saved_rng = rng_state(device)
            opt.zero_grad(set_to_none=False)
            loss_sum, tokens = batch_loss_and_grad(net, train, idx, dd.rank, dd.world,
                                                   args.label_smoothing, device, args.amp)
            loss_sum = dd.all_sum([loss_sum])[0]
            mean = loss_sum / tokens
            norm = grad_norm(params)
            state["batch_done"] = b + 1
            stepped = False
            lim = 0.0
            if state["level_steps"] >= EXPLODE_WARMUP:
                lim = max(EXPLODE_FACTOR * state["loss_level"], vocab_log)
            lr_now = state["lr"]
            if args.warmup > 0 and state["step"] < args.warmup:  # cli_train.c's warm-up
                lr_now = state["lr"] * (state["step"] + 1) / args.warmup
            elif args.lr_schedule == "inverse-sqrt":  # and its schedule after it
                lr_now = state["lr"] * math.sqrt(args.warmup / (state["step"] + 1))
            if run_steps < args.rewarm:  # --rewarm: Adam's moments are new after --continue
                lr_now *= (run_steps + 1) / args.rewarm
            if not (math.isfinite(mean) and math.isfinite(norm)) or (lim > 0 and mean > lim):
                set_rng_state(saved_rng, device)  # as C restores its dropout generator
                log("warning: step skipped: step %d: loss %g, gradient norm %g"
                    % (state["step"] + 1, mean, norm))
                diverged += 1
                if diverged >= 20:
                    log("training diverged 20 steps in a row; try a lower --lr or --clip")
                    stop = "diverged"
                    break
            else:
                if args.clip > 0:
                    coef = args.clip / (norm + 1e-6)
                    if coef < 1.0:
                        for p in params:
                            p.grad.mul_(float(np.float32(coef)))
                for g in opt.param_groups:
                    g["lr"] = float(np.float32(lr_now))  # C keeps lr as a float
                opt.step()
                state["loss_level"] = mean if state["level_steps"] == 0 else (
                    EXPLODE_DECAY * state["loss_level"] + (1 - EXPLODE_DECAY) * mean)
                state["level_steps"] += 1
                diverged = 0
                stepped = True
                state["step"] += 1
                run_steps += 1
                need_final_eval = True
                ep_loss += mean * tokens
                ep_tokens += tokens
                win_tokens += tokens
                if step_log:
                    step_log.write("%d %d %d %d %.9g %.9g\n" % (
                        state["step"], state["epoch"], b, tokens, np.float32(mean),
                        lr_now))  # the rate used, as cli_train.c logs it
            now = time.time()
            # process 0's clock and signals decide for all, so all stop together
            elapsed, intr = dd.broadcast([now - t_start, 1.0 if interrupted else 0.0])
            if args.max_steps > 0 and state["step"] >= args.max_steps:
                stop = "--max-steps reached"
            if limit > 0 and elapsed >= limit:
                stop = "--time-limit reached"
            if intr:
                stop = "interrupted"
            if stepped and (state["step"] % args.log_every == 0 or stop):
                log("epoch %d  step %d  batch %d/%d  loss %.4f  %.0f tok/s  elapsed %.0f s"
                    % (state["epoch"], state["step"], b + 1, len(plan),
                       ep_loss / ep_tokens if ep_tokens else 0.0,
                       win_tokens / max(now - t_last, 1e-9), now - t_start))
                t_last, win_tokens = now, 0
            end_of_epoch = b + 1 == len(plan)
            periodic = stepped and args.eval_every > 0 and state["step"] % args.eval_every == 0
            if end_of_epoch or periodic:
                if end_of_epoch:
                    state["epoch"] += 1
                    state["batch_done"] = 0
                if dev is not None and dev.n > 0:
                    better, _, bleu = evaluate()
                    if better:
                        state["best_bleu"], state["best_step"] = bleu, state["step"]
                        state["bad_evals"] = 0
                        save_out()
                    else:
                        state["bad_evals"] += 1
                        if args.lr_decay < 1.0:
                            state["lr"] *= args.lr_decay
                            log("learning rate now %g" % state["lr"])
                        if args.patience > 0 and state["bad_evals"] >= args.patience and not stop:
                            stop = "early stopping (no better dev BLEU)"
                else:
                    save_out()
                last_eval_step = state["step"]
                need_final_eval = False
                save_checkpoint()
                if end_of_epoch:
                    break
            if stop:
                break
        if not plan:
            break
    if need_final_eval and last_eval_step != state["step"]:
        if dev is not None and dev.n > 0:
            better, _, bleu = evaluate()
            if better:
                state["best_bleu"], state["best_step"], state["bad_evals"] = bleu, state["step"], 0
                save_out()
        else:
            save_out()
    save_checkpoint()
    if step_log:
        step_log.close()
    log("stopped: %s after %d steps (%.0f s); %s" % (
        stop or "done", state["step"], time.time() - t_start,
        "best dev BLEU %.2f at step %d in %s; checkpoint %s" % (
            state["best_bleu"], state["best_step"], args.out, ckpt)
        if state["best_bleu"] >= 0 else "model in %s; checkpoint %s" % (args.out, ckpt)))
    for f in os.listdir(work):
        os.remove(os.path.join(work, f))
    os.rmdir(work)
    if dd.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 1 if stop == "diverged" else 0


if __name__ == "__main__":
    sys.exit(main())
