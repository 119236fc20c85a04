// The model's `scheduling` reaches every app pod template (Deployments, CronJobs,
// the migration Job) and `logging.fluentBit.scheduling` the DaemonSet; an
// unscheduled model renders no nodeSelector and the DaemonSet tolerates every taint.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { App } from '../../src/config/schema.js';
import { problemsFromZod } from '../../src/config/errors.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { renderMigrationJob } from '../../src/render/kubernetes/jobs.js';

function podSpecs(app: App) {
  const objects = renderManifests(app, { imageTag: 'abcdef1234567' }).flatMap((f) => f.objects) as any[];
  const specs: { name: string; spec: any }[] = [];
  for (const o of objects) {
    if (o.kind === 'Deployment' || o.kind === 'DaemonSet') specs.push({ name: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec });
    if (o.kind === 'CronJob') specs.push({ name: `CronJob/${o.metadata.name}`, spec: o.spec.jobTemplate.spec.template.spec });
  }
  specs.push({ name: 'Job/migrate', spec: (renderMigrationJob(app, "abcdef1234567") as any).spec.template.spec });
  return specs;
}

describe('scheduling', () => {
  it('renders nothing for an unscheduled model, and the DaemonSet tolerates every taint', async () => {
    const { app } = await loadConfig('examples/storecove');
    for (const { name, spec } of podSpecs(app)) {
      expect(spec.nodeSelector, name).toBeUndefined();
      if (name.startsWith('DaemonSet/')) expect(spec.tolerations, name).toEqual([{ operator: 'Exists' }]);
      else expect(spec.tolerations, name).toBeUndefined();
    }
  });

  it('puts the app scheduling on every app pod and the logging scheduling on the DaemonSet', async () => {
    const { app: base } = await loadConfig('examples/storecove');
    const app = App.parse({
      ...base,
      scheduling: { nodeSelector: { nodepool: 'apps' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'rails', effect: 'NoSchedule' }] },
      logging: { fluentBit: { ...base.logging.fluentBit, scheduling: { nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
    });
    const specs = podSpecs(app);
    expect(specs.length).toBe(2 + 3 + 1 + 16 + 1 + 1);
    for (const { name, spec } of specs) {
      if (name.startsWith('DaemonSet/')) {
        expect(spec.nodeSelector, name).toEqual({ 'kubernetes.io/os': 'linux' });
        expect(spec.tolerations, name).toBeUndefined();
      } else {
        expect(spec.nodeSelector, name).toEqual({ nodepool: 'apps' });
        expect(spec.tolerations, name).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'rails', effect: 'NoSchedule' }]);
      }
    }
  });

  it.each([
    [{ tolerations: [{ operator: 'Exists', value: 'x' }] }, 'scheduling.tolerations[0].value', 'takes no value'],
    [{ tolerations: [{ value: 'x' }] }, 'scheduling.tolerations[0].operator', 'without a key'],
    [{ nodeSelector: { 'bad key!': 'x' } }, 'scheduling.nodeSelector.bad key!', 'label key'],
    [{ nodeSelector: { pool: 'x'.repeat(64) } }, 'scheduling.nodeSelector.pool', 'label value'],
  ])('refuses %j, naming %s', async (scheduling, path, message) => {
    const { app: base } = await loadConfig('examples/storecove');
    const r = App.safeParse({ ...base, scheduling });
    expect(r.success).toBe(false);
    const problems = problemsFromZod(r.error!);
    const issue = problems.find((p) => p.path === path);
    expect(issue, JSON.stringify(problems)).toBeDefined();
    expect(issue!.message).toContain(message);
  });
});
