#!/usr/bin/python3
"""add_corpus.py — the project's own text joins the Debian corpus (stage `corpus`).

    add_corpus.py DATA_DIR PHRASEBOOK EVERYDAY_TEST EVERYDAY_DEV REPEAT REPORT.json

* Drops from DATA_DIR/train.tsv every pair whose English is (normalised: case,
  punctuation and spacing ignored, tools/check_everyday.py's rule) an English
  sentence of the everyday test or dev set: those sets are never trained on.
* Appends the phrasebook (`topic<TAB>en<TAB>es`, written for the project) to
  train.tsv as domain `phrase`, REPEAT times: 2k everyday pairs would be lost
  among 250k, and repeating them is the simplest way to weight them
  (measured against fewer repeats in models/README.md).
* Puts the everyday dev set in front of DATA_DIR/dev.tsv as domain `everyday`
  and interleaves the other domains after it, so that the trainer's dev BLEU
  (its first N dev pairs) selects checkpoints on everyday text and on every
  domain; the everyday test set stays out of data/ entirely.
Deterministic: same inputs, same bytes.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from check_everyday import norm  # noqa: E402  (one normalisation rule for both)


def read_tsv(path):
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n').split('\t') for line in f if line.strip()]


def main(data, phrasebook, ev_test, ev_dev, repeat, report_path):
    repeat = int(repeat)
    held = {norm(r[1]) for r in read_tsv(ev_test) + read_tsv(ev_dev)}
    train = read_tsv(os.path.join(data, 'train.tsv'))
    train = [r for r in train if r[0] != 'phrase']  # idempotent when run twice
    kept = [r for r in train if norm(r[1]) not in held]
    dropped = [r[1] for r in train if norm(r[1]) in held]
    phrases = read_tsv(phrasebook)
    clash = [r[1] for r in phrases if norm(r[1]) in held]
    if clash:
        sys.exit(f'add_corpus: the phrasebook holds everyday test/dev sentences: {clash[:5]}')
    out = kept + [['phrase', r[1], r[2]] for _ in range(repeat) for r in phrases]
    with open(os.path.join(data, 'train.tsv'), 'w', encoding='utf-8') as f:
        f.writelines('\t'.join(r) + '\n' for r in out)
    dev = read_tsv(os.path.join(data, 'dev.tsv'))
    dev = [r for r in dev if r[0] != 'everyday']  # idempotent when run twice
    # domains interleaved (one pair of each in turn, in their first-seen
    # order), so that any first N dev pairs after the everyday block mix them
    by_domain = {}
    for r in dev:
        by_domain.setdefault(r[0], []).append(r)
    queues = list(by_domain.values())
    dev = [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]
    ev = [['everyday', r[1], r[2]] for r in read_tsv(ev_dev)]
    with open(os.path.join(data, 'dev.tsv'), 'w', encoding='utf-8') as f:
        f.writelines('\t'.join(r) + '\n' for r in ev + dev)
    report = {'dropped_from_train_as_everyday': dropped, 'phrasebook_pairs': len(phrases),
              'phrasebook_repeat': repeat, 'train_pairs': len(out), 'everyday_dev_pairs': len(ev),
              'dev_pairs': len(ev) + len(dev)}
    with open(report_path, 'w', encoding='utf-8') as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    print(f'corpus: dropped {len(dropped)} train pairs held out as everyday, added {len(phrases)} '
          f'phrasebook pairs x{repeat}; train {len(out)}, dev {len(ev) + len(dev)} '
          f'({len(ev)} everyday first)', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
