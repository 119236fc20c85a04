// `railyard status` and `railyard cron` against the local control plane with
// the Storecove example deployed to the kwok nodes (issue 11): healthy exits
// 0; after one Deployment is broken it exits 1 naming it; cron list shows
// every CronJob with its next run, suspend and resume change the CronJob.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { App } from '../../../src/config/schema.js';
import { kubectl, kubectlJson, kwokOnlyLogging, plantSecrets, railyard, requireCluster, ROOT, tempDir } from './support.js';

const NS = 'e2e-day2-status';
const example = join(ROOT, 'examples/storecove/railyard.config.ts');
let kubeconfig: string;
let app: App;
let cfg: string;

const cli = (args: string[]) => railyard([...args, '--kubeconfig', kubeconfig]);

beforeAll(async () => {
  kubeconfig = await requireCluster();
  cfg = join(tempDir('day2-status'), 'cfg');
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'railyard.config.ts'), `import { defineApp } from 'railyard';\nimport storecove from ${JSON.stringify(example)};\nexport default defineApp({ ...storecove, namespace: ${JSON.stringify(NS)}, rollbar: undefined, ${kwokOnlyLogging('storecove')} });\n`);
  app = (await loadConfig(cfg)).app;
  await kubectl(kubeconfig, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=true']);
  await plantSecrets(kubeconfig, app);
  const r = await cli(['deploy', cfg, '--image-tag', 'day2status1', '--timeout', '240']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}, 400_000);

afterAll(async () => {
  if (kubeconfig) await kubectl(kubeconfig, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']);
});

describe('railyard status on the kwok nodes', () => {
  it('healthy: exit 0, the release and every Deployment and CronJob', async () => {
    const r = await cli(['status', cfg]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^storecove in namespace ${NS}: healthy\\nrelease 1 \\(day2status1\\) by `));
    for (const d of ['rails-server', 'worker-primary', 'worker-secondary', 'kafka-new-document']) expect(r.stdout).toMatch(new RegExp(`^${d} +\\d+ +\\d+ +\\d+ +\\d+ +0 +0`, 'm'));
    for (const t of app.cron.tasks) expect(r.stdout).toContain(t.name);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('healthy');
    const j = await cli(['status', cfg, '--json']);
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s.healthy).toBe(true);
    expect(s.release).toMatchObject({ revision: 1, imageTag: 'day2status1', status: 'deployed' });
    expect(s.components.map((c: { name: string }) => c.name).sort()).toEqual(['kafka-new-document', 'kafka-received-status', 'kafka-sending-status', 'rails-server', 'worker-primary', 'worker-secondary']);
    expect(s.cronJobs).toHaveLength(app.cron.tasks.length);
    for (const c of s.cronJobs) if (!c.schedule.startsWith('@every')) expect(Date.parse(c.nextRun)).toBeGreaterThan(Date.now() - 60_000);
  }, 120_000);

  it('cron list, suspend and resume', async () => {
    const name = app.cron.tasks[0]!.name;
    const list = await cli(['cron', 'list', '-c', cfg, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).map((r: { name: string }) => r.name).sort()).toEqual(app.cron.tasks.map((t) => t.name).sort());
    const s = await cli(['cron', 'suspend', name, '-c', cfg]);
    expect(s.code, s.stderr).toBe(0);
    expect((await kubectlJson(kubeconfig, ['get', 'cronjob', name, '-n', NS])).spec.suspend).toBe(true);
    const text = await cli(['cron', 'list', '-c', cfg]);
    expect(text.stdout).toMatch(new RegExp(`^${name} .* yes .*\\(suspended\\)$`, 'm'));
    const r = await cli(['cron', 'resume', name, '-c', cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect((await kubectlJson(kubeconfig, ['get', 'cronjob', name, '-n', NS])).spec.suspend).toBe(false);
    const missing = await cli(['cron', 'run', 'no-such-task', '-c', cfg]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no CronJob "no-such-task" in namespace ${NS} (there are: `);
  }, 180_000);

  it('a broken Deployment: exit 1 naming it', async () => {
    // Recreate, onto no node: the old pods go and the new ones stay Pending.
    const p = await kubectl(kubeconfig, ['patch', 'deployment', 'worker-secondary', '-n', NS, '--type', 'merge', '-p', JSON.stringify({ spec: { strategy: { type: 'Recreate', rollingUpdate: null }, template: { spec: { nodeSelector: { 'railyard.dev/nowhere': 'true' } } } } })]);
    expect(p.code, p.stderr).toBe(0);
    let r = await cli(['status', cfg]);
    for (let i = 0; i < 30 && r.code === 0; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      r = await cli(['status', cfg]);
    }
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^storecove in namespace .*: degraded$/m);
    expect(r.stdout).toMatch(/^degraded: Deployment\/worker-secondary: 0\/2 ready, 0 available$/m);
    expect(r.stdout).toMatch(/not ready worker-secondary-.*: (Unschedulable|PodScheduled)/);
    expect(r.stdout).not.toMatch(/degraded: Deployment\/rails-server/);
  }, 180_000);
});
