// The whole app on a real node: the fixture Rails app, built into the five
// targets with the rendered Dockerfile, deployed by `railyard deploy` to a real
// kubelet (containerd, runc, CNI bridge, kube-proxy), with MariaDB on the host
// reached through the node's bridge over verified TLS. The tests run in order
// and build on each other, like successive releases (docs/CLUSTER.md).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { App } from '../../../src/config/index.js';
import { renderManifests } from '../../../src/render/kubernetes/index.js';
import type { MariaDb } from '../../support/mariadb.js';
import { kubectl, kubectlJson, railyard, ROOT, run, tempDir, type RunResult } from '../cluster/support.js';
import { startFixtureApp, TICK_SECONDS, type FixtureApp } from './fixture-app.js';
import { percentile, startLoad, type LoadResult } from './load.js';
import { execIn, NODE_NAME, pods, REAL_NODE_SCHEDULING, sleep, waitUntil, type PodInfo } from './support.js';

const NS = 'e2e-node';
const OTHER_NS = 'e2e-node-other';
const RUN_ID = Date.now().toString(36);
const TAG1 = `node1${RUN_ID}`;
const TAG2 = `node2${RUN_ID}`;
const TAG_BAD = `nodebad${RUN_ID}`;
/** Releases for the deploy-time comparison: railyard and the kubectl sequence, alternating. */
const BENCH_RUNS = 3;
const BENCH_TAGS = Array.from({ length: 2 * BENCH_RUNS }, (_, i) => `nodebench${i}${RUN_ID}`);
const RESULTS = join(ROOT, '.cache/node-results.json');

let fixture: FixtureApp;
let kubeconfig: string;
let db: MariaDb;
let app: App;
let cfgDir: string;
let badCfgDir: string;
const secretValues: string[] = [];
const outputs: RunResult[] = [];
const results: Record<string, unknown> = {};

async function cli(args: string[]): Promise<RunResult> {
  const r = await railyard([...args, '--kubeconfig', kubeconfig], {}, 900_000);
  outputs.push(r);
  return r;
}
const deploy = (cfg: string, tag: string, timeout = 300, ...extra: string[]) => cli(['deploy', cfg, '--image-tag', tag, '--timeout', String(timeout), ...extra]);

/**
 * The anchor: what `railyard deploy` replaces, by hand on the same rendered
 * manifests. Migration Job applied and awaited, then every manifest applied
 * server-side, then each Deployment's rollout awaited. Returns its wall time.
 */
async function kubectlSequence(tag: string): Promise<number> {
  const out = tempDir('node-synth');
  const s = await railyard(['synth', cfgDir, '--out', out, '--image-tag', tag, '--quiet', '--no-runtime']);
  expect(s.code, s.stderr).toBe(0);
  const job = /^  name: (\S+)$/m.exec(readFileSync(join(out, 'migrate/job.yaml'), 'utf8'))![1]!;
  const must = async (args: string[]) => {
    const r = await kubectl(kubeconfig, args);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  const t0 = performance.now();
  await must(['apply', '--server-side', '--force-conflicts', '-f', join(out, 'migrate/job.yaml')]);
  await must(['wait', '--for=condition=complete', `job/${job}`, '-n', NS, '--timeout=300s']);
  await must(['apply', '--server-side', '--force-conflicts', '-R', '-f', join(out, 'k8s')]);
  const names = [app.web.name, ...Object.values(app.workers).map((w) => w.name), ...Object.values(app.consumers).map((c) => c.name)];
  for (const n of names) await must(['rollout', 'status', `deployment/${n}`, '-n', NS, '--timeout=300s']);
  return performance.now() - t0;
}

const median = (xs: number[]) => percentile(xs, 50);

async function sql<T = Record<string, any>>(q: string, params: unknown[] = []): Promise<T[]> {
  return db.query<T>(q, params);
}

async function serviceUrl(path: string): Promise<string> {
  const svc = await kubectlJson<{ spec: { clusterIP: string; ports: { port: number }[] } }>(kubeconfig, ['get', 'service', app.web.name, '-n', NS]);
  return `http://${svc.spec.clusterIP}:${svc.spec.ports[0]!.port}${path}`;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** Enqueues RecordJobs through `rake fixture:enqueue`, exec'd in a web pod: the app's own env and secrets. */
async function enqueue(specs: string[]): Promise<void> {
  const web = (await pods(kubeconfig, NS, `app.kubernetes.io/component=server`)).find((p) => p.ready && !p.deleting);
  if (!web) throw new Error('no ready web pod to enqueue from');
  for (let i = 0; i < specs.length; i += 100) {
    const r = await execIn(kubeconfig, NS, web.name, ['bundle', 'exec', 'rake', 'fixture:enqueue', `JOBS=${specs.slice(i, i + 100).join(',')}`]);
    expect(r.code, `enqueue: ${r.stderr}${r.stdout}`).toBe(0);
  }
}

/** Waits for an empty delayed_jobs table: delayed_job deletes a job's row just after its perform returns. */
function queueDrained(): Promise<true> {
  return waitUntil('an empty delayed_jobs table', 30_000, async () => {
    const left = await sql<{ n: number }>('SELECT COUNT(*) AS n FROM storecove_node.delayed_jobs');
    return Number(left[0]!.n) === 0 ? true : undefined;
  }, 500);
}

function queuesOf(a: App): string[] {
  const qs: string[] = [];
  for (const w of Object.values(a.workers)) for (const p of w.pools) qs.push(...p.queues);
  return qs;
}

/** The Deployments' running pods (CronJob pods come and go on their own schedule). */
async function runningPods(): Promise<PodInfo[]> {
  return (await pods(kubeconfig, NS)).filter((p) => p.phase === 'Running' && !p.deleting && p.component !== 'cronjob');
}

beforeAll(async () => {
  fixture = await startFixtureApp({ namespace: NS, database: 'storecove_node', tags: [TAG1, TAG2, TAG_BAD, ...BENCH_TAGS], otherNamespaces: [OTHER_NS] });
  ({ kubeconfig, app, cfgDir, db } = fixture);
  secretValues.push(...fixture.secretValues);
  results.imageImportMs = fixture.imageImportMs;
  // A release whose readiness never passes: the route it probes does not exist.
  badCfgDir = fixture.writeConfig('bad', `web: { ...base.web, probes: { ...base.web.probes, readiness: { ...base.web.probes.readiness, path: '/health/never' } } }`);
}, 1_800_000);

afterAll(async () => {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(`node suite figures (${RESULTS}):\n${JSON.stringify(results, null, 2)}`);
  await fixture?.destroy();
}, 300_000);

describe('the whole app on a real node', () => {
  it('deploys: the migration runs against MariaDB, web pods become Ready through the kubelet, every /health answers', async () => {
    const t0 = Date.now();
    const r = await deploy(cfgDir, TAG1);
    results.firstDeployMs = Date.now() - t0;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);

    const versions = await sql<{ version: string }>('SELECT version FROM storecove_node.schema_migrations ORDER BY version');
    // Every migration the fixture app has, read from its db/migrate: a list
    // written here went stale when the consumers' table was added.
    const migrations = readdirSync(join(ROOT, 'test/fixtures/rails-app/db/migrate')).map((f) => f.split('_')[0]!).sort();
    expect(migrations.length).toBeGreaterThan(3);
    expect(versions.map((v) => v.version)).toEqual(migrations);

    // The Deployment is created without replicas (the HPA owns the count) and
    // the HPA raises it to minReplicas on its next sync: wait for both.
    const all = await waitUntil('2 ready web pods (HPA minReplicas)', 120_000, async () => {
      const ps = await runningPods();
      return ps.filter((p) => p.component === 'server' && p.ready).length === 2 ? ps : undefined;
    });
    results.hpaMinReplicasAfterDeployMs = Date.now() - t0 - (results.firstDeployMs as number);
    for (const p of all) {
      expect(p.node, p.name).toBe(NODE_NAME);
      expect(p.ready, p.name).toBe(true);
      expect(p.image.endsWith(TAG1), p.name).toBe(true);
    }
    expect(all.filter((p) => p.component === 'server')).toHaveLength(2);

    // Through the Service's ClusterIP (kube-proxy's rules), answered by the app.
    const res = await get(await serviceUrl('/fixture/db_pool'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ size: 4 });

    for (const [component, port] of [
      ...Object.values(app.workers).map((w) => [w.processTarget ?? w.name, w.healthPort] as const),
      ...Object.values(app.consumers).map((c) => [c.processTarget ?? c.name, c.healthPort] as const),
    ]) {
      const ps = all.filter((p) => p.component === component);
      expect(ps.length, component).toBeGreaterThan(0);
      for (const p of ps) {
        const h = await get(`http://${p.ip}:${port}/health`);
        expect(h.status, `${p.name}: ${h.body}`).toBe(200);
      }
    }
  }, 900_000);

  it('runs 240 jobs across every queue exactly once, each by a slot whose QUEUES holds its queue', async () => {
    const queues = queuesOf(app);
    expect(queues.length).toBe(6);
    const specs = Array.from({ length: 240 }, (_, i) => `${queues[i % queues.length]}:batch-${i}:0`);
    await enqueue(specs);
    const runs = await waitUntil('240 finished job runs', 300_000, async () => {
      const rows = await sql<{ label: string; queue: string; job_id: number; worker_queues: string; pod: string; slot: string; finished_at: Date | null }>(
        "SELECT label, queue, job_id, worker_queues, pod, slot, finished_at FROM storecove_node.job_runs WHERE label LIKE 'batch-%'",
      );
      return rows.filter((r) => r.finished_at).length >= 240 ? rows : undefined;
    }, 2000);
    expect(runs).toHaveLength(240);
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(240);
    expect(new Set(runs.map((r) => r.label)).size).toBe(240);
    for (const r of runs) {
      expect(r.worker_queues.split(','), `${r.label} on ${r.pod} ${r.slot}`).toContain(r.queue);
      expect(r.pod, r.label).toMatch(/^worker-(primary|secondary)-/);
    }
    // Every pool of both workers took part (slots of one pool share its queues, so
    // one of them may take all of a pool's instant jobs).
    expect(new Set(runs.map((r) => `${r.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')} ${r.slot.split('/')[0]}`)).size).toBe(4);
    await queueDrained();
  }, 600_000);

  it('rolls out a new tag under load: 0 failed requests, in-flight jobs finish inside the grace period, 0 lost, 0 run twice', async () => {
    const queues = queuesOf(app);
    // One long job per slot (5 slots), so every worker pod has work in flight at SIGTERM.
    const long = ['mail', 'inbound_a', 'inbound_b', 'webhooks', 'reports', 'inbound_a', 'webhooks_sandbox'].map((q, i) => `${q}:long-${i}:${15 + (i % 6)}`);
    expect(long.every((s) => queues.includes(s.split(':')[0]!))).toBe(true);
    await enqueue(long);
    const workerPods = (await runningPods()).filter((p) => p.component.startsWith('worker-'));
    await waitUntil('a long job in flight on every worker pod', 60_000, async () => {
      const rows = await sql<{ pod: string }>("SELECT DISTINCT pod FROM storecove_node.job_runs WHERE label LIKE 'long-%' AND finished_at IS NULL");
      return workerPods.every((p) => rows.some((r) => r.pod === p.name)) ? true : undefined;
    }, 500);
    const inflightAtDeploy = await sql<{ label: string; pod: string }>("SELECT label, pod FROM storecove_node.job_runs WHERE label LIKE 'long-%' AND finished_at IS NULL");

    const load = startLoad(await serviceUrl('/health/readiness'), { ratePerSecond: 25, maxRequests: 20_000, maxMs: 600_000 });
    await sleep(3000);
    const t0 = Date.now();
    const r = await deploy(cfgDir, TAG2);
    const deployMs = Date.now() - t0;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // Every long job done (those still queued run on the new pods).
    await waitUntil('every long job finished', 180_000, async () => {
      const rows = await sql<{ n: number }>("SELECT COUNT(*) AS n FROM storecove_node.job_runs WHERE label LIKE 'long-%' AND finished_at IS NOT NULL");
      return Number(rows[0]!.n) >= long.length ? true : undefined;
    }, 1000);
    await sleep(3000);
    const res: LoadResult = await load.stop();

    const runs = await sql<{ label: string; pod: string; started_at: Date; finished_at: Date | null }>(
      "SELECT label, pod, started_at, finished_at FROM storecove_node.job_runs WHERE label LIKE 'long-%'",
    );
    const perLabel = new Map<string, number>();
    for (const run of runs) perLabel.set(run.label, (perLabel.get(run.label) ?? 0) + 1);
    const lost = long.filter((s) => !perLabel.has(s.split(':')[1]!)).length;
    const twice = [...perLabel.values()].filter((n) => n > 1).length;
    // The jobs in flight when their pod got SIGTERM finished there, not elsewhere.
    for (const f of inflightAtDeploy) {
      const run = runs.find((x) => x.label === f.label)!;
      expect(run.finished_at, `${f.label} on ${f.pod}`).not.toBeNull();
      expect(run.pod).toBe(f.pod);
    }
    results.rollingDeploy = {
      deployMs,
      requests: res.sent,
      ok: res.ok,
      failed: res.failed,
      errors: res.errors,
      ratePerSecond: +(res.sent / (res.durationMs / 1000)).toFixed(1),
      latencyMs: { p50: +percentile(res.latencies, 50).toFixed(1), p99: +percentile(res.latencies, 99).toFixed(1), max: +Math.max(...res.latencies).toFixed(1) },
      jobsInFlightAtSigterm: inflightAtDeploy.length,
      lostJobs: lost,
      jobsRunTwice: twice,
    };
    expect(res.failed, JSON.stringify(res.errors)).toBe(0);
    expect(res.sent / (res.durationMs / 1000)).toBeGreaterThanOrEqual(20);
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    expect(inflightAtDeploy.length).toBeGreaterThanOrEqual(workerPods.length);
    const after = await runningPods();
    expect(after.every((p) => p.image.endsWith(TAG2))).toBe(true);
  }, 900_000);

  it('runs the jobs of a force-deleted worker pod and of an OOM-killed worker again, exactly once more, within 2 minutes', async () => {
    const runsOf = (prefix: string) =>
      sql<{ label: string; pod: string; pid: number; started_at: Date; finished_at: Date | null }>(`SELECT label, pod, pid, started_at, finished_at FROM storecove_node.job_runs WHERE label LIKE '${prefix}%' ORDER BY started_at`);
    const byLabel = (rows: Awaited<ReturnType<typeof runsOf>>) => {
      const m = new Map<string, typeof rows>();
      for (const r of rows) m.set(r.label, [...(m.get(r.label) ?? []), r]);
      return m;
    };

    // 1. A worker pod deleted without grace while its three slots each run a 40 s job.
    const victim = (await runningPods()).find((p) => p.component === 'worker-primary')!;
    const kill = ['mail:kill-0:40', 'inbound_a:kill-1:40', 'inbound_b:kill-2:40'];
    await enqueue(kill);
    await waitUntil('the three jobs in flight on the victim', 90_000, async () => {
      const rows = (await runsOf('kill-')).filter((r) => !r.finished_at && r.pod === victim.name);
      return rows.length === 3 ? true : undefined;
    }, 500);
    const killedAt = Date.now();
    const del = await kubectl(kubeconfig, ['delete', 'pod', victim.name, '-n', NS, '--grace-period=0', '--force']);
    expect(del.code, del.stderr).toBe(0);
    const killRuns = await waitUntil('every killed job run again to the end', 240_000, async () => {
      const m = byLabel(await runsOf('kill-'));
      return [...m.values()].length === 3 && [...m.values()].every((rs) => rs.some((r) => r.finished_at)) ? m : undefined;
    }, 1000);
    const rerunDelays: number[] = [];
    for (const [label, rs] of killRuns) {
      expect(rs, label).toHaveLength(2);
      expect(rs[0]!.pod, label).toBe(victim.name);
      expect(rs[0]!.finished_at, label).toBeNull();
      expect(rs[1]!.pod, label).not.toBe(victim.name);
      expect(rs[1]!.finished_at, label).not.toBeNull();
      rerunDelays.push(rs[1]!.started_at.getTime() - killedAt);
    }

    // 2. A worker process killed by the kernel at its container's memory limit, mid-job.
    const oomPod = (await runningPods()).find((p) => p.component === 'worker-secondary')!;
    await enqueue(['reports:oom-0:5']);
    const oomRuns = await waitUntil('the OOM-killed job run again to the end', 240_000, async () => {
      const rs = await runsOf('oom-');
      return rs.some((r) => r.finished_at) ? rs : undefined;
    }, 1000);
    expect(oomRuns).toHaveLength(2);
    expect(oomRuns[0]!.finished_at).toBeNull();
    expect(oomRuns[0]!.pod).toBe(oomPod.name);
    expect(oomRuns[1]!.pid).not.toBe(oomRuns[0]!.pid);
    const oomDelay = oomRuns[1]!.started_at.getTime() - oomRuns[0]!.started_at.getTime();
    const oomEvents = await kubectl(kubeconfig, ['logs', '-n', NS, oomPod.name]);
    expect(oomEvents.stdout).toMatch(/exited with signal SIGKILL|SIGKILL/);

    results.hardKills = {
      forceDeleteRerunMs: rerunDelays.map((d) => Math.round(d)),
      forceDeleteRerunMaxMs: Math.round(Math.max(...rerunDelays)),
      oomRerunAfterFirstStartMs: Math.round(oomDelay),
      runsPerKilledJob: 2,
    };
    for (const d of rerunDelays) expect(d).toBeLessThanOrEqual(120_000);
    expect(oomDelay).toBeLessThanOrEqual(120_000);
    // Nothing left locked or queued.
    await queueDrained();
  }, 900_000);

  it('rolls back a release whose readiness never passes, with 0 failed requests through the Service meanwhile', async () => {
    const load = startLoad(await serviceUrl('/health/readiness'), { ratePerSecond: 25, maxRequests: 20_000, maxMs: 600_000 });
    await sleep(2000);
    // The Service's endpoints while the new pod is unready: only ready pods.
    const check = (async () => {
      await waitUntil('a pod of the bad release', 120_000, async () => ((await pods(kubeconfig, NS, 'app.kubernetes.io/component=server')).some((p) => p.image.endsWith(TAG_BAD)) ? true : undefined));
      const slices = await kubectlJson<{ items: { endpoints?: { targetRef?: { name: string }; conditions?: { ready?: boolean } }[] }[] }>(kubeconfig, ['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${app.web.name}`]);
      const serving = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.targetRef!.name);
      const all = await pods(kubeconfig, NS, 'app.kubernetes.io/component=server');
      return { serving, bad: all.filter((p) => p.image.endsWith(TAG_BAD)).map((p) => p.name) };
    })();
    const r = await deploy(badCfgDir, TAG_BAD, 60);
    const seen = await check;
    const res = await load.stop();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/roll(ed)? ?back/i);
    for (const bad of seen.bad) expect(seen.serving).not.toContain(bad);
    results.rollback = { requests: res.sent, failed: res.failed, errors: res.errors, p99Ms: +percentile(res.latencies, 99).toFixed(1) };
    expect(res.failed, JSON.stringify(res.errors)).toBe(0);
    await waitUntil('only the previous release running', 180_000, async () => {
      const ps = await runningPods();
      return ps.length > 0 && ps.every((p) => p.image.endsWith(TAG2)) ? true : undefined;
    });
  }, 900_000);

  it('deploys within 1.2x of the plain kubectl sequence on the same manifests (medians, alternating runs)', async () => {
    const ours: number[] = [];
    const theirs: number[] = [];
    const phases: Record<string, number>[] = [];
    for (let i = 0; i < BENCH_RUNS; i++) {
      const t0 = performance.now();
      const r = await deploy(cfgDir, BENCH_TAGS[2 * i]!, 300, '--json');
      ours.push(performance.now() - t0);
      expect(r.code, r.stderr).toBe(0);
      phases.push(JSON.parse(r.stdout).phaseMs);
      theirs.push(await kubectlSequence(BENCH_TAGS[2 * i + 1]!));
    }
    const ratio = median(ours) / median(theirs);
    results.deployVsKubectl = {
      runs: BENCH_RUNS,
      railyardMs: ours.map(Math.round),
      kubectlMs: theirs.map(Math.round),
      medianRailyardMs: Math.round(median(ours)),
      medianKubectlMs: Math.round(median(theirs)),
      ratio: +ratio.toFixed(3),
      // The phase timings of each railyard rollout, from deploy --json.
      phaseMs: phases,
    };
    expect(ratio).toBeLessThanOrEqual(1.2);
  }, 1_800_000);

  it('runs every container as uid/gid 1000 with a read-only root, writable emptyDirs, no capabilities and seccomp filtering', async () => {
    const targets = await runningPods();
    // A CronJob pod too: the tick runs for TICK_SECONDS, long enough to exec into.
    // One whose task has at least 30 s left, so the exec does not race its end.
    const cron = await waitUntil('a cron tick pod early in its run', 180_000, async () =>
      (await pods(kubeconfig, NS, 'app.kubernetes.io/component=cronjob')).find((p) => p.runningSinceMs !== undefined && p.runningSinceMs < (TICK_SECONDS - 30) * 1000 && !p.deleting));
    const components = new Set<string>();
    for (const p of [...targets, cron]) {
      const r = await execIn(kubeconfig, NS, p.name, [
        'sh',
        '-c',
        'id -u; id -g; if touch /railyard-probe 2>/dev/null; then echo root-writable; else echo root-readonly; fi; for d in /tmp /app/tmp /app/log; do touch "$d/railyard-probe" && echo "$d writable"; done; grep -E "^(CapEff|Seccomp):" /proc/1/status /proc/self/status',
      ]);
      expect(r.code, `${p.name}: ${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines.slice(0, 3), p.name).toEqual(['1000', '1000', 'root-readonly']);
      expect(lines.slice(3, 6), p.name).toEqual(['/tmp writable', '/app/tmp writable', '/app/log writable']);
      for (const l of lines.slice(6)) {
        if (l.includes('CapEff')) expect(l, p.name).toMatch(/CapEff:\s+0000000000000000$/);
        if (l.includes('Seccomp')) expect(l, p.name).toMatch(/Seccomp:\s+2$/);
      }
      expect(lines.slice(6).filter((l) => /CapEff|Seccomp/.test(l)), p.name).toHaveLength(4);
      components.add(p.component);
    }
    expect([...components].sort()).toEqual(['cronjob', 'kafka-sending-status', 'server', 'worker-primary', 'worker-secondary']);
  }, 600_000);

  it('fires the CronJob; its Jobs complete, record their effect in MariaDB, and Forbid keeps them from overlapping', async () => {
    const ticks = await waitUntil('two finished cron ticks', 300_000, async () => {
      const rows = await sql<{ pod: string; started_at: Date; finished_at: Date | null }>('SELECT pod, started_at, finished_at FROM storecove_node.cron_ticks ORDER BY started_at');
      return rows.filter((r) => r.finished_at).length >= 2 ? rows : undefined;
    }, 5000);
    for (let i = 1; i < ticks.length; i++) {
      // Each tick starts only after the one before it finished.
      expect(ticks[i]!.started_at.getTime(), `tick ${i}`).toBeGreaterThanOrEqual(ticks[i - 1]!.finished_at?.getTime() ?? Infinity);
    }
    for (const t of ticks.filter((x) => x.finished_at)) expect((t.finished_at!.getTime() - t.started_at.getTime()) / 1000).toBeGreaterThanOrEqual(TICK_SECONDS);
    const jobs = await kubectlJson<{ items: { metadata: { name: string }; status: { succeeded?: number } }[] }>(kubeconfig, ['get', 'jobs', '-n', NS, '-l', 'app.kubernetes.io/component=cronjob']);
    expect(jobs.items.filter((j) => j.status.succeeded === 1).length).toBeGreaterThanOrEqual(1);
    const cj = await kubectlJson<{ status: { active?: unknown[] } }>(kubeconfig, ['get', 'cronjob', 'tick', '-n', NS]);
    expect((cj.status.active ?? []).length).toBeLessThanOrEqual(1);
    results.cron = { ticks: ticks.length, finished: ticks.filter((t) => t.finished_at).length };
  }, 600_000);

  it('writes CRI log files that the rendered Fluent Bit glob matches, and no other; every line is one JSON object without secrets', async () => {
    // A pod in another namespace, whose log file the glob must not match.
    await kubectl(kubeconfig, ['create', 'namespace', OTHER_NS]);
    const other = await kubectl(
      kubeconfig,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bystander', namespace: OTHER_NS },
        spec: { ...REAL_NODE_SCHEDULING, containers: [{ name: 'pause', image: 'localhost/railyard/pause:1' }] },
      }),
    );
    expect(other.code, other.stderr).toBe(0);
    await waitUntil('the bystander log file', 60_000, async () => ((await run('bash', ['-c', `ls /var/log/containers/bystander_${OTHER_NS}_*.log`])).code === 0 ? true : undefined));

    const withFluentBit = { ...app, logging: { fluentBit: (await loadConfig(join(ROOT, 'examples/storecove'))).app.logging.fluentBit! } } as App;
    const conf = renderManifests(withFluentBit, { imageTag: TAG2 }).flatMap((f) => f.objects).find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'fluent-bit-config') as any;
    const path = /^\s*Path\s+(\S+)/m.exec(conf.data['fluent-bit.conf'])![1]!;
    expect(path).toBe(`/var/log/containers/*_${NS}_*.log`);
    // glob(3), as Fluent Bit's tail input uses it, through bash. Pods of the earlier tests still
    // come and go: the glob is compared with a listing of the folder taken just before and again
    // just after it, and only when the two listings agree (a CI run once saw a pod's file appear
    // between two separate listings).
    const glob = async (pattern: string) => (await run('bash', ['-c', `shopt -s nullglob; for f in ${pattern}; do echo "$f"; done`])).stdout.trim().split('\n').filter(Boolean).sort();
    let matched: string[] = [];
    let all: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const before = await glob('/var/log/containers/*.log');
      matched = await glob(path);
      all = await glob('/var/log/containers/*.log');
      if (JSON.stringify(before) === JSON.stringify(all)) break;
      if (attempt === 20) throw new Error('/var/log/containers kept changing for 20 listings');
      await new Promise((r) => setTimeout(r, 500));
    }
    const appFiles = all.filter((f) => f.split('/').pop()!.split('_')[1] === NS);
    expect(appFiles.length).toBeGreaterThan(5);
    expect(matched.sort()).toEqual(appFiles.sort());
    expect(all.some((f) => f.includes(`_${OTHER_NS}_`))).toBe(true);

    const required = ['timestamp', 'level', 'process_target', 'pod_name', 'namespace', 'message'];
    let lines = 0;
    for (const f of matched) {
      let partial = '';
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch (e) {
        // A pod of an earlier test removed since the listing: its file went with it.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      // The runtime may be writing this file now: a last line without its newline is not complete yet.
      const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
      for (const raw of complete.split('\n')) {
        if (!raw) continue;
        const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/.exec(raw);
        expect(m, `${f}: not a CRI line: ${raw.slice(0, 200)}`).not.toBeNull();
        partial += m![4];
        if (m![3] === 'P') continue;
        const line = partial;
        partial = '';
        lines++;
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line);
        } catch {
          throw new Error(`${f}: not JSON: ${line.slice(0, 300)}`);
        }
        expect(typeof obj === 'object' && obj !== null && !Array.isArray(obj), line).toBe(true);
        for (const k of required) expect(obj, `${f}: ${k} missing in ${line.slice(0, 300)}`).toHaveProperty(k);
        for (const s of secretValues) expect(line.includes(s), `${f}: a secret value in ${line.slice(0, 120)}…`).toBe(false);
      }
    }
    results.logLinesChecked = lines;
    expect(lines).toBeGreaterThan(100);
  }, 600_000);

  it('never printed a secret value in any railyard output', () => {
    expect(outputs.length).toBeGreaterThan(2);
    for (const o of outputs) for (const s of secretValues) expect(o.stdout + o.stderr).not.toContain(s);
  });
});
