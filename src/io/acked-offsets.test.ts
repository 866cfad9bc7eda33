import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAckedOffsets } from './acked-offsets.js';

test('a commit never passes an unacknowledged batch, whatever order the acks come in', () => {
  const o = createAckedOffsets();
  o.assign([0, 1]);
  const a = o.handOver(0, 9n);
  const b = o.handOver(0, 19n);
  const c = o.handOver(0, 29n);
  const x = o.handOver(1, 4n);
  c();
  b();
  assert.deepEqual(o.committable(), new Map(), 'batches 2 and 3 wait for batch 1');
  x();
  assert.deepEqual(o.committable(), new Map([[1, '5']]));
  a();
  a(); // idempotent
  assert.deepEqual(
    o.committable(),
    new Map([
      [0, '30'],
      [1, '5'],
    ]),
  );
});

test('committed entries go, unless a later ack advanced them meanwhile; moved partitions are not committed', () => {
  const o = createAckedOffsets();
  o.assign([0, 1]);
  o.handOver(0, 9n)();
  o.handOver(1, 9n)();
  const snapshot = o.committable();
  o.handOver(0, 19n)(); // acked while the commit of `snapshot` is in flight
  o.committed(snapshot);
  assert.deepEqual(o.committable(), new Map([[0, '20']]));
  o.assign([1]); // a rejoin: partition 0 went to another member
  assert.deepEqual(o.committable(), new Map());
  o.handOver(0, 29n)();
  assert.deepEqual(o.committable(), new Map(), 'acks of a partition no longer assigned are not committed');
});
