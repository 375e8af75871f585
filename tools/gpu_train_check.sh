#!/bin/sh
# tools/gpu_train_check.sh — the PyTorch trainer proven on GPUs in one go,
# about 10 minutes of device time:
#   1. builds s2s and s2s_ids without -march=native if build-gpu/ lacks them;
#   2. checks that PyTorch sees the GPUs and bf16, and runs test_torch_train's
#      C-vs-PyTorch loss test on the CPU (the equality the GPU run relies on);
#   3. trains the shipped en-es recipe (tools/train_models.sh attention) with
#      tools/torch_train.py on data/ for TRAIN_MINUTES (6) on every GPU
#      (torchrun --nproc_per_node=NPROC, DDP over NCCL; AMP=bf16 by default),
#      from the same initial weights and batch plan s2s train would use;
#   4. quantizes the best model with s2s quantize and scores both the f32 and
#      the int8 file on the first TEST_PAIRS (1000) pairs of data/test.tsv,
#      beside models/en-es.s2s (the shipped model, trained on CPUs);
#   5. prints the throughput (target tokens per second) against the CPU
#      trainer's in models/logs/en-es.train.log, and writes everything to
#      OUT_DIR (build-gpu/check/; $OUT too when set, as on the device machine).
# Needs data/ (`npm run data`), a Python with PyTorch and CUDA (PYTHON, else
# /usr/bin/python3 or python3), cmake and a C compiler. Nothing else in the
# project needs a GPU.
set -eu
cd "$(dirname "$0")/.."
minutes=${TRAIN_MINUTES:-6}
amp=${AMP:-bf16}
pairs=${TEST_PAIRS:-1000}
out=${OUT_DIR:-build-gpu/check}
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

for f in data/train.tsv data/dev.tsv data/test.tsv data/spm.vocab models/en-es.s2s; do
  [ -s "$f" ] || { echo "gpu_train_check: $f missing (npm run data builds data/)" >&2; exit 2; }
done

py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in /usr/bin/python3 python3; do
    if "$c" -c 'import torch, numpy; assert torch.cuda.is_available()' 2>/dev/null; then py=$c; break; fi
  done
fi
[ -n "$py" ] || { echo "gpu_train_check: no Python with PyTorch that sees a GPU" >&2; exit 2; }

say "build (portable: the GPU host's CPU may differ)"
if [ ! -x build-gpu/s2s ] || [ ! -x build-gpu/s2s_ids ]; then
  cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DS2S_NATIVE_ARCH=OFF -DS2S_BUILD_TESTS=OFF >/dev/null
  cmake --build build-gpu --target s2s s2s_ids -j"$(nproc)" >/dev/null
fi
export S2S_BUILD_DIR="$PWD/build-gpu"

say "PyTorch and the GPUs"
"$py" - <<'EOF' | tee "$out/gpus.txt"
import torch
print("torch", torch.__version__, "CUDA", torch.version.cuda)
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print("GPU %d: %s, %.0f GiB" % (i, p.name, p.total_memory / 2**30))
print("bf16:", torch.cuda.is_bf16_supported())
EOF
nproc_gpu=${NPROC:-$("$py" -c 'import torch; print(torch.cuda.device_count())')}

say "C vs PyTorch losses (CPU, the suite's test)"
(cd tools && S2S_TORCH_TRAIN_VERBOSE=1 "$py" -m unittest \
  test_torch_train.TorchTrainTest.test_losses_match_c_trainer) 2>&1 | tail -4 | tee "$out/equality.txt"

say "train $minutes minutes on $nproc_gpu GPU(s), amp $amp"
rm -f "$out"/model-f32.s2s* "$out"/steps.log
start=$(date +%s)
# the recipe of tools/train_models.sh attention; --eval-every 250 so a short
# run still keeps its best model by dev BLEU
"$py" -m torch.distributed.run --standalone --nproc_per_node="$nproc_gpu" --redirects 2 --tee 2 \
  tools/torch_train.py --device cuda --amp "$amp" \
  --train data/train.tsv --dev data/dev.tsv --vocab data/spm.vocab \
  --out "$out/model-f32.s2s" --step-log "$out/steps.log" \
  --cell lstm --bridge project --emb 256 --hidden 128 --dec-hidden 256 --bidirectional 1 \
  --batch 64 --epochs 40 --lr 2e-3 --lr-decay 0.5 --dropout 0.2 --label-smoothing 0.1 \
  --clip 5 --seed 1 --max-len 100 --eval-every 250 --dev-bleu-sentences 643 --patience 5 \
  --log-every 100 --attention bahdanau --input-feed 1 --tie 1 \
  --meta source_language=en --meta target_language=es --time-limit "$minutes" \
  2>&1 | sed 's/^\[default[0-9]*\]://' | grep -v '^$' | tee "$out/train.log"
secs=$(( $(date +%s) - start ))

say "quantize and score on $pairs test pairs"
build-gpu/s2s quantize "$out/model-f32.s2s" "$out/model.s2s" >/dev/null
head -n "$pairs" data/test.tsv > "$out/test.tsv"
for m in "$out/model-f32.s2s" "$out/model.s2s" models/en-es.s2s; do
  printf '%s: ' "$m"
  build-gpu/s2s eval --model "$m" --test "$out/test.tsv" 2>/dev/null | grep -m1 BLEU || echo "(eval failed)"
done | tee "$out/scores.txt"

say "throughput"
awk -v secs="$secs" 'END { printf "GPU: %d steps, %d target tokens in %d s of wall time (start-up and dev evaluations included): %.0f tok/s\n", NR, tok, secs, tok / secs } { tok += $4 }' \
  "$out/steps.log" | tee "$out/throughput.txt"
grep 'tok/s' models/logs/en-es.train.log | tail -1 | sed 's/^/CPU (shipped model, s2s train + OpenBLAS): /' | tee -a "$out/throughput.txt"
if [ -n "${OUT:-}" ]; then cp "$out"/*.txt "$out"/*.log "$OUT"/ 2>/dev/null || true; fi
