// One racecar consumer of the fixture app (test/fixtures/rails-app) against a
// real Kafka 4.1 broker and MariaDB, run alternately through `railyard run`
// (as its rendered Deployment runs it) and as plain `bundle exec racecar`,
// same app, same env, same topic, a fresh consumer group each run. Per run:
//   msgs_per_s   the first half of the topic, first to last consumed_at row
//                (Rails boot left out), one INSERT per message as the fixture does;
//   exit_ms      SIGTERM at the half-way mark to process exit (racecar commits
//                its offsets on the way out), against the rendered grace period.
// Bundled by bench/kafka.sh with esbuild; prints one JSON line per run and a summary.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMariaDb } from '../../test/support/mariadb.ts';
import { startKafka } from '../../test/support/kafka.ts';
import { racecarGemsDir } from '../../test/support/kafka.ts';
import { RUNTIME, prepareRailsApp, startProc } from '../../test/rails/fixture-app.ts';
import { appContainerOf, consumerDeployment, podEnv, secretValues } from '../../test/kafka/support.ts';

const N = Number(process.env.MESSAGES ?? 20000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TOPIC = 'new-document-notification';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const tmp = mkdtempSync(join(tmpdir(), 'railyard-bench-kafka-'));
const db = await startMariaDb({ tls: true });
const gems = await racecarGemsDir();
const rails = await prepareRailsApp(db, { processTarget: 'kafka-new-document', podName: 'bench' }, { racecarGems: gems });
const password = `pw-${randomBytes(9).toString('hex')}`;
const kafka = await startKafka({ users: { consumer: password } });
try {
  await rails.rake(['db:migrate'], { MYSQL_SSL_CA: db.tls!.caFile });
  await kafka.createTopic(TOPIC, 3);
  await kafka.produce(TOPIC, N, 'bench');
  const base = rails.app.consumers['new-document']!;
  const consumer = { ...base, env: { ...base.env, RACECAR_BROKERS: kafka.bootstrap, RACECAR_SECURITY_PROTOCOL: 'sasl_plaintext', RACECAR_SASL_MECHANISM: 'PLAIN' } };
  const app = { ...rails.app, consumers: { ...rails.app.consumers, 'new-document': consumer } };
  const d = consumerDeployment(app, consumer);
  const args = appContainerOf(d).args!;
  const results: { mode: string; msgs_per_s: number; exit_ms: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['runtime', 'racecar'] as const) {
      const pod = `bench-${mode}-${round}`;
      const secrets = secretValues(app, (secret, key) => {
        if (key.startsWith('DATABASE_')) return db.env[key]!;
        if (key === consumer.credentials.groupIdKey) return `bench-${pod}`;
        if (key === consumer.credentials.usernameKey) return 'consumer';
        if (key === consumer.credentials.passwordKey) return password;
        return `bench-${key.toLowerCase()}`;
      });
      const env = {
        ...rails.env(),
        ...podEnv(d, secrets, { name: pod, namespace: 'bench' }),
        HEALTH_PORT: String(await freePort()),
        RACECAR_LIVENESS_PROBE_FILE_PATH: join(tmp, `${pod}.liveness`),
        MYSQL_SSL_CA: db.tls!.caFile,
      };
      const cmd = mode === 'runtime' ? ['node', RUNTIME, 'run', ...args] : args.slice(args.indexOf('--') + 1);
      const proc = startProc(cmd[0]!, cmd.slice(1), { cwd: rails.dir, env });
      const half = Math.floor(N / 2);
      const count = async () => (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${db.database}.consumed_messages WHERE pod = ?`, [pod]))[0]!.n;
      const deadline = Date.now() + 600_000;
      while ((await count()) < half) {
        if (proc.exited() || Date.now() > deadline) throw new Error(`${pod} stopped before ${half} messages:\n${proc.lines.slice(-20).join('\n')}\n${proc.stderr()}`);
        await sleep(50);
      }
      const t0 = Date.now();
      process.kill(proc.pid, 'SIGTERM');
      const { code } = await proc.exit;
      const exitMs = Date.now() - t0;
      if (code !== 0) throw new Error(`${pod} exited ${code}`);
      const rows = await db.query<{ t: Date }>(`SELECT consumed_at AS t FROM ${db.database}.consumed_messages WHERE pod = ? ORDER BY id LIMIT ?`, [pod, half]);
      const span = (rows.at(-1)!.t.getTime() - rows[0]!.t.getTime()) / 1000;
      const r = { mode, round, msgs_per_s: Math.round((rows.length - 1) / span), exit_ms: exitMs, grace_ms: consumer.terminationGracePeriodSeconds * 1000 };
      console.log(JSON.stringify(r));
      results.push(r);
    }
  }
  const of = (m: string) => results.filter((r) => r.mode === m);
  const rt = median(of('runtime').map((r) => r.msgs_per_s));
  const rc = median(of('racecar').map((r) => r.msgs_per_s));
  console.log(JSON.stringify({
    summary: true,
    messages: N,
    rounds: ROUNDS,
    runtime_msgs_per_s: rt,
    racecar_msgs_per_s: rc,
    ratio_runtime_to_racecar: Math.round((rt / rc) * 1000) / 1000,
    runtime_exit_ms_median: median(of('runtime').map((r) => r.exit_ms)),
    racecar_exit_ms_median: median(of('racecar').map((r) => r.exit_ms)),
    grace_ms: consumer.terminationGracePeriodSeconds * 1000,
  }));
} finally {
  await kafka.destroy();
  await db.destroy();
  rails.cleanup();
  rmSync(tmp, { recursive: true, force: true });
  if (!existsSync(RUNTIME)) console.error('no runtime bundle');
}
