#!/usr/bin/env python3
"""Opens a showertrig recording with fastavro (an independent Avro implementation), checks every
record against schemas/hit_frame.v1.avsc and prints a summary.

usage: python3 scripts/check_recording.py FILE.avro [--expect N]
Exit status 0 when the file reads cleanly (and has N records if --expect is given), 1 otherwise.
Needs: pip install fastavro
"""
import argparse
import collections
import json
import os
import sys

import fastavro

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'schemas', 'hit_frame.v1.avsc')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('path')
    ap.add_argument('--expect', type=int, help='required record count')
    args = ap.parse_args()

    reader_schema = fastavro.parse_schema(json.load(open(SCHEMA)))
    n = 0
    hits = 0
    classes = collections.Counter()
    first_ts = last_ts = None
    with open(args.path, 'rb') as f:
        r = fastavro.reader(f, reader_schema=reader_schema)
        codec = r.codec
        meta = {k: v for k, v in r.metadata.items() if not k.startswith('avro.')}
        for rec in r:
            h = rec['hits']
            lens = {len(h['station']), len(h['ix']), len(h['iy']), len(h['count'])}
            assert len(lens) == 1, f"record {n}: hit arrays differ in length {lens}"
            assert all(0 <= s < 256 for s in h['station']), f"record {n}: station out of range"
            hits += len(h['station'])
            classes[rec['truth']['eventClass'] if rec['truth'] else 'none'] += 1
            ts = rec['timestampNs']
            first_ts = ts if first_ts is None else first_ts
            assert last_ts is None or ts >= last_ts, f"record {n}: timestamp goes back"
            last_ts = ts
            n += 1
    print(f"{args.path}: {n} records, codec {codec}, {os.path.getsize(args.path)} bytes")
    print(f"  classes: {dict(sorted(classes.items()))}")
    if n:
        print(f"  hits/record: {hits / n:.1f}; timestamps {first_ts} .. {last_ts} ns ({(last_ts - first_ts) / 1e9:.3f} s)")
    if meta.get('showertrig.seed') is not None:
        print(f"  seed {meta['showertrig.seed']}, run {meta.get('showertrig.runId')}, schema {meta.get('showertrig.schema')}")
    if args.expect is not None and n != args.expect:
        print(f"FAIL: expected {args.expect} records, found {n}", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == '__main__':
    sys.exit(main())
