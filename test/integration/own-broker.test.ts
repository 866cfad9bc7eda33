/**
 * Against a broker this file starts on its own ports and data directory (never the shared one):
 *  - a broker outage of 30 s mid-stream: the processor, `simulate --brokers` and `record` ride
 *    through it; /readyz goes false and true again; consumer_lag is absent (unknown) meanwhile;
 *    nothing is lost.
 *  - a SASL_SSL listener (certificates made here with openssl): SCRAM-SHA-512 with a CA file and a
 *    client certificate, PLAIN and SCRAM-SHA-256 work; a wrong password gives one clear error,
 *    exit ≠ 0 at once, no retry storm, and no secret in the output.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeRecoEvent } from '../../src/codecs/index.js';
import { readRecording } from '../../src/recording/index.js';
import { createTestBroker, type TestBroker } from '../helpers/broker.js';
import {
  consumeUntil,
  createTopics,
  freshTopics,
  kafkaClient,
  startTrigger,
  waitFor,
} from '../helpers/kafka.js';

const PASSWORD = 'alice-Secret-4711';
let broker: TestBroker;
let dir: string;

function makeCerts(d: string): void {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=showertrig-test-ca',
  );
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who === 'server' ? '127.0.0.1' : 'showertrig-client'}`,
    );
    writeFileSync(
      join(d, `${who}.ext`),
      who === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' : 'extendedKeyUsage=clientAuth\n',
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.crt`,
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
    );
  }
  ssl(
    'pkcs12',
    '-export',
    '-in',
    'server.crt',
    '-inkey',
    'server.key',
    '-out',
    'server.p12',
    '-passout',
    'pass:changeit',
  );
  execFileSync(
    'keytool',
    [
      '-importcert',
      '-noprompt',
      '-alias',
      'ca',
      '-file',
      'ca.crt',
      '-keystore',
      'ca.p12',
      '-storetype',
      'PKCS12',
      '-storepass',
      'changeit',
    ],
    { cwd: d, stdio: 'pipe' },
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'showertrig-tls-'));
  makeCerts(dir);
  broker = await createTestBroker({
    // PLAINTEXT for the test's own producer/reader and between broker and itself; SASL_SSL on port + 2.
    extraProperties: (port) => `
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1},SASL_SSL://127.0.0.1:${port + 2}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${port + 2}
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="${PASSWORD}";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=${join(dir, 'server.p12')}
ssl.keystore.password=changeit
ssl.truststore.type=PKCS12
ssl.truststore.location=${join(dir, 'ca.p12')}
ssl.truststore.password=changeit
ssl.client.auth=requested
`,
    formatArgs: `--add-scram 'SCRAM-SHA-256=[name=alice,password=${PASSWORD}]' --add-scram 'SCRAM-SHA-512=[name=alice,password=${PASSWORD}]'`,
  });
  await broker.start();
});

after(async () => {
  await broker?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The promise's value, or 'timeout' after ms (a hung child must not hang the test file). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    p,
    new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms))),
  ]);
  clearTimeout(timer);
  return r;
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
}

test(
  'a 30 s broker outage mid-stream: processor, simulate and record ride through it, readiness false then true, 0 lost',
  { timeout: 420_000 },
  async (t) => {
    const kafka = kafkaClient(broker.brokers);
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const N = 3000;
    const opts = { brokers: broker.brokers };
    const proc = startTrigger(topics, {}, `g-outage-${topics.frames}`, opts);
    const rec = join(dir, 'outage.avro');
    let sim: ReturnType<typeof startTrigger> | undefined;
    let record: ReturnType<typeof startTrigger> | undefined;
    const states: { t: number; ready: boolean }[] = [];
    let polling = true;
    try {
      await waitFor(
        () => proc.output().includes('joined consumer group') && proc.metricsUrl() !== undefined,
        60_000,
        'the processor to join',
      );
      const url = proc.metricsUrl()!;
      const poller = (async () => {
        while (polling && !t.signal.aborted) {
          const r = await ready(url);
          if (states.at(-1)?.ready !== r) states.push({ t: Date.now(), ready: r });
          await new Promise((res) => setTimeout(res, 250));
        }
      })();
      sim = startTrigger(topics, {}, 'unused', {
        ...opts,
        command: ['simulate', '--events', String(N), '--rate', '300', '--seed', '77'],
      });
      record = startTrigger(topics, {}, 'unused', {
        ...opts,
        command: ['record', '--out', rec, '--events', String(N), '--idle-s', '30'],
      });
      await waitFor(
        () => sim!.output().length > 0 || sim!.child.exitCode !== null,
        5_000,
        'simulate to start',
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 6_000));
      await broker.stop();
      const stoppedAt = Date.now();
      await waitFor(() => states.at(-1)?.ready === false, 20_000, 'readiness to turn false');
      // Promptly: the cluster's reachability check (no answer for 2.5 s), not a 5 s send stall plus polling.
      const falseAfterMs = (states.at(-1)?.t ?? Infinity) - stoppedAt;
      assert.ok(falseAfterMs <= 4_000, `readiness turned false ${falseAfterMs} ms after the broker was gone`);
      // The lag gauge is cleared on the next 250 ms tick after the member turned unhealthy.
      await new Promise((r) => setTimeout(r, 1_000));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.doesNotMatch(
        metrics,
        /^showertrig_consumer_lag\{/m,
        'lag is unknown (absent) while the consumer is down, not frozen',
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - stoppedAt))));
      assert.equal(proc.child.exitCode, null, 'the processor rides through a 30 s outage');
      await broker.start();
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= N,
        240_000,
      );
      const ids = new Set(reco.map((m) => decodeRecoEvent(m.value).eventId));
      assert.equal(ids.size, N, `reconstructed ${ids.size}/${N}\n${proc.output().slice(-1500)}`);
      await waitFor(() => states.at(-1)?.ready === true, 30_000, 'readiness to turn true again');
      assert.equal(await within(sim.exited, 60_000), 0, `simulate exit\n${sim.output().slice(-1500)}`);
      assert.equal(await within(record.exited, 60_000), 0, `record exit\n${record.output().slice(-1500)}`);
      const recorded: string[] = [];
      for await (const f of readRecording(rec)) recorded.push(f.eventId);
      assert.equal(recorded.length, N, 'the recording holds every frame once');
      assert.deepEqual(new Set(recorded), ids);
      const seq = states.map((s) => s.ready);
      const down = seq.indexOf(false, seq.indexOf(true));
      assert.ok(
        seq.indexOf(true) >= 0 && down > 0 && seq.indexOf(true, down) > down,
        `readiness sequence ${JSON.stringify(seq)}`,
      );
      polling = false;
      await poller;
      assert.equal(await proc.stop(), 0, proc.output().slice(-1500));
    } finally {
      polling = false;
      for (const p of [proc, sim, record])
        if (p !== undefined && p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  },
);

test(
  'SASL_SSL: SCRAM-SHA-512 with a CA file and a client certificate, PLAIN and SCRAM-SHA-256 work; the secret is never printed',
  { timeout: 180_000 },
  async () => {
    const kafka = kafkaClient(broker.brokers);
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const secure = [`127.0.0.1:${broker.port + 2}`];
    const caFile = join(dir, 'ca.crt');
    const env = { SHOWERTRIG_KAFKA_SASL_PASSWORD: PASSWORD };
    const N = 200;
    const sim = startTrigger(
      topics,
      { kafka: { ssl: { caFile }, sasl: { mechanism: 'plain', username: 'alice' } } },
      'unused',
      { brokers: secure, env, command: ['simulate', '--events', String(N), '--rate', 'max'] },
    );
    assert.equal(await sim.exited, 0, `simulate over SASL_SSL/PLAIN\n${sim.output().slice(-1500)}`);
    const mtls = { caFile, certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') };
    const proc = startTrigger(
      topics,
      { kafka: { ssl: mtls, sasl: { mechanism: 'scram-sha-512', username: 'alice' } } },
      `g-sasl-${topics.frames}`,
      { brokers: secure, env },
    );
    const out = join(dir, 'sasl.avro');
    const rec = startTrigger(
      topics,
      { kafka: { ssl: { caFile }, sasl: { mechanism: 'scram-sha-256', username: 'alice' } } },
      'unused',
      { brokers: secure, env, command: ['record', '--out', out, '--events', String(N)] },
    );
    try {
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= N,
        90_000,
      );
      assert.equal(new Set(reco.map((m) => m.key)).size, N, proc.output().slice(-1500));
      assert.equal(await rec.exited, 0, `record over SASL_SSL/SCRAM-SHA-256\n${rec.output().slice(-1500)}`);
      assert.equal(await proc.stop(), 0, proc.output().slice(-1500));
      for (const p of [sim, proc, rec])
        assert.ok(!p.output().includes(PASSWORD), 'the password appears in the output');
    } finally {
      for (const p of [proc, rec]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  },
);

test(
  'a wrong SASL password: one clear error, exit ≠ 0 at once, no retry storm, no secret printed',
  { timeout: 60_000 },
  async () => {
    const topics = freshTopics();
    const secure = [`127.0.0.1:${broker.port + 2}`];
    const wrong = 'wrong-Password-0815';
    const t0 = Date.now();
    const proc = startTrigger(
      topics,
      {
        kafka: {
          ssl: { caFile: join(dir, 'ca.crt') },
          sasl: { mechanism: 'scram-sha-512', username: 'alice' },
        },
      },
      'g-wrong',
      {
        brokers: secure,
        env: { SHOWERTRIG_KAFKA_SASL_PASSWORD: wrong },
      },
    );
    const code = await proc.exited;
    const s = (Date.now() - t0) / 1000;
    const out = proc.output();
    assert.notEqual(code, 0, out);
    assert.ok(s < 20, `exit after ${s.toFixed(1)} s`);
    const mentions = out.split('\n').filter((l) => /authentication failed/i.test(l));
    assert.ok(
      mentions.length >= 1 && mentions.length <= 2,
      `one clear error, no retry storm: ${mentions.length} lines\n${out.slice(-2000)}`,
    );
    assert.ok(!out.includes(wrong) && !out.includes(PASSWORD), 'a password appears in the output');
  },
);
