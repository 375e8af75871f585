"""Write the PyTorch reference fixtures tests/fixtures/ref/<case>.s2s.

    /usr/bin/python3 tools/gen_fixtures.py [OUTDIR [CASE-PREFIX...]]

Deterministic: each case seeds torch with its own seed. Every file holds the
12 s2s.* hyper-parameter keys (and the Transformer's when not 0: version-3 files), the fixture.* settings, every parameter under
its docs/architecture.md name (uniform(-0.3, 0.3)), a padded batch, the
logits, the loss, every gradient, the losses of 20 Adam steps, a greedy
decode and a beam search decode (beam size and length penalty chosen per case). The *_trained cases start from weights pre-trained on the batch
(300 Adam steps) so that their greedy decode is not degenerate. See tools/README.md for the list of what is stored.
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_ref as R  # noqa: E402

VS, VT, E = 13, 11, 6
SRC_LEN = [7, 4, 2]
TGT_LEN = [5, 6, 1]


def f32val(x):
    """x rounded to float32: the files store F32, so the reference uses exactly that."""
    return float(np.float32(x))


INIT_SCALE = 0.3
LABEL_SMOOTHING = f32val(0.1)
LR, CLIP_NORM = f32val(0.01), f32val(1.0)
BETA1, BETA2, ADAM_EPS = f32val(0.9), f32val(0.999), f32val(1e-8)
ADAM_STEPS = 20
GREEDY_MAX_LEN = 10
GREEDY_MARGIN = 1e-3  # a greedy argmax must win by this much (robust to f32 rounding)
# Beam search: every score comparison that decides anything must differ by this much
# (scores are sums of up to 11 log-probabilities; C and PyTorch agree on each to ~1e-6).
BEAM_MARGIN = 2e-4
# (beam size, length penalty) tried per case: the first of those with the most sentences
# decoded differently from greedy, among those whose decisions clear BEAM_MARGIN.
BEAM_OPTIONS = [(k, f32val(a)) for a in (1.0, 0.6, 2.0, 0.0) for k in (4, 3, 2, 5)]


def hp(cell, attention, bridge, bi=0, layers=1, He=5, Hd=5, feed=0, tie=0):
    return dict(src_vocab=VS, tgt_vocab=VT, emb_dim=E, enc_hidden=He, dec_hidden=Hd,
                layers=layers, bidirectional=bi, cell=cell, attention=attention,
                bridge=bridge, input_feed=feed, tie_output=tie)


def tf(heads, layers=1, dec_layers=1, learned=0, gelu=0, tie=0, Et=16, ff=16):
    """A Transformer case: emb_dim and ff_dim at their smallest (multiples of 16); learned
    positions need a table of 512 rows, the largest tensor of the fixtures."""
    return dict(src_vocab=VS, tgt_vocab=VT, emb_dim=Et, enc_hidden=Et, dec_hidden=Et,
                layers=layers, bidirectional=0, cell=0, attention=0, bridge=0, input_feed=0,
                tie_output=tie, architecture=R.ARCH_TRANSFORMER, heads=heads, ff_dim=ff,
                dec_layers=dec_layers, positions=R.POS_LEARNED if learned else R.POS_SINUSOIDAL,
                max_positions=R.MAX_SEQ_LEN if learned else 0,
                activation=R.ACT_GELU if gelu else R.ACT_RELU)


RNN, LSTM, GRU = R.CELL_RNN, R.CELL_LSTM, R.CELL_GRU
NONE, BAH, DOT, GEN = R.ATTN_NONE, R.ATTN_BAHDANAU, R.ATTN_DOT, R.ATTN_GENERAL
COPY, PROJ, ZERO = R.BRIDGE_COPY, R.BRIDGE_PROJECT, R.BRIDGE_ZERO

CASES = [
    dict(name="rnn_none_uni_copy", hp=hp(RNN, NONE, COPY)),
    dict(name="lstm_none_uni_copy", hp=hp(LSTM, NONE, COPY)),
    dict(name="gru_none_uni_copy", hp=hp(GRU, NONE, COPY)),
    dict(name="rnn_bahdanau_bi_project_feed", hp=hp(RNN, BAH, PROJ, bi=1, feed=1)),
    dict(name="lstm_bahdanau_bi_project_feed", hp=hp(LSTM, BAH, PROJ, bi=1, feed=1)),
    dict(name="gru_bahdanau_bi_project_feed", hp=hp(GRU, BAH, PROJ, bi=1, feed=1)),
    dict(name="lstm_dot_bi_copy", hp=hp(LSTM, DOT, COPY, bi=1, Hd=10)),
    dict(name="gru_general_l2_uni_zero_feed", hp=hp(GRU, GEN, ZERO, layers=2, feed=1)),
    dict(name="rnn_general_uni_project_tied", hp=hp(RNN, GEN, PROJ, Hd=E, tie=1)),
    dict(name="lstm_bahdanau_l2_bi_project_feed", hp=hp(LSTM, BAH, PROJ, bi=1, layers=2, feed=1)),
    dict(name="lstm_none_l2_bi_copy", hp=hp(LSTM, NONE, COPY, bi=1, layers=2, He=3, Hd=6)),
    # Random weights decode degenerately (one token repeated, or EOS at once); these
    # start from weights pre-trained on the fixture batch so greedy output varies.
    dict(name="lstm_bahdanau_bi_project_feed_trained",
         hp=hp(LSTM, BAH, PROJ, bi=1, feed=1), pretrain=300),
    dict(name="gru_none_uni_copy_trained", hp=hp(GRU, NONE, COPY), pretrain=300),
    # The Transformer family: heads 1/2/4, 1-2 layers a side, both positions and
    # activations, tied and untied output. It fits the batch within 20 Adam steps
    # (greedy then gives the targets); trained longer, its gradients are mostly
    # cancellation and two float32 implementations differ by 1e-3 of the largest.
    dict(name="tf_h1_sin_relu", hp=tf(1)),
    dict(name="tf_h2_enc2_sin_gelu_tied", hp=tf(2, layers=2, gelu=1, tie=1)),
    dict(name="tf_h4_learned_gelu", hp=tf(4, learned=1, gelu=1)),
    dict(name="tf_h2_dec2_sin_relu_tied_trained", hp=tf(2, dec_layers=2, tie=1),
         pretrain=20),
]
for _i, _c in enumerate(CASES):
    _c.setdefault("seed", 1000 + 17 * _i)


def make_batch(gen):
    B, S, T = len(SRC_LEN), max(SRC_LEN), max(TGT_LEN)
    src = torch.zeros(B, S, dtype=torch.long)
    tgt = torch.zeros(B, T, dtype=torch.long)
    for i in range(B):
        src[i, :SRC_LEN[i]] = torch.randint(4, VS, (SRC_LEN[i],), generator=gen)
        tgt[i, :TGT_LEN[i]] = torch.randint(4, VT, (TGT_LEN[i],), generator=gen)
    return src, torch.tensor(SRC_LEN), tgt, torch.tensor(TGT_LEN)


def make_case(case, seed=None):
    """-> (model in float32 with uniform(-0.3, 0.3) weights, (src, src_len, tgt, tgt_len))."""
    seed = case["seed"] if seed is None else seed
    torch.manual_seed(seed)
    model = R.build(case["hp"], dropout=0.0)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-INIT_SCALE, INIT_SCALE)
        if isinstance(model, R.Transformer):  # LayerNorm gains around 1, not around 0
            for n, p in model.named_s2s_tensors():
                if n.endswith(".g"):
                    p.add_(1.0)
    gen = torch.Generator().manual_seed(seed + 1)
    batch = make_batch(gen)
    if case.get("pretrain"):
        key = (case["name"], seed)
        if key not in _PRETRAINED:
            src, src_len, tgt, tgt_len = batch
            dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
            opt = torch.optim.Adam(model.parameters(), lr=LR)
            for _ in range(case["pretrain"]):
                opt.zero_grad()
                R.token_loss(model(src, src_len, dec_in), dec_out, LABEL_SMOOTHING).backward()
                opt.step()
            _PRETRAINED[key] = {k: v.clone() for k, v in model.state_dict().items()}
        model.load_state_dict(_PRETRAINED[key])
        model.zero_grad()
    return model, batch


_PRETRAINED = {}


def greedy_is_robust(model, src, src_len):
    """True when every greedy step's argmax is neither PAD nor SOS and wins by GREEDY_MARGIN,
    so an engine that bans PAD/SOS or rounds differently still gets the same tokens."""
    ids, lens = model.greedy(src, src_len, GREEDY_MAX_LEN)
    with torch.no_grad():
        for i in range(src.shape[0]):
            n = int(lens[i])
            steps = n + 1 if n < GREEDY_MAX_LEN else n
            seq = [R.SOS] + ids[i, :n].tolist()
            lg = model(src[i:i + 1, :src_len[i]], src_len[i:i + 1], torch.tensor([seq]))[0]
            top = lg[:steps].topk(2, dim=1)
            if (top.indices[:, 0] == R.PAD).any() or (top.indices[:, 0] == R.SOS).any():
                return False
            if ((top.values[:, 0] - top.values[:, 1]) < GREEDY_MARGIN).any():
                return False
    return True


def choose_beam(model, src, src_len, greedy_ids, greedy_lens):
    """-> (beam size, length penalty, (ids, lens, scores, margin)) as BEAM_OPTIONS says."""
    best, best_key = None, None
    for k, alpha in BEAM_OPTIONS:
        out = model.beam(src, src_len, k, GREEDY_MAX_LEN, alpha)
        ids, lens, _, margin = out
        if margin < BEAM_MARGIN:
            continue
        differ = sum(int(lens[i] != greedy_lens[i] or
                         not torch.equal(ids[i, :lens[i]], greedy_ids[i, :greedy_lens[i]]))
                     for i in range(len(lens)))
        if best_key is None or differ > best_key:
            best, best_key = (k, alpha, out), differ
    return best


def run_case(case):
    """-> (kv, tensors, info) for one case."""
    seed = case["seed"]
    for attempt in range(50):
        model, (src, src_len, tgt, tgt_len) = make_case(case, seed)
        if greedy_is_robust(model, src, src_len):
            ids, lens = model.greedy(src, src_len, GREEDY_MAX_LEN)
            beam = choose_beam(model, src, src_len, ids, lens)
            if beam:
                break
        seed += 1
    else:
        raise RuntimeError("%s: no seed gives robust greedy and beam decodes" % case["name"])
    case["seed"] = seed
    beam_size, alpha, (beam_ids, beam_lens, beam_scores, beam_margin) = beam

    dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
    params = model.named_s2s_tensors()
    init = [(n, p.detach().numpy().astype(np.float32).copy()) for n, p in params]

    model.zero_grad()
    logits = model(src, src_len, dec_in)
    loss = R.token_loss(logits, dec_out, LABEL_SMOOTHING)
    loss.backward()
    grads = [("grad." + n, p.grad.detach().numpy().astype(np.float32).copy()) for n, p in params]
    logits_np = logits.detach().numpy().astype(np.float32)
    loss_np = np.array([loss.item()], dtype=np.float32)

    clip, losses, norms, final = choose_clip_and_train(case, seed, src, src_len, dec_in, dec_out)

    kv = R.hparam_kv(case["hp"])  # RNN cases: the 12 keys of before, byte for byte
    kv.update({
        "fixture.label_smoothing": float(LABEL_SMOOTHING),
        "fixture.lr": float(LR),
        "fixture.clip_norm": float(clip),
        "fixture.beta1": float(BETA1),
        "fixture.beta2": float(BETA2),
        "fixture.eps": float(ADAM_EPS),
        "fixture.adam_steps": int(ADAM_STEPS),
        "fixture.seed": int(seed),
        "fixture.beam_size": int(beam_size),
        "fixture.length_penalty": float(alpha),
        "meta.name": "fixture " + case["name"],
    })
    i32 = lambda a: np.ascontiguousarray(np.asarray(a, dtype=np.int32))  # noqa: E731
    f32 = lambda a: np.ascontiguousarray(np.asarray(a, dtype=np.float32))  # noqa: E731
    tensors = list(init)
    tensors += [
        ("fixture.src", i32(src)), ("fixture.src_len", i32(src_len)),
        ("fixture.tgt", i32(tgt)), ("fixture.tgt_len", i32(tgt_len)),
        ("fixture.logits", f32(logits_np)), ("fixture.loss", f32(loss_np)),
    ]
    tensors += grads
    tensors += [
        ("fixture.adam_losses", f32(losses)),
        ("fixture.adam_grad_norms", f32(norms)),
        ("fixture.greedy", i32(ids)), ("fixture.greedy_len", i32(lens)),
        ("fixture.beam", i32(beam_ids)), ("fixture.beam_len", i32(beam_lens)),
        ("fixture.beam_score", f32(beam_scores)),
    ]
    info = dict(seed=seed, loss=loss.item(), clip=clip, clipped=sum(n > clip for n in norms),
                norms=(min(norms), max(norms)), greedy_len=lens.tolist(),
                last_loss=losses[-1], beam="%d/%g %s margin %.1e" % (
                    beam_size, alpha, beam_lens.tolist(), beam_margin))
    return kv, tensors, info


def adam_run(case, seed, src, src_len, dec_in, dec_out, clip):
    """ADAM_STEPS of zero_grad, loss, backward, clip_grad_norm_, Adam.step from the
    case's initial parameters. -> (losses, pre-clip norms, [(name, final array)])."""
    model, _ = make_case(case, seed)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=ADAM_EPS)
    losses, norms = [], []
    for _ in range(ADAM_STEPS):
        opt.zero_grad()
        loss = R.token_loss(model(src, src_len, dec_in), dec_out, LABEL_SMOOTHING)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip)))
        opt.step()
        losses.append(loss.item())
    final = [(n, p.detach().numpy().copy()) for n, p in model.named_s2s_tensors()]
    return losses, norms, final


def choose_clip_and_train(case, seed, src, src_len, dec_in, dec_out):
    """Pick a clip norm (CLIP_NORM when it triggers, else a value among the gradient
    norms) such that some steps clip and some do not, and no norm lies within 0.5% of
    it (so f32 rounding cannot flip the decision). -> (clip, losses, norms, final)."""
    _, free, _ = adam_run(case, seed, src, src_len, dec_in, dec_out, float("inf"))
    lo, hi, mid = min(free), max(free), float(np.median(free))
    grid = sorted({round(lo + (hi - lo) * k / 40, 4) for k in range(1, 40)},
                  key=lambda c: abs(c - mid))
    for clip in [CLIP_NORM] + [f32val(c) for c in grid]:
        losses, norms, final = adam_run(case, seed, src, src_len, dec_in, dec_out, clip)
        n_clip = sum(n > clip for n in norms)
        if 1 <= n_clip < ADAM_STEPS and min(abs(n / clip - 1) for n in norms) > 2e-3:
            return clip, losses, norms, final
    clip = f32val(round(lo / 2, 4))  # fall back to clipping every step
    losses, norms, final = adam_run(case, seed, src, src_len, dec_in, dec_out, clip)
    return clip, losses, norms, final


def main(argv):
    import s2sfile
    outdir = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "tests", "fixtures", "ref")
    only = argv[2:]  # case names (prefixes): just those
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    for case in CASES:
        if only and not any(case["name"].startswith(o) for o in only):
            continue
        kv, tensors, info = run_case(case)
        path = os.path.join(outdir, case["name"] + ".s2s")
        s2sfile.write(path, kv, tensors)
        print("%-36s %6d bytes  seed %d  loss %.4f -> %.4f  clipped %d/%d (norm %.3f..%.3f, clip %g)"
              "  greedy_len %s  beam %s" % (case["name"] + ".s2s", os.path.getsize(path), info["seed"],
                                   info["loss"], info["last_loss"], info["clipped"], ADAM_STEPS,
                                   info["norms"][0], info["norms"][1], info["clip"],
                                   info["greedy_len"], info["beam"]))


if __name__ == "__main__":
    main(sys.argv)
