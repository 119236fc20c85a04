// `railyard deploy`, `history` and `rollback` against the local control plane
// (real kube-apiserver, controller-manager and scheduler; kwok nodes). The
// tests run in order and build on each other, like successive releases.
//
// kwok stages (scripts/cluster/kwok-stages.yaml) pick pod behaviour from the
// image tag: "fail-migration" makes Job pods exit 1, "never-ready" keeps
// Deployment pods unready.
//
// Secret values are planted where railyard reads them (the Secrets the model
// references, which the secrets preflight of issue 13 reads; the Rollbar token;
// the kubeconfig's key material) and the last test scans everywhere railyard
// writes for them (test/support/secret-scan.ts; test/deploy/secret-scan.test.ts
// shows the scan finds a leak in every form).
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { App } from '../../../src/config/schema.js';
import { instanceSelector } from '../../../src/deploy/plan.js';
import { renderManifests } from '../../../src/render/kubernetes/index.js';
import { migrationJobName } from '../../../src/render/kubernetes/jobs.js';
import { findLeaks, kubeconfigCredentials, releaseRecordText, type Place, type Planted } from '../../support/secret-scan.js';
import { kubectl, kubectlJson, kwokOnlyLogging, railyard, requireCluster, ROOT, tempDir, type RunResult } from './support.js';

const NS = 'e2e-deploy';
/**
 * Its own logging namespace: the example's `logging` is shared by the other
 * kwok suites running at the same time, and they plant their own Logz.io token
 * there, which would overwrite the value this suite scans for.
 */
const LOGGING_NS = 'e2e-deploy-logging';
const example = join(ROOT, 'examples/storecove/railyard.config.ts');

/** A config folder: the Storecove example in its own namespace, optionally changed. */
function configDir(name: string, body: string): string {
  const dir = join(tempDir('cfg'), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'railyard.config.ts'),
    `import { defineApp } from 'railyard';\nimport storecove from ${JSON.stringify(example)};\nconst example = { ...storecove, logging: { ...storecove.logging, fluentBit: { ...storecove.logging.fluentBit!, namespace: ${JSON.stringify(LOGGING_NS)} } }, secrets: storecove.secrets.map((s) => (s.namespace === 'logging' ? { ...s, namespace: ${JSON.stringify(LOGGING_NS)} } : s)) };\nconst base = { ...example, namespace: ${JSON.stringify(NS)}, rollbar: { environment: 'e2e' }, ${kwokOnlyLogging('example')} };\nexport default defineApp(${body});\n`,
  );
  return dir;
}

const full = configDir('full', 'base');
/** The first CronJob task removed. */
const fewer = configDir('fewer', '{ ...base, cron: { ...base.cron, tasks: base.cron.tasks.slice(1) } }');

let kubeconfig: string;
/** The `full` config's model (namespace NS). */
let app: App;
const outputs: RunResult[] = [];
/** Values railyard reads and must never show; the last test scans for them. */
const planted: Planted[] = [];
/** The Secrets the model references, as planted: where the preflight will read them. */
const plantedSecrets: { namespace: string; name: string }[] = [];
const rollbarToken = `rbtok-${randomBytes(12).toString('hex')}`;

interface Recorded {
  method: string;
  url: string;
  token: string | undefined;
  headers: IncomingHttpHeaders;
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
    rollbarRequests.push({ method: req.method!, url: req.url!, token: req.headers['x-rollbar-access-token'] as string | undefined, headers: { ...req.headers }, body: body ? JSON.parse(body) : {} });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ err: 0, data: { deploy_id: 4242 } }));
  });
  await new Promise<void>((r) => rollbar.listen(0, '127.0.0.1', r));
  rollbarUrl = `http://127.0.0.1:${(rollbar.address() as { port: number }).port}/api/1/deploy`;

  // Start from nothing, then give every secret the config declares (in the app
  // namespace and in the logging one) a real, recognisable value: what the
  // secrets preflight will read. No output may ever contain one.
  await kubectl(kubeconfig, ['delete', 'namespace', NS, LOGGING_NS, '--wait=true', '--timeout=120s', '--ignore-not-found']);
  const ns = await kubectl(kubeconfig, ['create', 'namespace', NS]);
  expect(ns.code, ns.stderr).toBe(0);
  ({ app } = await loadConfig(full));
  for (const s of app.secrets) {
    const namespace = s.namespace ?? NS;
    if (namespace !== NS) {
      // The suite's logging namespace: created here, once.
      const made = await kubectl(kubeconfig, ['create', 'namespace', namespace]);
      expect(made.code === 0 || /AlreadyExists/.test(made.stderr), made.stderr).toBe(true);
    }
    const data: Record<string, string> = {};
    for (const k of s.keys) {
      const key = k.replace(/\*/g, 'X');
      const v = `sv-${randomBytes(10).toString('hex')}`;
      planted.push({ label: `Secret ${namespace}/${s.name} key ${key}`, value: v });
      data[key] = Buffer.from(v).toString('base64');
    }
    const r = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace }, data }));
    expect(r.code, r.stderr).toBe(0);
    plantedSecrets.push({ namespace, name: s.name });
  }
  planted.push({ label: 'the Rollbar token (ROLLBAR_ACCESS_TOKEN)', value: rollbarToken });
  // The credentials railyard reads from the kubeconfig.
  planted.push(...kubeconfigCredentials(parseYaml(readFileSync(kubeconfig, 'utf8'))));
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

    // The web tier's allow rule as stored, with its sources: client-node's models
    // once dropped `from`, which stored a rule that admits every source.
    const allow = await kubectlJson(kubeconfig, ['get', 'networkpolicy', 'rails-server-allow-ingress', '-n', NS]);
    expect(allow.spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } } }], ports: [{ protocol: 'TCP', port: 3000 }] }]);

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

  it('the same tag deployed again keeps its completed migration Job: not re-run, not replaced', async () => {
    const name = migrationJobName(app, 'rel0002');
    const job = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(job.status.succeeded).toBe(1);
    const r = await deploy(full, 'rel0002');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Job/${NS}/${name} already completed for this image tag; not re-running it`);
    expect(r.stdout).not.toContain('started Job/');
    const same = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(same.metadata.uid).toBe(job.metadata.uid);
    for (const d of (await deployments()).values()) expect(tagOf(d)).toMatch(/-rel0002$/);
  }, 240_000);

  it('a migration Job still running for this tag is waited for, never deleted or started again', async () => {
    // An interrupted deploy leaves its migration running (src/deploy/migrate.ts).
    // Stand-in: this tag's own Job, created suspended, so it runs until resumed.
    const name = migrationJobName(app, 'rel0002');
    expect((await kubectl(kubeconfig, ['delete', 'job', name, '-n', NS, '--wait=true'])).code).toBe(0);
    const out = tempDir('running-job');
    const s = await railyard(['synth', full, '--out', out, '--image-tag', 'rel0002', '--quiet', '--no-runtime']);
    expect(s.code, s.stderr).toBe(0);
    const manifest = parseYaml(readFileSync(join(out, 'migrate/job.yaml'), 'utf8')) as { spec: Record<string, unknown> };
    manifest.spec.suspend = true;
    expect((await kubectl(kubeconfig, ['create', '-f', '-'], JSON.stringify(manifest))).code).toBe(0);
    const running = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);

    const child = spawn(process.execPath, [join(ROOT, 'bin/railyard.js'), 'deploy', full, '--image-tag', 'rel0002', '--timeout', '90', '--kubeconfig', kubeconfig], {
      env: { ...process.env, NO_COLOR: '1', ROLLBAR_ACCESS_TOKEN: rollbarToken, RAILYARD_ROLLBAR_URL: rollbarUrl },
    });
    const r: RunResult = { code: -1, stdout: '', stderr: '' };
    child.stderr.on('data', (d) => (r.stderr += d));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    const notice = `Job/${NS}/${name} is still running from an earlier deploy of this image tag; waiting for it`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no notice within 60 s:\n${r.stdout}\n${r.stderr}`)), 60_000);
      child.stdout.on('data', (d) => {
        r.stdout += d;
        if (r.stdout.includes(notice)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // railyard is waiting on it: the Job is the same one, not deleted.
    await new Promise((res) => setTimeout(res, 2000));
    const waiting = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(waiting.metadata.uid).toBe(running.metadata.uid);
    expect(waiting.metadata.deletionTimestamp).toBeUndefined();

    // Resumed, it completes, and the deploy goes on with its result.
    expect((await kubectl(kubeconfig, ['patch', 'job', name, '-n', NS, '--type=merge', '-p', '{"spec":{"suspend":false}}'])).code).toBe(0);
    r.code = await exited;
    outputs.push(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('started Job/');
    const done = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(done.metadata.uid).toBe(running.metadata.uid);
    expect(done.status.succeeded).toBe(1);
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

  it('the same tag deployed again replaces its failed migration Job: deleted and created anew, not applied over', async () => {
    // src/deploy/migrate.ts: an existing Job that did not complete for this tag is
    // deleted and created again (a Job's pod template is immutable, and applying
    // the same failed Job would change nothing). Migration Job names end in a
    // hash of the whole tag, so only the same tag reaches this branch.
    const name = migrationJobName(app, 'fail-migration-3');
    const failed = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(failed.status.failed).toBe(1);
    const before = await appliedState();
    const r = await deploy(full, 'fail-migration-3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at migrate/);
    expect(r.stderr).toMatch(/exited 1/); // the new Job's pod failed in turn
    expect(r.stdout).toContain(`started Job/${name}`);
    expect(r.stdout).not.toContain('already completed');
    const again = await kubectlJson(kubeconfig, ['get', 'job', name, '-n', NS]);
    expect(again.metadata.uid).not.toBe(failed.metadata.uid);
    expect(Date.parse(again.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(failed.metadata.creationTimestamp));
    // The condition railyard stopped on (status.failed may still be uncounted at this instant).
    expect((again.status.conditions ?? []).some((c: { type: string; status: string }) => ['Failed', 'FailureTarget'].includes(c.type) && c.status === 'True')).toBe(true);
    expect(await appliedState()).toEqual(before);
    expect((await history()).at(-1)).toMatchObject({ status: 'failed', imageTag: 'fail-migration-3' });
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
    const first = spawn(process.execPath, [join(ROOT, 'bin/railyard.js'), 'deploy', full, '--image-tag', 'never-ready-lk', '--timeout', '20', '--kubeconfig', kubeconfig], {
      env: { ...process.env, NO_COLOR: '1', ROLLBAR_ACCESS_TOKEN: rollbarToken, RAILYARD_ROLLBAR_URL: rollbarUrl },
    });
    const firstOut: RunResult = { code: -1, stdout: '', stderr: '' };
    first.stderr.on('data', (d) => (firstOut.stderr += d));
    const firstExit = new Promise<number>((resolve) => first.on('exit', (code) => resolve(code ?? -1)));
    await new Promise<void>((resolve) =>
      first.stdout.on('data', (d) => {
        firstOut.stdout += d;
        if (firstOut.stdout.includes('== preflight: server-side dry run')) resolve(); // the lock step is done by now
      }),
    );
    const second = await deploy(full, 'rel0008');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another deploy holds the lock: \S+@\S+\/\d+/);
    // The secrets preflight reads only, so it runs before the lock; nothing after the lock ran.
    expect(second.stdout).not.toMatch(/== (preflight: server-side|migrate|apply)/);
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
    // 15 s left on it: enough for railyard to start and find it held even on a loaded machine
    // (with 3 s left it had sometimes expired before the first read).
    const stale = await kubectl(kubeconfig, ['replace', '-f', '-'], JSON.stringify(lease(45)));
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

  it('no planted secret value shows anywhere railyard writes: its output (--json included), the release records, the objects it applied, the Lease, Rollbar', async () => {
    expect(outputs.length).toBeGreaterThan(10);
    expect(outputs.filter((o) => o.stdout.trimStart().startsWith('{') || o.stdout.trimStart().startsWith('[')).length).toBeGreaterThanOrEqual(2); // deploy --json, history --json
    expect(planted.filter((p) => p.label.startsWith('Secret ')).length).toBeGreaterThan(10);
    expect(planted.filter((p) => p.label.startsWith('kubeconfig ')).length).toBeGreaterThan(0);

    const places: Place[] = outputs.flatMap((o, i) => [
      { name: `CLI run ${i + 1} stdout`, text: o.stdout },
      { name: `CLI run ${i + 1} stderr`, text: o.stderr },
    ]);
    // The release records, as railyard wrote them (gzip undone).
    const records = await kubectlJson<{ items: { metadata: { name: string }; data: Record<string, string> }[] }>(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/release-of=storecove']);
    expect(records.items.length).toBeGreaterThan(5);
    for (const s of records.items) places.push({ name: `release record ${s.metadata.name}`, text: releaseRecordText(s) });
    // Everything railyard applied, in every namespace it renders into, and the Lease it holds.
    const namespaces = [...new Set(renderManifests(app, { imageTag: 'rel0002' }).flatMap((f) => f.objects).map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
    expect(namespaces).toContain(NS);
    let applied = 0;
    for (const namespace of namespaces) {
      const list = await kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>(kubeconfig, ['get', 'deployments,daemonsets,statefulsets,jobs,cronjobs,services,configmaps,serviceaccounts,roles,rolebindings,horizontalpodautoscalers,poddisruptionbudgets,ingresses,leases', '-n', namespace]);
      for (const o of list.items) places.push({ name: `${o.kind}/${namespace}/${o.metadata.name}`, text: JSON.stringify(o) });
      applied += list.items.length;
    }
    const cluster = await kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>(kubeconfig, ['get', 'clusterroles,clusterrolebindings', '-l', instanceSelector(app)]);
    for (const o of cluster.items) places.push({ name: `${o.kind}/${o.metadata.name}`, text: JSON.stringify(o) });
    expect(applied).toBeGreaterThan(30);
    // What Rollbar was sent, the token's own header aside.
    expect(rollbarRequests.length).toBeGreaterThan(10);
    rollbarRequests.forEach((q, i) => {
      const { 'x-rollbar-access-token': _token, ...headers } = q.headers;
      places.push({ name: `Rollbar request ${i + 1} (${q.method} ${q.url})`, text: JSON.stringify({ url: q.url, headers, body: q.body }) });
    });

    const leaks = findLeaks(planted, places);
    expect(leaks.map((l) => `${l.label} in ${l.place} (${l.form})`)).toEqual([]);

    // The scan sees what it looks for. The planted Secrets hold their values, as
    // the API serves them to a reader such as the preflight…
    const secretsPlanted = planted.filter((p) => p.label.startsWith('Secret '));
    const held: Place[] = [];
    for (const { namespace, name } of plantedSecrets) held.push({ name: `Secret ${namespace}/${name}`, text: JSON.stringify(await kubectlJson(kubeconfig, ['get', 'secret', name, '-n', namespace])) });
    expect(new Set(findLeaks(secretsPlanted, held).map((l) => l.label))).toEqual(new Set(secretsPlanted.map((p) => p.label)));
    // …Rollbar did get the token, in its header and there only…
    const token = planted.filter((p) => p.value === rollbarToken);
    expect(findLeaks(token, rollbarRequests.map((q, i) => ({ name: `Rollbar request ${i + 1} token header`, text: q.token ?? '' })))).toHaveLength(rollbarRequests.length);
    // …and the kubeconfig railyard was given holds the key material looked for.
    const fromKubeconfig = planted.filter((p) => p.label.startsWith('kubeconfig '));
    expect(findLeaks(fromKubeconfig, [{ name: 'kubeconfig', text: readFileSync(kubeconfig, 'utf8') }])).toHaveLength(fromKubeconfig.length);
    // The rendered pods do reference the secrets, by name only.
    expect(places.map((p) => p.text).join('\n')).toContain('storecove-app-rollbar');
  }, 120_000);
});
