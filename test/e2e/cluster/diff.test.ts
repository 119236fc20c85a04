// `railyard diff` against the local control plane (kwok nodes): the Storecove
// example deployed into its own namespace, then compared with releases and configs
// that differ from it in one way each. No logging section: Fluent Bit's namespace is
// shared with other suites, and these cases are about the app's own objects. The app
// is renamed (diffapp) so that its instance label, which pruning selects on, matches
// no cluster-scoped object another suite's Storecove deploy made.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { connect, apply } from '../../../src/deploy/kube.js';
import { renderManifests } from '../../../src/render/kubernetes/index.js';
import { compareObject, formatText, formatJson, onlyImages, type DiffReport } from '../../../src/ops/diff-format.js';
import { kubectl, kubectlJson, railyard, requireCluster, ROOT, tempDir } from './support.js';

const NS = 'e2e-diff';
const example = join(ROOT, 'examples/storecove/railyard.config.ts');

function configDir(name: string, body: string): string {
  const dir = join(tempDir('diff-cfg'), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'railyard.config.ts'),
    `import { defineApp } from 'railyard';\nimport storecove from ${JSON.stringify(example)};\nconst base = { ...storecove, name: 'diffapp', namespace: ${JSON.stringify(NS)}, rollbar: undefined, logging: {}, secrets: storecove.secrets.filter((s) => !s.usedBy.includes('logging')) };\nexport default defineApp(${body});\n`,
  );
  return dir;
}

const full = configDir('full', 'base');
const fewer = configDir('fewer', '{ ...base, cron: { ...base.cron, tasks: base.cron.tasks.slice(1) } }');
let kubeconfig: string;
const diff = (cfg: string, tag: string, ...extra: string[]) => railyard(['diff', cfg, '--image-tag', tag, '--kubeconfig', kubeconfig, ...extra]);
const WORKLOADS = ['kafka-new-document', 'kafka-received-status', 'kafka-sending-status', 'rails-server', 'worker-primary', 'worker-secondary'];

beforeAll(async () => {
  kubeconfig = await requireCluster();
  await kubectl(kubeconfig, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s', '--ignore-not-found']);
  const ns = await kubectl(kubeconfig, ['create', 'namespace', NS]);
  expect(ns.code, ns.stderr).toBe(0);
  // The Secrets the model references, as the deploy's preflight wants them.
  const { app } = await loadConfig(full);
  for (const s of app.secrets) {
    const data = Object.fromEntries(s.keys.map((k) => [k.replace(/\*/g, 'X'), Buffer.from(`v-${randomBytes(6).toString('hex')}`).toString('base64')]));
    const r = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: NS }, data }));
    expect(r.code, r.stderr).toBe(0);
  }
  const d = await railyard(['deploy', full, '--image-tag', 'diffa001', '--kubeconfig', kubeconfig, '--timeout', '120', '--quiet']);
  expect(d.code, d.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (kubeconfig) await kubectl(kubeconfig, ['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
});

describe.sequential('railyard diff on the local control plane', () => {
  it('no change after a deploy: exit 0 and nothing printed', async () => {
    const r = await diff(full, 'diffa001');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);

  it('a field the server defaulted is no noise: live has it, the render does not, the diff is empty', async () => {
    const { app } = await loadConfig(full);
    const rendered = renderManifests(app, { imageTag: 'diffa001' }).flatMap((f) => f.objects).find((o) => o.kind === 'Deployment' && o.metadata.name === 'rails-server') as any;
    expect(rendered.spec.template.spec.dnsPolicy).toBeUndefined();
    expect(rendered.spec.template.spec.schedulerName).toBeUndefined();
    expect(rendered.spec.template.spec.containers[0].terminationMessagePath).toBeUndefined();
    const live = await kubectlJson(kubeconfig, ['get', 'deployment', 'rails-server', '-n', NS]);
    expect(live.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    expect(live.spec.template.spec.schedulerName).toBe('default-scheduler');
    expect(live.spec.template.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    const r = await diff(full, 'diffa001', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as DiffReport).changes).toEqual([]);
  }, 120_000);

  it('a new tag lists every workload with only its image, and the migration Job as will run', async () => {
    const r = await diff(full, 'diffb002', '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.version).toEqual({ from: 'diffa001', to: 'diffb002' });
    expect(report.changes[0]).toEqual({ kind: 'Job', name: expect.stringMatching(/^diffapp-migrate-/), namespace: NS, action: 'run' });
    const changed = report.changes.slice(1);
    expect(changed.filter((c) => c.kind === 'Deployment').map((c) => c.name).sort()).toEqual(WORKLOADS);
    expect(changed.filter((c) => c.kind === 'CronJob')).toHaveLength(16);
    expect(changed.every((c) => c.kind === 'Deployment' || c.kind === 'CronJob')).toBe(true);
    for (const c of changed) {
      expect(c.action, c.name).toBe('change');
        expect(onlyImages(c), c.patch).toBe(true);
      expect(c.images, c.name).toEqual([expect.objectContaining({ from: expect.stringMatching(/-diffa001$/), to: expect.stringMatching(/-diffb002$/) })]);
    }
    const text = await diff(full, 'diffb002');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('~ change  Deployment/e2e-diff/rails-server\n    image rails: rails-diffa001 → rails-diffb002\n');
    expect(text.stdout).toMatch(/> will run {2}Job\/e2e-diff\/diffapp-migrate-/);
    const md = await diff(full, 'diffb002', '--format', 'markdown');
    expect(md.stdout).toContain('| change | `Deployment/e2e-diff/rails-server` | rails: rails-diffa001 → rails-diffb002 |');
  }, 120_000);

  it('a CronJob removed from the config is listed as pruned, and nothing else', async () => {
    const r = await diff(fewer, 'diffa001', '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as DiffReport).changes).toEqual([{ kind: 'CronJob', name: 'customer-reports', namespace: NS, action: 'prune' }]);
    expect((await diff(fewer, 'diffa001')).stdout).toBe('- prune  CronJob/e2e-diff/customer-reports\n');
  }, 120_000);

  it('a changed Secret key is named, its value never shown (a server-side dry run against a live Secret)', async () => {
    const old = `old-${randomBytes(8).toString('hex')}`;
    const nu = `new-${randomBytes(8).toString('hex')}`;
    const same = `same-${randomBytes(8).toString('hex')}`;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const made = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'diff-probe', namespace: NS }, data: { TOKEN: b64(old), HOST: b64(same) } }));
    expect(made.code, made.stderr).toBe(0);
    const kube = connect({ kubeconfig });
    const live = await kubectlJson(kubeconfig, ['get', 'secret', 'diff-probe', '-n', NS]);
    const dry = await apply(kube, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'diff-probe', namespace: NS }, data: { TOKEN: b64(nu), HOST: b64(same) } } as any, { dryRun: true });
    const d = compareObject(live, dry)!;
    expect(d.secretKeys).toEqual([
      { key: 'HOST', change: 'unchanged' },
      { key: 'TOKEN', change: 'changed' },
    ]);
    const out = formatText({ version: { to: 'x' }, changes: [d] }) + formatJson({ version: { to: 'x' }, changes: [d] });
    expect(out).toContain('key TOKEN: changed');
    for (const v of [old, nu, same]) {
      expect(out).not.toContain(v);
      expect(out).not.toContain(b64(v));
    }
    // The live Secret was not touched by the dry run.
    expect((await kubectlJson(kubeconfig, ['get', 'secret', 'diff-probe', '-n', NS])).data.TOKEN).toBe(b64(old));
  }, 60_000);

  it('an unreachable cluster is exit 2, named', async () => {
    const bad = join(tempDir('diff-kc'), 'kubeconfig');
    writeFileSync(bad, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {token: x}}]\n`);
    const r = await railyard(['diff', full, '--image-tag', 'diffa001', '--kubeconfig', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('https://127.0.0.1:1');
  }, 60_000);
});
