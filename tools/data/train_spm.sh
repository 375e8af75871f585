#!/usr/bin/env bash
# Train the joint English+Spanish SentencePiece unigram vocabulary (8000 pieces) on
# both sides of data/train.tsv. Input text is already NFC (clean_split.py), hence
# the identity normalization rule. Deterministic: fixed input order, one fixed
# training run; the corpus (~240k lines) is below the 1M sentence cap, so no sampling.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
mkdir -p data/work
cut -f2 data/train.tsv >  data/work/spm_input.txt
cut -f3 data/train.tsv >> data/work/spm_input.txt
spm_train --input=data/work/spm_input.txt \
  --model_type=unigram --normalization_rule_name=identity --byte_fallback=true \
  --character_coverage=1.0 --pad_id=0 --unk_id=1 --bos_id=2 --eos_id=3 \
  --vocab_size=8000 --model_prefix=data/spm \
  --input_sentence_size=1000000 --shuffle_input_sentence=true \
  --num_threads=2 --minloglevel=1 > data/work/spm_train.log 2>&1 \
  || { tail -20 data/work/spm_train.log >&2; exit 1; }
# spm_export_vocab rounds scores to 6 digits, which flips near-ties in the
# Viterbi search; tools/spm_model_vocab.py reads the exact scores from the
# model (same pieces, same order): the engine's tokenizer uses that file.
/usr/bin/python3 tools/spm_model_vocab.py data/spm.model > data/spm.vocab
echo "spm: $(wc -l < data/spm.vocab) pieces -> data/spm.model, data/spm.vocab" >&2
