// The container build tests of the design document, for real: the fixture Rails
// app built with the Dockerfile railyard renders (all five targets, offline, on
// the debootstrap base image), then each target run with MariaDB reachable,
// showing its process tree, its health endpoint, its JSON logs and a clean stop.
//
// Networking: each container has its own network namespace (slirp4netns), so
// every target listens on its own port from the health table, published on a
// free host port; allow_host_loopback lets it reach the test's MariaDB, which
// listens on the host's 127.0.0.1, at 10.0.2.2.
// Secrets (the DB password, SECRET_KEY_BASE) reach podman in an --env-file of
// mode 600, never in its argv.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/config/index.js';
import { imageTargets, ENTRYPOINT, IMAGE_UID, type ImageTarget } from '../../../src/render/docker/index.js';
import { renderMigrationJob } from '../../../src/render/kubernetes/jobs.js';
import { startMariaDb, freePort, type MariaDb } from '../../support/mariadb.js';
import { assembleContext, e2eApp } from './context.js';
import { PODMAN_DIR, buildTargets, podman, podmanSync, requirePodman } from './podman.js';

const NETWORK = 'slirp4netns:allow_host_loopback=true';
const HOST_FROM_CONTAINER = '10.0.2.2';
/** A closed port on the host's loopback: the consumers' broker, refused (the case is about the image). */
const NO_BROKER_PORT = 9;
const REQUIRED_LOG_FIELDS = ['timestamp', 'level', 'process_target', 'pod_name', 'namespace', 'message'];
const WORKER_POOLS = '--pool=a:1 --pool=b,c:2';
const run = `${process.pid}-${Date.now().toString(36)}`;
const image = (target: string) => `localhost/railyard-e2e:${target}`;

let base: string;
let app: App;
let targets: ImageTarget[];
let dir: string;
let db: MariaDb | undefined;
const secretKeyBase = randomBytes(32).toString('hex');
const containers = new Set<string>();

function envFile(name: string, env: Record<string, string>): string {
  const path = join(dir, `${name}.env`);
  writeFileSync(path, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  return path;
}
function appEnv(processTarget: string): Record<string, string> {
  if (!db) throw new Error('MariaDB is not running');
  return {
    ...db.env,
    DATABASE_HOST: HOST_FROM_CONTAINER,
    SECRET_KEY_BASE: secretKeyBase,
    RAILS_LOG_TO_STDOUT: 'true',
    PROCESS_TARGET: processTarget,
    POD_NAME: `${processTarget}-e2e-0`,
    POD_NAMESPACE: 'railyard-e2e',
  };
}

async function httpGet(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the assertion on the body shows the text
  }
  return { status: res.status, body };
}

async function waitFor(url: string, name: string, timeoutMs = 120_000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const state = podmanSync(['inspect', name, '--format', '{{.State.Status}}']).stdout.trim();
    if (state !== 'running') throw new Error(`${name} is ${state} before ${url} answered:\n${logsOf(name).slice(-4000)}`);
    try {
      const r = await httpGet(url);
      if (r.status === 200) return r;
      last = `${r.status} ${JSON.stringify(r.body)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${logsOf(name).slice(-4000)}`);
}

/** Polls until `url` answers `status` (the DB check is cached for a second; readiness times out in seconds). */
async function waitForStatus(url: string, status: number, timeoutMs = 30_000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const r = await httpGet(url);
      if (r.status === status) return r;
      last = `${r.status} ${JSON.stringify(r.body)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

async function waitForLog(name: string, message: RegExp, count: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const seen = podmanSync(['logs', name]).stdout.split('\n').filter((l) => message.test(l)).length;
    if (seen >= count) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${name}: ${count} log lines matching ${message} did not appear within ${timeoutMs} ms:\n${logsOf(name).slice(-4000)}`);
}

/** A failed container's whole log, kept under .cache/podman/logs for reading after the run. */
function keepLogs(name: string): void {
  const logDir = join(PODMAN_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  writeFileSync(join(logDir, `${name}.log`), logsOf(name));
  console.error(`${name}: full log in ${join(logDir, `${name}.log`)}`);
}

function logsOf(name: string): string {
  const r = podmanSync(['logs', name]);
  return r.stdout + r.stderr;
}

interface Proc {
  pid: number;
  ppid: number;
  args: string;
}
async function processTree(name: string): Promise<Proc[]> {
  const out = await podman(['top', name, 'pid', 'ppid', 'args']);
  return out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`podman top line not understood: ${l}`);
      return { pid: Number(m[1]), ppid: Number(m[2]), args: m[3]!.trim() };
    });
}

beforeAll(async () => {
  base = requirePodman();
  app = await e2eApp(base);
  targets = imageTargets(app);
  dir = mkdtempSync(join(tmpdir(), 'railyard-containers-'));
  await assembleContext(app, join(dir, 'context'), base);
  await buildTargets(join(dir, 'context'), base, image('{}'), targets.map((t) => t.name));
  db = await startMariaDb();
  // The schema, exactly as the deploy's migration Job runs it: the web image with the Job's args
  // (`migrate -- bundle exec rails db:migrate`) through the ENTRYPOINT, tini and the runtime.
  const migrateArgs = renderMigrationJob(app, 'e2e').spec?.template.spec?.containers[0]?.args;
  if (!migrateArgs?.length) throw new Error('the rendered migration Job has no container args');
  await podman(['run', '--rm', '--network', NETWORK, '--env-file', envFile('migrate', appEnv('migrate')), image(app.web.target), ...migrateArgs]);
  const tables = (await db.query<Record<string, string>>('SHOW TABLES FROM ' + db.database)).map((r) => Object.values(r)[0]);
  if (!tables.includes('delayed_jobs')) throw new Error(`the migration created no delayed_jobs table (tables: ${tables.join(', ') || 'none'})`);
}, 1_500_000);

afterAll(async () => {
  for (const name of containers) podmanSync(['rm', '--force', '--time', '0', name]);
  await db?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the five images', () => {
  it('are the targets the model names', () => {
    expect(targets.map((t) => t.name)).toEqual(['rails', 'worker', 'kafka-sending-status', 'kafka-new-document', 'kafka-received-status']);
  });

  it('share every filesystem layer, and differ only in config', async () => {
    const inspected = JSON.parse(await podman(['image', 'inspect', ...targets.map((t) => image(t.name))]));
    const layers = inspected.map((i: any) => JSON.stringify(i.RootFS.Layers));
    expect(new Set(layers).size).toBe(1);
    targets.forEach((t, n) => {
      const c = inspected[n].Config;
      expect(c.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
      expect(c.Entrypoint).toEqual(ENTRYPOINT);
      expect(c.Cmd).toEqual(t.cmd);
      expect(Object.keys(c.ExposedPorts ?? {})).toEqual(t.ports.map((p) => `${p}/tcp`));
      expect(c.Env).toContain(`PROCESS_TARGET=${t.processTarget}`);
    });
  });

  it('run the runtime on Node 18 (bookworm’s nodejs), the oldest Node the bundle supports', async () => {
    expect((await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'node', image('worker'), '--version'])).trim()).toMatch(/^v18\./);
    // The bundle starts there and validates env: one JSON error line, exit 1.
    const r = podmanSync(['run', '--rm', '--network', 'none', '--env', 'PROCESS_TARGET=worker', image('worker')]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ level: 'error', missing: expect.arrayContaining(['DELAYED_JOB_POOLS']) });
  });

  it('run as uid/gid 1000, with tini from the distribution package', async () => {
    expect((await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'id', image('rails')])).trim()).toMatch(/^uid=1000\(app\) gid=1000\(app\)/);
    expect((await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'dpkg', image('rails'), '-S', '/usr/bin/tini'])).trim()).toBe('tini: /usr/bin/tini');
  });
});

describe('a code-only change', () => {
  it('rebuilds app-base from `COPY . .` on and nothing before it; every target still shares every layer', async () => {
    const ctx = join(dir, 'context');
    writeFileSync(join(ctx, 'app/controllers/fixture_controller.rb'), readFileSync(join(ctx, 'app/controllers/fixture_controller.rb'), 'utf8') + `# code-only change ${run}\n`);
    const before = JSON.parse(await podman(['image', 'inspect', image('rails')]))[0].RootFS.Layers as string[];
    await buildTargets(ctx, base, `${image('{}')}-changed`, targets.map((t) => t.name));
    const after = JSON.parse(await podman(['image', 'inspect', ...targets.map((t) => `${image(t.name)}-changed`)])).map((i: any) => i.RootFS.Layers as string[]);
    // All five still have one and the same layer list.
    expect(new Set(after.map((l: string[]) => JSON.stringify(l))).size).toBe(1);
    // Only the two newest layers changed: app-base's `COPY . .` and the RUN after it.
    // Base, gems, node_modules and the runtime are the same blobs as before the change.
    const layers = after[0] as string[];
    expect(layers).toHaveLength(before.length);
    expect(layers.slice(0, -2)).toEqual(before.slice(0, -2));
    expect(layers.at(-1)).not.toBe(before.at(-1));
    expect(layers.at(-2)).not.toBe(before.at(-2));
    const history = JSON.parse(await podman(['history', '--format', 'json', `${image('rails')}-changed`])) as { CreatedBy?: string; createdBy?: string; Size?: number; size?: number }[];
    // Newest first; a RUN is recorded as its shell command, a COPY as `#(nop) COPY`, metadata as other `#(nop)`s.
    const made = history.map((h) => h.CreatedBy ?? h.createdBy ?? '').filter((c) => !c.includes('#(nop)') || c.includes('#(nop) COPY'));
    expect(made[0], JSON.stringify(made.slice(0, 3))).toMatch(/mkdir -p log tmp/);
    expect(made[1], JSON.stringify(made.slice(0, 3))).toMatch(/#\(nop\) COPY dir:\S+ in \. /);
    for (const t of targets) podmanSync(['rmi', `${image(t.name)}-changed`]);
    // The changed layers are unique to this run; untagged, they would pile up in .cache/podman.
    podmanSync(['image', 'prune', '--force']);
  }, 900_000);
});

interface Case {
  target: string;
  processTarget: string;
  env: Record<string, string>;
  grace: number;
  health: { path: string; expect: (body: any) => void }[];
  /** The health table's DB rows: with MariaDB stopped, `failing` answers 503 and `alive` (if any) still 200. */
  dbDown?: { failing: string; alive?: string };
  /** A log message that shows the app is up (SIGTERM during boot ends Ruby with 143, as it should). */
  ready: { message: RegExp; count: number };
  /** The Deployment's args when they differ from the image's CMD (workers: the Deployment's own target). */
  args?: string[];
  children: (procs: Proc[]) => void;
}

const cases = (): Case[] => [
  {
    target: 'rails',
    processTarget: 'server',
    env: {},
    grace: app.web.terminationGracePeriodSeconds,
    health: [
      { path: '/health/liveness', expect: (b) => expect(b).toMatchObject({ status: 'alive' }) },
      { path: '/health/readiness', expect: (b) => expect(b).toMatchObject({ status: 'ready' }) },
    ],
    ready: { message: /Listening on/, count: 1 },
    dbDown: { failing: '/health/readiness', alive: '/health/liveness' },
    children: (procs) => {
      expect(procs).toHaveLength(1);
      expect(procs[0]!.args).toMatch(/puma/);
    },
  },
  {
    target: 'worker',
    processTarget: 'worker-primary',
    env: { DELAYED_JOB_POOLS: WORKER_POOLS, DELAYED_JOB_TIMEOUT: '20' },
    grace: app.workers.primary!.terminationGracePeriodSeconds,
    health: [{ path: '/health', expect: (b) => expect(b).toMatchObject({ status: 'healthy', process_target: 'worker-primary' }) }],
    ready: { message: /Starting job worker/, count: 3 },
    args: ['worker-primary'],
    dbDown: { failing: '/health' },
    children: (procs) => {
      // One `rake jobs:work` per pool slot: a:1 + b,c:2.
      expect(procs).toHaveLength(3);
      for (const p of procs) expect(p.args).toMatch(/rake jobs:work/);
    },
  },
  // The real racecar, with no broker to reach: this suite is about the image
  // (racecar and librdkafka load, the initializer applies, the liveness file
  // is written where the Deployment says, SIGTERM stops it cleanly). Consuming
  // from a broker is test/kafka (host) and test/e2e/node/kafka (pods).
  ...Object.values(app.consumers).map((c) => ({
    target: c.target ?? c.name,
    processTarget: c.processTarget ?? c.name,
    env: { RACECAR_BROKERS: `${HOST_FROM_CONTAINER}:${NO_BROKER_PORT}`, RACECAR_LIVENESS_PROBE_FILE_PATH: '/tmp/racecar-liveness' },
    grace: c.terminationGracePeriodSeconds,
    health: [{ path: '/health', expect: (b: any) => expect(b).toMatchObject({ status: 'healthy', process_target: c.processTarget ?? c.name, liveness: expect.objectContaining({ ok: true }) }) }],
    ready: { message: /=> Wrooooom!/, count: 1 },
    children: (procs: Proc[]) => {
      expect(procs).toHaveLength(1);
      expect(procs[0]!.args).toMatch(new RegExp(`racecar ${c.consumerClass}$`));
    },
  })),
];

async function startContainer(k: Case, t: ImageTarget, what: string): Promise<{ name: string; hostPort: number }> {
  const hostPort = await freePort();
  const name = `railyard-e2e-${t.name}-${what}-${run}`;
  containers.add(name);
  await podman(['run', '--detach', '--name', name, '--network', NETWORK, '--publish', `127.0.0.1:${hostPort}:${t.ports[0]!}`, '--env-file', envFile(name, { ...appEnv(k.processTarget), ...k.env }), image(t.name), ...(k.args ?? [])]);
  return { name, hostPort };
}

describe('each target, run', () => {
  // describe.each needs the cases before beforeAll has loaded the model; the
  // Storecove example's five targets are listed by name, and each test looks up its case.
  it.each(['rails', 'worker', 'kafka-sending-status', 'kafka-new-document', 'kafka-received-status'])(
    '%s: process tree, health, JSON logs, clean stop',
    async (targetName) => {
      const k = cases().find((c) => c.target === targetName);
      if (!k) throw new Error(`no case for ${targetName}`);
      const t = targets.find((x) => x.name === targetName)!;
      const { name, hostPort } = await startContainer(k, t, 'run');

      // Health, as the health table says, on the target's own port.
      for (const h of k.health) {
        const r = await waitFor(`http://127.0.0.1:${hostPort}${h.path}`, name);
        h.expect(r.body);
      }

      await waitForLog(name, k.ready.message, k.ready.count);

      // tini is PID 1, the runtime its only child, the app processes the runtime's children.
      const procs = await processTree(name);
      const tini = procs.find((p) => p.pid === 1);
      expect(tini?.args).toMatch(/^tini -- node \/opt\/railyard\/runtime\.cjs run/);
      const runtime = procs.filter((p) => p.ppid === 1);
      expect(runtime).toHaveLength(1);
      expect(runtime[0]!.args).toBe(`node /opt/railyard/runtime.cjs run ${(k.args ?? t.cmd).join(' ')}`);
      const children = procs.filter((p) => p.ppid === runtime[0]!.pid);
      k.children(children);
      // Nothing daemonized away from the tree: every process descends from tini.
      const pids = new Set(procs.map((p) => p.pid));
      for (const p of procs) if (p.pid !== 1) expect(pids.has(p.ppid)).toBe(true);

      // SIGTERM through `podman stop`, with the Deployment's grace period.
      const started = Date.now();
      await podman(['stop', '--time', String(k.grace), name], { timeoutMs: (k.grace + 30) * 1000 });
      const stoppedMs = Date.now() - started;
      const state = JSON.parse(await podman(['inspect', name, '--format', '{{json .State}}']));
      if (state.ExitCode !== 0) keepLogs(name);
      expect(state.ExitCode, `exit code; logs:\n${logsOf(name).slice(-6000)}`).toBe(0);
      expect(stoppedMs).toBeLessThan(k.grace * 1000);

      // Every line on stdout is JSON with the required fields; stderr is empty.
      const logs = podmanSync(['logs', name]);
      expect(logs.stderr).toBe('');
      const lines = logs.stdout.split('\n').filter((l) => l.length > 0);
      expect(lines.length).toBeGreaterThan(0);
      const entries = lines.map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          throw new Error(`${targetName}: not a JSON line: ${l}`);
        }
      });
      for (const e of entries) {
        for (const f of REQUIRED_LOG_FIELDS) expect(e, `${targetName}: ${JSON.stringify(e)}`).toHaveProperty(f);
        expect(e.process_target).toBe(k.processTarget);
        expect(e.pod_name).toBe(`${k.processTarget}-e2e-0`);
        expect(e.namespace).toBe('railyard-e2e');
      }
      // The app's own output came through the runtime, not only the runtime's messages.
      expect(entries.some((e) => e.stream === 'stdout' || e.stream === 'stderr')).toBe(true);
      expect(logs.stdout).not.toContain(db!.password);
      expect(logs.stdout).not.toContain(secretKeyBase);
      console.log(`${targetName}: stopped in ${stoppedMs} ms (grace ${k.grace} s), ${lines.length} log lines, children: ${children.map((c) => c.args).join(' | ')}`);
    },
    240_000,
  );

  // The health table's DB rows, in a container of their own: a delayed_job
  // worker whose connection died with the server exits 1 on its next SIGTERM
  // (clear_locks! runs on the dead connection), which is not what the clean-stop
  // test above is about.
  it.each(['rails', 'worker'])(
    '%s: with MariaDB stopped, the DB-backed health endpoint answers 503 (and liveness stays 200), then recovers',
    async (targetName) => {
      const k = cases().find((c) => c.target === targetName)!;
      const t = targets.find((x) => x.name === targetName)!;
      const { name, hostPort } = await startContainer(k, t, 'dbdown');
      const failing = `http://127.0.0.1:${hostPort}${k.dbDown!.failing}`;
      await waitFor(failing, name);
      await db!.stop();
      try {
        const down = await waitForStatus(failing, 503);
        expect(JSON.stringify(down.body)).toMatch(/"status":"(not_ready|unhealthy)"/);
        if (k.dbDown!.alive) expect((await httpGet(`http://127.0.0.1:${hostPort}${k.dbDown!.alive}`)).status).toBe(200);
      } finally {
        await db!.start();
      }
      await waitForStatus(failing, 200);
      podmanSync(['rm', '--force', '--time', '0', name]);
    },
    240_000,
  );
});
