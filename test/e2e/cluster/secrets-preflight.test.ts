// The secrets preflight on the local control plane: `railyard deploy` stops
// before it touches anything when a Secret the model references is missing or
// lacks a declared key, and lists what is missing; `railyard check --cluster`
// gives the same answer on its own. Key names only: no value ever shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { App } from '../../../src/config/schema.js';
import { kubectl, kubectlJson, plantSecrets, railyard, requireCluster, ROOT, tempDir, type RunResult } from './support.js';

const NS = 'e2e-harden-secrets';
const LOGGING = 'e2e-harden-secrets-logging';
let kubeconfig: string;
let cfg: string;
let app: App;
const outputs: RunResult[] = [];
const values: string[] = [];

async function cli(args: string[]): Promise<RunResult> {
  const r = await railyard([...args, '--kubeconfig', kubeconfig], {}, 120_000);
  outputs.push(r);
  return r;
}

async function leftovers(): Promise<string[]> {
  const r = await kubectl(kubeconfig, ['get', 'deployments,cronjobs,jobs,leases,services,configmaps,networkpolicies', '-n', NS, '-o', 'name']);
  // configmaps: the API server puts kube-root-ca.crt in every namespace.
  return r.stdout.split('\n').filter((l) => l && l !== 'configmap/kube-root-ca.crt');
}

beforeAll(async () => {
  kubeconfig = await requireCluster();
  await kubectl(kubeconfig, ['delete', 'namespace', NS, LOGGING, '--wait=true', '--timeout=90s', '--ignore-not-found']);
  cfg = join(tempDir('harden-secrets'), 'cfg');
  mkdirSync(cfg, { recursive: true });
  // The example in its own namespaces (its logging namespace too: `logging` is shared by other suites).
  writeFileSync(
    join(cfg, 'railyard.config.ts'),
    `import { defineApp } from 'railyard';
import base from ${JSON.stringify(join(ROOT, 'examples/storecove/railyard.config.ts'))};
export default defineApp({
  ...base,
  namespace: ${JSON.stringify(NS)},
  secrets: base.secrets.map((s) => (s.namespace === 'logging' ? { ...s, namespace: ${JSON.stringify(LOGGING)} } : s)),
  logging: { fluentBit: { ...base.logging.fluentBit!, namespace: ${JSON.stringify(LOGGING)}, scheduling: { nodeSelector: { type: 'kwok' }, tolerations: [] } } },
});
`,
  );
  ({ app } = await loadConfig(cfg));
}, 120_000);

afterAll(async () => {
  if (kubeconfig) await kubectl(kubeconfig, ['delete', 'namespace', NS, LOGGING, '--ignore-not-found', '--wait=false']);
});

describe.sequential('the secrets preflight', () => {
  it('with no namespace at all: deploy lists every referenced Secret as missing, exits 1 and creates nothing, not even the namespace', async () => {
    const r = await cli(['deploy', cfg, '--image-tag', 'sec0001', '--timeout', '30']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('failed at secrets: 14 missing secrets or keys; nothing was applied');
    expect(r.stderr).toContain(`Secret ${LOGGING}/storecove-app-logzio does not exist`);
    expect(r.stderr).toContain(`Secret ${NS}/mysql-ca-cert does not exist`);
    // The CI-only use of the Rollbar secret does not exempt it: the web tier reads it too.
    expect(r.stderr).toContain(`Secret ${NS}/storecove-app-rollbar does not exist`);
    expect(r.stdout).not.toMatch(/== (lock|migrate|apply)/);
    const ns = await kubectl(kubeconfig, ['get', 'namespace', NS]);
    expect(ns.code).not.toBe(0);
    expect(ns.stderr).toMatch(/not found/);
  }, 120_000);

  it('with one Secret and one key missing: check --cluster and deploy name exactly those two, and deploy leaves the namespace untouched', async () => {
    const planted = await plantSecrets(kubeconfig, app, ['storecove-app-intercom-credentials', 'storecove-app-kafka-credentials/KAFKA_PRODUCER']);
    values.push(...planted.map((p) => p.value));
    expect(planted.length).toBeGreaterThan(40);

    const c = await cli(['check', cfg, '--cluster']);
    expect(c.code, c.stderr).toBe(1);
    expect(c.stdout).toBe(`Missing (2)\n  Secret ${NS}/storecove-app-kafka-credentials has no key KAFKA_PRODUCER\n  Secret ${NS}/storecove-app-intercom-credentials does not exist\n`);
    const j = await cli(['check', cfg, '--cluster', '--format', 'json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report.missing).toEqual([
      { namespace: NS, name: 'storecove-app-kafka-credentials', keys: ['KAFKA_PRODUCER'] },
      { namespace: NS, name: 'storecove-app-intercom-credentials' },
    ]);
    expect(report.checked).toHaveLength(14);

    const d = await cli(['deploy', cfg, '--image-tag', 'sec0002', '--timeout', '30', '--json']);
    expect(d.code, d.stderr).toBe(1);
    expect(JSON.parse(d.stdout)).toMatchObject({ ok: false, applied: [], failure: { step: 'secrets' }, missingSecrets: report.missing });
    expect(d.stderr).toContain(`Secret ${NS}/storecove-app-kafka-credentials has no key KAFKA_PRODUCER`);
    // No lock, no release record, no migration Job, no workload.
    expect(await leftovers()).toEqual([]);
    const records = await kubectlJson(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/release-of=storecove']);
    expect(records.items).toEqual([]);
  }, 180_000);

  it('once the Secret and the key are there, check --cluster passes', async () => {
    const planted = await plantSecrets(kubeconfig, app, app.secrets.filter((s) => !['storecove-app-intercom-credentials', 'storecove-app-kafka-credentials'].includes(s.name)).map((s) => s.name));
    values.push(...planted.map((p) => p.value));
    const c = await cli(['check', cfg, '--cluster']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toBe('ok: all 14 Secrets the model references exist with every declared key\n');
  }, 120_000);

  it('rollback runs the same preflight over what the recorded release reads: a deleted Secret stops it before anything changes', async () => {
    for (const tag of ['sec0003', 'sec0004']) {
      const d = await cli(['deploy', cfg, '--image-tag', tag, '--timeout', '180']);
      expect(d.code, d.stdout + d.stderr).toBe(0);
    }
    const del = await kubectl(kubeconfig, ['delete', 'secret', 'storecove-app-peppol-credentials', '-n', NS]);
    expect(del.code, del.stderr).toBe(0);
    const before = await kubectlJson(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/release-of=storecove']);

    const r = await cli(['rollback', cfg, '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, imageTag: 'sec0003', applied: [], failure: { step: 'secrets' }, missingSecrets: [{ namespace: NS, name: 'storecove-app-peppol-credentials' }] });
    expect(r.stderr).toContain(`rollback failed at secrets: 1 missing secret or key; nothing was applied:\n  Secret ${NS}/storecove-app-peppol-credentials does not exist`);
    // No new release record, no lock taken, and the workloads still run the newer release.
    const after = await kubectlJson(kubeconfig, ['get', 'secrets', '-n', NS, '-l', 'railyard.dev/release-of=storecove']);
    expect(after.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(before.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort());
    const web = await kubectlJson(kubeconfig, ['get', 'deployment', 'rails-server', '-n', NS]);
    expect(web.spec.template.spec.containers[0].image).toMatch(/sec0004$/);
    const lease = await kubectl(kubeconfig, ['get', 'lease', 'railyard-deploy-storecove', '-n', NS, '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(lease.stdout).toBe('');
  }, 600_000);

  it('an unreachable cluster is exit 2, not a list of missing Secrets', async () => {
    const dir = tempDir('harden-unreachable');
    const kc = join(dir, 'kubeconfig');
    // Port 1 on loopback: nothing listens there.
    writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
    const r = await railyard(['check', cfg, '--cluster', '--kubeconfig', kc]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/read Secret/);
  }, 60_000);

  it('never printed a Secret value', () => {
    expect(values.length).toBeGreaterThan(40);
    for (const o of outputs) for (const v of values) expect(o.stdout + o.stderr).not.toContain(v);
  });
});
