/**
 * `run --brokers` by role:
 *   reco   a member of the reconstruction group (kafka.groupId): its share of tt.frames →
 *          tt.reco, tt.candidates (into the frames partition's number), tt.frames.dlq;
 *   excess the global excess stage (kafka.excessGroupId, one active instance, the rest standby):
 *          every partition of tt.candidates → tt.alerts, tt.flagged;
 *   all    both in one process (the default): N such processes scale reconstruction N ways while
 *          one of them counts the excess.
 * /readyz is true while every member's consumer fetches and producer delivers and a broker answers
 * (false during a broker outage, true again after it; a leader election on a cluster keeps it). A
 * process started during an outage waits for the brokers, not ready, up to kafka.outageToleranceMs. The runtime binds the metrics port before anything slow, so a port
 * in use fails at once. SIGTERM/SIGINT: stop fetching, let the batches in flight finish, commit,
 * disconnect and exit 0 within service.shutdownGraceMs; past the grace the process exits 1
 * (uncommitted input is redelivered to the group).
 */
import { from, merge, takeUntil, type Observable } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import type { BatchReport } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { startExcessMember } from './kafka-excess.js';
import { startRecoMember, type KafkaMember } from './kafka-reco.js';
import { openKafkaSession, type KafkaSession } from './kafka-session.js';
import { armShutdownGrace } from './shutdown.js';
import { checkKafkaReachable, connectionProblem, KafkaUnreachableError } from '../io/index.js';
import { drive } from './live.js';
import type { RatePlotOption } from './rate-plot.js';
import { startServiceRuntime, startTriggerRuntime, type ServiceRuntime } from './trigger-runtime.js';
import type { Role } from './roles.js';

export async function runKafkaTrigger(
  cfg: ShowertrigConfig,
  logger: Logger,
  role: Role,
  stop: { stopped: boolean },
  plot?: RatePlotOption,
): Promise<number> {
  const members: KafkaMember[] = [];
  const drain = drainer(members, cfg, logger);
  let rt: ServiceRuntime | undefined;
  let session: KafkaSession | undefined;
  const ready = (): boolean => !drain.draining() && members.length > 0 && members.every((m) => m.healthy());
  const status = (): string =>
    drain.draining()
      ? 'stopping'
      : members.length === 0
        ? 'starting (waiting for the brokers or the model)'
        : members.map((m) => m.status()).join('\n');
  const stopReaching = new AbortController();
  const { reach } = await brokersReached(cfg, logger, stopReaching.signal);
  // Whichever comes first: the runtime (then the wait goes on, not ready) or the brokers' absence past the tolerance.
  const beside = <T>(p: Promise<T>): Promise<T> =>
    Promise.race([p, reach.then(() => new Promise<never>(() => undefined))]);
  try {
    const mode = `run --brokers --role ${role}`;
    if (role === 'excess') {
      rt = await beside(startServiceRuntime(cfg, { ready, status, mode }));
      await reach;
    } else {
      const trt = await beside(startTriggerRuntime(cfg, logger, { ready, status, mode }));
      rt = trt;
      await reach;
      session = await openKafkaSession(cfg, logger);
      members.push(await startRecoMember(cfg, session, trt, logger));
    }
    session ??= await openKafkaSession(cfg, logger);
    if (role !== 'reco') members.push(await startExcessMember(cfg, session, rt, logger));
    process.stderr.write(`showertrig: live display ${rt.displayUrl}\n`);
    const reports$: Observable<BatchReport> = merge(...members.map((m) => m.reports$)).pipe(
      takeUntil(from(drain.finished)),
    );
    const runtime = rt;
    rt = undefined; // drive closes it
    const excess = role === 'reco' ? undefined : cfg.trigger.excess;
    return await drive(reports$, runtime, stop, logger, drain.onStop, plot, excess);
  } finally {
    stopReaching.abort();
    if (rt !== undefined) await rt.close();
    for (const m of members) await m.close();
    await session?.close();
  }
}

/**
 * A service started during an outage waits for the brokers (readiness false, a warning now and
 * every 30 s) for up to kafka.outageToleranceMs instead of exiting: under a supervisor with a
 * restart limit an exit would become a crash loop. Meanwhile the model loads. With a tolerance no
 * longer than kafka.reachTimeoutMs (or a broker that answers) it is the one-shot check as before.
 * Resolves (after the first check) with the wait, which rejects once the brokers stay away past the tolerance.
 */
async function brokersReached(
  cfg: ShowertrigConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<{ reach: Promise<void> }> {
  const t0 = Date.now();
  const waitMs = Math.max(cfg.kafka.reachTimeoutMs, cfg.kafka.outageToleranceMs);
  try {
    await checkKafkaReachable(cfg.kafka);
    return { reach: Promise.resolve() };
  } catch (e) {
    if (!(e instanceof KafkaUnreachableError) || waitMs <= cfg.kafka.reachTimeoutMs) throw e;
    const waiting = (problem: string, waitedMs: number): void =>
      logger.warn(`cannot reach Kafka at ${cfg.kafka.brokers.join(',')} (${problem}); waiting, not ready`, {
        waitedS: Math.round(waitedMs / 1000),
        toleranceS: waitMs / 1000,
      });
    waiting(connectionProblem(e.cause), Date.now() - t0);
    const reach = checkKafkaReachable(cfg.kafka, { signal, waitMs, sinceMs: t0, onWaiting: waiting });
    reach.catch(() => undefined); // awaited by the caller; a failure while the runtime starts is not unhandled
    return { reach };
  }
}

/** SIGTERM/SIGINT: stop fetching, let the batches in flight finish (outputs acknowledged, offsets recorded), then end the stream. */
function drainer(
  members: readonly KafkaMember[],
  cfg: ShowertrigConfig,
  logger: Logger,
): { onStop: () => void; draining: () => boolean; finished: Promise<void> } {
  let draining = false;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const onStop = (): void => {
    if (draining) return;
    draining = true;
    armShutdownGrace(cfg.service.shutdownGraceMs, logger);
    for (const m of members) m.pause();
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (members.every((m) => m.inFlight() === 0) || Date.now() - t0 > cfg.service.shutdownGraceMs * 0.8) {
        clearInterval(poll);
        finish();
      }
    }, 20);
  };
  return { onStop, draining: () => draining, finished };
}
