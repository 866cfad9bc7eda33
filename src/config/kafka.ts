/** config `kafka`: brokers, topics, consumer group, wire codec, flow control. */
import { z } from 'zod';
import { bool, fail, num, oneOf, optionalNum, section, str, strList } from './kit.js';

/** The wire codecs (src/codecs CODEC_NAMES; a test checks they agree). Consumers accept both. */
export const WIRE_CODECS = ['avro', 'msgpack'] as const;

export const DEFAULT_TOPICS = {
  frames: 'tt.frames',
  reco: 'tt.reco',
  candidates: 'tt.candidates',
  alerts: 'tt.alerts',
  flagged: 'tt.flagged',
  dlq: 'tt.frames.dlq',
  anomalies: 'tt.anomalies',
} as const;

/** A secret (SASL password): never printed, logged or serialised; `reveal()` is for the Kafka client only. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** kafka.delivery: the delivery guarantee of the outputs. */
export const DELIVERY_MODES = ['at-least-once', 'exactly-once'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

const optionalStr = (description: string) =>
  z
    .string({ error: 'a non-empty string' })
    .min(1, { error: 'a non-empty string' })
    .optional()
    .describe(description);

const sslSchema = section(
  {
    caFile: optionalStr(
      "PEM file of the CA(s) that signed the brokers' certificates; absent: the system CAs",
    ),
    certFile: optionalStr('PEM client certificate (mutual TLS), with keyFile'),
    keyFile: optionalStr('PEM private key of certFile'),
    rejectUnauthorized: bool(
      true,
      "verify the brokers' certificate chain and host name (false only for tests)",
    ),
  },
  'TLS to the brokers; absent: plaintext',
).superRefine((s, ctx) => {
  if ((s.certFile === undefined) !== (s.keyFile === undefined))
    fail(ctx, ['keyFile'], 'certFile and keyFile together (or neither)', s.keyFile ?? null);
});

/** The password as a Secret; a bad value is reported without echoing it. */
const passwordSchema = z
  .unknown()
  .transform((v, ctx) => {
    if (typeof v === 'string' && v.length > 0) return new Secret(v);
    ctx.addIssue({
      code: 'custom',
      message: 'a non-empty string (from the file or SHOWERTRIG_KAFKA_SASL_PASSWORD)',
      input: v === undefined ? undefined : '[redacted]',
    });
    return z.NEVER;
  })
  .describe(
    'SASL password; better from the environment (SHOWERTRIG_KAFKA_SASL_PASSWORD) than a file; never logged',
  );

const saslSchema = section(
  {
    mechanism: oneOf(SASL_MECHANISMS, 'scram-sha-512', 'SASL mechanism'),
    username: z
      .string({ error: 'a non-empty string' })
      .min(1, { error: 'a non-empty string' })
      .describe('SASL user name'),
    password: passwordSchema,
  },
  'SASL authentication; absent: none',
);

export const kafkaSchema = section(
  {
    brokers: strList(['127.0.0.1:9092'], 'bootstrap brokers, host:port (the --brokers flag sets it)'),
    clientId: str('showertrig', 'Kafka client id'),
    groupId: str(
      'showertrig-trigger',
      'consumer group of the reconstruction (`run --brokers`, roles reco and all); processes with one group share the partitions',
    ),
    excessGroupId: z
      .string({ error: 'a non-empty string' })
      .min(1, { error: 'a non-empty string' })
      .optional()
      .describe(
        'consumer group of the global excess stage (roles excess and all): one member is active, the others stand by; default: groupId + "-excess"',
      ),
    topics: section(
      {
        frames: str(DEFAULT_TOPICS.frames, 'hit frames in (simulate, replay publish here; run consumes)'),
        reco: str(DEFAULT_TOPICS.reco, 'every reconstructed event, keyed by event id'),
        candidates: str(DEFAULT_TOPICS.candidates, 'selected shower candidates'),
        alerts: str(DEFAULT_TOPICS.alerts, 'excess alerts'),
        flagged: str(
          DEFAULT_TOPICS.flagged,
          'the candidates inside each published excess alert, tagged with its alertId (written by the excess stage, which reads tt.candidates and never writes it)',
        ),
        dlq: str(
          DEFAULT_TOPICS.dlq,
          'dead letters: frames that cannot be decoded or are corrupt, with the reason and original bytes',
        ),
        anomalies: str(
          DEFAULT_TOPICS.anomalies,
          'events over the anomaly threshold (anomaly.enabled), keyed by event id, with score and station terms',
        ),
      },
      'topic names',
    ).prefault({}),
    partitions: num(
      4,
      { min: 1, max: 10000, integer: true },
      'partitions of the topics this tool creates (the unit of scale)',
    ),
    replicationFactor: num(
      1,
      { min: 1, max: 100, integer: true },
      'replication factor of the topics this tool creates',
    ),
    maxInFlightFrames: num(
      2048,
      { min: 1, max: 65536, integer: true },
      'upper bound on frames decoded but not yet acknowledged, per process (memory follows this, not the backlog); one fetch per partition is sized from it (1 KiB per frame), so the bound keeps a fetch within tens of MiB',
    ),
    readinessGraceMs: num(
      5_000,
      { min: 0, max: 600_000, integer: true },
      'a consumer or producer that fails while the brokers still answer (a leader election, a group re-forming after its coordinator died) keeps the member ready for this long; brokers that stop answering make it not ready at once, ms',
    ),
    reachTimeoutMs: num(
      10_000,
      { min: 100, max: 600_000, integer: true },
      'at start, how long a command waits for a broker to answer before it stops with "cannot reach Kafka at H:P", ms',
    ),
    codec: oneOf(
      WIRE_CODECS,
      'avro',
      'wire codec producers write (frames, reco, candidates, alerts); consumers read either, the message header says which',
    ),
    delivery: oneOf(
      DELIVERY_MODES,
      'at-least-once',
      'at-least-once: outputs keyed by event id, a crash or rebalance may write some twice; exactly-once: outputs and consumed offsets committed in one Kafka transaction per fetched batch (the excess stage: its alerts and flagged candidates with its replay offsets), read_committed readers see each event once (costs throughput; brokers must allow transactions)',
    ),
    excessCommitIntervalMs: num(
      1_000,
      { min: 0, max: 600_000, integer: true },
      'the excess stage commits its replay offsets and resume point at most this often; at-least-once, a successor after a crash re-publishes the alerts decided since the last commit (at most this long); exactly-once, a step that wrote alerts commits at once and this paces the other commits, ms',
    ),
    transactionalId: optionalStr(
      'exactly-once: this instance\'s transactional id prefix (".reco" is appended for the reconstruction member, ".excess" for the excess stage); a restarted instance must keep it to fence its predecessor, two live instances must not share it; absent: groupId + "-" + the host name',
    ),
    transactionTimeoutMs: num(
      10_000,
      { min: 1_000, max: 900_000, integer: true },
      "exactly-once: the brokers abort a transaction open this long (a member that died without a successor of the same transactionalId holds read_committed readers back at most this long plus the brokers' abort check interval), ms",
    ),
    ssl: sslSchema.optional(),
    sasl: saslSchema.optional(),
    sessionTimeoutMs: num(
      6_000,
      { min: 1_000, max: 3_600_000, integer: true },
      'consumer-group session: a member silent this long is dropped and its partitions reassigned (fail-over time after a crash); brokers refuse values below group.min.session.timeout.ms (default 6000)',
    ),
    heartbeatIntervalMs: num(
      1_000,
      { min: 100, max: 3_600_000, integer: true },
      'consumer heartbeat interval (at most a third of sessionTimeoutMs)',
    ),
    rebalanceTimeoutMs: num(
      30_000,
      { min: 1_000, max: 3_600_000, integer: true },
      'how long the group waits for a live member to rejoin during a rebalance (a dead one is dropped at its session timeout); exactly-once, a member commits what it handed over before it rejoins and refuses to once half of this has passed, exiting for its successor to redo the batch',
    ),
    connectionTimeoutMs: num(
      3_000,
      { min: 100, max: 600_000, integer: true },
      'TCP/TLS connect timeout per broker connection',
    ),
    outageToleranceMs: num(
      300_000,
      { min: 0, max: 86_400_000, integer: true },
      'how long brokers may stay unreachable before a command gives up and exits non-zero (for a supervisor to restart it); until then consumers rejoin and producers resend with capped backoff',
    ),
    maxMessageBytes: optionalNum(
      { min: 1024, max: 2 ** 31 - 1, integer: true },
      'largest record batch this process writes; absent: read max.message.bytes of each output topic from the brokers',
    ),
  },
  'Kafka connection, topics and flow control',
).superRefine((k, ctx) => {
  if (k.heartbeatIntervalMs * 3 > k.sessionTimeoutMs)
    fail(
      ctx,
      ['heartbeatIntervalMs'],
      `at most a third of sessionTimeoutMs (${k.sessionTimeoutMs})`,
      k.heartbeatIntervalMs,
    );
});

export type KafkaConfig = Readonly<z.output<typeof kafkaSchema>>;
export type TopicNames = KafkaConfig['topics'];
export type KafkaSslConfig = NonNullable<KafkaConfig['ssl']>;
export type KafkaSaslConfig = NonNullable<KafkaConfig['sasl']>;

/** The exactly-once transactional id of one member role: kafka.transactionalId (default groupId-host) + "." + role. */
export function transactionalIdOf(k: KafkaConfig, role: string, host: string): string {
  return `${k.transactionalId ?? `${k.groupId}-${host}`}.${role}`;
}

/** The excess stage's consumer group: kafka.excessGroupId, or the reconstruction group + "-excess". */
export function excessGroupOf(k: KafkaConfig): string {
  return k.excessGroupId ?? `${k.groupId}-excess`;
}

/**
 * Kafka settings from the environment, as a raw config fragment merged over the files (secrets
 * belong in the environment or a mounted file, not in a config checked into git):
 *   SHOWERTRIG_KAFKA_BROKERS (comma list), SHOWERTRIG_KAFKA_SSL_CA_FILE, _SSL_CERT_FILE, _SSL_KEY_FILE,
 *   SHOWERTRIG_KAFKA_SASL_MECHANISM, _SASL_USERNAME, _SASL_PASSWORD.
 */
export function kafkaFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const v = (k: string): string | undefined => {
    const x = env[`SHOWERTRIG_KAFKA_${k}`];
    return x === undefined || x === '' ? undefined : x;
  };
  const brokers = v('BROKERS');
  if (brokers !== undefined) out['brokers'] = brokers.split(',');
  const pick = (keys: Record<string, string>): Record<string, unknown> | undefined => {
    const o: Record<string, unknown> = {};
    for (const [name, key] of Object.entries(keys)) if (v(name) !== undefined) o[key] = v(name);
    return Object.keys(o).length > 0 ? o : undefined;
  };
  const ssl = pick({ SSL_CA_FILE: 'caFile', SSL_CERT_FILE: 'certFile', SSL_KEY_FILE: 'keyFile' });
  if (ssl !== undefined) out['ssl'] = ssl;
  const sasl = pick({ SASL_MECHANISM: 'mechanism', SASL_USERNAME: 'username', SASL_PASSWORD: 'password' });
  if (sasl !== undefined) out['sasl'] = sasl;
  return out;
}
