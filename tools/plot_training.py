#!/usr/bin/env python3
"""Draw the training curves of `s2s train` runs as one SVG (no plotting library).

    python3 tools/plot_training.py --out models/curves.svg \\
        "en-es=models/logs/en-es.train.log" "es-en=models/logs/es-en.train.log"
    python3 tools/plot_training.py --x minutes --until 91 --out models/lstm-vs-transformer.svg \\
        "LSTM=models/logs/en-es.train.log" "Transformer=models/logs/en-es-transformer.train.log"

Each LABEL=LOG is the stderr of one run (tools/train_models.sh keeps it as
build-train/NAME/train.log; a resumed run appends to it). Two panels share the
step axis: the dev loss (cross-entropy per target token on the whole dev set,
no label smoothing) and the dev BLEU (greedy, on the dev sentences the run
scores). The training loss is left out: s2s train prints it averaged since the
start of the epoch, which steps down at every epoch boundary. A step where the
learning rate was lowered is marked on both panels.

--x minutes puts the training time on the x axis instead (the elapsed time of
the progress line before each evaluation, runs of a resumed log added up):
runs with different batch sizes or speeds compared at equal time; --until M
leaves out evaluations after M minutes (or steps).
"""
import argparse
import re
import sys
from xml.sax.saxutils import escape

PROGRESS = re.compile(r"^epoch \d+\s+step (\d+)\s.*elapsed (\d+):(\d+):(\d+)")
START = re.compile(r"^s2s: model ")
DEV = re.compile(r"^dev: step (\d+)\s+loss ([0-9.]+)\s+ppl \S+\s+BLEU ([0-9.]+)\s+chrF2 ([0-9.]+)")
LR = re.compile(r"^s2s: learning rate now ([0-9.e-]+)")
COLORS = ["#1f6fb4", "#d9541e", "#2a9d4b", "#8e44ad"]


def read_log(path, x="step", until=None):
    """Dev evaluations as (x, loss, BLEU, chrF2), x the step or the minutes."""
    dev, lr_steps = [], []
    last_step, elapsed, offset = 0, 0.0, 0.0

    def now():  # where the line just read stands on the x axis
        return last_step if x == "step" else (offset + elapsed) / 60

    with open(path, encoding="utf-8") as f:
        for line in f:
            if START.match(line):  # a new (resumed) run: its clock starts again
                offset += elapsed
                elapsed = 0.0
            elif m := PROGRESS.match(line):
                last_step = int(m[1])
                elapsed = int(m[2]) * 3600 + int(m[3]) * 60 + int(m[4])
            elif m := DEV.match(line):
                last_step = int(m[1])
                dev.append((now(), float(m[2]), float(m[3]), float(m[4])))
            elif LR.match(line):
                lr_steps.append(now())
    if until is not None:
        dev = [d for d in dev if d[0] <= until]
        lr_steps = [s for s in lr_steps if s <= until]
    if not dev:
        sys.exit(f"plot_training.py: {path} has no dev lines of s2s train (was it run with --dev?)")
    return {"dev": dev, "lr": lr_steps}


def nice_ceiling(v):
    for e in range(-2, 7):
        for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            c = m * 10 ** e
            if c >= v:
                return c
    return v


def panel(x0, y0, w, h, xmax, ymin, ymax, title, ylabel):
    """Axes, ticks and grid of one panel; returns (svg parts, x mapper, y mapper)."""
    sx = lambda x: x0 + w * x / xmax
    sy = lambda y: y0 + h - h * (y - ymin) / (ymax - ymin)
    out = [f'<text x="{x0}" y="{y0 - 8}" class="title">{escape(title)}</text>']
    for i in range(6):
        v = ymin + (ymax - ymin) * i / 5
        y = sy(v)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{v:g}</text>')
    for i in range(6):
        v = xmax * i / 5
        x = sx(v)
        out.append(f'<line x1="{x:.1f}" y1="{y0 + h}" x2="{x:.1f}" y2="{y0 + h + 4}" class="axis"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + h + 17}" class="tick" text-anchor="middle">{v:g}</text>')
    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" class="frame"/>')
    out.append(f'<text x="{x0 - 40}" y="{y0 + h / 2}" class="tick" text-anchor="middle" '
               f'transform="rotate(-90 {x0 - 40} {y0 + h / 2})">{escape(ylabel)}</text>')
    return out, sx, sy


def polyline(points, sx, sy, color, dash=""):
    if not points:
        return ""
    d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="1.6"{extra}/>'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", metavar="LABEL=LOG")
    ap.add_argument("--out", required=True)
    ap.add_argument("--x", choices=("step", "minutes"), default="step")
    ap.add_argument("--until", type=float, default=None)
    args = ap.parse_args()
    runs = []
    for spec in args.runs:
        label, sep, path = spec.partition("=")
        if not sep:
            sys.exit(f"plot_training.py: '{spec}' is not LABEL=LOG")
        runs.append((label, read_log(path, args.x, args.until)))

    xmax = nice_ceiling(max(s for _, r in runs for s, *_ in r["dev"]))
    lmax = nice_ceiling(max((l for _, r in runs for _, l, _, _ in r["dev"]), default=1))
    bmax = nice_ceiling(max((b for _, r in runs for _, _, b, _ in r["dev"]), default=1))
    W, H, left, pw, ph = 760, 590, 70, 650, 180
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
             'font-family="sans-serif">',
             "<style>.title{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#444}"
             ".grid{stroke:#ddd;stroke-width:1}.axis{stroke:#444}.frame{fill:none;stroke:#444}"
             ".legend{font-size:12px}</style>",
             f'<rect width="{W}" height="{H}" fill="white"/>']
    p1, sx1, sy1 = panel(left, 40, pw, ph, xmax, 0, lmax, "Dev loss (cross-entropy per target token)", "loss")
    p2, sx2, sy2 = panel(left, 300, pw, ph, xmax, 0, bmax, "Dev BLEU (greedy)", "BLEU")
    parts += p1 + p2
    for i, (label, r) in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        parts.append(polyline([(s, l) for s, l, _, _ in r["dev"]], sx1, sy1, c))
        parts.append(polyline([(s, b) for s, _, b, _ in r["dev"]], sx2, sy2, c))
        for s, l, b, _ in r["dev"]:
            parts.append(f'<circle cx="{sx1(s):.1f}" cy="{sy1(l):.1f}" r="2.5" fill="{c}"/>')
            parts.append(f'<circle cx="{sx2(s):.1f}" cy="{sy2(b):.1f}" r="2.5" fill="{c}"/>')
        for s in r["lr"]:
            for y in (40, 300):
                parts.append(f'<line x1="{sx2(s):.1f}" y1="{y}" x2="{sx2(s):.1f}" y2="{y + ph}" '
                             f'stroke="{c}" stroke-dasharray="3,3"/>')
        best = max(r["dev"], key=lambda d: d[2]) if r["dev"] else None
        where = f"step {best[0]}" if args.x == "step" else f"{best[0]:.0f} minutes"
        note = f" (best dev BLEU {best[2]:.2f} at {where})" if best else ""
        parts.append(f'<rect x="{left + 10}" y="{540 + 18 * i - 9}" width="14" height="4" fill="{c}"/>')
        parts.append(f'<text x="{left + 30}" y="{540 + 18 * i}" class="legend">{escape(label + note)}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{300 + ph + 34}" class="tick" text-anchor="middle">'
                 + ("training step" if args.x == "step" else "training time, minutes")
                 + "; dashed: the learning rate was lowered (plateau schedule)</text>")
    parts.append("</svg>")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(p for p in parts if p) + "\n")


if __name__ == "__main__":
    main()
