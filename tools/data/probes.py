"""probes.py — what countries.py and nouns.py share: the held-out sentences a
swapped copy must never be, and the recall lines their `recall` commands print
for the probes (corpus/countries_probe.tsv, corpus/nouns_probe.tsv)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from add_corpus import read_tsv  # noqa: E402
from check_everyday import norm  # noqa: E402


def read_held(paths):
    """norm() of the English of every line of PATHS (the everyday sets and the
    probes): the sentences a swapped copy must never be."""
    return {norm(r[1] if len(r) >= 3 else r[0]) for path in paths for r in read_tsv(path)}


def print_recall(prog, test_path, hyp_paths, count, unit):
    """One line "N of M UNIT PATH" per hypothesis file, (N, M) =
    COUNT(test_rows, hyp_lines); exit status 2 and a message when a file has
    fewer lines than the test set."""
    test = read_tsv(test_path)
    for path in hyp_paths:
        with open(path, encoding='utf-8') as f:
            hyp = f.read().split('\n')
        if len(hyp) < len(test):
            print(f'{prog}: {path} has fewer lines than {test_path}', file=sys.stderr)
            return 2
        found, total = count(test, hyp)
        print(f'{found} of {total} {unit} {path}')
    return 0
