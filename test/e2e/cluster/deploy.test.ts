// `railyard deploy`, `history` and `rollback` against the local control plane
// (real kube-apiserver, controller-manager and scheduler; kwok nodes). The
// tests run in order and build on each other, like successive releases.
//
// kwok stages (scripts/cluster/kwok-stages.yaml) pick pod behaviour from the
// image tag: "fail-migration" makes Job pods exit 1, "never-ready" keeps
// Deployment pods unready.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlJson, railyard, requireCluster, ROOT, tempDir, type RunResult } from './support.js';

const NS = 'e2e-deploy';
const example = join(ROOT, 'examples/storecove/railyard.config.ts');

/** A config folder: the Storecove example in its own namespace, optionally changed. */
function configDir(name: string, body: string): string {
  const dir = join(tempDir('cfg'), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'railyard.config.ts'),
    `import { defineApp } from 'railyard';\nimport storecove from ${JSON.stringify(example)};\nconst base = { ...storecove, namespace: ${JSON.stringify(NS)}, rollbar: { environment: 'e2e' } };\nexport default defineApp(${body});\n`,
  );
  return dir;
}

const full = configDir('full', 'base');
/** The first CronJob task removed. */
const fewer = configDir('fewer', '{ ...base, cron: { ...base.cron, tasks: base.cron.tasks.slice(1) } }');

let kubeconfig: string;
const outputs: RunResult[] = [];
const secretValues: string[] = [];
const rollbarToken = `rbtok-${randomBytes(12).toString('hex')}`;

interface Recorded {
  method: string;
  url: string;
  token: string | undefined;
  body: Record<string, unknown>;
}
const rollbarRequests: Recorded[] = [];
let rollbar: Server;
let rollbarUrl: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await railyard([...args, '--kubeconfig', kubeconfig], { ROLLBAR_ACCESS_TOKEN: rollbarToken, RAILYARD_ROLLBAR_URL: rollbarUrl, ...env });
  outputs.push(r);
  return r;
}

const deploy = (cfg: string, tag: string, ...extra: string[]) => cli(['deploy', cfg, '--image-tag', tag, '--timeout', '90', ...extra]);

type Deployment = { metadata: { name: string; generation: number; uid: string }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } }; status: { updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number; observedGeneration?: number } };

async function deployments(): Promise<Map<string, Deployment>> {
  const list = await kubectlJson<{ items: Deployment[] }>(kubeconfig, ['get', 'deployments', '-n', NS]);
  return new Map(list.items.map((d) => [d.metadata.name, d]));
}

async function cronJobNames(): Promise<string[]> {
  const list = await kubectlJson<{ items: { metadata: { name: string } }[] }>(kubeconfig, ['get', 'cronjobs', '-n', NS]);
  return list.items.map((c) => c.metadata.name).sort();
}

/**
 * What railyard last applied to each object in the app namespace: the time of
 * its field manager's entry and the spec (without replicas, which the HPA
 * changes on its own). Unchanged means nothing was applied.
 */
async function appliedState(): Promise<Record<string, string>> {
  type Item = { kind: string; metadata: { name: string; managedFields?: { manager: string; operation: string; time: string }[] }; spec?: Record<string, unknown>; data?: unknown };
  const list = await kubectlJson<{ items: Item[] }>(kubeconfig, ['get', 'deployments,cronjobs,hpa,pdb,ingress,services,configmaps,serviceaccounts', '-n', NS, '--show-managed-fields']);
  return Object.fromEntries(
    list.items.map((o) => {
      const { replicas: _replicas, ...spec } = (o.spec ?? {}) as { replicas?: number };
      const applied = o.metadata.managedFields?.find((m) => m.manager === 'railyard' && m.operation === 'Apply')?.time ?? 'never';
      return [`${o.kind}/${o.metadata.name}`, `${applied} ${JSON.stringify(spec)} ${JSON.stringify(o.data ?? null)}`];
    }),
  );
}

const tagOf = (d: Deployment) => d.spec.template.spec.containers[0]!.image.split(':').pop()!;

async function history(cfg = full): Promise<{ revision: number; status: string; imageTag: string; rollbackOf?: number }[]> {
  const r = await cli(['history', cfg, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => res(b));
  });
}

beforeAll(async () => {
  kubeconfig = await requireCluster();
  // A Rollbar stand-in that records what it is sent.
  rollbar = createServer(async (req, res) => {
    const body = await readBody(req);
    rollbarRequests.push({ method: req.method!, url: req.url!, token: req.headers['x-rollbar-access-token'] as string | undefined, body: body ? JSON.parse(body) : {} });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ err: 0, data: { deploy_id: 4242 } }));
  });
  await new Promise<void>((r) => rollbar.listen(0, '127.0.0.1', r));
  rollbarUrl = `http://127.0.0.1:${(rollbar.address() as { port: number }).port}/api/1/deploy`;

  // Start from nothing, then give every secret the config declares a real,
  // recognisable value: no output may ever contain one.
  await kubectl(kubeconfig, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s', '--ignore-not-found']);
  const ns = await kubectl(kubeconfig, ['create', 'namespace', NS]);
  expect(ns.code, ns.stderr).toBe(0);
  const { loadConfig } = await import('../../../src/config/load.js');
  const { app } = await loadConfig(full);
  for (const s of app.secrets.filter((x) => (x.namespace ?? NS) === NS)) {
    const data: Record<string, string> = {};
    for (const k of s.keys) {
      const v = `sv-${randomBytes(10).toString('hex')}`;
      secretValues.push(v);
      data[k.replace(/\*/g, 'X')] = Buffer.from(v).toString('base64');
    }
    const r = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: NS }, data }));
    expect(r.code, r.stderr).toBe(0);
  }
  secretValues.push(rollbarToken);
}, 180_000);

afterAll(async () => {
  await new Promise((r) => rollbar?.close(r));
});

describe.sequential('railyard deploy on the local control plane', () => {
  it('a fresh deploy runs the migration, makes every Deployment available and creates all 16 CronJobs', async () => {
    const r = await deploy(full, 'rel0001', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, revision: 1, imageTag: 'rel0001' });

    const job = await kubectlJson(kubeconfig, ['get', 'job', '-n', NS, '-l', 'app.kubernetes.io/component=migrate']);
    expect(job.items).toHaveLength(1);
    expect(job.items[0].status.succeeded).toBe(1);
    expect(job.items[0].spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: expect.any(Number), ttlSecondsAfterFinished: expect.any(Number) });

    const ds = await deployments();
    expect([...ds.keys()].sort()).toEqual(['kafka-new-document', 'kafka-received-status', 'kafka-sending-status', 'rails-server', 'worker-primary', 'worker-secondary']);
    for (const d of ds.values()) {
      expect(d.status.updatedReplicas, d.metadata.name).toBe(d.spec.replicas);
      expect(d.status.availableReplicas, d.metadata.name).toBeGreaterThanOrEqual(d.spec.replicas);
      expect(tagOf(d)).toMatch(/-rel0001$/);
    }
    expect(await cronJobNames()).toHaveLength(16);
    expect(await history()).toEqual([expect.objectContaining({ revision: 1, status: 'deployed', imageTag: 'rel0001' })]);

    // Rollbar heard `started`, then `succeeded` on the same deploy id, with the token in a header only.
    expect(rollbarRequests.map((q) => `${q.method} ${q.url} ${q.body.status}`)).toEqual(['POST /api/1/deploy started', 'PATCH /api/1/deploy/4242 succeeded']);
    expect(rollbarRequests.every((q) => q.token === rollbarToken)).toBe(true);
    expect(rollbarRequests[0]!.body).toMatchObject({ environment: 'e2e', revision: 'rel0001' });
    expect(JSON.stringify(rollbarRequests.map((q) => q.body))).not.toContain(rollbarToken);
  }, 240_000);

  it('a second deploy with a new tag rolls every Deployment, the web tier first', async () => {
    const before = await deployments();
    const r = await deploy(full, 'rel0002');
    expect(r.code, r.stderr).toBe(0);
    const after = await deployments();
    for (const [name, d] of after) {
      expect(tagOf(d), name).toMatch(/-rel0002$/);
      expect(d.metadata.generation, name).toBeGreaterThan(before.get(name)!.metadata.generation);
      expect(d.status.updatedReplicas, name).toBe(d.spec.replicas);
    }
    // The output shows the web rollout finished before the other workloads were applied.
    const lines = r.stdout.split('\n');
    const webDone = lines.findIndex((l) => /Deployment\/rails-server: done/.test(l));
    const workloads = lines.findIndex((l) => /^== apply workloads/.test(l));
    expect(webDone).toBeGreaterThan(-1);
    expect(workloads).toBeGreaterThan(webDone);
    // And the cluster agrees: the web tier's new ReplicaSet is no younger than any other's.
    const rs = await kubectlJson<{ items: { metadata: { creationTimestamp: string; ownerReferences: { name: string }[] }; spec: { template: { spec: { containers: { image: string }[] } } } }[] }>(kubeconfig, ['get', 'replicasets', '-n', NS]);
    const created = (dep: string) => rs.items.filter((x) => x.metadata.ownerReferences[0]!.name === dep && x.spec.template.spec.containers[0]!.image.endsWith('-rel0002')).map((x) => Date.parse(x.metadata.creationTimestamp))[0]!;
    for (const name of after.keys()) expect(created('rails-server')).toBeLessThanOrEqual(created(name));
  }, 240_000);

  it('a failing migration applies nothing and exits non-zero', async () => {
    const before = await appliedState();
    const sent = rollbarRequests.length;
    const r = await deploy(full, 'fail-migration-3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at migrate/);
    expect(r.stderr).toMatch(/nothing was applied/);
    expect(r.stderr).toMatch(/exited 1/); // the failing pod's own reason
    expect(r.stdout).not.toMatch(/== apply/);
    expect(await appliedState()).toEqual(before);
    for (const d of (await deployments()).values()) expect(tagOf(d)).toMatch(/-rel0002$/);
    expect((await history()).at(-1)).toMatchObject({ status: 'failed', imageTag: 'fail-migration-3' });
    expect(rollbarRequests.slice(sent).map((q) => q.body.status)).toEqual(['started', 'failed']);
  }, 240_000);

  it('a rollout that never becomes ready is rolled back to the previous revision and exits non-zero', async () => {
    const before = await deployments();
    const r = await cli(['deploy', full, '--image-tag', 'never-ready-4', '--timeout', '15']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at rollout/);
    expect(r.stderr).toMatch(/rails-server/);
    expect(r.stderr).toMatch(/readiness probe failed/); // the failing pod's condition
    expect(r.stderr).toMatch(/rolled back: Deployment\/e2e-deploy\/rails-server/);
    const after = await deployments();
    const web = after.get('rails-server')!;
    expect(tagOf(web)).toBe('rails-rel0002');
    expect(web.status.updatedReplicas).toBe(web.spec.replicas);
    // The web tier is the barrier: nothing else saw the bad release.
    for (const [name, d] of after) {
      if (name === 'rails-server') continue;
      expect(d.metadata.generation, name).toBe(before.get(name)!.metadata.generation);
      expect(tagOf(d), name).toMatch(/-rel0002$/);
    }
    expect((await history()).at(-1)).toMatchObject({ status: 'failed', imageTag: 'never-ready-4' });
  }, 240_000);

  it('a CronJob removed from the config is pruned (and kept with --no-prune)', async () => {
    const all = await cronJobNames();
    expect(all).toHaveLength(16);
    const kept = await deploy(fewer, 'rel0005', '--no-prune');
    expect(kept.code, kept.stderr).toBe(0);
    expect(await cronJobNames()).toEqual(all);

    const r = await deploy(fewer, 'rel0006');
    expect(r.code, r.stderr).toBe(0);
    const left = await cronJobNames();
    expect(left).toHaveLength(15);
    const removed = all.filter((n) => !left.includes(n));
    expect(removed).toHaveLength(1);
    expect(r.stdout).toContain(`pruned CronJob/${NS}/${removed[0]}`);
  }, 240_000);

  it('a concurrent deploy is refused by the lock, naming the holder; an expired lock is taken over', async () => {
    // A deploy in progress (its web rollout never becomes ready, so it holds the
    // Lease for its whole 20 s timeout) and a second one started meanwhile.
    // Its migration Job name is the same as never-ready-4's (Job names keep 12
    // characters of the tag): the completed Job must be replaced, not dry-run over.
    const first = spawn(process.execPath, [join(ROOT, 'bin/railyard.js'), 'deploy', full, '--image-tag', 'never-ready-lk', '--timeout', '20', '--kubeconfig', kubeconfig], {
      env: { ...process.env, NO_COLOR: '1', ROLLBAR_ACCESS_TOKEN: rollbarToken, RAILYARD_ROLLBAR_URL: rollbarUrl },
    });
    const firstOut: RunResult = { code: -1, stdout: '', stderr: '' };
    first.stderr.on('data', (d) => (firstOut.stderr += d));
    const firstExit = new Promise<number>((resolve) => first.on('exit', (code) => resolve(code ?? -1)));
    await new Promise<void>((resolve) =>
      first.stdout.on('data', (d) => {
        firstOut.stdout += d;
        if (firstOut.stdout.includes('== preflight')) resolve(); // the lock step is done by now
      }),
    );
    const second = await deploy(full, 'rel0008');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another deploy holds the lock: \S+@\S+\/\d+/);
    expect(second.stdout).not.toMatch(/== (preflight|migrate|apply)/);
    firstOut.code = await firstExit;
    outputs.push(firstOut);
    expect(firstOut.code).toBe(1); // its own rollout failed and was rolled back
    expect(firstOut.stderr).toMatch(/rolled back: Deployment\/e2e-deploy\/rails-server/);

    // A lock held by a live deploy elsewhere: refused at once.
    const lease = (renewedSecondsAgo: number) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'railyard-deploy-storecove', namespace: NS },
      spec: { holderIdentity: 'ci-runner@elsewhere/99', leaseDurationSeconds: 60, renewTime: new Date(Date.now() - renewedSecondsAgo * 1000).toISOString().replace('Z', '000Z') },
    });
    const put = await kubectl(kubeconfig, ['replace', '-f', '-'], JSON.stringify(lease(0)));
    expect(put.code, put.stderr).toBe(0);
    const t0 = Date.now();
    const refused = await deploy(full, 'rel0009');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('another deploy holds the lock: ci-runner@elsewhere/99');
    expect(Date.now() - t0).toBeLessThan(15_000);

    // A crashed deploy stops renewing: once its lease expires, --wait-lock takes it over.
    const stale = await kubectl(kubeconfig, ['replace', '-f', '-'], JSON.stringify(lease(57)));
    expect(stale.code, stale.stderr).toBe(0);
    const waited = await deploy(full, 'rel0010', '--wait-lock', '60');
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('waiting for the lock held by ci-runner@elsewhere/99');
    const after = await kubectlJson(kubeconfig, ['get', 'lease', 'railyard-deploy-storecove', '-n', NS]);
    expect(after.spec.holderIdentity ?? '').toBe(''); // released when done
  }, 300_000);

  it('history lists the releases and rollback re-applies one', async () => {
    const h = await history();
    const good = h.find((x) => x.imageTag === 'rel0002')!;
    expect(good.status).toBe('superseded');
    expect(h.map((x) => x.status)).toContain('failed');
    expect(h.at(-1)).toMatchObject({ status: 'deployed', imageTag: 'rel0010' });

    const text = await cli(['history', full]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/REVISION\s+STATUS\s+IMAGE TAG/);

    const r = await cli(['rollback', full, String(good.revision), '--timeout', '90']);
    expect(r.code, r.stderr).toBe(0);
    for (const d of (await deployments()).values()) expect(tagOf(d)).toMatch(/-rel0002$/);
    expect(await cronJobNames()).toHaveLength(16); // rel0002 had all of them
    const after = await history();
    expect(after.at(-1)).toMatchObject({ status: 'deployed', imageTag: 'rel0002', rollbackOf: good.revision });
    expect(after.filter((x) => x.status === 'deployed')).toHaveLength(1);

    const missing = await cli(['rollback', full, '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/release 999 is not in the history/);
  }, 240_000);

  it('nothing in any output or release record contains a secret value', async () => {
    expect(outputs.length).toBeGreaterThan(10);
    expect(secretValues.length).toBeGreaterThan(10);
    const records = await kubectlJson<{ items: { data: { release: string } }[] }>(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/release-of=storecove']);
    expect(records.items.length).toBeGreaterThan(5);
    const texts = [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...records.items.map((s) => gunzipSync(Buffer.from(s.data.release, 'base64')).toString('utf8'))];
    for (const v of secretValues) for (const t of texts) expect(t.includes(v), `a secret value leaked`).toBe(false);
    // The scan can see what it looks for: the rendered pods do reference the secrets by name.
    expect(texts.join('\n')).toContain('storecove-app-rollbar');
  }, 60_000);
});
