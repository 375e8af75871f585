"""Checks of tools/data/extract_gcompris.py on made-up Qt files (standard library only).

    cd tools/data && python3 -m unittest test_extract_gcompris -v

The .qm and .rcc files are written here by small writers that follow Qt's
formats, so the readers are checked against bytes laid out independently of them.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import extract_gcompris as eg  # noqa: E402


def qm(messages, extra_sections=()):
    """A .qm file: magic, then a message section; each message is a list of
    (tag, payload) fields, a payload of None meaning 'no translation'."""
    block = b''
    for fields in messages:
        for tag, payload in fields:
            if tag == eg.TAG_TRANSLATION:
                raw = payload.encode('utf-16-be') if payload is not None else None
            else:
                raw = payload.encode('utf-8')
            length = eg.NO_TRANSLATION if raw is None else len(raw)
            block += bytes([tag]) + struct.pack('>I', length) + (raw or b'')
        block += bytes([eg.TAG_END])
    out = eg.QM_MAGIC
    for tag, body in extra_sections:  # e.g. a hash section before the messages
        out += bytes([tag]) + struct.pack('>I', len(body)) + body
    return out + bytes([eg.QM_MESSAGES]) + struct.pack('>I', len(block)) + block


def message(source, *translations, context='Ctx'):
    return [(eg.TAG_CONTEXT, context), (eg.TAG_SOURCE, source)] + \
        [(eg.TAG_TRANSLATION, t) for t in translations]


def rcc(files, compress=()):
    """A version-3 .rcc bundle of {'/dir/sub/name': bytes}; names in compress
    are stored zlib-compressed. Tree: breadth-first, children of a directory
    contiguous, as Qt's rcc lays them out."""
    tree = {'': {}}
    for path in files:
        parts = path.strip('/').split('/')
        node = tree['']
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = path
    names, name_off = b'', {}

    def name_offset(n):
        nonlocal names
        if n not in name_off:
            name_off[n] = len(names)
            raw = n.encode('utf-16-be')
            names += struct.pack('>HI', len(n), 0) + raw
        return name_off[n]

    payload, nodes = b'', [None]  # the root's entry is filled below
    pending = [(0, '', tree[''])]
    while pending:
        index, name, node = pending.pop(0)
        if isinstance(node, dict):
            first = len(nodes)
            children = sorted(node.items())
            nodes.extend([None] * len(children))
            nodes[index] = struct.pack('>IHII', name_offset(name) if index else 0, 2,
                                       len(children), first) + b'\0' * 8
            for k, (child_name, child) in enumerate(children):
                pending.append((first + k, child_name, child))
        else:
            body = files[node]
            flags = 0
            if node in compress:
                body = struct.pack('>I', len(body)) + zlib.compress(body)
                flags = 1
            offset = len(payload)
            payload += struct.pack('>I', len(body)) + body
            nodes[index] = struct.pack('>IHHHI', name_offset(name), flags, 0, 0, offset) + b'\0' * 8
    tree_bytes = b''.join(nodes)
    header = 24
    tree_off, payload_off = header, header + len(tree_bytes)
    names_off = payload_off + len(payload)
    return (b'qres' + struct.pack('>IIIII', 3, tree_off, payload_off, names_off, 0)
            + tree_bytes + payload + names)


class ReadQm(unittest.TestCase):
    def test_messages_contexts_and_plurals(self):
        data = qm([message('Find the carrot.', 'Encuentra la zanahoria.'),
                   message('%n apples', '%n manzana', '%n manzanas', context='Count'),
                   message('Untranslated', None)],
                  extra_sections=[(0x42, b'\0' * 16)])
        got = eg.read_qm(data)
        self.assertEqual(len(got), 3)
        self.assertEqual(got[0]['source'], 'Find the carrot.')
        self.assertEqual(got[0]['translations'], ['Encuentra la zanahoria.'])
        self.assertEqual(got[1]['context'], 'Count')
        self.assertEqual(got[1]['translations'], ['%n manzana', '%n manzanas'])
        self.assertEqual(got[2]['translations'], [])

    def test_bad_files_are_errors(self):
        good = qm([message('Hello', 'Hola')])
        with self.assertRaisesRegex(eg.FormatError, 'magic'):
            eg.read_qm(b'x' * 40)
        with self.assertRaises(eg.FormatError):
            eg.read_qm(good[:-3])  # cut inside the last message
        with self.assertRaisesRegex(eg.FormatError, 'no message section'):
            eg.read_qm(eg.QM_MAGIC)
        bad_tag = qm([[(eg.TAG_SOURCE, 'Hi')]]).replace(bytes([eg.TAG_END]), bytes([0x55]))
        with self.assertRaisesRegex(eg.FormatError, 'tag'):
            eg.read_qm(bad_tag)


class ReadRcc(unittest.TestCase):
    def test_tree_and_compression(self):
        files = {'/a/b/content-en.json': b'{"x.ogg": "onion"}',
                 '/a/b/content-es.json': b'{"x.ogg": "cebolla"}' * 20,
                 '/a/top.txt': b'top'}
        got = eg.read_rcc(rcc(files, compress={'/a/b/content-es.json'}))
        self.assertEqual(got, files)

    def test_bad_files_are_errors(self):
        with self.assertRaisesRegex(eg.FormatError, 'magic'):
            eg.read_rcc(b'qrez' + b'\0' * 40)
        bad_version = b'qres' + struct.pack('>IIIII', 9, 24, 24, 24, 0)
        with self.assertRaisesRegex(eg.FormatError, 'version'):
            eg.read_rcc(bad_version)


class Extract(unittest.TestCase):
    """The whole script on a made-up unpacked tree and data directory."""

    def run_script(self, messages, words_en, words_es):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        root = os.path.join(tmp, 'unpacked', eg.PKG)
        os.makedirs(os.path.dirname(os.path.join(root, eg.QM)))
        os.makedirs(os.path.dirname(os.path.join(root, eg.RCC)))
        with open(os.path.join(root, eg.QM), 'wb') as f:
            f.write(qm(messages))
        bundle = {eg.WORDS % 'en': json.dumps(words_en).encode(),
                  eg.WORDS % 'es': json.dumps(words_es).encode()}
        with open(os.path.join(root, eg.RCC), 'wb') as f:
            f.write(rcc(bundle, compress=set(bundle)))
        data = os.path.join(tmp, 'data')
        os.makedirs(data)
        for name, rows in [('train.tsv', ['ui\tQuit\tSalir']),
                           ('dev.tsv', ['ui\tThe dev sentence.\tLa frase de dev.']),
                           ('test.tsv', ['ui\tA test sentence.\tUna frase.'])]:
            with open(os.path.join(data, name), 'w', encoding='utf-8') as f:
                f.write('\n'.join(rows) + '\n')
        held = os.path.join(tmp, 'probe.tsv')
        with open(held, 'w', encoding='utf-8') as f:
            f.write('nouns\tMy son does not like carrots.\tA mi hijo no le gustan las zanahorias.\n')
        reserved = os.path.join(tmp, 'reserved_en.txt')
        with open(reserved, 'w', encoding='utf-8') as f:
            f.write('Reserved string\n')
        out, report = os.path.join(tmp, 'out.tsv'), os.path.join(tmp, 'report.json')
        proc = subprocess.run([sys.executable, os.path.join(HERE, 'extract_gcompris.py'),
                               os.path.join(tmp, 'unpacked'), data, reserved, out, report, held],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out, encoding='utf-8') as f:
            rows = [line.rstrip('\n').split('\t') for line in f]
        with open(report, encoding='utf-8') as f:
            return rows, json.load(f)

    def test_kept_and_dropped(self):
        rows, report = self.run_script(
            [message('Find the &carrot.', 'Encuentra la &zanahoria.'),
             message('Quit', 'Salir'),                        # in train already
             message('Taxi', 'Taxi'),                         # untranslated copy
             message('Reserved string', 'Cadena reservada'),  # reserved catalog
             message('the dev sentence', 'la frase de dev'),  # dev English, other case
             message('My son does not like carrots!', 'No.'),  # a held file's English
             message('Click on %1 balls', 'Pulsa en %1 bolas'),
             message('First line.\n\nSecond line.', 'Primera línea.\n\nSegunda línea.'),
             message('Broken', None)],
            {'a.ogg': 'broom', 'b.ogg': 'baby  bottle', 'c.ogg': 'robot'},
            {'a.ogg': 'escoba', 'b.ogg': 'biberón', 'c.ogg': 'robot'})
        self.assertEqual(rows, [['edu', 'Find the carrot.', 'Encuentra la zanahoria.'],
                                ['edu', 'First line.', 'Primera línea.'],
                                ['edu', 'Second line.', 'Segunda línea.'],
                                ['words', 'baby bottle', 'biberón'],
                                ['words', 'broom', 'escoba']])
        dropped = report['dropped']
        self.assertEqual(dropped['in_train'], 1)
        self.assertEqual(dropped['untranslated_copy'], 2)
        self.assertEqual(dropped['in_reserved_catalog'], 1)
        self.assertEqual(dropped['held_out_english'], 2)
        self.assertEqual(dropped['placeholder'], 1)
        self.assertEqual(dropped['untranslated_empty'], 1)
        self.assertEqual(report['pairs'], {'edu': 3, 'words': 2})

    def test_a_damaged_catalog_is_a_clear_error(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        path = os.path.join(tmp, 'unpacked', eg.PKG, eg.QM)
        os.makedirs(os.path.dirname(path))
        with open(path, 'wb') as f:
            f.write(b'not a catalog')
        proc = subprocess.run([sys.executable, os.path.join(HERE, 'extract_gcompris.py'),
                               os.path.join(tmp, 'unpacked'), tmp, path, 'o', 'r'],
                              capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('not a Qt .qm catalog', proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)


if __name__ == '__main__':
    unittest.main()
