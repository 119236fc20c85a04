// Ephemeral storage: every container of both examples gets a request and a
// limit, every emptyDir a sizeLimit, from the model's defaults and overrides.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { validateApp } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { checkObjects } from '../../src/check/index.js';

const podSpecs = (objects: any[]) =>
  objects.flatMap((o) => {
    const spec = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
    return spec ? [{ name: `${o.kind}/${o.metadata.name}`, spec }] : [];
  });

describe('ephemeral storage', () => {
  for (const example of ['storecove', 'storecove-gateway']) {
    it(`${example}: every container has an ephemeral-storage request and limit, every emptyDir a sizeLimit, and check finds nothing`, async () => {
      const { app } = await loadConfig(`examples/${example}`);
      const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects) as any[];
      const pods = podSpecs(objects);
      expect(pods.length).toBeGreaterThan(20);
      for (const p of pods) {
        for (const c of p.spec.containers) {
          expect(c.resources.requests['ephemeral-storage'], p.name).toBeDefined();
          expect(c.resources.limits['ephemeral-storage'], p.name).toBeDefined();
        }
        for (const v of p.spec.volumes ?? []) if (v.emptyDir) expect(v.emptyDir.sizeLimit, `${p.name} ${v.name}`).toBeDefined();
      }
      expect(checkObjects(objects, { app }).filter((f) => f.rule === 'ephemeral-storage-missing')).toEqual([]);
    });
  }

  it('takes the app defaults, then the component, cron.defaults and the task, field by field', () => {
    const app = validateApp(
      {
        name: 'shop',
        namespace: 'shop',
        image: { registry: 'registry.example.com', repository: 'shop/app' },
        ephemeralStorage: { request: '500Mi', limit: '3Gi' },
        web: { ephemeralStorage: { limit: '4Gi', emptyDirs: { tmp: '1Gi' } } },
        workers: { a: { name: 'worker-a', pools: '--pool=*:1' } },
        cron: { defaults: { ephemeralStorage: { request: '100Mi' } }, tasks: [{ name: 't', schedule: '@daily', command: 'rake t', ephemeralStorage: { emptyDirs: { 'app-log': '64Mi' } } }] },
      },
      'test.yaml',
    );
    const objects = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects) as any[];
    const of = (kind: string, name: string) => {
      const p = podSpecs(objects).find((x) => x.name === `${kind}/${name}`)!.spec;
      return { res: p.containers[0].resources, dirs: Object.fromEntries(p.volumes.filter((v: any) => v.emptyDir).map((v: any) => [v.name, v.emptyDir.sizeLimit])) };
    };
    expect(of('Deployment', 'rails-server')).toEqual({
      res: { requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '500Mi' }, limits: { cpu: '2000m', memory: '4Gi', 'ephemeral-storage': '4Gi' } },
      dirs: { tmp: '1Gi', 'app-tmp': '512Mi', 'app-log': '256Mi' },
    });
    expect(of('Deployment', 'worker-a').res.limits['ephemeral-storage']).toBe('3Gi');
    expect(of('Deployment', 'worker-a').dirs).toEqual({ tmp: '256Mi', 'app-tmp': '512Mi', 'app-log': '256Mi' });
    const cron = of('CronJob', 't');
    expect([cron.res.requests['ephemeral-storage'], cron.res.limits['ephemeral-storage']]).toEqual(['100Mi', '3Gi']);
    expect(cron.dirs).toEqual({ tmp: '256Mi', 'app-tmp': '512Mi', 'app-log': '64Mi' });
    // The migration Job runs the web image and command set: the web tier's storage.
    const job = objects.find((o) => o.kind === 'Job')!.spec.template.spec;
    expect(job.containers[0].resources.limits['ephemeral-storage']).toBe('4Gi');
  });
});

describe('TMPDIR inside the /tmp emptyDir', () => {
  // Ruby refuses the emptyDir itself (0777, no sticky bit); docs/RUNTIME.md.
  it('every app container of both examples sets TMPDIR to a folder of the volume mounted at /tmp', async () => {
    for (const example of ['storecove', 'storecove-gateway']) {
      const { app } = await loadConfig(`examples/${example}`);
      const pods = podSpecs(renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects) as any[]).filter((p) => !p.name.includes('fluent-bit'));
      expect(pods.length).toBeGreaterThan(20);
      for (const p of pods) {
        for (const c of p.spec.containers) {
          const tmpdir = c.env.find((e: any) => e.name === 'TMPDIR')?.value;
          expect(tmpdir, `${p.name} ${c.name}`).toBe('/tmp/railyard-tmp');
          const mount = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
          expect(p.spec.volumes.find((v: any) => v.name === mount?.name)?.emptyDir, `${p.name}: /tmp is an emptyDir`).toBeDefined();
        }
      }
    }
  });

  it('a TMPDIR in the model’s env wins, once', () => {
    const app = validateApp({ name: 'a', namespace: 'a', image: { registry: 'r', repository: 'a' }, web: {}, env: { TMPDIR: '/tmp/mine' } });
    const d = renderManifests(app, { imageTag: 'abc1234' }).flatMap((f) => f.objects).find((o: any) => o.kind === 'Deployment') as any;
    expect(d.spec.template.spec.containers[0].env.filter((e: any) => e.name === 'TMPDIR')).toEqual([{ name: 'TMPDIR', value: '/tmp/mine' }]);
  });
});
