"""tools/torch_train.py against the C trainer (CTest: test_torch_train).

    S2S_BUILD_DIR=build /usr/bin/python3 -m unittest -v tools/test_torch_train.py

- the same losses as `s2s train` over the first steps, from the same initial
  weights (both draw them: --vocab) and the same batches, for every cell, every
  attention, every bridge, input feeding, tying, 1 and 2 layers, and two
  Transformers (heads, depths, positions, activations, tying, --warmup);
- from a model file (--init, as the GPU check continues the shipped
  Transformer) the same losses as `s2s train --init`;
- the exported .s2s, f32 and quantized by `s2s quantize`, translates the
  fixture sentences exactly as the C-trained model does (an LSTM and a
  Transformer, whose export is a version-3 file);
- two gloo processes give the gradient of the combined batch, and a
  `torchrun --nproc_per_node=2` run the losses of a one-process run;
- a run stopped and resumed from its checkpoint reproduces the uninterrupted
  run (dropout on, dev evaluations and learning-rate decay in between).
Dropout is 0 wherever the C trainer is compared: its masks come from its own
generator. Measured numbers are printed (S2S_TORCH_TRAIN_VERBOSE=0 hides them).
"""

import contextlib
import io
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import s2sfile  # noqa: E402
import torch_train as TT  # noqa: E402

ROOT = os.path.dirname(HERE)
FIX = os.path.join(ROOT, "tests", "fixtures", "torch_train")
TRAIN = os.path.join(FIX, "train.tsv")
DEV = os.path.join(FIX, "dev.tsv")
VOCAB = os.path.join(ROOT, "tests", "fixtures", "tokenizer", "vocab.tsv")
BUILD = os.environ.get("S2S_BUILD_DIR", os.path.join(ROOT, "build"))
S2S = os.path.join(BUILD, "s2s")
VERBOSE = os.environ.get("S2S_TORCH_TRAIN_VERBOSE", "1") != "0"

# |loss(PyTorch) - loss(C)| over the first LOSS_STEPS steps: f32 on both
# sides, measured up to 1.4e-6 at lr 1e-2 with clipping on the six models
# below; 2e-5 leaves room for other CPUs' kernels. Over hundreds of steps the
# two drift apart as any two f32 implementations do (Adam turns rounding noise
# in near-zero gradients into full-size steps), which is why the translation
# test compares outputs, not weights.
LOSS_STEPS, LOSS_TOL = 20, 2e-5
# two-process gradient vs one process's (measured 1.5e-8 for gradients up
# to 0.13: the same float32 sums in another order)
GRAD_TOL = 1e-6

# every cell, attention and bridge; input feeding, tying, layers, directions
CONFIGS = [
    "--cell lstm --attention bahdanau --bridge project --emb 16 --hidden 8 --dec-hidden 16 "
    "--input-feed 1 --tie 1",
    "--cell gru --attention general --bridge zero --emb 12 --hidden 10 --dec-hidden 14 "
    "--layers 2 --bidirectional 0 --input-feed 1",
    "--cell rnn --attention dot --bridge copy --emb 12 --hidden 8",
    "--cell lstm --attention none --bridge copy --emb 16 --hidden 8 --layers 2 --input-feed 0",
    "--cell rnn --attention none --bridge zero --emb 8 --hidden 8 --bidirectional 0 "
    "--input-feed 0 --tie 1",
    "--cell gru --attention bahdanau --bridge project --emb 12 --hidden 8 --dec-hidden 12 "
    "--bidirectional 0 --tie 1",
    # the Transformer: heads 2 and 4, 1-2 layers a side, both positions and activations,
    # tied and untied, with and without warm-up, inverse-sqrt (measured up to 4.8e-7)
    "--arch transformer --emb 16 --heads 2 --ff 32 --dec-layers 2 --positions learned "
    "--activation gelu --tie 1 --warmup 5",
    "--arch transformer --emb 16 --heads 4 --ff 16 --layers 2 --dec-layers 1 --warmup 4 "
    "--lr-schedule inverse-sqrt",
]


def say(*a):
    if VERBOSE:
        print(*a, file=sys.stderr, flush=True)


def read_log(path):
    rows = []
    with open(path) as fh:
        for line in fh:
            f = line.split()
            rows.append((int(f[0]), int(f[1]), int(f[2]), int(f[3]), float(f[4]), float(f[5])))
    return rows


def run_torch(args):
    """torch_train.main in this process (one thread), its log kept quiet."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = TT.main(args + ["--threads", "1", "--device", "cpu"])
    if rc != 0:
        raise AssertionError("torch_train failed:\n" + err.getvalue())
    return err.getvalue()


def run_c(args):
    subprocess.run([S2S, "train"] + args, check=True, stderr=subprocess.DEVNULL)


def translate(model, lines):
    r = subprocess.run([S2S, "translate", "--model", model], input="".join(x + "\n" for x in lines),
                       stdout=subprocess.PIPE, check=True, text=True)
    return r.stdout.splitlines()


class TorchTrainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        for tool in ("s2s", "s2s_ids"):
            if not os.access(os.path.join(BUILD, tool), os.X_OK):
                raise AssertionError("%s/%s missing: build the project first (S2S_BUILD_DIR)"
                                     % (BUILD, tool))
        os.environ["S2S_BUILD_DIR"] = BUILD

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    # ------------------------------------------------------------ the plan
    def test_plan_generator(self):
        # cli_rng's first outputs for state 0 (splitmix64's published sequence)
        r = TT.CliRng(0)
        self.assertEqual([r.next() for _ in range(3)],
                         [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F])
        plan = TT.make_plan(np.array([5, 3, 9, 1, 7, 2, 8]), 3, 1, 1)
        self.assertEqual(sorted(np.concatenate(plan).tolist()), list(range(7)))

    # ------------------------------------------- (1) losses equal the C ones
    def test_losses_match_c_trainer(self):
        worst = 0.0
        for cfg in CONFIGS:
            common = ["--train", TRAIN, "--vocab", VOCAB, "--batch", "6", "--epochs", "10",
                      "--max-steps", str(LOSS_STEPS), "--lr", "1e-2", "--dropout", "0",
                      "--label-smoothing", "0.1", "--clip", "1", "--seed", "3",
                      "--log-every", "1000"] + cfg.split()
            run_c(common + ["--out", self.path("c.s2s"), "--step-log", self.path("c.log")])
            run_torch(common + ["--out", self.path("p.s2s"), "--step-log", self.path("p.log")])
            c, p = read_log(self.path("c.log")), read_log(self.path("p.log"))
            self.assertEqual(len(c), LOSS_STEPS)
            # the same batches: step, epoch, batch index and token count
            self.assertEqual([x[:4] for x in c], [x[:4] for x in p], cfg)
            # the same learning rate at every step (warm-up and schedule)
            for a, b in zip(c, p):
                self.assertAlmostEqual(a[5], b[5], delta=1e-6 * a[5], msg=cfg)
            # the first loss depends on the initial weights alone: the C draw
            self.assertAlmostEqual(c[0][4], p[0][4], delta=2e-6, msg=cfg)
            diff = max(abs(a[4] - b[4]) for a, b in zip(c, p))
            say("loss |PyTorch - C| over %d steps: %.2e  (%s)" % (LOSS_STEPS, diff, cfg))
            self.assertLessEqual(diff, LOSS_TOL, cfg)
            worst = max(worst, diff)
        say("loss equality: worst %.2e, tolerance %.0e" % (worst, LOSS_TOL))

    def test_init_continues_like_c_trainer(self):
        # a Transformer 10 steps into training, then both trainers continue it
        # with a fresh optimizer, warm-up and schedule (the shape from the file)
        base = ["--train", TRAIN, "--batch", "6", "--epochs", "10", "--lr", "1e-2",
                "--dropout", "0", "--label-smoothing", "0.1", "--clip", "1", "--seed", "3",
                "--log-every", "1000"]
        run_c(base + CONFIGS[-1].split() + ["--vocab", VOCAB, "--max-steps", "10",
                                             "--out", self.path("start.s2s"),
                                             "--step-log", self.path("start.log")])
        common = base + ["--init", self.path("start.s2s"), "--max-steps", str(LOSS_STEPS),
                         "--warmup", "3", "--lr-schedule", "inverse-sqrt"]
        run_c(common + ["--out", self.path("c.s2s"), "--step-log", self.path("c.log")])
        run_torch(common + ["--out", self.path("p.s2s"), "--step-log", self.path("p.log")])
        start = read_log(self.path("start.log"))
        c, p = read_log(self.path("c.log")), read_log(self.path("p.log"))
        self.assertEqual(len(c), LOSS_STEPS)
        self.assertEqual([x[:4] for x in c], [x[:4] for x in p])
        for a, b in zip(c, p):
            self.assertAlmostEqual(a[5], b[5], delta=1e-6 * a[5])
        # the trained weights were loaded: the first batch is the start run's
        # first, now at a lower loss, the same on both sides
        self.assertEqual(c[0][:4], start[0][:4])
        self.assertLess(p[0][4], start[0][4])
        self.assertAlmostEqual(c[0][4], p[0][4], delta=2e-6)
        diff = max(abs(a[4] - b[4]) for a, b in zip(c, p))
        say("--init: loss |PyTorch - C| over %d steps: %.2e" % (LOSS_STEPS, diff))
        self.assertLessEqual(diff, LOSS_TOL)

    def test_continue_goes_on_like_c_trainer(self):
        # --init FILE --continue: both trainers go on at FILE's step and batch
        # position, with the rate of the schedule there, ramped over --rewarm
        base = ["--train", TRAIN, "--batch", "6", "--epochs", "10", "--lr", "1e-2",
                "--dropout", "0", "--label-smoothing", "0.1", "--clip", "1", "--seed", "3",
                "--log-every", "1000", "--warmup", "3", "--lr-schedule", "inverse-sqrt"]
        run_c(base + CONFIGS[-1].split() + ["--vocab", VOCAB, "--max-steps", "7",
                                             "--out", self.path("start.s2s")])
        common = base + ["--init", self.path("start.s2s"), "--continue", "--rewarm", "2",
                         "--max-steps", str(7 + LOSS_STEPS)]
        run_c(common + ["--out", self.path("c.s2s"), "--step-log", self.path("c.log")])
        run_torch(common + ["--out", self.path("p.s2s"), "--step-log", self.path("p.log")])
        c, p = read_log(self.path("c.log")), read_log(self.path("p.log"))
        self.assertEqual(len(c), LOSS_STEPS)
        self.assertEqual(c[0][0], 8)  # the step after the file's
        self.assertEqual([x[:4] for x in c], [x[:4] for x in p])
        for a, b in zip(c, p):
            self.assertAlmostEqual(a[5], b[5], delta=1e-6 * a[5])
        # step 8, the first of two ramp steps: 1e-2 sqrt(3 / 8) / 2
        self.assertAlmostEqual(c[0][5], 1e-2 * math.sqrt(3 / 8) / 2, delta=1e-8)
        self.assertAlmostEqual(c[0][4], p[0][4], delta=2e-6)
        diff = max(abs(a[4] - b[4]) for a, b in zip(c, p))
        say("--continue: loss |PyTorch - C| over %d steps: %.2e" % (LOSS_STEPS, diff))
        self.assertLessEqual(diff, LOSS_TOL)

    # --------------------------------- (2) the export translates like C's
    def test_export_translates_like_c(self):
        self.export_translates_like_c(
            ["--cell", "lstm", "--attention", "bahdanau", "--bridge", "project", "--emb", "32",
             "--hidden", "32", "--dec-hidden", "32", "--input-feed", "1", "--tie", "1",
             "--lr", "3e-2", "--init-scale", "0.3"])

    def test_export_transformer_translates_like_c(self):
        self.export_translates_like_c(
            ["--arch", "transformer", "--emb", "32", "--heads", "4", "--ff", "64", "--tie", "1",
             "--lr", "1e-2", "--warmup", "20"])
        kv, _ = s2sfile.read(self.path("p.s2s"))
        self.assertEqual(kv["s2s.architecture"], 1)
        with open(self.path("p.s2s"), "rb") as fh:  # a Transformer file is version 3
            self.assertEqual(int.from_bytes(fh.read(8)[4:], "little"), 3)

    def export_translates_like_c(self, model_args):
        common = ["--train", TRAIN, "--vocab", VOCAB, "--batch", "6", "--epochs", "50",
                  "--dropout", "0", "--clip", "5", "--seed", "7",
                  "--log-every", "1000"] + model_args
        run_c(common + ["--out", self.path("c.s2s")])
        run_torch(common + ["--out", self.path("p.s2s")])
        with open(TRAIN, encoding="utf-8") as fh:
            rows = [line.rstrip("\n").split("\t") for line in fh]
        src, ref = [r[1] for r in rows], [r[2] for r in rows]
        for m in ("c", "p"):
            subprocess.run([S2S, "quantize", self.path(m + ".s2s"), self.path(m + "8.s2s")],
                           check=True, stdout=subprocess.DEVNULL)
        c32, p32 = translate(self.path("c.s2s"), src), translate(self.path("p.s2s"), src)
        c8, p8 = translate(self.path("c8.s2s"), src), translate(self.path("p8.s2s"), src)
        # a model that learned its sentences, so the comparison means something
        self.assertGreaterEqual(sum(a == b for a, b in zip(c32, ref)), len(ref) // 2)
        self.assertEqual(p32, c32)
        self.assertEqual(p8, c8)
        kv, _ = s2sfile.read(self.path("p.s2s"))
        self.assertIn("tokenizer.pieces", kv)
        self.assertEqual(kv["meta.train.trainer"], "tools/torch_train.py")

    # ---------------------------------------- (3) data-parallel gradients
    def test_two_gloo_processes_give_the_combined_gradient(self):
        hp, tensors, enc = _grad_setup()
        idx = np.arange(7)  # 4 + 3 pairs: unequal shards and token counts
        model = TT.R.Seq2Seq(hp)
        model.load_s2s_tensors(tensors)
        TT.batch_loss_and_grad(model, enc, idx, 0, 1, 0.1, torch.device("cpu"))
        want = {n: p.grad.numpy().copy() for n, p in model.named_s2s_tensors()}
        out = self.path("grads.pt")
        mp.spawn(_grad_worker, args=(2, self.path("store"), out), nprocs=2, join=True)
        got = torch.load(out, weights_only=False)  # numpy arrays
        diff = max(float(np.abs(got[n] - want[n]).max()) for n in want)
        scale = max(float(np.abs(want[n]).max()) for n in want)
        say("gradient |2 gloo processes - 1 process|: %.2e (largest gradient %.2e)"
            % (diff, scale))
        self.assertLessEqual(diff, GRAD_TOL)

    def test_torchrun_two_processes_match_one(self):
        common = ["--train", TRAIN, "--vocab", VOCAB, "--batch", "5", "--epochs", "1",
                  "--max-steps", "4", "--lr", "1e-2", "--dropout", "0", "--seed", "2"
                  ] + CONFIGS[0].split()
        tool = os.path.join(HERE, "torch_train.py")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        # --redirects/--tee: Debian 12's torchrun (1.13 on Python 3.11) fails on
        # their default 0, whose Std value its lookup cannot find
        subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc_per_node=2", "--redirects", "2", "--tee", "2", tool] + common + ["--threads", "1", "--device", "cpu"] +
                       ["--out", self.path("two.s2s"), "--step-log", self.path("two.log")],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run_torch(common + ["--out", self.path("one.s2s"), "--step-log", self.path("one.log")])
        two, one = read_log(self.path("two.log")), read_log(self.path("one.log"))
        self.assertEqual([x[:4] for x in two], [x[:4] for x in one])
        diff = max(abs(a[4] - b[4]) for a, b in zip(two, one))
        _, w2 = s2sfile.read(self.path("two.s2s"))
        _, w1 = s2sfile.read(self.path("one.s2s"))
        wdiff = max(float(np.abs(w2[n] - w1[n]).max()) for n in w1)
        say("torchrun 2 processes vs 1: loss %.2e, weights %.2e after 4 steps" % (diff, wdiff))
        self.assertLessEqual(diff, 1e-5)
        self.assertLessEqual(wdiff, 1e-5)

    # ------------------------------------------------------- (4) resuming
    def test_resume_reproduces_an_uninterrupted_run(self):
        # 24 pairs in batches of 4: epochs of 6 steps; evaluations every 4 steps
        # and at each epoch's end, each without a better BLEU halving the rate
        common = ["--train", TRAIN, "--dev", DEV, "--vocab", VOCAB, "--batch", "4",
                  "--epochs", "10", "--lr", "2e-2", "--lr-decay", "0.5", "--dropout", "0.2",
                  "--eval-every", "4", "--patience", "0", "--dev-bleu-sentences", "4",
                  "--seed", "4"] + CONFIGS[1].split()
        run_torch(common + ["--max-steps", "18", "--out", self.path("a.s2s"),
                            "--step-log", self.path("a.log"), "--keep-checkpoints", "2"])
        part = common + ["--out", self.path("b.s2s"), "--step-log", self.path("b.log")]
        run_torch(part + ["--max-steps", "6"])               # at an epoch's end
        run_torch(part + ["--resume", "--max-steps", "8"])   # two batches into epoch 2
        run_torch(part + ["--resume", "--max-steps", "18"])
        a, b = read_log(self.path("a.log")), read_log(self.path("b.log"))
        self.assertEqual(len(a), 18)
        self.assertEqual(a, b)
        self.assertLess(a[-1][5], a[0][5])  # the rate did decay on the way
        ca = torch.load(self.path("a.s2s.ckpt.pt"), weights_only=False)
        cb = torch.load(self.path("b.s2s.ckpt.pt"), weights_only=False)
        self.assertEqual(ca["state"], cb["state"])
        for n in ca["tensors"]:
            self.assertTrue(np.array_equal(ca["tensors"][n], cb["tensors"][n]), n)
        # --keep-checkpoints 2: the weights of the last two evaluations (steps 16 and 18;
        # evaluations at 4, 6, 8, 12, 16, 18), the last one the checkpoint's
        kept = sorted(f for f in os.listdir(self.dir) if ".step-" in f)
        self.assertEqual(kept, ["a.s2s.ckpt.pt.step-16.s2s", "a.s2s.ckpt.pt.step-18.s2s"])
        _, last = s2sfile.read(self.path("a.s2s.ckpt.pt.step-18.s2s"))
        for n in ca["tensors"]:
            self.assertTrue(np.array_equal(np.asarray(last[n]), ca["tensors"][n]), n)


def _grad_setup():
    hp = {"src_vocab": 768, "tgt_vocab": 768, "emb_dim": 16, "enc_hidden": 8, "dec_hidden": 16,
          "layers": 1, "bidirectional": 1, "cell": TT.R.CELL_LSTM,
          "attention": TT.R.ATTN_BAHDANAU, "bridge": TT.R.BRIDGE_PROJECT, "input_feed": 1,
          "tie_output": 1}
    tensors = TT.new_model_tensors(hp, 9, 0.3)
    rng = np.random.RandomState(5)
    src = [rng.randint(4, 768, size=rng.randint(1, 9)) for _ in range(7)]
    tgt = [rng.randint(4, 768, size=rng.randint(1, 11)) for _ in range(7)]
    return hp, tensors, TT.Encoded(src, tgt, list(range(7)))


def _grad_worker(rank, world, store, out):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method="file://" + store, rank=rank, world_size=world)
    hp, tensors, enc = _grad_setup()
    model = TT.R.Seq2Seq(hp)
    model.load_s2s_tensors(tensors)
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    TT.batch_loss_and_grad(ddp, enc, np.arange(7), rank, world, 0.1, torch.device("cpu"))
    if rank == 0:
        torch.save({n: p.grad.numpy().copy() for n, p in model.named_s2s_tensors()}, out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    unittest.main()
