#!/usr/bin/env python3
"""Reads showertrig recordings of every hit_frame schema version with fastavro (an independent Avro
implementation), each with every reader schema version, and checks the evolution rules:
a v1 reader reads v2 data (truth.interaction skipped; eventClass holds the nearest v1 class), a
v2 reader reads v1 data (interaction = null: the class is eventClass), a v2 reader reads v3 data
(truth.exotic skipped) and a v3 reader reads v1 and v2 data (exotic = null).

usage: python3 scripts/check_schema_evolution.py FILE.avro [FILE.avro ...]
Prints, per file and reader version, the records and the classes read; exit 0 when every file
reads with every reader and the two readers agree on the v1 class of every record.
Needs: pip install fastavro
"""
import collections
import json
import os
import sys

import fastavro

HERE = os.path.dirname(os.path.abspath(__file__))
READERS = {v: fastavro.parse_schema(json.load(open(os.path.join(HERE, '..', 'schemas', f'hit_frame.v{v}.avsc')))) for v in (1, 2, 3)}
V1_CLASSES = {'signal', 'neutrino', 'muon', 'noise'}


def nearest_v1(cls):
    return cls if cls in V1_CLASSES else 'neutrino'


def classes(path, version):
    out = []
    with open(path, 'rb') as f:
        r = fastavro.reader(f, reader_schema=READERS[version])
        writer = r.metadata.get('showertrig.schema', '?')
        for rec in r:
            t = rec['truth']
            if t is None:
                out.append(None)
            elif version == 1:
                assert 'interaction' not in t, 'a v1 reader sees no interaction field'
                out.append(t['eventClass'])
            else:
                out.append(t['interaction'] if t['interaction'] is not None else t['eventClass'])
    return writer, out


def exotics(path):
    """The v3 reader's truth.exotic of every record (None: no truth or no exotic class)."""
    with open(path, 'rb') as f:
        return [None if rec['truth'] is None else rec['truth']['exotic'] for rec in fastavro.reader(f, reader_schema=READERS[3])]


def main():
    ok = True
    for path in sys.argv[1:]:
        writer, v1 = classes(path, 1)
        _, v2 = classes(path, 2)
        for name, got in (('v1', v1), ('v2', v2)):
            print(f"{path} (written as {writer}), reader {name}: {len(got)} records, classes {dict(sorted(collections.Counter(got).items()))}")
        ex = exotics(path)
        print(f"{path} (written as {writer}), reader v3: {len(ex)} records, exotic {dict(sorted(collections.Counter(e for e in ex if e is not None).items()))}")
        if len(ex) != len(v2):
            print(f"FAIL: {path}: the v3 reader read {len(ex)} records, the v2 reader {len(v2)}", file=sys.stderr)
            ok = False
        if len(v1) != len(v2) or any(a != (None if b is None else nearest_v1(b)) for a, b in zip(v1, v2)):
            print(f"FAIL: {path}: the v1 reader's classes are not the nearest v1 classes of the v2 reader's", file=sys.stderr)
            ok = False
    print('OK' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
