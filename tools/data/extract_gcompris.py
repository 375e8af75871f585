#!/usr/bin/python3
"""extract_gcompris.py — English-Spanish pairs from GCompris (gcompris-qt-data, GPL-3+).

    extract_gcompris.py UNPACKED_DIR DATA_DIR RESERVED_EN OUT.tsv REPORT.json HELD...

GCompris is an educational suite for children: its activity instructions,
descriptions and data are plain everyday language ("Drop weights on the left
side to balance the scales.", "Born on January 4th 1809 in Coupvray near Paris
in France."), and its vocabulary activity names about 1,100 everyday things
("onion", "broom", "baby bottle") in every language. Two files of the package:

- usr/share/gcompris-qt/translations/gcompris_es.qm: Qt's compiled catalog.
  lrelease keeps each message's English source text beside its translation,
  so the catalog alone gives the pairs (read_qm).
- usr/share/gcompris-qt/rcc/lang.rcc: a Qt resource bundle (read_rcc) that
  holds the word lists resource/content-en.json and content-es.json, one word
  per sound file name; the same name pairs the two.

Sentences are cleaned as the gettext sweep cleans its catalogs (extract_mo.py:
placeholders and markup dropped, accelerators removed, multi-line strings
split into paragraphs). Dropped as well: untranslated copies, pairs whose
English is in a reserved catalog (RESERVED_EN, as clean_split.py compares) or
is a sentence of the dev or test split or of a HELD file (the everyday sets,
the probes; tools/check_everyday.py's normalisation), and pairs data/train.tsv
already has. Written as `edu<TAB>en<TAB>es` (sentences) and `words<TAB>en<TAB>es`
(the word list), sorted and unique: same inputs, same bytes. The file is not
part of data/train.tsv, so that the shipped models' REMAKE stays exact; a recipe
adds it with EXTRA_TRAIN=data/gcompris.tsv (docs/data.md).

No Qt is needed: both formats are read here with the standard library.
"""
import json
import os
import struct
import sys
import zlib
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
from check_everyday import held_out_english, norm  # noqa: E402
from clean_split import norm as reserved_norm  # noqa: E402
from extract_mo import check, clean_ui, split_lines  # noqa: E402

PKG = 'gcompris-qt-data'
QM = 'usr/share/gcompris-qt/translations/gcompris_es.qm'
RCC = 'usr/share/gcompris-qt/rcc/lang.rcc'
WORDS = '/gcompris/src/activities/lang/resource/content-%s.json'

QM_MAGIC = bytes([0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95,
                  0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD])
QM_MESSAGES = 0x69
# tags inside a message (Qt's qm format): 1 ends it; the others carry a
# 32-bit big-endian length and that many bytes
TAG_END, TAG_TRANSLATION, TAG_SOURCE, TAG_CONTEXT, TAG_COMMENT = 1, 3, 6, 7, 8
TAG_OBSOLETE = {2, 4, 5, 9}  # old 16-bit source/context forms: skipped
NO_TRANSLATION = 0xFFFFFFFF


class FormatError(ValueError):
    pass


def read_qm(data):
    """Messages of a compiled Qt catalog: a list of dicts with 'context',
    'source', 'comment' (str) and 'translations' (list of str; plural forms
    give several)."""
    if data[:16] != QM_MAGIC:
        raise FormatError('not a Qt .qm catalog (bad magic)')
    pos, sections = 16, {}
    while pos < len(data):
        if pos + 5 > len(data):
            raise FormatError('truncated section header')
        tag, length = data[pos], struct.unpack('>I', data[pos + 1:pos + 5])[0]
        if pos + 5 + length > len(data):
            raise FormatError('section runs past the end of the file')
        sections[tag] = data[pos + 5:pos + 5 + length]
        pos += 5 + length
    block = sections.get(QM_MESSAGES)
    if block is None:
        raise FormatError('no message section')
    messages, cur, pos = [], None, 0
    while pos < len(block):
        tag = block[pos]
        pos += 1
        if cur is None:
            cur = {'context': '', 'source': '', 'comment': '', 'translations': []}
        if tag == TAG_END:
            messages.append(cur)
            cur = None
            continue
        if tag not in (TAG_TRANSLATION, TAG_SOURCE, TAG_CONTEXT, TAG_COMMENT) and tag not in TAG_OBSOLETE:
            raise FormatError(f'unknown message tag {tag}')
        if pos + 4 > len(block):
            raise FormatError('truncated message field')
        length = struct.unpack('>I', block[pos:pos + 4])[0]
        pos += 4
        if tag == TAG_TRANSLATION and length == NO_TRANSLATION:
            continue
        if pos + length > len(block):
            raise FormatError('message field runs past its section')
        raw = block[pos:pos + length]
        pos += length
        if tag == TAG_TRANSLATION:
            cur['translations'].append(raw.decode('utf-16-be'))
        elif tag == TAG_SOURCE:
            cur['source'] = raw.decode('utf-8')
        elif tag == TAG_CONTEXT:
            cur['context'] = raw.decode('utf-8')
        elif tag == TAG_COMMENT:
            cur['comment'] = raw.decode('utf-8')
    if cur is not None:
        raise FormatError('last message has no end tag')
    return messages


def read_rcc(data):
    """Files of a Qt resource bundle (.rcc, format versions 1-3): {path: bytes},
    zlib-compressed entries inflated. Qt 6's zstd entries raise FormatError."""
    if data[:4] != b'qres' or len(data) < 20:
        raise FormatError('not a Qt resource bundle (bad magic)')
    version, tree, payload, names = struct.unpack('>IIII', data[4:20])
    if version not in (1, 2, 3):
        raise FormatError(f'resource format version {version}')
    node_size = 14 if version == 1 else 22

    def name(offset):
        n = struct.unpack('>H', data[names + offset:names + offset + 2])[0]
        start = names + offset + 6  # length, then a 32-bit hash, then UTF-16
        return data[start:start + 2 * n].decode('utf-16-be')

    files, stack = {}, [(0, '')]
    while stack:
        index, prefix = stack.pop()
        node = tree + index * node_size
        if node + 14 > len(data):
            raise FormatError('tree node past the end of the file')
        name_offset, flags = struct.unpack('>IH', data[node:node + 6])
        path = prefix + ('/' + name(name_offset) if index else '')
        if flags & 2:  # directory: child count, first child's index
            count, first = struct.unpack('>II', data[node + 6:node + 14])
            stack.extend((child, path) for child in range(first, first + count))
            continue
        offset = payload + struct.unpack('>I', data[node + 10:node + 14])[0]
        size = struct.unpack('>I', data[offset:offset + 4])[0]
        body = data[offset + 4:offset + 4 + size]
        if flags & 4:
            raise FormatError(f'{path}: zstd-compressed entry')
        if flags & 1:  # 32-bit uncompressed size, then a zlib stream
            body = zlib.decompress(body[4:])
        files[path] = body
    return files


def sentence_pairs(messages, dropped):
    """(en, es) pairs of the catalog's messages, cleaned like extract_mo.py's."""
    for m in messages:
        if not m['source'] or not m['translations']:
            dropped['untranslated_empty'] += 1
            continue
        en, es = clean_ui(m['source']), clean_ui(m['translations'][0])
        parts = split_lines(en, es)
        if isinstance(parts, str):
            dropped[parts] += 1
            continue
        for en_part, es_part in parts:
            reason, en_part, es_part = check(en_part, es_part)
            if reason:
                dropped[reason] += 1
            else:
                yield en_part, es_part


def word_pairs(files, dropped):
    """(en, es) of the vocabulary activity's word lists, paired by sound file."""
    try:
        en = json.loads(files[WORDS % 'en'])
        es = json.loads(files[WORDS % 'es'])
    except KeyError as e:
        raise FormatError(f'word list {e} missing from the bundle') from None
    for key in sorted(en):
        if key not in es or not es[key].strip():
            dropped['word_untranslated'] += 1
            continue
        yield ' '.join(en[key].split()), ' '.join(es[key].split())


def main(unpacked, data_dir, reserved_path, out_path, report_path, *held_paths):
    root = os.path.join(unpacked, PKG)
    with open(os.path.join(root, QM), 'rb') as f:
        messages = read_qm(f.read())
    with open(os.path.join(root, RCC), 'rb') as f:
        files = read_rcc(f.read())
    held = held_out_english(data_dir, list(held_paths))
    with open(reserved_path, encoding='utf-8') as f:
        reserved = {reserved_norm(line.rstrip('\n')).casefold() for line in f}
    with open(os.path.join(data_dir, 'train.tsv'), encoding='utf-8') as f:
        in_train = {tuple(line.rstrip('\n').split('\t')[1:3]) for line in f}
    dropped, rows = Counter(), set()
    sources = [('edu', sentence_pairs(messages, dropped)), ('words', word_pairs(files, dropped))]
    for domain, pairs in sources:
        for en, es in pairs:
            if en.casefold() == es.casefold():
                dropped['untranslated_copy'] += 1
            elif reserved_norm(en).casefold() in reserved:
                dropped['in_reserved_catalog'] += 1
            elif norm(en) in held:
                dropped['held_out_english'] += 1
            elif (en, es) in in_train:
                dropped['in_train'] += 1
            else:
                rows.add((domain, en, es))
    rows = sorted(rows)
    with open(out_path, 'w', encoding='utf-8') as f:
        f.writelines(f'{d}\t{en}\t{es}\n' for d, en, es in rows)
    counts = Counter(d for d, _, _ in rows)
    words = Counter()
    for d, en, es in rows:
        words[d + '_en'] += len(en.split())
        words[d + '_es'] += len(es.split())
    report = {'messages': len(messages), 'pairs': dict(sorted(counts.items())),
              'words': dict(sorted(words.items())), 'dropped': dict(dropped.most_common())}
    with open(report_path, 'w', encoding='utf-8') as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    print(f'gcompris: {counts["edu"]} sentence pairs, {counts["words"]} word pairs '
          f'({len(messages)} catalog messages)', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except (OSError, FormatError, UnicodeDecodeError, json.JSONDecodeError) as e:
        sys.exit(f'extract_gcompris.py: {e}')
