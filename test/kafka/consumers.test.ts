// The design's three racecar consumers, for real: racecar 2.12 (vendored,
// librdkafka 2.15) in the Rails fixture app with the rendered Rails files,
// under `railyard run` exactly as each rendered Deployment runs it, against a
// Kafka 4.1 broker on SASL_PLAINTEXT/PLAIN (test/support/kafka.ts) and a
// TLS-only MariaDB where every handled message becomes a row
// (consumed_messages: topic, partition, offset, pod, host, pid).
//
//   - configuration: each target connects with the credentials of the kafka
//     secret, named as the model declares them, from env and never argv; it
//     joins the group that secret names and consumes; a wrong password exits
//     non-zero with a JSON line that says so and does not hold the password;
//   - /health follows racecar's liveness file: fresh 200, stale or missing
//     503, within the rendered probe period;
//   - SIGTERM in the middle of 5,000 messages: offsets committed before the
//     exit, exit well inside the grace period, nothing lost after a restart;
//     duplicates counted;
//   - the broker down for 30 s: what the consumer did, what /health said,
//     nothing lost once it is back.
// Figures are printed as `kafka-figure {...}` lines.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App, Consumer } from '../../src/config/schema.ts';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { racecarGemsDir, startKafka, type KafkaBroker } from '../support/kafka.ts';
import { RUNTIME, childrenOf, httpGet, parseJsonLines, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from '../rails/fixture-app.ts';
import { appContainerOf, consumerDeployment, podEnv, secretValues, type Secrets } from './support.ts';

const execFileAsync = promisify(execFile);
const NAMESPACE = 'ns-test';
const PARTITIONS = 3;
// The topics of the fixture app's consumers (test/fixtures/rails-app/app/racecar).
const TOPICS: Record<string, string> = {
  'Kafka::Consumers::SendingActionStatusUpdateConsumer': 'sending-actions-status-update',
  'Kafka::Consumers::NewDocumentNotificationConsumer': 'new-document-notification',
  'Kafka::Consumers::ReceivedDocumentStatusConsumer': 'received-document-status',
};

let db: MariaDb;
let kafka: KafkaBroker;
let rails: RailsApp;
let app: App;
let secrets: Secrets;
let tmp: string;
const running: Proc[] = [];

/** The kafka secret's users and passwords, as the broker knows them. */
const users: Record<string, string> = {};

const figure = (name: string, data: Record<string, unknown>) => console.log(`kafka-figure ${JSON.stringify({ name, ...data })}`);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'railyard-kafka-test-'));
  const gems = await racecarGemsDir();
  db = await startMariaDb({ tls: true });
  rails = await prepareRailsApp(db, { processTarget: 'kafka-new-document', podName: 'unused' }, { racecarGems: gems });
  // The app's own settings (not secrets): where the brokers are and how to
  // talk to them, as consumer env in the model.
  const model = rails.app;
  const kafkaSecret = model.secrets.find((s) => s.usedBy.includes('consumers') && s.keys.some((k) => Object.values(model.consumers).some((c) => c.credentials.passwordKey === k)))!;
  for (const c of Object.values(model.consumers)) users[`user-${c.name}`] = `pw-${randomBytes(9).toString('hex')}`;
  const byKey: Record<string, string> = {};
  for (const c of Object.values(model.consumers)) {
    byKey[c.credentials.groupIdKey] = `group-${c.name}`;
    byKey[c.credentials.usernameKey] = `user-${c.name}`;
    byKey[c.credentials.passwordKey] = users[`user-${c.name}`]!;
  }
  kafka = await startKafka({ users });
  app = {
    ...model,
    consumers: Object.fromEntries(
      Object.entries(model.consumers).map(([k, c]) => [k, { ...c, env: { ...c.env, RACECAR_BROKERS: kafka.bootstrap, RACECAR_SECURITY_PROTOCOL: 'sasl_plaintext', RACECAR_SASL_MECHANISM: 'PLAIN' } }]),
    ),
  };
  secrets = secretValues(app, (secret, key) => {
    if (key.startsWith('DATABASE_')) return db.env[key]!;
    if (secret === kafkaSecret.name) return byKey[key] ?? `unused-${key.toLowerCase()}`;
    return `test-${key.toLowerCase()}`;
  });
  await rails.rake(['db:migrate'], { MYSQL_SSL_CA: db.tls!.caFile });
  for (const topic of Object.values(TOPICS)) await kafka.createTopic(topic, PARTITIONS);
}, 600_000);

// A test that failed half-way must not leave a consumer in a group the next test uses.
afterEach(async () => {
  for (const p of running.splice(0)) await p.killHard();
});

afterAll(async () => {
  await kafka?.destroy();
  await db?.destroy();
  rails?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Running {
  proc: Proc;
  healthPort: number;
  livenessFile: string;
  pod: string;
  consumer: Consumer;
  env: Record<string, string>;
  args: string[];
}

let podSeq = 0;
async function startConsumer(consumer: Consumer, opts: { secrets?: Secrets; extra?: Record<string, string> } = {}): Promise<Running> {
  expect(existsSync(RUNTIME), `${RUNTIME} is missing: run \`npm run build\``).toBe(true);
  const d = consumerDeployment(app, consumer);
  const pod = `${consumer.name}-7d9f-p${podSeq++}`;
  const env = podEnv(d, opts.secrets ?? secrets, { name: pod, namespace: NAMESPACE });
  const healthPort = await freePort();
  const livenessFile = join(tmp, `${pod}.liveness`);
  // What a pod has of its own, substituted (see support.ts).
  const substituted = { HEALTH_PORT: String(healthPort), RACECAR_LIVENESS_PROBE_FILE_PATH: livenessFile, MYSQL_SSL_CA: db.tls!.caFile };
  for (const k of Object.keys(substituted)) expect(env, `the rendered Deployment sets ${k}`).toHaveProperty(k);
  const args = appContainerOf(d).args!;
  const fullEnv = { ...rails.env(), ...env, ...substituted, ...opts.extra };
  const proc = startProc('node', [RUNTIME, 'run', ...args], { cwd: rails.dir, env: fullEnv });
  running.push(proc);
  return { proc, healthPort, livenessFile, pod, consumer, env: fullEnv, args };
}

const consumerOf = (name: string) => Object.values(app.consumers).find((c) => c.name === name)!;
const topicOf = (c: Consumer) => TOPICS[c.consumerClass]!;
const rowsFor = async (topic: string) =>
  db.query<{ partition_id: number; message_offset: number; payload: string; pod: string; consumer: string; n: number }>(
    `SELECT partition_id, message_offset, payload, pod, consumer, COUNT(*) AS n FROM ${db.database}.consumed_messages WHERE topic = ? GROUP BY partition_id, message_offset, payload, pod, consumer`,
    [topic],
  );
const stats = async (topic: string) =>
  (await db.query<{ total: number; distinct_msgs: number }>(
    `SELECT COUNT(*) AS total, COUNT(DISTINCT partition_id, message_offset) AS distinct_msgs FROM ${db.database}.consumed_messages WHERE topic = ?`,
    [topic],
  ))[0]!;
const maxOffsets = async (topic: string, pod: string) => {
  const rows = await db.query<{ p: number; o: number }>(`SELECT partition_id AS p, MAX(message_offset) AS o FROM ${db.database}.consumed_messages WHERE topic = ? AND pod = ? GROUP BY partition_id`, [topic, pod]);
  return Object.fromEntries(rows.map((r) => [String(r.p), Number(r.o)]));
};

/** The racecar process: the runtime's only child. */
async function racecarPid(r: Running): Promise<number> {
  return waitFor('the racecar child of the runtime', () => childrenOf(r.proc.pid).find((c) => /racecar/.test(c.cmdline))?.pid, 60_000, 200);
}

function outputOf(r: Running): string {
  return r.proc.lines.join('\n') + '\n' + r.proc.stderr();
}

function expectNoSecrets(text: string): void {
  for (const pw of Object.values(users)) expect(text).not.toContain(pw);
  expect(text).not.toContain(db.password);
}

async function stop(r: Running): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  process.kill(r.proc.pid, 'SIGTERM');
  const { code } = await r.proc.exit;
  return { code, ms: Date.now() - t0 };
}

describe('racecar consumers under railyard run, against a SASL Kafka broker', () => {
  it('each consumer target joins the group of its kafka secret and consumes, credentials in env and never in argv', async () => {
    const rs: Running[] = [];
    for (const c of Object.values(app.consumers)) rs.push(await startConsumer(c));
    for (const r of rs) await kafka.produce(topicOf(r.consumer), 20, `cfg-${r.consumer.name}`);
    for (const r of rs) {
      const topic = topicOf(r.consumer);
      await waitFor(`${r.consumer.name} to handle 20 messages`, async () => (await stats(topic)).distinct_msgs >= 20 || undefined, 180_000, 500);
      const rows = await rowsFor(topic);
      expect(new Set(rows.map((x) => x.consumer))).toEqual(new Set([r.consumer.consumerClass]));
      expect(new Set(rows.map((x) => x.pod))).toEqual(new Set([r.pod]));

      // argv: the runtime's and racecar's. The password reaches racecar through env.
      const pid = await racecarPid(r);
      const password = r.env.RACECAR_SASL_PASSWORD!;
      expect(password).toBe(users[r.env.RACECAR_SASL_USERNAME!]);
      for (const p of [r.proc.pid, pid]) expect(readFileSync(`/proc/${p}/cmdline`, 'utf8')).not.toContain(password);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.some((a) => /(^|\/)racecar$/.test(a)), argv.join(' ')).toBe(true);
      expect(argv).toContain(r.consumer.consumerClass);
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`RACECAR_SASL_PASSWORD=${password}`);
    }
    for (const r of rs) {
      const { code } = await stop(r);
      expect(code, outputOf(r)).toBe(0);
      expectNoSecrets(outputOf(r));
      parseJsonLines(r.proc.lines);
      // The group is the one the secret's group key names, and it committed all 20.
      const committed = await kafka.committed(r.env.RACECAR_GROUP_ID!, topicOf(r.consumer), PARTITIONS);
      expect(Object.values(committed).reduce((a, b) => a + Math.max(0, b), 0)).toBe(20);
    }
  }, 600_000);

  it('/health follows the liveness file: fresh 200, stale or missing 503 within the probe period', async () => {
    const c = consumerOf('kafka-new-document');
    const r = await startConsumer(c);
    const url = `http://127.0.0.1:${r.healthPort}/health`;
    await waitFor('/health 200 once racecar polls', async () => ((await httpGet(url)).status === 200 ? true : undefined), 120_000, 500);
    expect(existsSync(r.livenessFile)).toBe(true);
    const pid = await racecarPid(r);
    const periodMs = c.probe.periodSeconds * 1000;

    // Stale: racecar frozen, the file no longer touched.
    process.kill(pid, 'SIGSTOP');
    const t0 = Date.now();
    const stale = await waitFor('/health 503 stale', async () => {
      const h = await httpGet(url);
      return h.status === 503 ? h : undefined;
    }, periodMs, 250);
    const staleMs = Date.now() - t0;
    expect(stale.body).toMatch(/not touched/);
    // Missing.
    rmSync(r.livenessFile);
    const missing = await httpGet(url);
    expect(missing.status).toBe(503);
    expect(missing.body).toMatch(/missing/);
    // Fresh again.
    process.kill(pid, 'SIGCONT');
    const t1 = Date.now();
    await waitFor('/health 200 again', async () => ((await httpGet(url)).status === 200 ? true : undefined), periodMs, 250);
    figure('health-liveness', { stale_503_after_ms: staleMs, back_to_200_after_ms: Date.now() - t1, probe_period_ms: periodMs, max_interval_s: 5 });
    expect((await stop(r)).code).toBe(0);
    expect(existsSync(r.livenessFile), 'racecar removes its liveness file on shutdown').toBe(false);
  }, 300_000);

  it('a wrong password: non-zero exit, a JSON line that says why, and no password anywhere', async () => {
    const c = consumerOf('kafka-received-status');
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const bad: Secrets = JSON.parse(JSON.stringify(secrets));
    const secretName = c.credentials.secret;
    bad[secretName]![c.credentials.passwordKey] = wrong;
    const r = await startConsumer(c, { secrets: bad });
    const t0 = Date.now();
    const exit = await Promise.race([r.proc.exit, new Promise<'running'>((res) => setTimeout(() => res('running'), 180_000))]);
    const out = outputOf(r);
    expect(exit, `still running 180 s after start:\n${r.proc.lines.slice(-20).join('\n')}`).not.toBe('running');
    expect((exit as { code: number | null }).code).not.toBe(0);
    const entries = parseJsonLines(r.proc.lines);
    expect(entries.some((e) => e.level === 'error' && /refused the consumer's SASL credentials/.test(String(e.message)))).toBe(true);
    expect(out).not.toContain(wrong);
    expectNoSecrets(out);
    figure('wrong-password', { exit_code: (exit as { code: number | null }).code, exit_after_ms: Date.now() - t0 });
  }, 300_000);
  it('every setting the rendered racecar initializer writes exists in racecar 2.12, and api.version.request is rdkafka-ruby\'s default, not ours', async () => {
    const initializer = readFileSync(join(rails.dir, 'config/initializers/racecar.rb'), 'utf8');
    const keys = [...new Set([...initializer.matchAll(/\bconfig\.(\w+)\s*=/g)].map((m) => m[1]!))];
    expect(keys.length).toBeGreaterThanOrEqual(4);
    // In the app, with racecar loaded and the initializer run: which keys racecar's config has no setter for.
    const probe = join(tmp, 'racecar-probe.rb');
    writeFileSync(
      probe,
      [
        'require "json"',
        'unknown = ENV.fetch("KEYS").split(",").reject { |k| Racecar.config.respond_to?("#{k}=") }',
        'c = Racecar.config',
        'puts JSON.generate(unknown: unknown, logfile: c.logfile, logger_is_rails: c.logger.equal?(Rails.logger), liveness: c.liveness_probe_enabled,',
        '  path: c.liveness_probe_file_path, interval: c.offset_commit_interval,',
        '  rdkafka_default: Rdkafka::Config::DEFAULT_CONFIG.keys.map(&:to_s), racecar_consumer_config: c.rdkafka_consumer.keys)',
        '',
      ].join('\n'),
    );
    const run = async (k: string[]) => {
      const env = { ...rails.env({ MYSQL_SSL_CA: db.tls!.caFile, PROCESS_TARGET: 'kafka-received-status' }), KEYS: k.join(',') };
      const { stdout } = await execFileAsync('bundle', ['exec', 'ruby', '-r', './config/environment', probe], { cwd: rails.dir, env, timeout: 120_000 }).catch((e: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`the app with racecar did not boot: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
      });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as { unknown: string[]; logfile: unknown; logger_is_rails: boolean; liveness: boolean; path: string; interval: number; rdkafka_default: string[]; racecar_consumer_config: string[] };
    };
    const got = await run(keys);
    expect(got.unknown).toEqual([]);
    expect(got).toMatchObject({ logfile: null, logger_is_rails: true, liveness: true, path: '/tmp/racecar-liveness', interval: consumerOf('kafka-received-status').offsetCommitIntervalSeconds });
    // The check can fail: a key racecar does not have is reported.
    expect((await run([...keys, 'api_version_request'])).unknown).toEqual(['api_version_request']);
    // rdkafka warned that api.version.request is deprecated: it is rdkafka-ruby 0.16's
    // DEFAULT_CONFIG, merged under every client; neither racecar's config nor ours sets it.
    expect(got.rdkafka_default).toContain('api.version.request');
    expect(got.racecar_consumer_config).not.toContain('api.version.request');
    expect(initializer).not.toMatch(/api[._]version/);
  }, 300_000);

  it('SIGTERM in the middle of 5,000 messages: offsets committed before the exit, inside the grace period, nothing lost after a restart', async () => {
    const c = consumerOf('kafka-sending-status');
    const topic = topicOf(c);
    const N = 5000;
    const base = await stats(topic);
    // 2 ms a message: the stream lasts long enough for the SIGTERM to land in it.
    const slow = { FIXTURE_CONSUMER_DELAY_MS: '2' };
    const r1 = await startConsumer(c, { extra: slow });
    const group = r1.env.RACECAR_GROUP_ID!;
    const produced = kafka.produce(topic, N, 'sigterm');
    const t0 = Date.now();
    await waitFor('1,000 of the 5,000 handled', async () => ((await stats(topic)).distinct_msgs >= base.distinct_msgs + 1000 ? true : undefined), 300_000, 200);
    const rate = (1000 / (Date.now() - t0)) * 1000;
    const { code, ms } = await stop(r1);
    expect(code, outputOf(r1)).toBe(0);
    const graceMs = c.terminationGracePeriodSeconds * 1000;
    expect(ms).toBeLessThan(graceMs);
    const atStop = await stats(topic);
    expect(atStop.distinct_msgs, 'the SIGTERM landed mid-stream').toBeLessThan(base.distinct_msgs + N);
    // Every message handled before the exit is committed: the group resumes right after it.
    const handled = await maxOffsets(topic, r1.pod);
    const committed = await kafka.committed(group, topic, PARTITIONS);
    for (const [p, o] of Object.entries(handled)) expect(committed[p], `partition ${p}`).toBe(o + 1);
    await produced;

    const r2 = await startConsumer(c, { extra: slow });
    await waitFor('all 5,000 handled after the restart', async () => ((await stats(topic)).distinct_msgs >= base.distinct_msgs + N ? true : undefined), 600_000, 500);
    expect((await stop(r2)).code).toBe(0);
    const end = await stats(topic);
    const ends = await kafka.ends(topic, PARTITIONS);
    expect(end.distinct_msgs).toBe(Object.values(ends).reduce((a, b) => a + b, 0));
    const duplicates = end.total - end.distinct_msgs - (base.total - base.distinct_msgs);
    // What one commit interval allows: the messages handled in it.
    const allowed = Math.ceil(rate * c.offsetCommitIntervalSeconds);
    expect(duplicates).toBeLessThanOrEqual(allowed);
    figure('sigterm', { messages: N, handled_before_sigterm: atStop.distinct_msgs - base.distinct_msgs, sigterm_to_exit_ms: ms, grace_ms: graceMs, duplicates, duplicates_allowed: allowed, rate_per_s: Math.round(rate) });
  }, 900_000);

  it('the broker down for 30 s: /health says whether the consumer lived through it, and nothing is lost', async () => {
    const c = consumerOf('kafka-new-document');
    const topic = topicOf(c);
    const base = await stats(topic);
    const r = await startConsumer(c);
    const url = `http://127.0.0.1:${r.healthPort}/health`;
    await waitFor('/health 200', async () => ((await httpGet(url)).status === 200 ? true : undefined), 120_000, 500);
    await kafka.produce(topic, 100, 'pre-outage');
    await waitFor('100 handled', async () => ((await stats(topic)).distinct_msgs >= base.distinct_msgs + 100 ? true : undefined), 120_000, 250);

    await kafka.stop();
    const statuses: number[] = [];
    const downUntil = Date.now() + 30_000;
    while (Date.now() < downUntil) {
      statuses.push(r.proc.exited() ? 0 : await httpGet(url, 2000).then((h) => h.status, () => -1));
      await new Promise((res) => setTimeout(res, 1000));
    }
    await kafka.start();
    const survived = !r.proc.exited();
    // It lived through it and /health said so all along; or it exited
    // non-zero (the kubelet restarts the container) and /health was gone.
    if (survived) expect(statuses.every((s) => s === 200), `health during the outage: ${statuses.join(',')}`).toBe(true);
    else expect((await r.proc.exit).code).not.toBe(0);
    const r2 = survived ? r : await startConsumer(c);

    await kafka.produce(topic, 200, 'post-outage');
    await waitFor('all 300 handled', async () => ((await stats(topic)).distinct_msgs >= base.distinct_msgs + 300 ? true : undefined), 300_000, 500);
    expect((await stop(r2)).code).toBe(0);
    const committed = await kafka.committed(r2.env.RACECAR_GROUP_ID!, topic, PARTITIONS);
    const ends = await kafka.ends(topic, PARTITIONS);
    expect(committed).toEqual(ends);
    const end = await stats(topic);
    // At least once: what was handled since the last commit before the outage
    // may come again once the group re-forms; at most the 100 handled before it.
    const duplicates = end.total - end.distinct_msgs - (base.total - base.distinct_msgs);
    expect(duplicates).toBeLessThanOrEqual(100);
    figure('broker-down', { outage_s: 30, survived, health_statuses: [...new Set(statuses)], duplicates, handled_before_outage: 100 });
  }, 600_000);
});
