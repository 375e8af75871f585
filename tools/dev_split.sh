# tools/dev_split.sh — sourced by the training scripts: DEV_SELECTED, how many
# pairs at the head of data/dev.tsv choose checkpoints (s2s train and
# tools/torch_train.py --dev-bleu-sentences): the 143 everyday dev sentences,
# then 100 of each other domain (tools/data/add_corpus.py orders the file
# so). The pairs after them stay unseen by that choice and judge checkpoint
# averaging (tools/average_checkpoints.sh).
# shellcheck disable=SC2034
DEV_SELECTED=643
