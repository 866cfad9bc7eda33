/**
 * The start-up check of every command that talks to Kafka: the brokers answer a metadata request
 * within kafka.reachTimeoutMs, or the command stops with one line, "cannot reach Kafka at H:P
 * (why)", instead of kafkajs retrying for minutes and logging each attempt. The probe uses its
 * own silent client; the command's client is created after it.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig } from '../config/index.js';
import { ShowertrigError } from '../domain/index.js';
import { isFatalKafkaError, securityOptions, toKafkaIoError } from './kafka-client.js';
import { withDeadline } from './deadline.js';
import { applyKafkajsFixes } from './kafkajs-fixes.js';

/** No broker of the list answered in time. Not retriable by the caller: the process exits. */
export class KafkaUnreachableError extends ShowertrigError {
  override readonly name: string = 'KafkaUnreachableError';
}

/** Why a connection failed, in a few words ("connection refused", "host not found", …). */
export function connectionProblem(e: unknown): string {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 8; depth++) {
    const err = x as { code?: string; message?: string; originalError?: unknown; cause?: unknown };
    const text = `${err.code ?? ''} ${err.message ?? ''}`;
    if (/ECONNREFUSED/.test(text)) return 'connection refused';
    if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host not found';
    if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
    if (/ETIMEDOUT|Connection timeout/i.test(text)) return 'no answer';
    if (/ECONNRESET|Connection closed|Closed connection/i.test(text))
      return 'connection closed by the other side (not a Kafka listener, or TLS expected?)';
    x = err.originalError ?? err.cause;
  }
  return e instanceof Error ? e.message.slice(0, 200) : String(e);
}

export interface ReachOptions {
  /** How long to keep trying (default kafka.reachTimeoutMs); a service waits out an outage at start (kafka.outageToleranceMs). */
  readonly waitMs?: number;
  /** Called after kafka.reachTimeoutMs without an answer, and every WAITING_LOG_MS after, with the reason. */
  readonly onWaiting?: (problem: string, waitedMs: number) => void;
  /** Stops trying (the caller failed otherwise meanwhile): rejects with the last problem. */
  readonly signal?: AbortSignal;
  /** Date.now() when the caller began waiting (an earlier check): waitMs counts from there. */
  readonly sinceMs?: number;
}

/** How often a process waiting for the brokers at start says so, ms. */
export const WAITING_LOG_MS = 30_000;

/** Resolves once a broker answered; throws KafkaUnreachableError after opts.waitMs (default cfg.reachTimeoutMs). */
export async function checkKafkaReachable(cfg: KafkaConfig, opts: ReachOptions = {}): Promise<void> {
  applyKafkajsFixes();
  const waitMs = opts.waitMs ?? cfg.reachTimeoutMs;
  const t0 = opts.sinceMs ?? Date.now();
  const deadline = t0 + waitMs;
  let nextWaitingLog = Math.max(Date.now(), t0 + cfg.reachTimeoutMs);
  // kafkajs tries the bootstrap list from its first entry in every new client (and with no retry
  // never moves on): each attempt starts from the next broker, so one node down of several is no outage.
  const client = (attempt: number): Kafka =>
    new Kafka({
      clientId: `${cfg.clientId}-probe`,
      brokers: cfg.brokers.map((_, i) => cfg.brokers[(i + attempt) % cfg.brokers.length] as string),
      connectionTimeout: Math.min(3_000, cfg.reachTimeoutMs),
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
      // The command's own TLS and SASL settings: a secured listener answers only to them.
      ...securityOptions(cfg),
    });
  let last: unknown = new Error('no answer');
  for (let attempt = 0; Date.now() < deadline && opts.signal?.aborted !== true; attempt++) {
    const admin = client(attempt).admin();
    try {
      await withDeadline(
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        deadline - Date.now(),
      );
      return;
    } catch (e) {
      // A broker that answered "no" (wrong credentials, untrusted certificate) is reachable: say that, once.
      if (isFatalKafkaError(e)) throw toKafkaIoError(`connecting to Kafka at ${cfg.brokers.join(',')}`, e);
      last = e;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (opts.onWaiting !== undefined && Date.now() >= nextWaitingLog && Date.now() < deadline) {
      opts.onWaiting(connectionProblem(last), Date.now() - t0);
      nextWaitingLog = Date.now() + WAITING_LOG_MS;
    }
    // The next broker at once; a pause once the whole list was tried.
    if ((attempt + 1) % cfg.brokers.length === 0)
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(500, deadline - Date.now()))));
  }
  const s = waitMs / 1000;
  const setting = opts.waitMs === undefined ? 'kafka.reachTimeoutMs' : 'kafka.outageToleranceMs';
  throw new KafkaUnreachableError(
    `cannot reach Kafka at ${cfg.brokers.join(',')} (${connectionProblem(last)}; tried for ${s} s, ${setting} sets how long)`,
    { context: { brokers: cfg.brokers }, cause: last },
  );
}
