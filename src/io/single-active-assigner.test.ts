import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { chooseActive, singleActiveAssigner } from './single-active-assigner.js';

const cluster = {
  findTopicPartitionMetadata: (topic: string) =>
    (topic === 'cands' ? [0, 1, 2, 3] : [0]).map((partitionId) => ({ partitionId })),
} as unknown as Cluster;

/** Runs the group protocol the way the group leader does: each member's metadata, then assign. */
async function assignAmong(
  starts: Record<string, number>,
): Promise<Record<string, Record<string, number[]>>> {
  const members = Object.entries(starts).map(([memberId, startedAtMs]) => {
    const a = singleActiveAssigner(startedAtMs)({ cluster, groupId: 'g', logger: undefined as never });
    return { memberId, memberMetadata: a.protocol({ topics: ['cands'] }).metadata };
  });
  const leader = singleActiveAssigner(0)({ cluster, groupId: 'g', logger: undefined as never });
  const out = await leader.assign({ members, topics: ['cands'] });
  return Object.fromEntries(
    out.map((o) => [o.memberId, AssignerProtocol.MemberAssignment.decode(o.memberAssignment)!.assignment]),
  );
}

test('every partition goes to the member that started first; the others get none (hot standbys)', async () => {
  const got = await assignAmong({ 'm-b': 2000, 'm-a': 3000, 'm-c': 1000 });
  assert.deepEqual(got['m-c'], { cands: [0, 1, 2, 3] });
  assert.deepEqual(got['m-a'], {});
  assert.deepEqual(got['m-b'], {});
});

test('a standby that joins later does not take the partitions from the active member; when it leaves, the next oldest does', async () => {
  assert.deepEqual((await assignAmong({ active: 1000, late: 5000 }))['active'], { cands: [0, 1, 2, 3] });
  assert.deepEqual((await assignAmong({ late: 5000, later: 6000 }))['late'], { cands: [0, 1, 2, 3] });
});

test('ties on start time go to the smaller member id; a member without a start time is never preferred', () => {
  assert.equal(
    chooseActive([
      { memberId: 'b', startedAtMs: 5 },
      { memberId: 'a', startedAtMs: 5 },
    ]),
    'a',
  );
  assert.equal(
    chooseActive([
      { memberId: 'a', startedAtMs: Number.POSITIVE_INFINITY },
      { memberId: 'b', startedAtMs: 9 },
    ]),
    'b',
  );
  assert.equal(chooseActive([]), undefined);
});
