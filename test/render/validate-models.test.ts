// Every object railyard renders passes the kubernetes-models schema validation
// (the OpenAPI schemas of the API server), for both Storecove variants.
import { describe, expect, it } from 'vitest';
import { Deployment, DaemonSet } from 'kubernetes-models/apps/v1';
import { Service, ServiceAccount, ConfigMap, Namespace } from 'kubernetes-models/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Gateway, HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';
import { apiserverProblems, validateTimeZone, validatePortName, validateCronSchedule, isDns1123Subdomain } from '../../src/check/rules/apiserver.js';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/DaemonSet': DaemonSet,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'batch/v1/CronJob': CronJob,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'gateway.networking.k8s.io/v1/Gateway': Gateway,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};
/** Vendor policy CRDs that kubernetes-models has no model for; the cluster suite validates them server-side. */
const UNMODELLED = new Set(['gateway.nginx.org/v1alpha1/ClientSettingsPolicy']);

describe.each(['examples/storecove', 'examples/storecove-gateway'])('%s', (example) => {
  it('validates every rendered object against its kubernetes-models schema', async () => {
    const { app } = await loadConfig(example);
    const objects = renderManifests(app, { imageTag: 'abcdef1234567' }).flatMap((f) => f.objects);
    let validated = 0;
    for (const o of objects) {
      const key = `${o.apiVersion}/${o.kind}`;
      if (UNMODELLED.has(key)) continue;
      const Model = MODELS[key];
      expect(Model, `no model for ${key}`).toBeDefined();
      expect(() => new Model!(structuredClone(o)).validate(), `${key} ${o.metadata.name}`).not.toThrow();
      validated++;
    }
    expect(validated).toBeGreaterThan(25);
  });

  it('passes the API-server rules no offline schema checks (names, labels, ports, quantities, cron, selectors)', async () => {
    const { app } = await loadConfig(example);
    const objects = renderManifests(app, { imageTag: '0123456789abcdef0123456789abcdef01234567' }).flatMap((f) => f.objects);
    expect(objects.flatMap((o) => apiserverProblems(o as never).map((p) => `${o.kind}/${o.metadata.name} ${p.path}: ${p.message}`))).toEqual([]);
    for (const o of objects) {
      expect(isDns1123Subdomain(o.metadata.name), o.metadata.name).toBe(true);
      if (o.kind === 'CronJob') {
        const spec = o.spec as { schedule: string; timeZone: string };
        expect(o.metadata.name.length).toBeLessThanOrEqual(52);
        expect(validateCronSchedule(spec.schedule)).toBeUndefined();
        expect(validateTimeZone(spec.timeZone)).toBeUndefined();
      }
      for (const c of ((o.spec as any)?.template?.spec?.containers ?? []) as { ports?: { name: string }[] }[]) {
        for (const p of c.ports ?? []) expect(validatePortName(p.name)).toBeUndefined();
      }
    }
  });

  it('the API-server rules fire on a broken copy (they are live)', async () => {
    const { app } = await loadConfig(example);
    const cron = structuredClone(renderManifests(app, { imageTag: 'abc' }).find((f) => f.path.includes('cronjobs/'))!.objects[0]!) as any;
    cron.metadata.name = 'x'.repeat(53);
    cron.spec.schedule = '61 * * * *';
    cron.spec.timeZone = 'Mars/Olympus';
    expect(apiserverProblems(cron).length).toBeGreaterThanOrEqual(2);
    expect(validateTimeZone('Mars/Olympus')).toBeDefined();
  });

  it('fails validation when a field is wrong (the check is live)', async () => {
    const { app } = await loadConfig(example);
    const d = structuredClone(renderManifests(app, { imageTag: 'abc' })[1]!.objects[0]!) as any;
    d.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(d).validate()).toThrow();
  });
});
