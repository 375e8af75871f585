#!/bin/sh
# tools/gpu_train_check.sh — the PyTorch trainer proven on GPUs in one go,
# about 10 minutes of device time:
#   1. builds s2s and s2s_ids without -march=native if build-gpu/ lacks them;
#   2. checks that PyTorch sees the GPUs and bf16, and runs test_torch_train's
#      C-vs-PyTorch loss test on the CPU (the equality the GPU run relies on);
#   3. trains a shipped en-es recipe with tools/torch_train.py on data/ for
#      TRAIN_MINUTES (6) on every GPU (torchrun --nproc_per_node=NPROC, DDP
#      over NCCL; AMP=bf16 by default), from the same initial weights and batch
#      plan s2s train would use: ARCH=lstm (the default) is tools/train_models.sh
#      attention, ARCH=transformer its transformer case;
#   4. quantizes the best model with s2s quantize and scores both the f32 and
#      the int8 file on the first TEST_PAIRS (1000) pairs of data/test.tsv,
#      beside the shipped model (trained on CPUs): models/en-es.s2s, or
#      models/en-es-transformer.s2s for ARCH=transformer;
#   5. prints the throughput against the CPU trainer's in the shipped model's
#      log (models/logs/), and writes everything to OUT_DIR (build-gpu/check/;
#      $OUT too when set, as on the device machine).
# INIT=FILE (ARCH=transformer only) continues that f32 model's run instead of
# starting from new weights, e.g. INIT=models/f32/en-es-transformer.f32.s2s.xz,
# the shipped model's master (an .xz is decompressed into OUT_DIR first):
# torch_train.py --continue --rewarm 200, as tools/train_models.sh CONTINUE=1
# (the schedule's rate and the batch order go on from the master's step).
# FRESH=1 starts the schedule anew from INIT's weights instead (LR and WARMUP
# override the recipe's 7e-4 and 1,000).
# REVERSE=1 trains Spanish -> English (tools/train_models.sh es-en and
# es-en-transformer) and scores beside models/es-en.s2s (or
# models/es-en-transformer.s2s). The es-en-transformer recipe
# starts from the English -> Spanish master with the schedule from scratch:
#   ARCH=transformer REVERSE=1 INIT=models/f32/en-es-transformer.f32.s2s.xz \
#     FRESH=1 sh tools/gpu_train_check.sh
# DEVICE=cpu (default cuda) is a dry run of the whole pipeline without a GPU:
# no GPU checks, AMP=off, NPROC=1, e.g.
#   DEVICE=cpu ARCH=transformer TRAIN_MINUTES=1 TEST_PAIRS=50 sh tools/gpu_train_check.sh
# $OUT gets checks.txt (the GPU and equality checks), scores.txt,
# throughput.txt, train.log, steps.log and the trained f32 model, xz-compressed
# in 15 MiB pieces: the device machine returns at most 8 files of 16 MiB each.
# Join them with  cat model-f32.s2s.xz.* | xz -d > model-f32.s2s
# Needs data/ (`npm run data`), a Python with PyTorch (and CUDA unless
# DEVICE=cpu; PYTHON, else /usr/bin/python3 or python3), cmake, a C compiler
# and xz. Nothing else in the project needs a GPU.
set -eu
cd "$(dirname "$0")/.."
. tools/dev_split.sh # DEV_SELECTED
arch=${ARCH:-lstm}
device=${DEVICE:-cuda}
init=${INIT:-}
minutes=${TRAIN_MINUTES:-6}
pairs=${TEST_PAIRS:-1000}
out=${OUT_DIR:-build-gpu/check}
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }
fail() { echo "gpu_train_check: $*" >&2; exit 2; }

case $device in
  cuda) amp=${AMP:-bf16} run_label=GPU ;;
  cpu) amp=${AMP:-off} run_label="PyTorch on the CPU" ;;  # torch_train.py's bf16 is for GPUs
  *) fail "DEVICE is cuda or cpu" ;;
esac
case ${REVERSE:-} in
  '') pair=en-es rev='' meta="--meta source_language=en --meta target_language=es" ;;
  1) pair=es-en rev=--reverse meta="--meta source_language=es --meta target_language=en" ;;
  *) fail "REVERSE is 1 or unset" ;;
esac
case $arch in
  lstm) shipped=models/$pair.s2s ;;
  transformer) shipped=models/$pair-transformer.s2s ;;
  *) fail "ARCH is lstm or transformer" ;;
esac
# the CPU trainer's throughput to compare with: the shipped model's log
cpu_log=models/logs/$(basename "$shipped" .s2s).train.log
# the LSTM master's rate had decayed on dev plateaus to 3e-5: its recipe's
# 2e-3 would restart it rather than continue it
[ -z "$init" ] || [ "$arch" = transformer ] || fail "INIT is for ARCH=transformer"

for f in data/train.tsv data/dev.tsv data/test.tsv data/spm.vocab "$shipped" "$cpu_log" ${init:+"$init"}; do
  [ -s "$f" ] || fail "$f missing (npm run data builds data/)"
done

py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in /usr/bin/python3 python3; do
    if "$c" -c "import torch, numpy; assert '$device' == 'cpu' or torch.cuda.is_available()" 2>/dev/null; then
      py=$c; break
    fi
  done
fi
[ -n "$py" ] || fail "no Python with PyTorch (that sees a GPU, for DEVICE=cuda)"

say "build (portable: the GPU host's CPU may differ)"
if [ ! -x build-gpu/s2s ] || [ ! -x build-gpu/s2s_ids ]; then
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DS2S_NATIVE_ARCH=OFF -DS2S_BUILD_TESTS=OFF >/dev/null
  cmake --build build-gpu --target s2s s2s_ids -j"$(nproc)" >/dev/null
fi
export S2S_BUILD_DIR="$PWD/build-gpu"

if [ -n "$init" ]; then
  case $init in
    *.xz) init_model=$out/init-f32.s2s; xz -dc "$init" > "$init_model" ;;
    *) init_model=$init ;;
  esac
  build-gpu/s2s info "$init_model" | grep -q '^architecture *transformer' ||
    fail "INIT $init is not a Transformer model"
fi

if [ "$device" = cuda ]; then
  say "PyTorch and the GPUs"
  "$py" - <<'EOF' | tee "$out/checks.txt"
import torch
print("torch", torch.__version__, "CUDA", torch.version.cuda)
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print("GPU %d: %s, %.0f GiB" % (i, p.name, p.total_memory / 2**30))
print("bf16:", torch.cuda.is_bf16_supported())
EOF
  nprocs=${NPROC:-$("$py" -c 'import torch; print(torch.cuda.device_count())')}
else
  echo "DEVICE=cpu: a dry run, no GPU checked" | tee "$out/checks.txt"
  nprocs=${NPROC:-1}
fi

say "C vs PyTorch losses (CPU, the suite's test)"
(cd tools && S2S_TORCH_TRAIN_VERBOSE=1 "$py" -m unittest \
  test_torch_train.TorchTrainTest.test_losses_match_c_trainer) 2>&1 | tail -6 | tee -a "$out/checks.txt"

# the recipes of tools/train_models.sh attention and transformer
case $arch in
  lstm)
    shape="--cell lstm --bridge project --emb 256 --hidden 128 --dec-hidden 256 --bidirectional 1
      --attention bahdanau --input-feed 1 --tie 1"
    recipe="--batch 64 --lr 2e-3 --lr-decay 0.5 --dropout 0.2 --label-smoothing 0.1 --clip 5
      --patience 5" ;;
  transformer)
    lr=${LR:-7e-4} warmup=${WARMUP:-1000}
    shape="--arch transformer --emb 256 --heads 4 --ff 1024 --layers 4 --dec-layers 2
      --positions sinusoidal --activation relu --tie 1"
    recipe="--batch 96 --lr $lr --warmup $warmup --lr-schedule inverse-sqrt --dropout 0.1
      --label-smoothing 0.1 --clip 1 --patience 8" ;;
esac
if [ -n "$init" ] && [ -n "${FRESH:-}" ]; then
  start_from="--init $init_model"  # the shape comes from the file
elif [ -n "$init" ]; then
  # the master's run goes on at its step (the schedule's rate there, its batch
  # order); a model file holds no optimizer state, so Adam's moments start at
  # zero and 200 steps ramp the rate up again
  start_from="--init $init_model --continue --rewarm 200"
else
  start_from="--vocab data/spm.vocab $shape"
fi

say "train $minutes minutes: $arch $pair${init:+ from $init}, $nprocs process(es) on $device, amp $amp"
rm -f "$out"/model-f32.s2s* "$out"/steps.log
start=$(date +%s)
# --eval-every 250 so a short run still keeps its best model by dev BLEU
# shellcheck disable=SC2086
"$py" -m torch.distributed.run --standalone --nproc_per_node="$nprocs" --redirects 2 --tee 2 \
  tools/torch_train.py --device "$device" --amp "$amp" \
  --train data/train.tsv --dev data/dev.tsv --out "$out/model-f32.s2s" --step-log "$out/steps.log" \
  $start_from $recipe --epochs 40 --seed 1 --max-len 100 --eval-every 250 \
  --dev-bleu-sentences "$DEV_SELECTED" --log-every 100 \
  $rev $meta --time-limit "$minutes" \
  2>&1 | sed 's/^\[default[0-9]*\]://' | grep -v '^$' | tee "$out/train.log"
secs=$(( $(date +%s) - start ))

say "quantize and score on $pairs test pairs"
build-gpu/s2s quantize "$out/model-f32.s2s" "$out/model.s2s" >/dev/null
head -n "$pairs" data/test.tsv > "$out/test.tsv"
for m in "$out/model-f32.s2s" "$out/model.s2s" "$shipped"; do
  printf '%s: ' "$m"
  # shellcheck disable=SC2086
  build-gpu/s2s eval --model "$m" --test "$out/test.tsv" $rev 2>/dev/null |
    awk '$1 == "all" { print "BLEU " $3 ", chrF2 " $4; found = 1 } END { if (!found) print "(eval failed)" }'
done | tee "$out/scores.txt"

say "throughput"
awk -v who="$run_label" -v secs="$secs" 'END { printf "%s: %d steps, %d target tokens in %d s of wall time (start-up and dev evaluations included): %.0f tok/s\n", who, NR, tok, secs, tok / secs } { tok += $4 }' \
  "$out/steps.log" | tee "$out/throughput.txt"
grep 'tok/s' "$cpu_log" | tail -1 | sed 's/^/CPU (shipped model, s2s train + OpenBLAS): /' | tee -a "$out/throughput.txt"
# Both trainers take batches of the same size, so steps per second of wall
# time compare whole runs; the CPU log's last window may hold a dev evaluation.
# A shipped model's log holds several runs (resumed, continued): each
# "stopped: ... after N steps (H:M:S)" line ends one, which began at the step
# of its "resuming"/"continuing" line (0 for a fresh run, and a run killed
# before its stop line counts for nothing), so the CPU's steps/s is the sum
# of the runs' steps over the sum of their times.
awk '/^s2s: (resuming|continuing) / { start = $0; sub(/.* step /, "", start); start += 0; resumed = 1; next }
  /^s2s: model / { if (!resumed) start = 0; resumed = 0; next }
  /stopped: .* after [0-9]+ steps \(/ {
    s = $0; sub(/.* after /, "", s); n = s + 0
    t = s; sub(/.*steps \(/, "", t); sub(/\).*/, "", t)
    k = split(t, hms, ":"); secs = 0
    for (i = 1; i <= k; i++) secs = secs * 60 + hms[i]
    steps += n - start; total += secs; runs++; start = n }
  END { if (runs) printf "%d %d %d\n", steps, total, runs }' "$cpu_log" |
  awk -v who="$run_label" -v steps="$(wc -l < "$out/steps.log")" -v secs="$secs" '{
    printf "steps/s of wall time: %s %.2f, CPU (shipped model, %d steps in %d s over %d runs) %.2f: %.1fx\n",
      who, steps / secs, $1, $2, $3, $1 / $2, (steps / secs) / ($1 / $2) }' |
  tee -a "$out/throughput.txt"
if [ -n "${OUT:-}" ]; then
  cp "$out"/*.txt "$out"/*.log "$OUT"/ 2>/dev/null || true
  xz -T0 -6 -c "$out/model-f32.s2s" | split -b 15m - "$OUT/model-f32.s2s.xz."
fi
