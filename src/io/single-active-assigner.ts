/**
 * A kafkajs partition assigner that gives every partition of the subscribed topics to ONE member
 * of the group; the others get nothing and wait as hot standbys. This is how the global excess
 * stage runs exactly once however many instances are started: when the active member leaves or
 * dies (session timeout), the group rebalances and a standby receives all partitions.
 *
 * The active member is the one that joined first (each member announces its start time in the
 * protocol metadata), so a standby joining later does not take the partitions away from a healthy
 * active member. Ties go to the smaller member id.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const SINGLE_ACTIVE_ASSIGNER = 'SingleActiveAssigner';

/** Encodes a member's start time (ms) as protocol userData. */
function encodeStart(startedAtMs: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(startedAtMs);
  return b;
}

function decodeStart(userData: Buffer | null | undefined): number {
  return userData !== null && userData !== undefined && userData.length >= 8
    ? userData.readDoubleBE(0)
    : Number.POSITIVE_INFINITY;
}

/** Picks the active member among (memberId, start time) pairs: the earliest start, then the smallest id. */
export function chooseActive(
  members: readonly { memberId: string; startedAtMs: number }[],
): string | undefined {
  const sorted = [...members].sort(
    (a, b) =>
      a.startedAtMs - b.startedAtMs || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0),
  );
  return sorted[0]?.memberId;
}

export function singleActiveAssigner(startedAtMs: number = Date.now()): PartitionAssigner {
  return ({ cluster }) => ({
    name: SINGLE_ACTIVE_ASSIGNER,
    version: 1,
    async assign({ members, topics }) {
      const active = chooseActive(
        members.map((m) => ({
          memberId: m.memberId,
          startedAtMs: decodeStart(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData),
        })),
      );
      const all: Record<string, number[]> = {};
      for (const topic of topics)
        all[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: m.memberId === active ? all : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: SINGLE_ACTIVE_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: encodeStart(startedAtMs),
        }),
      };
    },
  });
}
