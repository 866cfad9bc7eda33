/**
 * Taking a crashed consumer out of its group where the group now lives. A kafkajs consumer that
 * crashes sends its LeaveGroup to the coordinator it last knew; when the crash came from that
 * coordinator's broker dying, the request fails, and the coordinator that takes the group over
 * keeps the dead member until its session times out (sessionTimeoutMs from loading the group).
 * Meanwhile the replacement consumer's JoinGroup waits for the dead member to rejoin, so the
 * replacement fetches nothing for up to a session timeout after the new coordinator is up
 * (measured on a three-node cluster: a consumer down 5.5 to 8 s after its coordinator's node was
 * SIGKILLed, against 1 to 3 s with this leave).
 *
 * `leaveGroupAs` sends that LeaveGroup, for the dead member's id, to the group's current
 * coordinator, retried while the coordinator moves or loads the group, for at most `withinMs`
 * (past the session timeout the coordinator has dropped the member itself). kafkajs has no public
 * call for it; its client's own cluster factory (private, found by its symbol's description) makes
 * a cluster with the client's brokers, TLS and SASL. Where kafkajs no longer has it, nothing is
 * sent ('unavailable') and the dead member leaves at its session timeout, as without this.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from '../telemetry/index.js';
import { withDeadline } from './deadline.js';
import { backoffMs } from './link-health.js';

/** The part of kafkajs' private Cluster used here. */
interface GroupCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(a: { groupId: string }): Promise<{
    leaveGroup(a: { groupId: string; memberId: string }): Promise<unknown>;
  }>;
}

/** 'left': the coordinator removed it; 'gone': it knew no such member (already expired or left). */
export type LeaveOutcome = 'left' | 'gone' | 'unavailable' | 'gave up';

/** kafkajs' private cluster factory of this client, or undefined where its layout changed. */
export function clusterFactoryOf(kafka: Kafka): (() => GroupCluster) | undefined {
  const own = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = key === undefined ? undefined : own[key];
  if (typeof create !== 'function') return undefined;
  return () => {
    const c = (create as (o: object) => Partial<GroupCluster>)({ allowAutoTopicCreation: false });
    if (typeof c.findGroupCoordinator !== 'function' || typeof c.connect !== 'function')
      throw new Error('kafkajs Cluster without findGroupCoordinator');
    return c as GroupCluster;
  };
}

export async function leaveGroupAs(
  kafka: Kafka,
  groupId: string,
  memberId: string,
  withinMs: number,
): Promise<LeaveOutcome> {
  const factory = clusterFactoryOf(kafka);
  if (factory === undefined) return 'unavailable';
  let cluster: GroupCluster;
  try {
    cluster = factory();
  } catch {
    return 'unavailable';
  }
  const deadline = Date.now() + withinMs;
  try {
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        await withDeadline(
          (async () => {
            await cluster.connect();
            const coordinator = await cluster.findGroupCoordinator({ groupId });
            await coordinator.leaveGroup({ groupId, memberId });
          })(),
          deadline - Date.now(),
        );
        return 'left';
      } catch (e) {
        if ((e as { type?: string }).type === 'UNKNOWN_MEMBER_ID') return 'gone';
      }
      await new Promise((r) =>
        setTimeout(r, Math.max(0, Math.min(backoffMs(attempt), deadline - Date.now()))),
      );
    }
    return 'gave up';
  } finally {
    await withDeadline(cluster.disconnect(), 1_000).catch(() => undefined);
  }
}

/** Takes a crashed consumer's member (when it had joined) out of its group in the background, within its session timeout, and logs how. */
export function leaveAsCrashed(
  kafka: Kafka,
  group: { readonly groupId: string; readonly sessionTimeoutMs: number },
  memberId: string | undefined,
  logger: Logger,
): void {
  if (memberId === undefined) return;
  const t0 = Date.now();
  void leaveGroupAs(kafka, group.groupId, memberId, group.sessionTimeoutMs).then((outcome) =>
    logger.info('crashed consumer taken out of its group', {
      groupId: group.groupId,
      memberId,
      outcome,
      ms: Date.now() - t0,
    }),
  );
}
