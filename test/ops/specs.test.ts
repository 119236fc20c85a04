import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { consoleJob, runSuffix, taskJob } from '../../src/ops/specs.js';

const labels = { app: 'shop', component: 'web', 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/component': 'web', 'app.kubernetes.io/managed-by': 'railyard', 'app.kubernetes.io/version': 'abc' };
const web: V1Deployment = {
  metadata: { name: 'web', namespace: 'shop', uid: 'dep-uid' },
  spec: {
    selector: { matchLabels: { app: 'shop', component: 'web' } },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 30,
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        nodeSelector: { 'railyard.dev/node': 'real' },
        volumes: [{ name: 'tmp', emptyDir: {} }],
        containers: [
          {
            name: 'rails',
            image: 'reg/shop:server-abc',
            args: ['server', '--', 'bundle', 'exec', 'puma'],
            env: [{ name: 'RAILS_ENV', value: 'production' }],
            envFrom: [{ secretRef: { name: 'shop-db' } }],
            ports: [{ name: 'http', containerPort: 3000 }],
            livenessProbe: { httpGet: { path: '/health', port: 3000 } },
            readinessProbe: { httpGet: { path: '/ready', port: 3000 } },
            startupProbe: { httpGet: { path: '/health', port: 3000 } },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            securityContext: { readOnlyRootFilesystem: true },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          },
        ],
      },
    },
  },
};

const common = (role: string, key: string) => ({
  app: 'shop',
  component: role,
  'app.kubernetes.io/instance': 'shop',
  'app.kubernetes.io/component': role,
  'app.kubernetes.io/managed-by': 'railyard',
  'app.kubernetes.io/version': 'abc',
  [key]: 'web',
});

const podSpec = (container: object) => ({
  automountServiceAccountToken: false,
  terminationGracePeriodSeconds: 30,
  securityContext: { runAsNonRoot: true, runAsUser: 1000 },
  nodeSelector: { 'railyard.dev/node': 'real' },
  volumes: [{ name: 'tmp', emptyDir: {} }],
  containers: [
    {
      name: 'rails',
      image: 'reg/shop:server-abc',
      env: [{ name: 'RAILS_ENV', value: 'production' }],
      envFrom: [{ secretRef: { name: 'shop-db' } }],
      securityContext: { readOnlyRootFilesystem: true },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      ...container,
    },
  ],
  restartPolicy: 'Never',
});

describe('one-off Jobs from the Deployment template', () => {
  it('console: image, env, envFrom, volumes, security context and scheduling kept; no probes, hooks or ports; console labels; stdin once; deadline; deleted when it ends; owned by the Deployment', () => {
    const l = common('console', 'railyard.dev/console');
    expect(consoleJob(web, { suffix: 's1', command: ['bin/rails', 'console'], by: 'ann@laptop/1', deadlineSeconds: 14400, tty: true })).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'web-console-s1', namespace: 'shop', labels: l, annotations: { 'railyard.dev/run-by': 'ann@laptop/1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: false, blockOwnerDeletion: false }] },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 14400,
        ttlSecondsAfterFinished: 0,
        template: { metadata: { labels: l, annotations: { 'railyard.dev/run-by': 'ann@laptop/1' } }, spec: podSpec({ command: ['tini', '--', 'bin/rails', 'console'], stdin: true, stdinOnce: true, tty: true }) },
      },
    });
  });

  it('the one-off pods are not selected by the Deployment (so no Service sends them traffic)', () => {
    for (const job of [consoleJob(web, { suffix: 's', command: ['x'], by: 'b', deadlineSeconds: 1, tty: false }), taskJob(web, { suffix: 's', command: ['x'], by: 'b', deadlineSeconds: 1 })]) {
      const podLabels = job.spec!.template.metadata!.labels!;
      expect(Object.entries(web.spec!.selector.matchLabels!).every(([k, v]) => podLabels[k] === v)).toBe(false);
    }
  });

  it('task: runs once (backoffLimit 0), no stdin, a TTL and the timeout as deadline', () => {
    const l = common('task', 'railyard.dev/task-run');
    expect(taskJob(web, { suffix: 's2', command: ['bin/rails', 'runner', 'puts 1'], by: 'ci@r/2', deadlineSeconds: 3600 })).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'web-task-s2', namespace: 'shop', labels: l, annotations: { 'railyard.dev/run-by': 'ci@r/2' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: false, blockOwnerDeletion: false }] },
      spec: { backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 3600, template: { metadata: { labels: l, annotations: { 'railyard.dev/run-by': 'ci@r/2' } }, spec: podSpec({ command: ['tini', '--', 'bin/rails', 'runner', 'puts 1'] }) } },
    });
  });

  it("the command runs as typed: the kubelet's $(VAR) expansion and $$ escape do not touch it", () => {
    const job = taskJob(web, { suffix: 's', command: ['sh', '-c', 'echo $(RAILS_ENV) $HOME; kill -9 $$'], by: 'b', deadlineSeconds: 1 });
    expect(job.spec!.template.spec!.containers[0]!.command).toEqual(['tini', '--', 'sh', '-c', 'echo $$(RAILS_ENV) $$HOME; kill -9 $$$$']);
  });

  it('run suffixes are short, lower-case and differ per run', () => {
    const t = new Date('2026-11-30T12:00:00Z');
    expect(runSuffix(t, () => 0)).toBe('tpbdc00000');
    expect(runSuffix(t, () => 0.5)).toMatch(/^tpbdc0[0-9a-z]{4}$/);
    expect(runSuffix(t, () => 0.5)).not.toBe(runSuffix(t, () => 0.25));
  });
});
