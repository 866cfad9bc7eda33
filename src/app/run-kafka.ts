/**
 * `run --brokers` by role:
 *   reco   a member of the reconstruction group (kafka.groupId): its share of tt.frames →
 *          tt.reco, tt.candidates (into the frames partition's number), tt.frames.dlq;
 *   excess the global excess stage (kafka.excessGroupId, one active instance, the rest standby):
 *          every partition of tt.candidates → tt.alerts;
 *   all    both in one process (the default): N such processes scale reconstruction N ways while
 *          one of them counts the excess.
 * /readyz turns ready once every member of the process joined its group; Ctrl-C/SIGTERM stop it.
 */
import { from, merge, takeUntil, type Observable } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import type { BatchReport } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { startExcessMember } from './kafka-excess.js';
import { startRecoMember, type KafkaMember } from './kafka-reco.js';
import { openKafkaSession } from './kafka-session.js';
import { drive } from './live.js';
import type { RatePlotOption } from './rate-plot.js';
import { startServiceRuntime, startTriggerRuntime, type ServiceRuntime } from './trigger-runtime.js';

export const ROLES = ['all', 'reco', 'excess'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export async function runKafkaTrigger(cfg: ShowertrigConfig, logger: Logger, role: Role, stop: { stopped: boolean }, plot?: RatePlotOption): Promise<number> {
  const session = await openKafkaSession(cfg, logger);
  let ready = false;
  const members: KafkaMember[] = [];
  let rt: ServiceRuntime | undefined;
  try {
    if (role === 'excess') {
      rt = await startServiceRuntime(cfg, { ready: () => ready });
    } else {
      const trt = await startTriggerRuntime(cfg, logger, { ready: () => ready });
      rt = trt;
      members.push(await startRecoMember(cfg, session, trt, logger));
    }
    if (role !== 'reco') members.push(await startExcessMember(cfg, session, rt, logger));
    void Promise.all(members.map((m) => m.joined)).then(() => (ready = true));
    let finish: () => void = () => undefined;
    const stopped = new Promise<void>((r) => (finish = r));
    const reports$: Observable<BatchReport> = merge(...members.map((m) => m.reports$)).pipe(takeUntil(from(stopped)));
    const runtime = rt;
    rt = undefined; // drive closes it
    return await drive(reports$, runtime, stop, logger, () => finish(), plot, role === 'reco' ? undefined : cfg.trigger.excess);
  } finally {
    if (rt !== undefined) await rt.close();
    for (const m of members) await m.close();
    await session.close();
  }
}
