#!/bin/sh
# run_core_bench.sh — the engine (C) against the PyTorch reference, one run,
# one table. See bench/README.md for what each number means.
#
#   bench/run_core_bench.sh            # everything (about 5 minutes on 2 busy cores)
#   QUICK=1 bench/run_core_bench.sh    # fewer steps, for a smoke test
#   SHAPE=h256 bench/run_core_bench.sh # one shape only (h256 or h512; default both)
#
# Builds (in build-bench/, never touching the other build directories), with
# CMake's bench_core target:
#   build-bench/blas/bench_core  S2S_USE_BLAS=ON (OpenBLAS GEMMs)
#   build-bench/simd/bench_core  our own SIMD GEMM
# Writes the raw JSON of every invocation to build-bench/raw/ and the merged
# results to build-bench/results-core.json.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build-bench
RAW=$OUT/raw
PY=/usr/bin/python3
mkdir -p "$RAW"
rm -f "$RAW"/*.json

# ------------------------------------------------------------------ steps
if [ "${QUICK:-0}" = 1 ]; then
    C_TRAIN="--warmup 1 --steps 2"; SIMD_TRAIN="--warmup 1 --steps 2"
    T_TRAIN="--warmup 1 --steps 2"; REF_TRAIN="--warmup 1 --steps 1"; DEC="--reps 2"
else
    C_TRAIN="--warmup 2 --steps 8"; SIMD_TRAIN="--warmup 1 --steps 5"
    T_TRAIN="--warmup 2 --steps 8"; REF_TRAIN="--warmup 1 --steps 2"; DEC="--reps 7"
fi

SHAPE=${SHAPE:-all}
case $SHAPE in all) SHAPES="h256 h512" ;; h256|h512) SHAPES=$SHAPE ;;
    *) echo "run_core_bench.sh: SHAPE must be h256, h512 or all" >&2; exit 2 ;; esac
C_TRAIN="$C_TRAIN --shape $SHAPE"; SIMD_TRAIN="$SIMD_TRAIN --shape $SHAPE"; T_TRAIN="$T_TRAIN --shape $SHAPE"

# ------------------------------------------------------------------ build
echo "== building (build-bench/blas, build-bench/simd)" >&2
for v in blas simd; do
    if [ $v = blas ]; then opt=ON; else opt=OFF; fi
    cmake -S "$ROOT" -B "$OUT/$v" -DCMAKE_BUILD_TYPE=Release -DS2S_USE_BLAS=$opt \
        -DS2S_BUILD_TESTS=OFF >/dev/null
    cmake --build "$OUT/$v" --target bench_core -j2 >/dev/null
done

# ------------------------------------------------------------- OpenBLAS core
# Debian's DYNAMIC_ARCH OpenBLAS 0.3.21 misdetects AVX-512 Xeons and falls
# back to its SSE3 kernels; name the core explicitly (unless the caller did).
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
    if grep -qw avx512f /proc/cpuinfo; then OPENBLAS_CORETYPE=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then OPENBLAS_CORETYPE=Haswell
    fi
fi
CORE=${OPENBLAS_CORETYPE:-}
if [ -n "$CORE" ]; then export OPENBLAS_CORETYPE; fi

# ------------------------------------------------------- the reference BLAS
# Debian's libblas3 (netlib), what torch uses on a machine without OpenBLAS.
# Selected per process with LD_LIBRARY_PATH; the system alternative is left alone.
REFBLAS=""
if [ -e /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 ]; then
    REFBLAS=/usr/lib/x86_64-linux-gnu/blas
    [ -e /usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3 ] &&
        REFBLAS=$REFBLAS:/usr/lib/x86_64-linux-gnu/lapack
elif [ -e "$OUT/refblas/usr/lib/x86_64-linux-gnu/blas/libblas.so.3" ]; then
    REFBLAS=$OUT/refblas/usr/lib/x86_64-linux-gnu/blas
else
    # Not installed: unpack the package without installing it (no root needed).
    mkdir -p "$OUT/refblas"
    if (cd "$OUT/refblas" && apt-get download libblas3 >/dev/null 2>&1 &&
        dpkg-deb -x libblas3_*.deb .) &&
        [ -e "$OUT/refblas/usr/lib/x86_64-linux-gnu/blas/libblas.so.3" ]; then
        REFBLAS=$OUT/refblas/usr/lib/x86_64-linux-gnu/blas
    else
        echo "note: the reference BLAS (libblas3) is not available; its rows are skipped" >&2
    fi
fi

# ------------------------------------------------------------------- runs
load() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_START=$(load)
run() { # name, command...
    name=$1; shift
    echo "== $name" >&2
    "$@" --json >"$RAW/$name.json"
}

run c_blas_t2   env OPENBLAS_NUM_THREADS=2 "$OUT/blas/bench_core" $C_TRAIN $DEC
run c_blas_t1   env OPENBLAS_NUM_THREADS=1 "$OUT/blas/bench_core" --train $C_TRAIN
run c_simd      "$OUT/simd/bench_core" $SIMD_TRAIN $DEC
# torch's OpenMP threads spin while waiting (OMP_WAIT_POLICY=ACTIVE by
# default); on a machine whose other core is busy that made 2-thread steps
# 10x slower than 1-thread ones. PASSIVE unless the caller says otherwise.
run torch_openblas_t2 env OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} \
    $PY "$ROOT/tools/bench_torch.py" --threads 2 --label openblas_t2 $T_TRAIN
run torch_openblas_t1 env OPENBLAS_NUM_THREADS=1 \
    $PY "$ROOT/tools/bench_torch.py" --threads 1 --label openblas_t1 $T_TRAIN
if [ -n "$REFBLAS" ]; then
    # slow (about 8 s a step for h256): one invocation per shape, few steps
    for s in $SHAPES; do
        run torch_refblas_t1_$s env LD_LIBRARY_PATH="$REFBLAS" \
            $PY "$ROOT/tools/bench_torch.py" --threads 1 --label refblas_t1 --shape $s $REF_TRAIN
    done
fi
LOAD_END=$(load)

# ------------------------------------------------------------------ table
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
FLAGS=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|avx512f|avx512_vnni|fma' | tr '\n' ' ')
CPU_MODEL="$CPU_MODEL" FLAGS="$FLAGS" NPROC=$(nproc) CORE="$CORE" REFBLAS="$REFBLAS" \
LOAD_START="$LOAD_START" LOAD_END="$LOAD_END" RAW="$RAW" OUT="$OUT" $PY - <<'EOF'
import glob, json, os

raw = {}
for p in sorted(glob.glob(os.path.join(os.environ["RAW"], "*.json"))):
    with open(p) as f:
        raw[os.path.basename(p)[:-5]] = json.load(f)
# the per-shape reference-BLAS runs as one configuration
ref = [v for k, v in raw.items() if k.startswith("torch_refblas_t1_")]
if ref:
    merged = dict(ref[0])
    merged["shapes"] = {s: d for r in ref for s, d in r["shapes"].items()}
    raw["torch_refblas_t1"] = merged
SH = ["h256", "h512"]
env = os.environ
core = env["CORE"] or "(autodetected)"

def train(cfg, s, key="tok_s"):
    try:
        return raw[cfg]["shapes"][s]["train"][key]
    except KeyError:
        return None

rows = [("c_blas_t2", "C, OpenBLAS %s, 2 threads" % core),
        ("c_blas_t1", "C, OpenBLAS %s, 1 thread" % core),
        ("c_simd", "C, own SIMD GEMM (no BLAS), 1 thread"),
        ("torch_openblas_t2", "PyTorch, OpenBLAS %s, 2 threads" % core),
        ("torch_openblas_t1", "PyTorch, OpenBLAS %s, 1 thread" % core),
        ("torch_refblas_t1", "PyTorch, reference BLAS, 1 thread")]
ratios = [("c_blas_t2", "torch_openblas_t2"), ("c_blas_t1", "torch_openblas_t1"),
          ("c_blas_t1", "torch_refblas_t1"), ("c_simd", "torch_openblas_t1"),
          ("c_simd", "torch_refblas_t1")]
short = dict(c_blas_t2="C blas 2t", c_blas_t1="C blas 1t", c_simd="C simd 1t",
             torch_openblas_t2="torch openblas 2t", torch_openblas_t1="torch openblas 1t",
             torch_refblas_t1="torch refblas 1t")

def fmt(v, w=9, p=0):
    return ("%*.*f" % (w, p, v)) if v is not None else "%*s" % (w, "-")

print()
print("machine: %s, %s cores (flags: %s)" % (env["CPU_MODEL"], env["NPROC"], env["FLAGS"].strip()))
b = raw.get("c_blas_t2", {})
print("OpenBLAS: %s; OPENBLAS_CORETYPE=%s; core in use (C): %s"
      % (b.get("openblas_config", "?"), env["CORE"] or "unset", b.get("openblas_core", "?")))
t = raw.get("torch_openblas_t1", {})
if t:
    print("PyTorch %s; sgemm_ from %s (%s)" % (t["torch"], t["blas"].get("sgemm_from", "?"),
                                              t["blas"].get("openblas_core", t["blas"].get("kind"))))
r = raw.get("torch_refblas_t1")
if r:
    print("reference BLAS run: sgemm_ from %s" % r["blas"].get("sgemm_from", "?"))
else:
    print("reference BLAS: not available, rows skipped")
print("load average (1/5/15 min) at start %s, at end %s" % (env["LOAD_START"], env["LOAD_END"]))
print()
print("Training: batch 64 random pairs (source 12-22, target 13-23 tokens), vocab 8000,")
print("Adam, clip 5, label smoothing 0.1, dropout 0. Target tokens/s, median of timed steps.")
print("%-44s %9s %9s   %9s %9s" % ("", "h256", "h256", "h512", "h512"))
print("%-44s %9s %9s   %9s %9s" % ("", "tok/s", "/CPU-s", "tok/s", "/CPU-s"))
for cfg, label in rows:
    print("%-44s %s %s   %s %s" % (label, fmt(train(cfg, "h256")), fmt(train(cfg, "h256", "tok_s_cpu")),
                                   fmt(train(cfg, "h512")), fmt(train(cfg, "h512", "tok_s_cpu"))))
print()
print("Ratios C / PyTorch (wall tok/s; >1 means C is faster)")
ratio_out = {}
for a, bb in ratios:
    vals = []
    for s in SH:
        x, y = train(a, s), train(bb, s)
        vals.append(x / y if x and y else None)
    ratio_out["%s/%s" % (a, bb)] = dict(zip(SH, vals))
    print("%-44s %s %9s   %s" % ("%s / %s" % (short[a], short[bb]), fmt(vals[0], 9, 2), "",
                                 fmt(vals[1], 9, 2)))
print()
for metric, what in (("step_us", "wall"), ("step_cpu_us", "process CPU")):
    print("Decoding (C only): batch 1, source 20 tokens, us per decoder step (marginal, %s time)"
          % what)
    print("%-44s %9s %9s   %9s %9s" % ("", "h256", "h256", "h512", "h512"))
    print("%-44s %9s %9s   %9s %9s" % ("", "f32", "int8", "f32", "int8"))
    for cfg in ("c_blas_t2", "c_simd"):
        if cfg not in raw:
            continue
        for beam in (1, 4):
            cells = []
            for s in SH:
                d = raw[cfg]["shapes"].get(s, {}).get("decode", {})
                for q in ("f32", "int8"):
                    cells.append(d.get("beam%d_%s" % (beam, q), {}).get(metric))
            label = "%s, %s" % ("C blas" if cfg == "c_blas_t2" else "C simd",
                                "greedy" if beam == 1 else "beam 4")
            sp = ["%.2fx" % (cells[i] / cells[i + 1]) if cells[i] and cells[i + 1] else "-"
                  for i in (0, 2)]
            print("%-44s %s %s   %s %s   int8 speedup %s, %s"
                  % (label, fmt(cells[0], 9, 1), fmt(cells[1], 9, 1), fmt(cells[2], 9, 1),
                     fmt(cells[3], 9, 1), sp[0], sp[1]))
    print()

result = dict(machine=dict(cpu=env["CPU_MODEL"], cores=int(env["NPROC"]), flags=env["FLAGS"].split(),
                           openblas_coretype=env["CORE"] or None, load_start=env["LOAD_START"],
                           load_end=env["LOAD_END"]),
              runs=raw, ratios=ratio_out)
path = os.path.join(env["OUT"], "results-core.json")
with open(path, "w") as f:
    json.dump(result, f, indent=2)
print("wrote %s" % path)
EOF
