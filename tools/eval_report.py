#!/usr/bin/env python3
"""eval_report.py — the Markdown report of tools/eval.sh.

    python3 tools/eval_report.py --dir build-eval [--everyday tools/everyday.txt]
                                 [--out build-eval/report.md]
                                 [--architectures build-eval/architectures.json]

Reads DIR/systems.tsv (role, file, json per system, in order), DIR/meta.tsv
(key, value) and the `s2s eval --json` files they name; prints the report and
writes it to --out. Every number comes from those JSON files: this script
does no scoring of its own (it only counts sentences per domain and length
bucket in the test set, to cross-check them). Standard library only.

--architectures writes the greedy scores of each architecture (no attention,
attention, Transformer) and Apertium, overall and by source length, as JSON:
the numbers web/compare.html charts.
"""

import argparse
import json
import os
import sys

TARGET_CHRF_MARGIN = 5.0  # our chrF2 minus Apertium's, overall and per domain
BUCKETS = ["words 1-10", "words 11-20", "words 21-30", "words 31-50", "words 51+"]
BUCKET_UPPER = [10, 20, 30, 50, None]


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                rows.append(line.split("\t"))
    return rows


def bucket_of(words):
    for name, upper in zip(BUCKETS, BUCKET_UPPER):
        if upper is None or words <= upper:
            return name
    return BUCKETS[-1]


def count_test(path, reverse=False):
    """Pairs per (domain, bucket) of source words, read the way `s2s eval` reads
    the file (with --reverse the source is the last column)."""
    counts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            cols = line.split("\t")
            domain = cols[0] if len(cols) == 3 else "-"
            words = len(cols[-1 if reverse else -2].split())  # any Unicode whitespace, as count_words
            key = (domain, bucket_of(words))
            counts[key] = counts.get(key, 0) + 1
    return counts


def label_of(role, beam):
    if role.endswith("-package"):
        return label_of(role[:-len("-package")], beam) + ", packaged CLI"
    if role.endswith("-full"):
        return label_of(role[:-len("-full")], beam) + ", whole vocabulary"
    if role.endswith("-rerank"):
        return label_of(role[:-len("-rerank")], beam) + " reranked by the other direction"
    if role == "main-greedy":
        return "ours greedy"
    if role.startswith("main-beam"):
        return "ours beam " + role[len("main-beam"):]
    if role == "f32-greedy":
        return "ours f32 greedy"
    if role == "noattn-greedy":
        return "no-attn greedy"
    if role == "transformer-greedy":
        return "Transformer greedy"
    if role.startswith("transformer-beam"):
        return "Transformer beam " + role[len("transformer-beam"):]
    if role == "apertium":
        return "Apertium"
    return role


def fmt(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def signed(x, nd=2):
    if x is None:
        return "–"
    t = f"{x:+.{nd}f}"
    return "±" + t[1:] if float(t) == 0 else t  # no "-0.00"


def cell(b):
    """'BLEU / chrF2' of one bin (a dict from the JSON) or a dash."""
    if b is None:
        return "–"
    return f"{b['bleu']:.2f} / {b['chrf2']:.2f}"


def md_escape(s):
    return s.replace("|", "\\|")


def table(header, rows, align=None):
    align = align or ["l"] + ["r"] * (len(header) - 1)
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="build-eval")
    ap.add_argument("--everyday", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--architectures", default=None)
    args = ap.parse_args()

    meta = {r[0]: (r[1] if len(r) > 1 else "") for r in read_tsv(os.path.join(args.dir, "meta.tsv"))}
    systems = []
    for role, path, js in read_tsv(os.path.join(args.dir, "systems.tsv")):
        with open(os.path.join(args.dir, js), encoding="utf-8") as f:
            data = json.load(f)
        systems.append({"role": role, "file": path, "label": label_of(role, meta.get("beam")),
                        "data": data})
    if not systems:
        sys.exit("eval_report.py: no systems in " + args.dir)
    by_role = {s["role"]: s for s in systems}
    main_greedy = by_role.get("main-greedy")
    main_beam = next((s for s in systems if s["role"].startswith("main-beam")
                      and not s["role"].endswith(("-full", "-package"))), None)
    # the main model as users get it: the packaged CLI (the JS API, sentences
    # split) with its defaults, so not the row reranked on request
    main_package = next((s for s in systems if s["role"].startswith("main-beam")
                         and s["role"].endswith("-package") and "-rerank" not in s["role"]), None)
    ours_best = main_package or main_beam or main_greedy
    f32 = by_role.get("f32-greedy")
    noattn = by_role.get("noattn-greedy")
    apertium = by_role.get("apertium")
    tf_greedy = by_role.get("transformer-greedy")
    tf_beam = next((s for s in systems if s["role"].startswith("transformer-beam")
                    and not s["role"].endswith("-package")), None)
    tf_package = next((s for s in systems if s["role"].startswith("transformer-beam")
                       and s["role"].endswith("-package")), None)
    tf_best = tf_package or tf_beam or tf_greedy  # as users get it, as ours_best

    domains = []
    for s in systems:
        for d in s["data"].get("by_domain", {}):
            if d not in domains:
                domains.append(d)
    reverse = meta.get("direction", "en-es") == "es-en"
    counts = count_test(meta["test"], reverse) if os.path.exists(meta.get("test", "")) else {}

    L = []
    direction = meta.get("direction", "en-es")
    names = {"en": "English", "es": "Spanish"}
    src, tgt = (names.get(x, x) for x in direction.split("-"))
    L.append(f"# {src}→{tgt} evaluation")
    L.append("")
    L.append(f"Test set `{meta.get('test')}` ({meta.get('test_pairs')} sentence pairs, "
             f"SHA-256 `{meta.get('test_sha256', '')[:16]}…`), code {meta.get('commit')}, "
             f"{meta.get('date')}. Scores: corpus BLEU (sacreBLEU 13a, exp smoothing) and chrF2 "
             "(character 6-grams, β = 2), both 0–100, one reference; see docs/evaluation.md.")
    L.append("")

    # ---- systems
    L.append("## Systems")
    L.append("")
    rows = []
    for s in systems:
        d = s["data"]
        if s["role"] == "apertium":
            secs = meta.get("apertium_seconds")
            secs = float(secs) if secs else None
            arch = (f"rule-based, {s['file'].split()[-1]} "
                    f"(apertium-eng-spa {meta.get('apertium_version', '?')})")
            size = "–"
            dec = "–"
            note = " (cached)" if meta.get("apertium_cached") == "yes" else ""
        elif s["role"].endswith("-package"):
            secs = None
            arch = f"that of “{label_of(s['role'][:-len('-package')], meta.get('beam'))}”"
            try:
                size = f"{os.path.getsize(s['file']) / 1e6:.1f} MB"
            except OSError:
                size = "?"
            dec = (f"beam {meta.get('beam')}, shortlist, each line split into sentences "
                   "(`node src/js/cli.js translate`, WASM SIMD)")
            note = ""
        else:
            secs = d.get("seconds")
            if d.get("architecture") == "transformer":
                arch = "Transformer"
            else:
                arch = f"{d.get('cell', '?')}, attention {d.get('attention', '?')}"
            try:
                size = f"{os.path.getsize(s['file']) / 1e6:.1f} MB"
            except OSError:
                size = "?"
            dec = "greedy" if d.get("beam", 1) == 1 else f"beam {d['beam']}"
            dec += ", shortlist" if d.get("shortlist") else ""
            note = ""
            arch += ", int8" if d.get("quantized") else ", f32"
        n = d["overall"]["sentences"]
        speed = f"{secs:.1f} s ({n / secs:.0f} sent/s){note}" if secs else "–"
        rows.append([s["label"], f"`{md_escape(s['file'])}`", size, arch, dec, speed])
    L += table(["system", "file", "size", "model", "decoding", "time (test set)"], rows,
               ["l", "l", "r", "l", "l", "r"])
    if noattn and noattn["data"].get("attention") != "none":
        L.append("")
        L.append(f"**Note:** the no-attention row is a stand-in: `{noattn['file']}` has attention "
                 f"`{noattn['data'].get('attention')}`.")
    L.append("")
    L.append("Times are one run on whatever else the machine was doing; Apertium's is the whole "
             "pipeline started once for the test set.")
    L.append("")

    # ---- overall
    L.append("## Overall")
    L.append("")
    rows = []
    for s in systems:
        o = s["data"]["overall"]
        p = o.get("precisions", [None] * 4)
        rows.append([s["label"], fmt(o["bleu"]), fmt(o["chrf2"]),
                     "/".join(f"{x:.1f}" for x in p), f"{o['bp']:.3f}",
                     f"{o['hyp_len']} / {o['ref_len']}"])
    L += table(["system", "BLEU", "chrF2", "n-gram precisions", "BP", "hyp / ref tokens"], rows)
    L.append("")

    # ---- per domain, per bucket
    def breakdown(title, key, names, count_of):
        L.append(f"## {title} (BLEU / chrF2)")
        L.append("")
        rows = []
        for name in names:
            n = None
            for s in systems:
                b = s["data"].get(key, {}).get(name)
                if b:
                    n = b["sentences"]
                    break
            rows.append([name, n if n is not None else count_of(name)] +
                        [cell(s["data"].get(key, {}).get(name)) for s in systems])
        L.extend(table([key.replace("by_", "") , "sentences"] + [s["label"] for s in systems],
                       rows))
        L.append("")

    breakdown("Per domain", "by_domain", domains,
              lambda d: sum(v for (dd, _), v in counts.items() if dd == d))
    breakdown("Per source length in words", "by_length", BUCKETS,
              lambda b: sum(v for (_, bb), v in counts.items() if bb == b))

    # ---- sentence counts per bucket and domain
    if counts:
        L.append("## Sentences per length bucket")
        L.append("")
        rows = []
        for b in BUCKETS:
            per = [counts.get((d, b), 0) for d in domains]
            rows.append([b] + per + [sum(per)])
        tot = [sum(counts.get((d, b), 0) for b in BUCKETS) for d in domains]
        rows.append(["**all**"] + tot + [sum(tot)])
        L += table(["source words"] + domains + ["all"], rows)
        ref = (ours_best or systems[0])["data"].get("by_length", {})
        mismatch = [b for b in BUCKETS if ref.get(b, {}).get("sentences", 0) != sum(
            counts.get((d, b), 0) for d in domains)]
        if mismatch:
            L.append("")
            L.append("**Warning:** these counts disagree with `s2s eval` for " + ", ".join(mismatch))
        L.append("")

    # ---- comparisons
    L.append("## Comparisons")
    L.append("")

    def delta(a, b, key, name, field):
        x = a["data"].get(key, {}).get(name) if key else a["data"]["overall"]
        y = b["data"].get(key, {}).get(name) if key else b["data"]["overall"]
        return None if not x or not y else x[field] - y[field]

    def bootstrap(name, a, b):
        """The s2s compare JSON of a against b, when eval.sh wrote it for these two."""
        path = os.path.join(args.dir, name)
        if not a or not b or not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            boot = json.load(f)
        roles = [os.path.basename(boot[k]) for k in ("a", "b")]
        want = [a["role"] + ".hyp.txt", b["role"] + ".hyp.txt" if b is not apertium else None]
        if roles[0] != want[0] or (want[1] and roles[1] != want[1]):
            return None  # another pair of systems than the report compares
        return boot

    def subset(boot, name):
        return boot["overall"] if name == "all" else boot.get("by_domain", {}).get(name)

    def interval(boot, name, metric, with_delta=False):
        x = subset(boot, name)
        if not x:
            return "–"
        m = x[metric]
        text = f"[{signed(m['low'])}, {signed(m['high'])}]"
        return f"{signed(m['delta'])} {text}, p {m['p']:.3f}" if with_delta else text

    def delta_table(pairs, head):
        """Δ BLEU and Δ chrF2 of each (a, b) pair, a minus b, overall and per domain."""
        rows = []
        for name in ["all"] + domains:
            key = None if name == "all" else "by_domain"
            r = [name]
            for a, b in pairs:
                r += [signed(delta(a, b, key, name, "bleu")), signed(delta(a, b, key, name, "chrf2"))]
            rows.append(r)
        hdr = ["subset"]
        for a, b in pairs:
            hdr += [f"{head(a, b)}: Δ BLEU", "Δ chrF2"]
        return table(hdr, rows)

    if main_greedy and f32:
        L.append(f"### int8 vs f32 (greedy): {main_greedy['label']} minus {f32['label']}")
        L.append("")
        rows = [["all", signed(delta(main_greedy, f32, None, None, "bleu")),
                 signed(delta(main_greedy, f32, None, None, "chrf2"))]]
        for d in domains:
            rows.append([d, signed(delta(main_greedy, f32, "by_domain", d, "bleu")),
                         signed(delta(main_greedy, f32, "by_domain", d, "chrf2"))])
        L += table(["subset", "Δ BLEU", "Δ chrF2"], rows)
        if main_greedy["data"].get("quantized") is False:
            L.append("")
            L.append("**Note:** the main model is f32 too, so this compares two f32 files.")
        L.append("")

    full = [(s, by_role.get(s["role"] + "-full")) for s in (main_greedy, main_beam) if s]
    full = [(s, f) for s, f in full if f]
    if full:
        L.append("### Lexical shortlist: with minus without (the whole vocabulary)")
        L.append("")
        L += delta_table(full, lambda s, _: s["label"])
        L.append("")
        secs = [f"{s['label']} {s['data']['seconds']:.1f} s vs {f['data']['seconds']:.1f} s"
                for s, f in full if s["data"].get("seconds") and f["data"].get("seconds")]
        if secs:
            L.append("Time for the test set, shortlist vs whole vocabulary (native CLI, one run): "
                     + "; ".join(secs) + ".")
            L.append("")

    if main_greedy and noattn:
        # the main model is the attention LSTM, or another family evaluated as main
        main_name = "Transformer" if main_greedy["data"].get("architecture") == "transformer" \
            else "attention"
        L.append(f"### {main_name[0].upper() + main_name[1:]} vs no attention (greedy), per source length")
        L.append("")
        rows = []
        for name in ["all"] + BUCKETS:
            key = None if name == "all" else "by_length"
            a = main_greedy["data"]["overall"] if key is None else \
                main_greedy["data"].get(key, {}).get(name)
            b = noattn["data"]["overall"] if key is None else noattn["data"].get(key, {}).get(name)
            if not a or not b:
                continue
            rows.append([name, a["sentences"], cell(a), cell(b),
                         signed(a["bleu"] - b["bleu"]), signed(a["chrf2"] - b["chrf2"])])
        L += table(["source words", "sentences", f"{main_name} BLEU / chrF2",
                    "no attention BLEU / chrF2", "Δ BLEU", "Δ chrF2"], rows)
        L.append("")

    if apertium and (main_greedy or main_beam):
        ours = [s for s in (main_greedy, main_beam, main_package) if s]
        # the paired bootstrap of ours_best against Apertium, when eval.sh ran it
        boot = bootstrap("compare-apertium.json", ours_best, apertium)
        L.append(f"### Our chrF2 minus Apertium's (target ≥ +{TARGET_CHRF_MARGIN:.0f})")
        L.append("")
        rows = []
        verdict = {}
        for name in ["all"] + domains:
            key = None if name == "all" else "by_domain"
            r = [name]
            for s in ours:
                dv = delta(s, apertium, key, name, "chrf2")
                r.append(signed(dv))
                if s is ours_best:
                    ok = dv is not None and dv >= TARGET_CHRF_MARGIN
                    verdict[name] = ok
            if boot:
                r.append(interval(boot, name, "chrf2"))
            r.append("met" if verdict.get(name) else "**not met**")
            rows.append(r)
        L += table(["subset"] + [s["label"] for s in ours]
                   + (["95 % interval"] if boot else [])
                   + [f"target ({ours_best['label']})"], rows)
        if boot:
            L.append("")
            L.append(f"95 % interval: of {ours_best['label']} minus Apertium over "
                     f"{boot['samples']} paired bootstrap draws of the sentences (`s2s compare`); "
                     f"the target is met beyond the luck of the test set where its low end "
                     f"is ≥ +{TARGET_CHRF_MARGIN:.0f}.")
        L.append("")

    # ---- the architectures: the encoder-decoder story in numbers
    archs = [(s, name) for s, name in ((noattn, "no attention"), (main_greedy, "attention"),
                                        (tf_greedy, "Transformer")) if s]
    if len(archs) > 1:
        L.append("### The architectures (greedy), per source length: BLEU / chrF2")
        L.append("")
        rows = []
        for name in ["all"] + BUCKETS:
            bins = [s["data"]["overall"] if name == "all" else s["data"].get("by_length", {}).get(name)
                    for s, _ in archs]
            n = next((b["sentences"] for b in bins if b), None)
            if n is not None:
                rows.append([name, n] + [cell(b) for b in bins])
        L += table(["source words", "sentences"] + [a for _, a in archs], rows)
        L.append("")
    if tf_greedy and main_greedy:
        pairs = [(main_greedy, tf_greedy)] + ([(main_beam, tf_beam)] if main_beam and tf_beam else [])
        L.append("### Transformer minus the attention LSTM, per domain")
        L.append("")
        L += delta_table([(t, a) for a, t in pairs], lambda t, a: f"{t['label']} vs {a['label']}")
        L.append("")
        boot = bootstrap("compare-transformer.json", tf_best, ours_best)
        if boot:
            L.append(f"Paired bootstrap, {tf_best['label']} minus {ours_best['label']} "
                     f"({boot['samples']} draws, `s2s compare`): Δ, its 95 % interval and p, "
                     "the share of draws in which the system ahead on the whole set is not ahead:")
            L.append("")
            rows = [[name, interval(boot, name, "bleu", True), interval(boot, name, "chrf2", True)]
                    for name in ["all"] + domains if subset(boot, name)]
            L += table(["subset", "Δ BLEU", "Δ chrF2"], rows)
            L.append("")

    # ---- everyday sentences
    if args.everyday and os.path.exists(args.everyday):
        def lines(p):
            if not os.path.exists(p):
                return None
            with open(p, encoding="utf-8") as f:
                return [x.rstrip("\n") for x in f]
        en = lines(args.everyday)
        ours = lines(os.path.join(args.dir, "everyday.ours.txt"))
        apt = lines(os.path.join(args.dir, "everyday.apertium.txt"))
        if ours is not None:
            L.append("## Everyday sentences")
            L.append("")
            native = main_beam or main_greedy  # tools/eval.sh translates them natively
            L.append(f"`{args.everyday}` (not from any corpus), translated by "
                     f"{native['label'] if native else 'our model'} and Apertium, unedited.")
            L.append("")
            rows = []
            for i, e in enumerate(en):
                rows.append([md_escape(e), md_escape(ours[i]) if i < len(ours) else "",
                             md_escape(apt[i]) if apt and i < len(apt) else "–"])
            L += table(["English", "ours", "Apertium"], rows, ["l", "l", "l"])
            L.append("")

    text = "\n".join(L) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    if args.architectures:
        write_architectures(args.architectures, meta, [
            ("noattn", "LSTM, no attention", noattn), ("attention", "LSTM with attention", main_greedy),
            ("transformer", "Transformer", tf_greedy), ("apertium", "Apertium (rule-based)", apertium)])


def write_architectures(path, meta, entries):
    """The greedy score of each architecture, overall and per length bucket."""
    def scores(b):
        return {"sentences": b["sentences"], "bleu": round(b["bleu"], 2), "chrf2": round(b["chrf2"], 2)}
    out = {"direction": meta.get("direction", "en-es"), "test": meta.get("test"),
           "test_pairs": int(meta.get("test_pairs") or 0), "commit": meta.get("commit"),
           "date": meta.get("date"), "buckets": BUCKETS, "systems": []}
    for ident, label, s in entries:
        if not s:
            continue
        d = s["data"]
        out["systems"].append({
            "id": ident, "label": label,
            "model": None if ident == "apertium" else s["file"],
            "search": None if ident == "apertium" else ("greedy" if d.get("beam", 1) == 1 else f"beam {d['beam']}"),
            "overall": scores(d["overall"]),
            "by_length": {k: scores(v) for k, v in d.get("by_length", {}).items() if k in BUCKETS}})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
