/**
 * A consumer that dies without leaving its group (here: a process SIGKILLed after joining) stays a
 * member until its session times out, and a replacement's join waits for it; leaveGroupAs
 * (src/io/kafka-group-leave.ts) takes it out at once, and says 'gone' for a member no longer there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BROKERS, kafkaClient } from '../helpers/kafka.js';
import { leaveGroupAs } from '../../src/io/kafka-group-leave.js';

/** Joins `group` on `topic` with a 30 s session, prints its member id, and waits to be killed. */
const MEMBER = `
const { Kafka, logLevel } = require('kafkajs');
const [brokers, group, topic] = process.argv.slice(1);
const c = new Kafka({ clientId: 'leave-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  .consumer({ groupId: group, sessionTimeout: 30000, heartbeatInterval: 1000 });
c.on(c.events.GROUP_JOIN, (e) => console.log('member ' + e.payload.memberId));
c.connect().then(() => c.subscribe({ topic, fromBeginning: true })).then(() => c.run({ eachMessage: async () => {} }));
`;

test(
  'a member that died without leaving is taken out of its group at once',
  { timeout: 60_000 },
  async () => {
    const kafka = kafkaClient();
    const topic = `t.${randomBytes(4).toString('hex')}.leave`;
    const group = `leave-${topic}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const child = spawn(process.execPath, ['-e', MEMBER, BROKERS.join(','), group, topic], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const memberId = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /member (\S+)/.exec(out);
          if (m !== null) resolve(m[1] as string);
        });
        void exited.then((code) => reject(new Error(`member process exited ${String(code)}: ${out}`)));
      });
      child.kill('SIGKILL');
      await exited;
      const members = async (): Promise<string[]> =>
        (await admin.describeGroups([group])).groups[0]?.members.map((m) => m.memberId) ?? [];
      // Dead, yet still a member: its session (30 s) has not run out.
      assert.deepEqual(await members(), [memberId]);

      const t0 = Date.now();
      assert.equal(await leaveGroupAs(kafka, group, memberId, 10_000), 'left');
      assert.deepEqual(await members(), [], 'the dead member is out of the group');
      assert.ok(Date.now() - t0 < 5_000, `left in ${Date.now() - t0} ms`);
      assert.equal(await leaveGroupAs(kafka, group, memberId, 10_000), 'gone');
    } finally {
      child.kill('SIGKILL');
      await exited;
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
