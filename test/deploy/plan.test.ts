import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests, MIGRATION_JOB_PATH, type KubeObject } from '../../src/render/kubernetes/index.js';
import { planDeploy, pruneCandidates, objectKey, PRUNABLE } from '../../src/deploy/plan.js';

const { app } = await loadConfig('examples/storecove');
const files = renderManifests(app, { imageTag: 'abc1234' });

describe('deploy plan for the Storecove example', () => {
  const plan = planDeploy(app, files);
  const names = (phase: string) => plan.phases.find((p) => p.name === phase)!.objects.map((o) => `${o.kind}/${o.metadata.name}`);

  it('runs the migration Job first and outside the applied set', () => {
    expect(plan.migration?.kind).toBe('Job');
    expect(plan.objects.some((o) => o.kind === 'Job')).toBe(false);
    expect(files.find((f) => f.path === MIGRATION_JOB_PATH)).toBeDefined();
  });

  it('orders namespaces, config, web, the other workloads, then routes', () => {
    expect(plan.phases.map((p) => p.name)).toEqual(['namespaces', 'config', 'web', 'workloads', 'routes']);
    expect(names('namespaces').every((n) => n.startsWith('Namespace/'))).toBe(true);
    expect(names('web')).toEqual(expect.arrayContaining([`Deployment/${app.web.name}`, expect.stringMatching(/^HorizontalPodAutoscaler\//)]));
    expect(names('workloads').filter((n) => n.startsWith('CronJob/'))).toHaveLength(app.cron.tasks.length);
    expect(names('workloads').filter((n) => n.startsWith('Deployment/'))).toHaveLength(Object.keys(app.workers).length + Object.keys(app.consumers).length);
    expect(names('routes').every((n) => n.startsWith('Ingress/'))).toBe(true);
    expect(names('config').some((n) => /^(Deployment|CronJob|Ingress|Namespace)\//.test(n))).toBe(false);
  });

  it('waits for the web Deployment alone before the rest', () => {
    expect(plan.phases.find((p) => p.name === 'web')!.waitFor.map((o) => o.metadata.name)).toEqual([app.web.name]);
  });

  it('places every rendered object exactly once', () => {
    const all = files.filter((f) => f.path !== MIGRATION_JOB_PATH).flatMap((f) => f.objects).map(objectKey).sort();
    expect(plan.objects.map(objectKey).sort()).toEqual(all);
  });

  it('can prune every kind it renders except Namespaces', () => {
    const kinds = new Set(PRUNABLE.map((k) => k.kind));
    const missing = [...new Set(plan.objects.map((o) => o.kind))].filter((k) => k !== 'Namespace' && !kinds.has(k));
    expect(missing).toEqual([]);
  });
});

describe('pruneCandidates', () => {
  const obj = fc.record({
    kind: fc.constantFrom('Deployment', 'CronJob', 'Service', 'Ingress'),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    namespace: fc.constantFrom('storecove', 'logging'),
  }).map((o): KubeObject => ({ apiVersion: 'v1', kind: o.kind, metadata: { name: o.name, namespace: o.namespace } }));

  it('returns exactly the live objects that are not rendered', () => {
    fc.assert(
      fc.property(fc.array(obj, { maxLength: 30 }), fc.array(obj, { maxLength: 30 }), (rendered, live) => {
        const out = pruneCandidates(rendered, live);
        const keep = new Set(rendered.map(objectKey));
        for (const o of out) expect(keep.has(objectKey(o))).toBe(false);
        for (const o of live) if (!keep.has(objectKey(o))) expect(out).toContain(o);
        expect(pruneCandidates(live, live)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
