// The racecar consumers on the real node: the image's real racecar 2.12 (the
// vendored gems, test/e2e/containers/context.ts) in pods `railyard deploy`
// runs, against a Kafka 4.1 broker on the node's bridge (SASL_PLAINTEXT/PLAIN,
// test/support/kafka.ts), recording every message it handles in MariaDB.
//
//   - two replicas join the kafka secret's group and share the partitions,
//     with the credentials in env and none in any process's argv;
//   - a new tag deployed with `railyard deploy` while messages flow: the
//     rolling update moves the group to the new pods (a rebalance), and not
//     one message is lost; the duplicates and the longest pause in
//     consumption are measured and printed as `kafka-node-figure {...}`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type KafkaBroker } from '../../support/kafka.js';
import { railyard, requireCluster, ROOT, type RunResult } from '../cluster/support.js';
import { startFixtureApp, type FixtureApp } from './fixture-app.js';
import { execIn, NODE_IP, pods, requireRealNode, sleep, waitUntil, type PodInfo } from './support.js';

const NS = 'e2e-kafka';
const DB = 'storecove_kafka';
const RUN_ID = Date.now().toString(36);
const TAG1 = `kafka1${RUN_ID}`;
const TAG2 = `kafka2${RUN_ID}`;
// The fixture consumer of the sending-status Deployment (test/fixtures/rails-app/app/racecar).
const TOPIC = 'sending-actions-status-update';
const PARTITIONS = 4;
const CONSUMER = 'kafka-sending-status';
const RESULTS = join(ROOT, '.cache/node-kafka-results.json');

const username = `e2e-${RUN_ID}`;
const password = `pw-${randomBytes(12).toString('hex')}`;
const groupId = `e2e-kafka-${RUN_ID}`;

let kafka: KafkaBroker;
let fixture: FixtureApp;
const outputs: RunResult[] = [];
const results: Record<string, unknown> = {};
const figure = (name: string, data: Record<string, unknown>) => {
  results[name] = data;
  console.log(`kafka-node-figure ${JSON.stringify({ name, ...data })}`);
};

async function deploy(tag: string): Promise<RunResult> {
  const r = await railyard(['deploy', fixture.cfgDir, '--image-tag', tag, '--timeout', '300', '--kubeconfig', fixture.kubeconfig], {}, 600_000);
  outputs.push(r);
  return r;
}

/** How many rows, and distinct messages (by payload, unique per message), the consumers recorded for payloads `<prefix>…`. */
async function handled(prefix: string): Promise<{ total: number; distinct: number }> {
  const [row] = await fixture.db.query<{ total: number; msgs: number }>(
    `SELECT COUNT(*) AS total, COUNT(DISTINCT payload) AS msgs FROM ${DB}.consumed_messages WHERE topic = ? AND payload LIKE ?`,
    [TOPIC, `${prefix}%`],
  );
  return { total: Number(row!.total), distinct: Number(row!.msgs) };
}

const consumerPods = async (): Promise<PodInfo[]> => (await pods(fixture.kubeconfig, NS, `app.kubernetes.io/component=${CONSUMER}`)).filter((p) => !p.deleting);

beforeAll(async () => {
  const kubeconfig = await requireCluster();
  await requireRealNode(kubeconfig);
  // On the node's bridge, where the pods reach it; the test's own clients too.
  kafka = await startKafka({ bindAddress: NODE_IP, users: { [username]: password } });
  await kafka.createTopic(TOPIC, PARTITIONS);
  fixture = await startFixtureApp({
    namespace: NS,
    database: DB,
    tags: [TAG1, TAG2],
    kafka: { bootstrap: kafka.bootstrap, groupId, username, password },
    // Only what this suite is about, so two cores have room for it: one web
    // pod, no workers, no cron, two consumer replicas.
    configExtra: [
      `web: { ...base.web, replicas: { min: 1, max: 1 } }`,
      `workers: {}`,
      `cron: { ...base.cron, tasks: [] }`,
      `consumers: { 'sending-status': { ...base.consumers['sending-status'], replicas: { min: 2, max: 2 } } }`,
    ].join(', '),
  });
}, 1_800_000);

afterAll(async () => {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  await fixture?.destroy();
  await kafka?.destroy();
}, 300_000);

describe('racecar consumers on a real node', () => {
  it('two replicas join the group from the kafka secret and share the partitions; no credential in any argv', async () => {
    const r = await deploy(TAG1);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const running = await waitUntil('two ready consumer pods', 180_000, async () => {
      const ps = (await consumerPods()).filter((p) => p.ready);
      return ps.length === 2 ? ps : undefined;
    });

    // The first replica to join takes every partition until the second one's
    // join rebalances the group; batches until both have handled messages
    // (bounded: 30 batches of 100).
    const podsOf = async () => (await fixture.db.query<{ pod: string }>(`SELECT DISTINCT pod FROM ${DB}.consumed_messages WHERE payload LIKE 'warm%'`)).map((x) => x.pod).sort();
    let sent = 0;
    for (let i = 0; i < 30 && (await podsOf()).length < 2; i++) {
      await kafka.produce(TOPIC, 100, `warm${i}-`);
      sent += 100;
      await waitUntil(`${sent} messages handled`, 120_000, async () => ((await handled('warm')).distinct >= sent ? true : undefined), 250);
    }
    expect((await handled('warm')).distinct).toBe(sent);
    // Both replicas got partitions: the group is the secret's, shared by both.
    expect(await podsOf()).toEqual(running.map((p) => p.name).sort());
    figure('group-join', { batches_until_both_consumed: sent / 100 });
    await waitUntil('the group to commit every offset', 60_000, async () => {
      const [committed, ends] = [await kafka.committed(groupId, TOPIC, PARTITIONS), await kafka.ends(TOPIC, PARTITIONS)];
      return JSON.stringify(committed) === JSON.stringify(ends) ? true : undefined;
    }, 2000);

    for (const p of running) {
      const ps = await execIn(fixture.kubeconfig, NS, p.name, ['ps', '-eo', 'args']);
      expect(ps.code, ps.stderr).toBe(0);
      expect(ps.stdout).toMatch(/racecar Kafka::Consumers::SendingActionStatusUpdateConsumer/);
      expect(ps.stdout).not.toContain(password);
      // racecar's liveness file, read by the runtime's /health on the pod's port.
      const health = await fetch(`http://${p.ip}:${fixture.app.consumers['sending-status']!.healthPort}/health`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', liveness: { ok: true } });
    }
  }, 900_000);

  it('a rolling deploy while messages flow loses nothing: the group moves to the new pods; duplicates and pause measured', async () => {
    const before = new Set((await consumerPods()).map((p) => p.name));
    // Bounded producer: batches of 100 until told to stop, at most 150 batches or 420 s.
    let stop = false;
    let batches = 0;
    const started = Date.now();
    const producer = (async () => {
      while (!stop && batches < 150 && Date.now() - started < 420_000) {
        await kafka.produce(TOPIC, 100, `roll${batches}`);
        batches++;
      }
    })();
    await sleep(5000);
    const t0 = Date.now();
    const r = await deploy(TAG2);
    const deployMs = Date.now() - t0;
    await sleep(10_000);
    stop = true;
    await producer;
    const producerMs = Date.now() - started;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const produced = batches * 100;
    expect(batches, 'the producer ran through the whole deploy').toBeGreaterThan(5);

    const end = await waitUntil(`all ${produced} messages handled`, 300_000, async () => {
      const h = await handled('roll');
      return h.distinct >= produced ? h : undefined;
    }, 1000);
    const lost = produced - end.distinct;
    expect(lost).toBe(0);

    const after = await consumerPods();
    expect(after.every((p) => !before.has(p.name)), 'every consumer pod is new').toBe(true);
    const podsSeen = (await fixture.db.query<{ pod: string }>(`SELECT DISTINCT pod FROM ${DB}.consumed_messages WHERE payload LIKE 'roll%'`)).map((x) => x.pod);
    expect(podsSeen.some((p) => before.has(p)) && podsSeen.some((p) => !before.has(p)), `pods that handled messages: ${podsSeen.join(', ')}`).toBe(true);

    // The longest stretch with no message handled while the deploy ran; the
    // producer's own cadence (a batch of 100 every producer_batch_every_ms) is its floor.
    const times = (await fixture.db.query<{ t: Date }>(`SELECT consumed_at AS t FROM ${DB}.consumed_messages WHERE payload LIKE 'roll%' ORDER BY consumed_at`)).map((x) => new Date(x.t).getTime());
    let pauseMs = 0;
    for (let i = 1; i < times.length; i++) pauseMs = Math.max(pauseMs, times[i]! - times[i - 1]!);
    figure('rolling-deploy', { produced, lost, duplicates: end.total - end.distinct, longest_pause_ms: pauseMs, producer_batch_every_ms: Math.round(producerMs / batches), deploy_ms: deployMs, replicas: 2, partitions: PARTITIONS });

    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(password);
    for (const v of fixture.secretValues) for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(v);
  }, 1_200_000);
});
