"""PyTorch reference of the seq2seq-wasm network (docs/architecture.md).

The C engine must reproduce this module's logits, loss, gradients and Adam
trajectory; tools/gen_fixtures.py records them in tests/fixtures/ref/*.s2s.

    model = build(hparams)                   # dict with the s2s_hparams field names:
                                             # Seq2Seq (RNN) or Transformer (architecture 1)
    logits = model(src, src_len, tgt_in)     # (B, T, Vt)
    loss = model.loss(src, src_len, tgt, tgt_len, label_smoothing=0.1)
    ids, lens = model.greedy(src, src_len, max_len=10)
    ids, lens, scores, margin = model.beam(src, src_len, beam_size=4, max_len=10,
                                           length_penalty=1.0)
    model.named_s2s_tensors()                # [(name, tensor)] in file order

Token conventions: PAD=0 UNK=1 SOS=2 EOS=3. `src` is (B, S) padded with PAD;
`tgt` is (B, T) without SOS/EOS, padded with PAD. make_decoder_io() turns
it into decoder inputs (SOS + tgt) and targets (tgt + EOS), both (B, T+1).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK, SOS, EOS = 0, 1, 2, 3

CELL_RNN, CELL_LSTM, CELL_GRU = 0, 1, 2
ATTN_NONE, ATTN_BAHDANAU, ATTN_DOT, ATTN_GENERAL = 0, 1, 2, 3
BRIDGE_COPY, BRIDGE_PROJECT, BRIDGE_ZERO = 0, 1, 2

HPARAM_FIELDS = ("src_vocab", "tgt_vocab", "emb_dim", "enc_hidden", "dec_hidden",
                 "layers", "bidirectional", "cell", "attention", "bridge",
                 "input_feed", "tie_output")
# Optional keys (src/model.c's hparam_table): absent means 0, which the RNN requires.
TF_HPARAM_FIELDS = ("architecture", "heads", "ff_dim", "dec_layers", "positions",
                    "max_positions", "activation")
ARCH_RNN, ARCH_TRANSFORMER = 0, 1
POS_SINUSOIDAL, POS_LEARNED = 0, 1
ACT_RELU, ACT_GELU = 0, 1
MAX_LAYERS, MAX_SEQ_LEN, Q8_COLS = 8, 512, 16
LN_EPS = 1e-5


def full_hparams(hp):
    """Every field as int, the optional ones 0 when absent."""
    out = {k: int(hp[k]) for k in HPARAM_FIELDS if k in hp}
    for k in TF_HPARAM_FIELDS:
        out[k] = int(hp.get(k, 0))
    return out


def hparam_kv(hp):
    """The s2s.* keys a file holds: the required ones, and the optional ones that are not 0
    (as s2s_model_save leaves them out)."""
    hp = full_hparams(hp)
    kv = {"s2s." + k: hp[k] for k in HPARAM_FIELDS}
    kv.update({"s2s." + k: hp[k] for k in TF_HPARAM_FIELDS if hp[k] != 0})
    return kv


def hparams_from_kv(kv):
    return full_hparams({k[4:]: int(v) for k, v in kv.items()
                         if k.startswith("s2s.") and k[4:] in HPARAM_FIELDS + TF_HPARAM_FIELDS})


def build(hparams, dropout=0.0):
    """The model of hparams' family."""
    if int(hparams.get("architecture", 0)) == ARCH_TRANSFORMER:
        return Transformer(hparams, dropout)
    return Seq2Seq(hparams, dropout)


def validate_transformer(hp):
    """The rules of tf_validate (src/arch/transformer/tf_model.c)."""
    for k in ("cell", "attention", "bridge", "input_feed", "bidirectional"):
        if hp[k] != 0:
            raise ValueError("%s is the RNN's: 0 for the Transformer" % k)
    if not hp["enc_hidden"] == hp["dec_hidden"] == hp["emb_dim"]:
        raise ValueError("the Transformer needs enc_hidden == dec_hidden == emb_dim")
    if hp["heads"] < 1 or hp["emb_dim"] % hp["heads"]:
        raise ValueError("emb_dim must be a multiple of heads, heads >= 1")
    if hp["ff_dim"] < 1 or hp["emb_dim"] % Q8_COLS or hp["ff_dim"] % Q8_COLS:
        raise ValueError("emb_dim and ff_dim must be positive multiples of %d" % Q8_COLS)
    if not 1 <= hp["dec_layers"] <= MAX_LAYERS:
        raise ValueError("dec_layers must be 1..%d" % MAX_LAYERS)
    if hp["positions"] not in (POS_SINUSOIDAL, POS_LEARNED):
        raise ValueError("unknown positions")
    if hp["activation"] not in (ACT_RELU, ACT_GELU):
        raise ValueError("unknown activation")
    if hp["positions"] == POS_LEARNED and hp["max_positions"] < MAX_SEQ_LEN:
        raise ValueError("learned positions need max_positions >= %d" % MAX_SEQ_LEN)
    if hp["positions"] == POS_SINUSOIDAL and hp["max_positions"] != 0:
        raise ValueError("max_positions is for learned positions: 0 when sinusoidal")


def validate_hparams(hp):
    """Raise ValueError unless hp is a valid combination (mirrors s2s_hparams_validate)."""
    missing = [k for k in HPARAM_FIELDS if k not in hp]
    if missing:
        raise ValueError("missing hyper-parameters: %s" % ", ".join(missing))
    arch = int(hp.get("architecture", 0))
    if arch not in (ARCH_RNN, ARCH_TRANSFORMER):
        raise ValueError("unknown architecture")
    if arch == ARCH_TRANSFORMER:
        full = full_hparams(hp)
        for k in ("src_vocab", "tgt_vocab", "emb_dim"):
            if full[k] < 1:
                raise ValueError("%s must be >= 1" % k)
        if not 1 <= full["layers"] <= MAX_LAYERS:
            raise ValueError("layers must be 1..%d" % MAX_LAYERS)
        if full["tie_output"] not in (0, 1):
            raise ValueError("tie_output must be 0 or 1")
        validate_transformer(full)
        return
    extra = [k for k in TF_HPARAM_FIELDS if int(hp.get(k, 0)) != 0]
    if extra:
        raise ValueError("%s: the Transformer's, 0 for the RNN" % ", ".join(extra))
    for k in ("src_vocab", "tgt_vocab", "emb_dim", "enc_hidden", "dec_hidden"):
        if int(hp[k]) < 1:
            raise ValueError("%s must be >= 1" % k)
    if not 1 <= int(hp["layers"]) <= 4:
        raise ValueError("layers must be 1..4")
    for k in ("bidirectional", "input_feed", "tie_output"):
        if int(hp[k]) not in (0, 1):
            raise ValueError("%s must be 0 or 1" % k)
    if int(hp["cell"]) not in (0, 1, 2):
        raise ValueError("unknown cell")
    if int(hp["attention"]) not in (0, 1, 2, 3):
        raise ValueError("unknown attention")
    if int(hp["bridge"]) not in (0, 1, 2):
        raise ValueError("unknown bridge")
    de = (2 if hp["bidirectional"] else 1) * int(hp["enc_hidden"])
    hd = int(hp["dec_hidden"])
    if hp["bridge"] == BRIDGE_COPY and hd != de:
        raise ValueError("copy bridge needs dec_hidden == directions * enc_hidden")
    if hp["attention"] == ATTN_DOT and hd != de:
        raise ValueError("Luong dot needs dec_hidden == directions * enc_hidden")
    if hp["input_feed"] and hp["attention"] == ATTN_NONE:
        raise ValueError("input feeding needs attention")
    if hp["tie_output"] and hd != int(hp["emb_dim"]):
        raise ValueError("tie_output needs dec_hidden == emb_dim")


def make_decoder_io(tgt, tgt_len):
    """(B, T) targets without SOS/EOS -> decoder inputs and targets, (B, T+1) each."""
    b, t = tgt.shape
    dec_in = torch.full((b, t + 1), PAD, dtype=torch.long)
    dec_out = torch.full((b, t + 1), PAD, dtype=torch.long)
    for i in range(b):
        n = int(tgt_len[i])
        dec_in[i, 0] = SOS
        dec_in[i, 1:n + 1] = tgt[i, :n]
        dec_out[i, :n] = tgt[i, :n]
        dec_out[i, n] = EOS
    return dec_in, dec_out


class Seq2Seq(nn.Module):
    def __init__(self, hparams, dropout=0.0):
        super().__init__()
        hp = {k: int(hparams[k]) for k in HPARAM_FIELDS}
        validate_hparams(hp)
        self.hp = hp
        self.L = hp["layers"]
        self.D = 2 if hp["bidirectional"] else 1
        self.E, self.He, self.Hd = hp["emb_dim"], hp["enc_hidden"], hp["dec_hidden"]
        self.De = self.D * self.He
        self.cell = hp["cell"]
        self.attention = hp["attention"]
        self.bridge_type = hp["bridge"]
        self.input_feed = bool(hp["input_feed"])
        self.tie = bool(hp["tie_output"])
        E, He, Hd, De, L = self.E, self.He, self.Hd, self.De, self.L

        self.src_emb = nn.Embedding(hp["src_vocab"], E)
        self.tgt_emb = nn.Embedding(hp["tgt_vocab"], E)
        self.drop = nn.Dropout(dropout)

        rnn_cls = {CELL_RNN: lambda i, h: nn.RNN(i, h, nonlinearity="tanh", batch_first=True,
                                                 bidirectional=self.D == 2),
                   CELL_LSTM: lambda i, h: nn.LSTM(i, h, batch_first=True,
                                                   bidirectional=self.D == 2),
                   CELL_GRU: lambda i, h: nn.GRU(i, h, batch_first=True,
                                                 bidirectional=self.D == 2)}[self.cell]
        self.enc = nn.ModuleList([rnn_cls(E if l == 0 else De, He) for l in range(L)])

        if self.bridge_type == BRIDGE_PROJECT:
            self.bridge_h = nn.ModuleList([nn.Linear(De, Hd) for _ in range(L)])
            if self.cell == CELL_LSTM:
                self.bridge_c = nn.ModuleList([nn.Linear(De, Hd) for _ in range(L)])

        cell_cls = {CELL_RNN: lambda i, h: nn.RNNCell(i, h, nonlinearity="tanh"),
                    CELL_LSTM: nn.LSTMCell, CELL_GRU: nn.GRUCell}[self.cell]
        in0 = E + (Hd if self.input_feed else 0)
        self.dec = nn.ModuleList([cell_cls(in0 if l == 0 else Hd, Hd) for l in range(L)])

        if self.attention == ATTN_BAHDANAU:
            self.att_q = nn.Linear(Hd, Hd, bias=False)
            self.att_k = nn.Linear(De, Hd, bias=False)
            self.att_v = nn.Parameter(torch.empty(Hd).uniform_(-0.1, 0.1))
        elif self.attention == ATTN_GENERAL:
            self.att_a = nn.Linear(De, Hd, bias=False)
        if self.attention != ATTN_NONE:
            self.out_c = nn.Linear(Hd + De, Hd, bias=False)
        if not self.tie:
            self.out_w = nn.Parameter(torch.empty(hp["tgt_vocab"], Hd).uniform_(-0.1, 0.1))
        self.out_b = nn.Parameter(torch.zeros(hp["tgt_vocab"]))

    # ------------------------------------------------------------ names
    def named_s2s_tensors(self):
        """[(name, parameter)] in the order of docs/architecture.md's table."""
        out = [("src_emb", self.src_emb.weight), ("tgt_emb", self.tgt_emb.weight)]
        for l, rnn in enumerate(self.enc):
            for d, dname in enumerate(("fwd", "bwd")[:self.D]):
                sfx = "_l0" + ("_reverse" if d == 1 else "")
                for ours, theirs in (("w_ih", "weight_ih"), ("w_hh", "weight_hh"),
                                     ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
                    out.append(("enc.%d.%s.%s" % (l, dname, ours), getattr(rnn, theirs + sfx)))
        if self.bridge_type == BRIDGE_PROJECT:
            for l in range(self.L):
                out.append(("bridge.%d.w_h" % l, self.bridge_h[l].weight))
                out.append(("bridge.%d.b_h" % l, self.bridge_h[l].bias))
                if self.cell == CELL_LSTM:
                    out.append(("bridge.%d.w_c" % l, self.bridge_c[l].weight))
                    out.append(("bridge.%d.b_c" % l, self.bridge_c[l].bias))
        for l, c in enumerate(self.dec):
            out += [("dec.%d.w_ih" % l, c.weight_ih), ("dec.%d.w_hh" % l, c.weight_hh),
                    ("dec.%d.b_ih" % l, c.bias_ih), ("dec.%d.b_hh" % l, c.bias_hh)]
        if self.attention == ATTN_BAHDANAU:
            out += [("att.w_q", self.att_q.weight), ("att.w_k", self.att_k.weight),
                    ("att.v", self.att_v)]
        elif self.attention == ATTN_GENERAL:
            out.append(("att.w_a", self.att_a.weight))
        if self.attention != ATTN_NONE:
            out.append(("out.w_c", self.out_c.weight))
        if not self.tie:
            out.append(("out.w", self.out_w))
        out.append(("out.b", self.out_b))
        return out

    def load_s2s_tensors(self, tensors):
        """Copy {name: array or tensor} into the parameters (every name required)."""
        with torch.no_grad():
            for name, p in self.named_s2s_tensors():
                if name not in tensors:
                    raise KeyError("missing tensor %s" % name)
                v = torch.as_tensor(tensors[name])
                if tuple(v.shape) != tuple(p.shape):
                    raise ValueError("%s: shape %s, expected %s"
                                     % (name, tuple(v.shape), tuple(p.shape)))
                p.copy_(v.to(p.dtype))

    # ---------------------------------------------------------- encoder
    def encode(self, src, src_len):
        """-> Henc (B, S, De) zero at padding, [fin_h (B, De)] * L, [fin_c] * L or None."""
        lens = torch.as_tensor(src_len, dtype=torch.long).cpu()
        S = src.shape[1]
        x = self.drop(self.src_emb(src))
        fin_h, fin_c = [], []
        for l, rnn in enumerate(self.enc):
            if l > 0:
                x = self.drop(x)
            packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
            y, state = rnn(packed)
            x, _ = pad_packed_sequence(y, batch_first=True, total_length=S)
            if self.cell == CELL_LSTM:
                h_n, c_n = state
                fin_c.append(torch.cat(list(c_n), dim=-1))
            else:
                h_n = state
            # h_n: (D, B, He): forward's state after len-1, backward's after 0.
            fin_h.append(torch.cat(list(h_n), dim=-1))
        return x, fin_h, (fin_c if self.cell == CELL_LSTM else None)

    def init_decoder_state(self, fin_h, fin_c, batch):
        hs, cs = [], []
        for l in range(self.L):
            if self.bridge_type == BRIDGE_COPY:
                h = fin_h[l]
                c = fin_c[l] if fin_c is not None else None
            elif self.bridge_type == BRIDGE_PROJECT:
                h = torch.tanh(self.bridge_h[l](fin_h[l]))
                c = self.bridge_c[l](fin_c[l]) if fin_c is not None else None
            else:
                h = fin_h[l].new_zeros(batch, self.Hd)
                c = h if self.cell == CELL_LSTM else None
            hs.append(h)
            cs.append(c)
        return hs, cs

    # ---------------------------------------------------------- decoder
    def attend(self, h, henc, keys, mask):
        """h (B, Hd), henc (B, S, De), keys precomputed, mask (B, S) True at padding."""
        if self.attention == ATTN_BAHDANAU:
            e = torch.tanh(self.att_q(h).unsqueeze(1) + keys) @ self.att_v      # (B, S)
        else:  # dot: keys = henc; general: keys = W_a henc, both (B, S, Hd)
            e = (keys @ h.unsqueeze(2)).squeeze(2)
        e = e.masked_fill(mask, float("-inf"))
        a = torch.softmax(e, dim=1)
        ctx = (a.unsqueeze(1) @ henc).squeeze(1)                                # (B, De)
        return ctx, a

    def start(self, src, src_len):
        src = torch.as_tensor(src, dtype=torch.long)
        henc, fin_h, fin_c = self.encode(src, src_len)
        B, S = src.shape
        lens = torch.as_tensor(src_len, dtype=torch.long).to(src.device)
        # on src's device, so that the trainer (tools/torch_train.py) runs on GPUs
        mask = torch.arange(S, device=src.device).unsqueeze(0) >= lens.unsqueeze(1)
        keys = None
        if self.attention == ATTN_BAHDANAU:
            keys = self.att_k(henc)
        elif self.attention == ATTN_DOT:
            keys = henc
        elif self.attention == ATTN_GENERAL:
            keys = self.att_a(henc)
        hs, cs = self.init_decoder_state(fin_h, fin_c, B)
        o_prev = henc.new_zeros(B, self.Hd)
        return dict(henc=henc, mask=mask, keys=keys, hs=hs, cs=cs, o=o_prev)

    def step(self, st, y_prev):
        """One decoder step from previous tokens y_prev (B,) -> logits (B, Vt), attention."""
        x = self.drop(self.tgt_emb(y_prev))
        if self.input_feed:
            x = torch.cat([x, st["o"]], dim=1)
        hs, cs = [], []
        for l, cell in enumerate(self.dec):
            if l > 0:
                x = self.drop(x)
            if self.cell == CELL_LSTM:
                h, c = cell(x, (st["hs"][l], st["cs"][l]))
            else:
                h, c = cell(x, st["hs"][l]), None
            hs.append(h)
            cs.append(c)
            x = h
        st["hs"], st["cs"] = hs, cs
        a = None
        if self.attention != ATTN_NONE:
            ctx, a = self.attend(h, st["henc"], st["keys"], st["mask"])
            o = torch.tanh(self.out_c(torch.cat([h, ctx], dim=1)))
        else:
            o = h
        st["o"] = o
        w = self.tgt_emb.weight if self.tie else self.out_w
        logits = self.drop(o) @ w.t() + self.out_b
        return logits, a

    def forward(self, src, src_len, tgt_in):
        """Teacher forcing: tgt_in (B, T) starts with SOS -> logits (B, T, Vt)."""
        st = self.start(src, src_len)
        tgt_in = torch.as_tensor(tgt_in, dtype=torch.long)
        out = []
        for t in range(tgt_in.shape[1]):
            logits, _ = self.step(st, tgt_in[:, t])
            out.append(logits)
        return torch.stack(out, dim=1)

    def loss(self, src, src_len, tgt, tgt_len, label_smoothing=0.0):
        """Mean token loss; tgt (B, T) without SOS/EOS (EOS is appended as a target)."""
        dec_in, dec_out = make_decoder_io(torch.as_tensor(tgt), tgt_len)
        logits = self(src, src_len, dec_in)
        return token_loss(logits, dec_out, label_smoothing)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len):
        """Argmax over the whole target vocabulary at each step, at most max_len steps.
        -> ids (B, max_len) padded with PAD, lens (B): tokens before the first EOS."""
        st = self.start(src, src_len)
        B = st["mask"].shape[0]
        y = torch.full((B,), SOS, dtype=torch.long)
        ids = torch.full((B, max_len), PAD, dtype=torch.long)
        lens = torch.full((B,), max_len, dtype=torch.long)
        done = torch.zeros(B, dtype=torch.bool)
        for t in range(max_len):
            logits, _ = self.step(st, y)
            y = logits.argmax(dim=1)
            for i in range(B):
                if done[i]:
                    continue
                if y[i] == EOS:
                    done[i] = True
                    lens[i] = t
                else:
                    ids[i, t] = y[i]
            if bool(done.all()):
                break
        return ids, lens

    def beam(self, src, src_len, beam_size, max_len, length_penalty=1.0):
        """Beam search as the engine does it: see beam_search()."""
        return beam_search(self, src, src_len, beam_size, max_len, length_penalty)


def select_rows(st, idx):
    """The decoder state `st` (start()'s dict: tensors with a row per hypothesis, lists of
    them, None) with rows idx (a LongTensor) in that order."""
    def pick(x):
        if isinstance(x, torch.Tensor):
            return x.index_select(0, idx)
        if isinstance(x, list):
            return [pick(v) for v in x]
        return x
    return {k: pick(v) for k, v in st.items()}


@torch.no_grad()
def beam_search(model, src, src_len, beam_size, max_len, length_penalty):
    """The engine's beam search (src/search.c), one sentence at a time, in float32.

    Each step scores, for every live hypothesis, its beam_size * 2 best tokens (score =
    the hypothesis's summed log-probabilities + the token's); the candidates of all
    hypotheses are taken best first until beam_size continue or beam_size have finished:
    EOS moves a hypothesis to the finished list, scored by logprob / (tokens + 1) ^
    length_penalty; after max_len tokens only EOS is taken. A sentence is done when
    beam_size have finished or at max_len (if none finished then, the best live
    hypothesis is closed with EOS). The best finished one wins, the first among equals.

    -> ids (B, max_len) padded with PAD, lens (B), scores (B) as the engine reports them,
    and margin: the smallest gap between two scores whose order decided anything (a
    smaller one means float32 rounding could change the result)."""
    k, V = beam_size, None
    B = len(src_len)
    ids = torch.full((B, max_len), PAD, dtype=torch.long)
    lens = torch.zeros(B, dtype=torch.long)
    scores = torch.zeros(B, dtype=torch.float32)
    margin = math.inf

    def norm(score, n_with_eos):
        if length_penalty > 0:
            return float(torch.tensor(score, dtype=torch.float32)
                         / torch.tensor(float(n_with_eos), dtype=torch.float32) ** length_penalty)
        return score

    for i in range(B):
        n = int(src_len[i])
        st = model.start(torch.as_tensor(src)[i:i + 1, :n], torch.as_tensor(src_len)[i:i + 1])
        hyps = [([], torch.tensor(0.0))]  # (tokens, summed log-probability in float32)
        finished = []  # (normalised score, tokens)
        for t in range(max_len + 1):
            y = torch.tensor([h[0][-1] if h[0] else SOS for h in hyps], dtype=torch.long)
            logits, _ = model.step(st, y)
            logp = torch.log_softmax(logits.float(), dim=1)
            V = logp.shape[1]
            n_top = min(2 * k, V)
            at_limit = t >= max_len
            cand = []
            for r, (toks, sc) in enumerate(hyps):
                top = logp[r].topk(min(n_top + 1, V))
                # A row's cut decides anything only at the limit, where a row whose EOS
                # is not among its best tokens cannot finish.
                if at_limit and n_top < V and EOS in top.indices[n_top - 1:n_top + 1].tolist():
                    margin = min(margin, float(top.values[n_top - 1] - top.values[n_top]))
                for c in range(n_top):
                    cand.append((float(sc + top.values[c]), r, int(top.indices[c])))
            cand.sort(key=lambda c: -c[0])
            kept, examined = [], 0
            for score, r, tok in cand:
                if len(kept) >= k or len(finished) >= k:
                    break
                examined += 1
                if tok == EOS:
                    finished.append((norm(score, t + 1), hyps[r][0]))
                elif not at_limit:
                    kept.append((r, tok, score))
            # Which candidates were examined must not depend on rounding, nor the order
            # of an EOS and a non-EOS among them (it decides which count stops first).
            # (Two of one kind swapped change only the order of rows or of finished
            # hypotheses, whose ties the margins of later steps and the winner cover.)
            if examined < len(cand):
                margin = min(margin, cand[examined - 1][0] - cand[examined][0])
            for a in range(examined - 1):
                if (cand[a][2] == EOS) != (cand[a + 1][2] == EOS):
                    margin = min(margin, cand[a][0] - cand[a + 1][0])
            if len(finished) >= k or at_limit:
                if not finished:
                    live = [float(sc) for _, sc in hyps]
                    best = max(range(len(hyps)), key=lambda r: (live[r], -r))
                    if len(hyps) > 1:
                        margin = min(margin, live[best] - max(v for r, v in enumerate(live)
                                                              if r != best))
                    finished.append((norm(live[best] + float(logp[best, EOS]), t + 1),
                                     hyps[best][0]))
                break
            idx = torch.tensor([r for r, _, _ in kept], dtype=torch.long)
            st = select_rows(st, idx)
            hyps = [(hyps[r][0] + [tok], torch.tensor(score, dtype=torch.float32))
                    for r, tok, score in kept]
        best = 0
        for f in range(1, len(finished)):
            if finished[f][0] > finished[best][0]:
                best = f
        if len(finished) > 1:
            margin = min(margin, finished[best][0] - max(
                s for f, (s, _) in enumerate(finished) if f != best))
        toks = finished[best][1]
        lens[i] = len(toks)
        ids[i, :len(toks)] = torch.tensor(toks, dtype=torch.long)
        scores[i] = finished[best][0]
    return ids, lens, scores, margin


def token_loss(logits, targets, label_smoothing=0.0):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=PAD,
                           label_smoothing=label_smoothing)


# ------------------------------------------------------------- Transformer
def sinusoidal_positions(n, d):
    """pe[t][2i] = sin(t / 10000^(2i/d)), pe[t][2i+1] = cos(the same), in double and rounded
    once, as src/nn/layernorm.c's positions_sinusoidal."""
    import numpy as np
    t = np.arange(n, dtype=np.float64)[:, None]
    i = np.arange(0, d, 2, dtype=np.float64)[None, :]
    angle = t / np.power(10000.0, i / d)
    pe = np.zeros((n, d), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)[:, :d // 2]
    return torch.from_numpy(pe.astype(np.float32))


def gelu_tanh(x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the engine's kernel_gelu_tanh."""
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def attention(q, k, v, heads, mask):
    """Spelled-out multi-head attention (PyTorch 1.13 has no scaled_dot_product_attention).
    q (B, Tq, E), k and v (B, Tk, E), mask (B or 1, Tq or 1, Tk) True where a key is hidden.
    -> (B, Tq, E) heads' outputs side by side, probabilities (B, H, Tq, Tk)."""
    B, Tq, E = q.shape
    Tk, Dh = k.shape[1], E // heads
    split = lambda x, T: x.reshape(B, T, heads, Dh).transpose(1, 2)  # noqa: E731
    s = (split(q, Tq) @ split(k, Tk).transpose(2, 3)) * (1.0 / math.sqrt(Dh))
    s = s.masked_fill(mask.unsqueeze(1), float("-inf"))
    p = torch.softmax(s, dim=-1)
    return (p @ split(v, Tk)).transpose(1, 2).reshape(B, Tq, E), p


class TfLayer(nn.Module):
    """One pre-norm layer: x += Drop(SelfAtt(LN1 x)); [x += Drop(CrossAtt(LN2 x, mem))];
    x += Drop(FF(LN x)). Parameters carry the engine's names (tf_model.c's walk_layer)."""

    def __init__(self, E, H, Fd, act, dec, drop):
        super().__init__()
        self.H, self.act, self.dec, self.drop = H, act, dec, drop
        P = lambda *s: nn.Parameter(torch.empty(*s).uniform_(-0.1, 0.1))  # noqa: E731
        ones = lambda: nn.Parameter(torch.ones(E))  # noqa: E731
        zeros = lambda n: nn.Parameter(torch.zeros(n))  # noqa: E731
        self.ln1_g, self.ln1_b = ones(), zeros(E)
        self.w_qkv, self.b_qkv, self.w_o, self.b_o = P(3 * E, E), zeros(3 * E), P(E, E), zeros(E)
        if dec:
            self.ln2_g, self.ln2_b = ones(), zeros(E)
            self.c_w_q, self.c_b_q = P(E, E), zeros(E)
            self.c_w_kv, self.c_b_kv = P(2 * E, E), zeros(2 * E)
            self.c_w_o, self.c_b_o = P(E, E), zeros(E)
        self.lnf_g, self.lnf_b = ones(), zeros(E)
        self.w1, self.b1, self.w2, self.b2 = P(Fd, E), zeros(Fd), P(E, Fd), zeros(E)

    def named(self, prefix):
        self_name = "self" if self.dec else "att"
        out = [("ln1.g", self.ln1_g), ("ln1.b", self.ln1_b),
               (self_name + ".w_qkv", self.w_qkv), (self_name + ".b_qkv", self.b_qkv),
               (self_name + ".w_o", self.w_o), (self_name + ".b_o", self.b_o)]
        if self.dec:
            out += [("ln2.g", self.ln2_g), ("ln2.b", self.ln2_b),
                    ("cross.w_q", self.c_w_q), ("cross.b_q", self.c_b_q),
                    ("cross.w_kv", self.c_w_kv), ("cross.b_kv", self.c_b_kv),
                    ("cross.w_o", self.c_w_o), ("cross.b_o", self.c_b_o)]
        ln = "ln3" if self.dec else "ln2"
        out += [(ln + ".g", self.lnf_g), (ln + ".b", self.lnf_b),
                ("ff.w1", self.w1), ("ff.b1", self.b1), ("ff.w2", self.w2), ("ff.b2", self.b2)]
        return [(prefix + n, p) for n, p in out]

    def forward(self, x, self_mask, mem=None, mem_mask=None):
        E = x.shape[-1]
        h = F.layer_norm(x, (E,), self.ln1_g, self.ln1_b, LN_EPS)
        q, k, v = F.linear(h, self.w_qkv, self.b_qkv).split(E, dim=-1)
        c, _ = attention(q, k, v, self.H, self_mask)
        x = x + self.drop(F.linear(c, self.w_o, self.b_o))
        p = None
        if self.dec:
            h = F.layer_norm(x, (E,), self.ln2_g, self.ln2_b, LN_EPS)
            k, v = F.linear(mem, self.c_w_kv, self.c_b_kv).split(E, dim=-1)
            c, p = attention(F.linear(h, self.c_w_q, self.c_b_q), k, v, self.H, mem_mask)
            x = x + self.drop(F.linear(c, self.c_w_o, self.c_b_o))
        h = F.layer_norm(x, (E,), self.lnf_g, self.lnf_b, LN_EPS)
        a = F.linear(h, self.w1, self.b1)
        a = gelu_tanh(a) if self.act == ACT_GELU else torch.relu(a)
        return x + self.drop(F.linear(a, self.w2, self.b2)), p


class Transformer(nn.Module):
    """The Transformer family (src/arch/transformer/tf.h), with Seq2Seq's interface."""

    def __init__(self, hparams, dropout=0.0):
        super().__init__()
        hp = full_hparams(hparams)
        validate_hparams(hp)
        self.hp = hp
        E, H, Fd = hp["emb_dim"], hp["heads"], hp["ff_dim"]
        self.E, self.H, self.tie = E, H, bool(hp["tie_output"])
        self.learned = hp["positions"] == POS_LEARNED
        self.drop = nn.Dropout(dropout)
        self.src_emb = nn.Embedding(hp["src_vocab"], E)
        self.tgt_emb = nn.Embedding(hp["tgt_vocab"], E)
        if self.learned:  # one table for both sides
            self.pos_emb = nn.Parameter(torch.empty(hp["max_positions"], E).uniform_(-0.1, 0.1))
        else:
            self.register_buffer("pe", sinusoidal_positions(MAX_SEQ_LEN, E), persistent=False)
        act = hp["activation"]
        self.enc = nn.ModuleList([TfLayer(E, H, Fd, act, False, self.drop)
                                  for _ in range(hp["layers"])])
        self.dec = nn.ModuleList([TfLayer(E, H, Fd, act, True, self.drop)
                                  for _ in range(hp["dec_layers"])])
        self.enc_ln_g, self.enc_ln_b = nn.Parameter(torch.ones(E)), nn.Parameter(torch.zeros(E))
        self.dec_ln_g, self.dec_ln_b = nn.Parameter(torch.ones(E)), nn.Parameter(torch.zeros(E))
        if not self.tie:
            self.out_w = nn.Parameter(torch.empty(hp["tgt_vocab"], E).uniform_(-0.1, 0.1))
        self.out_b = nn.Parameter(torch.zeros(hp["tgt_vocab"]))

    def named_s2s_tensors(self):
        """[(name, parameter)] in file order (tf_model.c's tf_walk)."""
        out = [("src_emb", self.src_emb.weight), ("tgt_emb", self.tgt_emb.weight)]
        if self.learned:
            out.append(("pos_emb", self.pos_emb))
        for l, layer in enumerate(self.enc):
            out += layer.named("enc.%d." % l)
        out += [("enc.ln.g", self.enc_ln_g), ("enc.ln.b", self.enc_ln_b)]
        for l, layer in enumerate(self.dec):
            out += layer.named("dec.%d." % l)
        out += [("dec.ln.g", self.dec_ln_g), ("dec.ln.b", self.dec_ln_b)]
        if not self.tie:
            out.append(("out.w", self.out_w))
        out.append(("out.b", self.out_b))
        return out

    load_s2s_tensors = Seq2Seq.load_s2s_tensors

    def embed(self, table, ids):
        """Drop(sqrt(E) table[ids] + pos), ids (B, T)."""
        T = ids.shape[1]
        pos = self.pos_emb[:T] if self.learned else self.pe[:T]
        scale = float(torch.tensor(self.E, dtype=torch.float32).sqrt())  # sqrtf((float)E)
        return self.drop(table(ids) * scale + pos)

    def encode(self, src, src_len):
        """-> the encoder's output (B, S, E) after its final LayerNorm, key mask (B, 1, S)."""
        src = torch.as_tensor(src, dtype=torch.long)
        S = src.shape[1]
        lens = torch.as_tensor(src_len, dtype=torch.long).to(src.device)
        mask = (torch.arange(S, device=src.device)[None, :] >= lens[:, None]).unsqueeze(1)
        x = self.embed(self.src_emb, src)
        for layer in self.enc:
            x, _ = layer(x, mask)
        return F.layer_norm(x, (self.E,), self.enc_ln_g, self.enc_ln_b, LN_EPS), mask

    def decode(self, mem, mem_mask, tgt_in):
        """Teacher-forced causal decoder -> logits (B, T, Vt), the last layer's cross-attention
        probabilities (B, H, T, S)."""
        T = tgt_in.shape[1]
        causal = torch.ones(T, T, dtype=torch.bool, device=tgt_in.device).triu(1).unsqueeze(0)
        y = self.embed(self.tgt_emb, tgt_in)
        p = None
        for layer in self.dec:
            y, p = layer(y, causal, mem, mem_mask)
        y = F.layer_norm(y, (self.E,), self.dec_ln_g, self.dec_ln_b, LN_EPS)
        w = self.tgt_emb.weight if self.tie else self.out_w
        return self.drop(y) @ w.t() + self.out_b, p

    def forward(self, src, src_len, tgt_in):
        mem, mask = self.encode(src, src_len)
        return self.decode(mem, mask, torch.as_tensor(tgt_in, dtype=torch.long))[0]

    loss = Seq2Seq.loss

    def start(self, src, src_len):
        mem, mask = self.encode(src, src_len)
        return dict(mem=mem, mask=mask, prev=[])

    def step(self, st, y_prev):
        """Next logits (B, Vt) after the tokens so far (the whole prefix again: no cache) and
        the last layer's cross-attention averaged over heads (B, S), as the engine reports."""
        st["prev"].append(torch.as_tensor(y_prev, dtype=torch.long))
        logits, p = self.decode(st["mem"], st["mask"], torch.stack(st["prev"], dim=1))
        return logits[:, -1], p[:, :, -1].mean(dim=1)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len):
        return Seq2Seq.greedy(self, src, src_len, max_len)

    beam = Seq2Seq.beam
