"""Checks of the PyTorch reference, the fixtures and the importer.

    cd tools && /usr/bin/python3 -m unittest test_torch_ref -v

- a plain numpy forward written from docs/architecture.md's equations gives
  the same logits as torch_ref (so torch_ref implements the document);
- packing: logits of a padded batch equal those of each sentence run alone;
- torch.autograd.gradcheck in float64 on a small model;
- greedy decoding equals a step-by-step argmax of teacher-forced logits;
- beam search: one beam decodes as greedy does, and a beam wide enough to
  keep every hypothesis finds the best of all outputs (found by enumeration);
- import_torch.py: state dict -> .s2s -> s2sfile.read gives the same tensors;
- every fixture in tests/fixtures/ref reproduces from its own parameters;
- the Transformer's layers equal torch.nn.TransformerEncoderLayer and
  TransformerDecoderLayer (norm_first=True, ReLU or tanh-GELU) with the same
  weights, its positions are the engine's formula, and padding or later
  tokens change no logit of a sentence.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_ref as R  # noqa: E402
import gen_fixtures as G  # noqa: E402

FIXDIR = os.path.join(HERE, "..", "tests", "fixtures", "ref")
# the numpy equations, packing and importer checks are the RNN's; TestTransformer has its own
RNN_CASES = [c for c in G.CASES if not c["hp"].get("architecture")]


def have_s2sfile():
    try:
        import s2sfile  # noqa: F401
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------ numpy
def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_cell(kind, W, x, h, c):
    gi = W["w_ih"] @ x + W["b_ih"]
    gh = W["w_hh"] @ h + W["b_hh"]
    if kind == R.CELL_RNN:
        return np.tanh(gi + gh), None
    if kind == R.CELL_LSTM:
        i, f, g, o = np.split(gi + gh, 4)
        c2 = sig(f) * c + sig(i) * np.tanh(g)
        return sig(o) * np.tanh(c2), c2
    xr, xz, xn = np.split(gi, 3)
    hr, hz, hn = np.split(gh, 3)
    r, z = sig(xr + hr), sig(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h, None


def np_forward_one(hp, P, src, tgt_in):
    """One unpadded sentence, straight from docs/architecture.md. -> (T, Vt)."""
    L, D, He, Hd = hp["layers"], 2 if hp["bidirectional"] else 1, hp["enc_hidden"], hp["dec_hidden"]
    kind, att = hp["cell"], hp["attention"]
    S = len(src)
    x = [P["src_emb"][s] for s in src]
    fin_h, fin_c = [], []
    for l in range(L):
        outs = [[None] * S for _ in range(D)]
        fh, fc = [], []
        for d, dn in enumerate(("fwd", "bwd")[:D]):
            W = {k: P["enc.%d.%s.%s" % (l, dn, k)] for k in ("w_ih", "w_hh", "b_ih", "b_hh")}
            h, c = np.zeros(He), np.zeros(He)
            order = range(S) if d == 0 else range(S - 1, -1, -1)
            for s in order:
                h, c2 = np_cell(kind, W, x[s], h, c)
                c = c2 if c2 is not None else c
                outs[d][s] = h
            fh.append(h)
            fc.append(c)
        x = [np.concatenate([outs[d][s] for d in range(D)]) for s in range(S)]
        fin_h.append(np.concatenate(fh))
        fin_c.append(np.concatenate(fc))
    Henc = np.stack(x)  # (S, De)
    hs, cs = [], []
    for l in range(L):
        if hp["bridge"] == R.BRIDGE_COPY:
            hs.append(fin_h[l]); cs.append(fin_c[l])
        elif hp["bridge"] == R.BRIDGE_PROJECT:
            hs.append(np.tanh(P["bridge.%d.w_h" % l] @ fin_h[l] + P["bridge.%d.b_h" % l]))
            cs.append(P["bridge.%d.w_c" % l] @ fin_c[l] + P["bridge.%d.b_c" % l]
                      if kind == R.CELL_LSTM else None)
        else:
            hs.append(np.zeros(Hd)); cs.append(np.zeros(Hd))
    o = np.zeros(Hd)
    W_out = P["tgt_emb"] if hp["tie_output"] else P["out.w"]
    logits = []
    for y in tgt_in:
        xin = P["tgt_emb"][y]
        if hp["input_feed"]:
            xin = np.concatenate([xin, o])
        for l in range(L):
            W = {k: P["dec.%d.%s" % (l, k)] for k in ("w_ih", "w_hh", "b_ih", "b_hh")}
            h, c = np_cell(kind, W, xin, hs[l], cs[l])
            hs[l] = h
            if c is not None:
                cs[l] = c
            xin = h
        if att == R.ATTN_NONE:
            o = h
        else:
            if att == R.ATTN_BAHDANAU:
                e = np.array([P["att.v"] @ np.tanh(P["att.w_q"] @ h + P["att.w_k"] @ Henc[s])
                              for s in range(S)])
            elif att == R.ATTN_DOT:
                e = Henc @ h
            else:
                e = np.array([h @ (P["att.w_a"] @ Henc[s]) for s in range(S)])
            a = np.exp(e - e.max())
            a /= a.sum()
            ctx = a @ Henc
            o = np.tanh(P["out.w_c"] @ np.concatenate([h, ctx]))
        logits.append(W_out @ o + P["out.b"])
    return np.stack(logits)


def build(case, dtype=torch.float32):
    model, batch = G.make_case(case)
    return model.to(dtype), batch


class TestReference(unittest.TestCase):
    def test_numpy_equations(self):
        for case in RNN_CASES:
            with self.subTest(case=case["name"]):
                model, (src, src_len, tgt, tgt_len) = build(case, torch.float64)
                dec_in, _ = R.make_decoder_io(tgt, tgt_len)
                with torch.no_grad():
                    logits = model(src, src_len, dec_in).numpy()
                P = {n: p.detach().numpy() for n, p in model.named_s2s_tensors()}
                for i in range(src.shape[0]):
                    s = src[i, :src_len[i]].tolist()
                    ref = np_forward_one(case["hp"], P, s, dec_in[i].tolist())
                    np.testing.assert_allclose(logits[i], ref, rtol=0, atol=1e-12)

    def test_loss_formula(self):
        """docs/architecture.md's per-token formula, averaged over non-PAD targets."""
        case = G.CASES[4]
        model, (src, src_len, tgt, tgt_len) = build(case, torch.float64)
        dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
        with torch.no_grad():
            logits = model(src, src_len, dec_in)
        eps = 0.1
        lg = logits.numpy().reshape(-1, logits.shape[-1])
        y = dec_out.numpy().reshape(-1)
        logp = lg - lg.max(1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
        V = lg.shape[1]
        per = [(1 - eps) * -logp[k, y[k]] + eps / V * -logp[k].sum()
               for k in range(len(y)) if y[k] != R.PAD]
        self.assertEqual(len(per), int(tgt_len.sum()) + len(tgt_len))
        self.assertAlmostEqual(float(np.mean(per)), R.token_loss(logits, dec_out, eps).item(),
                               places=12)

    def test_clip_and_adam_formula(self):
        """clip_grad_norm_ then Adam, written out, equals torch's for 3 steps."""
        case = G.CASES[9]
        model, (src, src_len, tgt, tgt_len) = build(case, torch.float64)
        dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
        lr, b1, b2, eps, clip = 0.01, 0.9, 0.999, 1e-8, 0.5
        P = [p.detach().numpy().copy() for p in model.parameters()]
        m = [np.zeros_like(p) for p in P]
        v = [np.zeros_like(p) for p in P]
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(b1, b2), eps=eps)
        for t in range(1, 4):
            opt.zero_grad()
            R.token_loss(model(src, src_len, dec_in), dec_out, 0.1).backward()
            g = [p.grad.numpy().copy() for p in model.parameters()]
            norm = np.sqrt(sum((x * x).sum() for x in g))
            coef = clip / (norm + 1e-6)
            if coef < 1:
                g = [x * coef for x in g]
            for k in range(len(P)):
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                denom = np.sqrt(v[k]) / np.sqrt(1 - b2 ** t) + eps
                P[k] = P[k] - lr / (1 - b1 ** t) * m[k] / denom
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            for k, p in enumerate(model.parameters()):
                np.testing.assert_allclose(p.detach().numpy(), P[k], rtol=0, atol=1e-12)

    def test_packing_equals_alone(self):
        for case in RNN_CASES:
            with self.subTest(case=case["name"]):
                model, (src, src_len, tgt, tgt_len) = build(case, torch.float64)
                dec_in, _ = R.make_decoder_io(tgt, tgt_len)
                with torch.no_grad():
                    full = model(src, src_len, dec_in)
                    for i in range(src.shape[0]):
                        n, m = int(src_len[i]), int(tgt_len[i]) + 1
                        one = model(src[i:i + 1, :n], src_len[i:i + 1], dec_in[i:i + 1, :m])
                        torch.testing.assert_close(full[i, :m], one[0], rtol=0, atol=1e-12)

    def test_gradcheck(self):
        for name in ("lstm_bahdanau_l2_bi_project_feed", "gru_general_l2_uni_zero_feed",
                     "rnn_general_uni_project_tied"):
            case = [c for c in G.CASES if c["name"] == name][0]
            model, (src, src_len, tgt, tgt_len) = build(case, torch.float64)
            dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
            names = [n for n, _ in model.named_parameters()]
            params = tuple(p.detach().clone().requires_grad_(True) for p in model.parameters())

            def f(*ps):
                logits = torch.nn.utils.stateless.functional_call(
                    model, dict(zip(names, ps)), (src, src_len, dec_in))
                return R.token_loss(logits, dec_out, 0.1)

            with self.subTest(case=name):
                self.assertTrue(torch.autograd.gradcheck(f, params, eps=1e-6, atol=1e-6))

    def test_greedy_is_argmax_of_teacher_forcing(self):
        for case in RNN_CASES:
            with self.subTest(case=case["name"]):
                model, (src, src_len, _, _) = build(case, torch.float64)
                ids, lens = model.greedy(src, src_len, 10)
                for i in range(src.shape[0]):
                    n = int(lens[i])
                    seq = [R.SOS] + ids[i, :n].tolist()
                    with torch.no_grad():
                        lg = model(src[i:i + 1, :src_len[i]], src_len[i:i + 1],
                                   torch.tensor([seq]))[0]
                    am = lg.argmax(1).tolist()
                    self.assertEqual(am[:n], ids[i, :n].tolist())
                    if n < 10:
                        self.assertEqual(am[n], R.EOS)

    def test_beam_of_one_is_greedy(self):
        for case in G.CASES:
            with self.subTest(case=case["name"]):
                model, (src, src_len, _, _) = build(case, torch.float64)
                ids, lens = model.greedy(src, src_len, 10)
                bids, blens, _, _ = model.beam(src, src_len, 1, 10, 1.0)
                self.assertEqual(blens.tolist(), lens.tolist())
                self.assertEqual(bids.tolist(), ids.tolist())

    def test_wide_beam_is_exhaustive(self):
        """At most 2 tokens and a beam over every one of the 1 + 10 + 100 outputs: the
        search must return the output of the best normalised score, enumerated here."""
        max_len = 2
        for case in [c for c in G.CASES if c.get("pretrain")] + [G.CASES[-2]]:
            model, (src, src_len, _, _) = build(case, torch.float64)
            V = case["hp"]["tgt_vocab"]
            outputs = [[]] + [[a] for a in range(V) if a != R.EOS]
            outputs += [[a, b] for a in range(V) for b in range(V) if R.EOS not in (a, b)]
            for alpha in (0.0, 1.0, 2.0):
                ids, lens, scores, _ = model.beam(src, src_len, len(outputs), max_len, alpha)
                for i in range(src.shape[0]):
                    with self.subTest(case=case["name"], alpha=alpha, sentence=i):
                        s, n = src[i:i + 1, :src_len[i]], src_len[i:i + 1]
                        with torch.no_grad():
                            lp = torch.log_softmax(model(
                                s.repeat(len(outputs), 1), n.repeat(len(outputs)),
                                torch.tensor([[R.SOS] + o + [R.PAD] * (max_len - len(o))
                                              for o in outputs])), dim=2)
                        norm = []
                        for j, o in enumerate(outputs):
                            total = sum(float(lp[j, t, tok]) for t, tok in enumerate(o + [R.EOS]))
                            norm.append(total / (len(o) + 1) ** alpha)
                        order = sorted(range(len(outputs)), key=lambda j: -norm[j])
                        self.assertGreater(norm[order[0]] - norm[order[1]], 1e-6)
                        self.assertEqual(ids[i, :lens[i]].tolist(), outputs[order[0]])
                        self.assertAlmostEqual(float(scores[i]), norm[order[0]], places=5)


@unittest.skipUnless(have_s2sfile(), "tools/s2sfile.py not present")
class TestFiles(unittest.TestCase):
    def test_import_torch_roundtrip(self):
        import s2sfile
        for case in RNN_CASES:
            with self.subTest(case=case["name"]), tempfile.TemporaryDirectory() as d:
                model, _ = build(case)
                sd, hj, out = (os.path.join(d, x) for x in ("m.pt", "hp.json", "m.s2s"))
                torch.save(model.state_dict(), sd)
                with open(hj, "w") as fh:
                    json.dump(case["hp"], fh)
                vocab = os.path.join(d, "spm.vocab")
                with open(vocab, "w", encoding="utf-8") as fh:
                    fh.write("<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n<0x41>\t0\n\u2581de\t-3.5\nla\t-4.25\n")
                subprocess.run([sys.executable, os.path.join(HERE, "import_torch.py"),
                                sd, hj, out, "--vocab", vocab], check=True,
                               capture_output=True)
                kv, tens = s2sfile.read(out)
                for k in R.HPARAM_FIELDS:
                    self.assertEqual(kv["s2s." + k], case["hp"][k])
                self.assertEqual(list(kv["tokenizer.pieces"]),
                                 ["<pad>", "<unk>", "<s>", "</s>", "<0x41>", "\u2581de", "la"])
                self.assertEqual(list(kv["tokenizer.types"]), [3, 2, 3, 3, 6, 1, 1])
                np.testing.assert_array_equal(np.asarray(kv["tokenizer.scores"], np.float32),
                                              np.float32([0, 0, 0, 0, 0, -3.5, -4.25]))
                ours = model.named_s2s_tensors()
                self.assertEqual(list(tens.keys()), [n for n, _ in ours])
                for n, p in ours:
                    a = tens[n]
                    self.assertEqual(a.dtype, np.float32, n)
                    np.testing.assert_array_equal(a, p.detach().numpy(), err_msg=n)

    def test_fixtures_reproduce(self):
        import s2sfile
        files = sorted(glob.glob(os.path.join(FIXDIR, "*.s2s")))
        self.assertEqual(len(files), len(G.CASES))
        for path in files:
            with self.subTest(path=os.path.basename(path)):
                kv, t = s2sfile.read(path)
                model = R.build(R.hparams_from_kv(kv))
                model.load_s2s_tensors(t)
                src = torch.as_tensor(t["fixture.src"]).long()
                src_len = torch.as_tensor(t["fixture.src_len"]).long()
                tgt = torch.as_tensor(t["fixture.tgt"]).long()
                tgt_len = torch.as_tensor(t["fixture.tgt_len"]).long()
                self.assertTrue(((src >= 4) | (src == 0)).all())
                dec_in, dec_out = R.make_decoder_io(tgt, tgt_len)
                logits = model(src, src_len, dec_in)
                np.testing.assert_allclose(logits.detach().numpy(), t["fixture.logits"], atol=1e-6)
                loss = R.token_loss(logits, dec_out, kv["fixture.label_smoothing"])
                loss.backward()
                np.testing.assert_allclose(loss.item(), t["fixture.loss"][0], atol=1e-6)
                for n, p in model.named_s2s_tensors():
                    np.testing.assert_allclose(p.grad.numpy(), t["grad." + n], atol=1e-6,
                                               err_msg=n)
                ids, lens = model.greedy(src, src_len, t["fixture.greedy"].shape[1])
                np.testing.assert_array_equal(ids.numpy(), t["fixture.greedy"])
                np.testing.assert_array_equal(lens.numpy(), t["fixture.greedy_len"])
                ids, lens, scores, margin = model.beam(src, src_len, kv["fixture.beam_size"],
                                                       t["fixture.beam"].shape[1],
                                                       kv["fixture.length_penalty"])
                np.testing.assert_array_equal(ids.numpy(), t["fixture.beam"])
                np.testing.assert_array_equal(lens.numpy(), t["fixture.beam_len"])
                np.testing.assert_allclose(scores.numpy(), t["fixture.beam_score"], atol=1e-6)
                self.assertGreaterEqual(margin, G.BEAM_MARGIN)
                # the float64 reference agrees with the float32 fixture to ~1e-6 (so the
                # fixture does not hinge on rounding), then Adam + clipping reproduce
                m64 = R.build(R.hparams_from_kv(kv)).double()
                m64.load_s2s_tensors(t)
                l64 = R.token_loss(m64(src, src_len, dec_in), dec_out, kv["fixture.label_smoothing"])
                np.testing.assert_allclose(l64.item(), t["fixture.loss"][0], atol=1e-5)
                opt = torch.optim.Adam(model.parameters(), lr=kv["fixture.lr"],
                                       betas=(kv["fixture.beta1"], kv["fixture.beta2"]),
                                       eps=kv["fixture.eps"])
                losses, norms = [], []
                for _ in range(kv["fixture.adam_steps"]):
                    opt.zero_grad()
                    l = R.token_loss(model(src, src_len, dec_in), dec_out,
                                     kv["fixture.label_smoothing"])
                    l.backward()
                    norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(),
                                                                       kv["fixture.clip_norm"])))
                    opt.step()
                    losses.append(l.item())
                np.testing.assert_allclose(losses, t["fixture.adam_losses"], atol=1e-6)
                np.testing.assert_allclose(norms, t["fixture.adam_grad_norms"], rtol=1e-5)
                clipped = sum(n > kv["fixture.clip_norm"] for n in norms)
                self.assertTrue(0 < clipped < len(norms))


def tf_hp(heads=2, layers=1, dec_layers=1, positions=R.POS_SINUSOIDAL, act=R.ACT_RELU, tie=0,
          E=16, ff=32):
    return dict(src_vocab=13, tgt_vocab=11, emb_dim=E, enc_hidden=E, dec_hidden=E,
                layers=layers, bidirectional=0, cell=0, attention=0, bridge=0, input_feed=0,
                tie_output=tie, architecture=R.ARCH_TRANSFORMER, heads=heads, ff_dim=ff,
                dec_layers=dec_layers, positions=positions,
                max_positions=R.MAX_SEQ_LEN if positions == R.POS_LEARNED else 0,
                activation=act)


class TestTransformer(unittest.TestCase):
    def setUp(self):
        torch.set_num_threads(1)
        torch.manual_seed(7)

    def randomized(self, hp):
        model = R.build(hp)
        with torch.no_grad():
            for n, p in model.named_s2s_tensors():
                p.uniform_(-0.3, 0.3)
                if n.endswith(".g"):
                    p.add_(1.0)
        return model

    def torch_layer(self, ours, dec, act):
        """nn.Transformer*Layer with ours' weights; GELU as a callable in its tanh form."""
        E, H = ours.w_o.shape[0], ours.H
        fn = (lambda x: torch.nn.functional.gelu(x, approximate="tanh")) if act == R.ACT_GELU \
            else "relu"
        cls = torch.nn.TransformerDecoderLayer if dec else torch.nn.TransformerEncoderLayer
        ref = cls(E, H, dim_feedforward=ours.w1.shape[0], dropout=0.0, activation=fn,
                  layer_norm_eps=R.LN_EPS, batch_first=True, norm_first=True)
        with torch.no_grad():
            ref.self_attn.in_proj_weight.copy_(ours.w_qkv)
            ref.self_attn.in_proj_bias.copy_(ours.b_qkv)
            ref.self_attn.out_proj.weight.copy_(ours.w_o)
            ref.self_attn.out_proj.bias.copy_(ours.b_o)
            ref.linear1.weight.copy_(ours.w1), ref.linear1.bias.copy_(ours.b1)
            ref.linear2.weight.copy_(ours.w2), ref.linear2.bias.copy_(ours.b2)
            ref.norm1.weight.copy_(ours.ln1_g), ref.norm1.bias.copy_(ours.ln1_b)
            last = ref.norm3 if dec else ref.norm2
            last.weight.copy_(ours.lnf_g), last.bias.copy_(ours.lnf_b)
            if dec:
                ref.multihead_attn.in_proj_weight.copy_(torch.cat([ours.c_w_q, ours.c_w_kv]))
                ref.multihead_attn.in_proj_bias.copy_(torch.cat([ours.c_b_q, ours.c_b_kv]))
                ref.multihead_attn.out_proj.weight.copy_(ours.c_w_o)
                ref.multihead_attn.out_proj.bias.copy_(ours.c_b_o)
                ref.norm2.weight.copy_(ours.ln2_g), ref.norm2.bias.copy_(ours.ln2_b)
        return ref.eval()

    def test_layers_equal_torch_nn(self):
        B, S, T, E = 3, 6, 5, 16
        lens = torch.tensor([6, 3, 1])
        pad = torch.arange(S)[None, :] >= lens[:, None]
        causal = torch.ones(T, T, dtype=torch.bool).triu(1)
        for heads in (1, 2, 4):
            for act in (R.ACT_RELU, R.ACT_GELU):
                with self.subTest(heads=heads, act=act):
                    model = self.randomized(tf_hp(heads=heads, act=act))
                    x, y = torch.randn(B, S, E), torch.randn(B, T, E)
                    ours, _ = model.enc[0](x, pad.unsqueeze(1))
                    ref = self.torch_layer(model.enc[0], False, act)(x, src_key_padding_mask=pad)
                    for b in range(B):  # padded rows are nobody's keys: compare real ones
                        np.testing.assert_allclose(ours[b, :lens[b]].detach().numpy(),
                                                   ref[b, :lens[b]].detach().numpy(),
                                                   atol=1e-5, rtol=1e-5)
                    ours, _ = model.dec[0](y, causal.unsqueeze(0), x, pad.unsqueeze(1))
                    ref = self.torch_layer(model.dec[0], True, act)(
                        y, x, tgt_mask=causal, memory_key_padding_mask=pad)
                    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(),
                                               atol=1e-5, rtol=1e-5)

    def test_gelu_is_the_tanh_form(self):
        x = torch.linspace(-6, 6, 101)
        np.testing.assert_allclose(R.gelu_tanh(x).numpy(),
                                   torch.nn.functional.gelu(x, approximate="tanh").numpy(),
                                   atol=1e-6)

    def test_sinusoidal_positions(self):
        pe = R.sinusoidal_positions(50, 16).numpy()
        t, i = 37, 6
        self.assertAlmostEqual(pe[t, i], np.float32(np.sin(t / 10000 ** (i / 16))), places=7)
        self.assertAlmostEqual(pe[t, i + 1], np.float32(np.cos(t / 10000 ** (i / 16))), places=7)

    def test_padding_and_future_change_nothing(self):
        for pos in (R.POS_SINUSOIDAL, R.POS_LEARNED):
            model = self.randomized(tf_hp(heads=2, layers=2, dec_layers=2, positions=pos,
                                          act=R.ACT_GELU, tie=1))
            src = torch.tensor([[5, 6, 7, 8, 9], [4, 5, 0, 0, 0]])
            lens = torch.tensor([5, 2])
            tgt = torch.tensor([[2, 5, 6, 7], [2, 8, 0, 0]])
            both = model(src, lens, tgt)
            alone = model(src[1:, :2], lens[1:], tgt[1:, :2])
            np.testing.assert_allclose(both[1, :2].detach().numpy(), alone[0].detach().numpy(),
                                       atol=1e-5)
            # the first step does not see later decoder inputs
            np.testing.assert_allclose(both[:, :1].detach().numpy(),
                                       model(src, lens, tgt[:, :1]).detach().numpy(), atol=1e-5)

    def test_names_and_validation(self):
        model = R.build(tf_hp(layers=2, dec_layers=1, positions=R.POS_LEARNED, tie=1))
        names = [n for n, _ in model.named_s2s_tensors()]
        self.assertEqual(names[:4], ["src_emb", "tgt_emb", "pos_emb", "enc.0.ln1.g"])
        self.assertIn("dec.0.cross.w_kv", names)
        self.assertNotIn("out.w", names)
        self.assertEqual(names[-3:], ["dec.ln.g", "dec.ln.b", "out.b"])
        self.assertEqual(len(names), len(list(model.parameters())))
        for bad in (dict(heads=3), dict(ff=20), dict(positions=R.POS_LEARNED, E=16),
                    dict(cell=1)):
            hp = tf_hp(**{k: v for k, v in bad.items() if k != "cell"})
            if "cell" in bad:
                hp["cell"] = 1
            if bad.get("positions") == R.POS_LEARNED:
                hp["max_positions"] = 10
            with self.assertRaises(ValueError, msg=str(bad)):
                R.validate_hparams(hp)


if __name__ == "__main__":
    unittest.main()
