import type { CoreV1Event, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/deploy/history.js';
import type { KubeObject } from '../../src/render/kubernetes/index.js';
import { buildStatus, renderStatus, type StatusInput } from '../../src/ops/status-model.js';

const now = new Date('2026-11-30T12:00:00Z');
const img = (target: string, tag: string) => `reg/shop:${target}-${tag}`;

function deployment(name: string, replicas: number, ready: number, image: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', generation: 2 },
    spec: { replicas, selector: { matchLabels: { app: 'shop', component: name } }, template: { spec: { containers: [{ name: 'c', image }] } } },
    status: { observedGeneration: 2, replicas, updatedReplicas: replicas, readyReplicas: ready, availableReplicas: ready },
  };
}

function pod(name: string, component: string, image: string, o: { ready?: boolean; restarts?: number; oomAt?: string; waiting?: string; healthPort?: boolean } = {}): V1Pod {
  return {
    metadata: { name, labels: { app: 'shop', component } },
    spec: { containers: [{ name: 'c', image, ...(o.healthPort ? { ports: [{ name: 'health', containerPort: 3001 }] } : {}) }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      containerStatuses: [{ name: 'c', image, imageID: '', ready: o.ready !== false, restartCount: o.restarts ?? 0, ...(o.oomAt ? { lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(o.oomAt) } } } : {}), state: o.waiting ? { waiting: { reason: o.waiting } } : { running: {} } }],
    },
  };
}

const release = (revision: number, tag: string, status: Release['status'], deployments: V1Deployment[]): Release => ({ app: 'shop', revision, imageTag: tag, status, startedAt: '2026-11-30T11:55:00Z', deployer: 'ann@laptop/1', objects: deployments as unknown as KubeObject[] });

function input(over: Partial<StatusInput> = {}): StatusInput {
  const web = deployment('web', 2, 2, img('server', 'abc'));
  const worker = deployment('worker', 1, 1, img('worker', 'abc'));
  return {
    app: 'shop',
    namespace: 'shop',
    now,
    releases: [release(1, 'old', 'superseded', []), release(2, 'abc', 'deployed', [web, worker])],
    deployments: [worker, web],
    pods: [pod('web-1', 'web', img('server', 'abc')), pod('web-2', 'web', img('server', 'abc'), { restarts: 2 }), pod('worker-1', 'worker', img('worker', 'abc'), { healthPort: true })],
    cronJobs: [],
    jobs: [],
    events: [],
    health: { 'worker-1': { children: [{ pool: 'mail', slot: 0, state: 'running', restarts: 0 }, { pool: 'mail', slot: 1, state: 'backoff', restarts: 1 }] } },
    ...over,
  };
}

describe('status', () => {
  it('a healthy app: release, lock, components with slots, exit verdict healthy', () => {
    const s = buildStatus(input({ lock: { holder: 'ci@runner/7', renewTime: '2026-11-30T11:59:40Z', durationSeconds: 60 } }));
    expect(s.healthy).toBe(true);
    expect(renderStatus(s)).toBe(
      [
        'shop in namespace shop: healthy',
        'release 2 (abc) by ann@laptop/1, 5m ago',
        'lock held by ci@runner/7 (expires in 40s)',
        '',
        'COMPONENT  DESIRED  UPDATED  READY  AVAILABLE  RESTARTS  OOM 1H  SLOTS',
        'web        2        2        2      2          2         0',
        'worker     1        1        1      1          0         0       1 up, 1 restarting, 0 crash-looping',
        '',
        'healthy',
        '',
      ].join('\n'),
    );
  });

  it('degraded: a Deployment short of ready pods is named with the probe failure, a crash-looping slot, an OOM kill, drift and a failed newer release', () => {
    const events: CoreV1Event[] = [
      { metadata: {}, involvedObject: { kind: 'Pod', name: 'web-2' }, type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count: 4, lastTimestamp: new Date('2026-11-30T11:59:00Z') },
      { metadata: {}, involvedObject: { kind: 'Pod', name: 'old' }, type: 'Warning', reason: 'BackOff', message: 'too old to show', lastTimestamp: new Date('2026-11-30T10:00:00Z') },
    ];
    const s = buildStatus(
      input({
        releases: [release(2, 'abc', 'deployed', [deployment('web', 2, 2, img('server', 'abc')), deployment('worker', 1, 1, img('worker', 'abc'))]), { ...release(3, 'def', 'failed', []), reason: 'rollout failed\nmore' }],
        deployments: [deployment('web', 2, 1, img('server', 'abc')), deployment('worker', 1, 1, img('worker', 'abc'))],
        pods: [pod('web-1', 'web', img('server', 'abc')), pod('web-2', 'web', img('server', 'def'), { ready: false }), pod('worker-1', 'worker', img('worker', 'abc'), { healthPort: true, oomAt: '2026-11-30T11:30:00Z', restarts: 1 })],
        health: { 'worker-1': { children: [{ pool: 'mail', slot: 0, state: 'crash-loop', restarts: 6 }] } },
        events,
      }),
    );
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual(['Deployment/web: 1/2 ready, 1 available', 'Deployment/worker: pod worker-1 pool mail slot 0 crash-looping (6 restarts)', 'Deployment/worker: 1 OOM kill in the last hour']);
    expect(renderStatus(s)).toBe(
      [
        'shop in namespace shop: degraded',
        'release 2 (abc) by ann@laptop/1, 5m ago',
        'lock free',
        '',
        'COMPONENT  DESIRED  UPDATED  READY  AVAILABLE  RESTARTS  OOM 1H  SLOTS',
        'web        2        2        1      1          0         0',
        '  not ready web-2: Readiness probe failed: HTTP probe failed with statuscode: 503',
        "  drift web-2: runs reg/shop:server-def, not release 2's reg/shop:server-abc",
        'worker     1        1        1      1          1         1       0 up, 0 restarting, 1 crash-looping',
        '  crash loop worker-1: pool mail slot 0 crash-looping (6 restarts)',
        '',
        'Warning events (last hour)',
        '  1m ago Pod/web-2 Unhealthy (x4): Readiness probe failed: HTTP probe failed with statuscode: 503',
        '',
        'note: release 3 (def) failed: rollout failed',
        "note: Deployment/web: 1 pod not on release 2's image",
        '',
        'degraded: Deployment/web: 1/2 ready, 1 available',
        'degraded: Deployment/worker: pod worker-1 pool mail slot 0 crash-looping (6 restarts)',
        'degraded: Deployment/worker: 1 OOM kill in the last hour',
        '',
      ].join('\n'),
    );
  });

  it('a pod whose /health cannot be read is shown, not counted as a failure; an expired lock is free; no release is a problem', () => {
    const s = buildStatus(input({ releases: [], health: { 'worker-1': { error: 'no answer within 1500 ms' } }, lock: { holder: 'gone', renewTime: '2026-11-30T11:00:00Z', durationSeconds: 60 } }));
    expect(s.lock).toBeUndefined();
    expect(s.components[1]!.slots).toEqual({ up: 0, restarting: 0, crashLooping: [], unreadable: [{ pod: 'worker-1', message: 'no answer within 1500 ms' }] });
    expect(s.problems).toEqual(['no deployed release of shop is recorded in namespace shop']);
  });

  it('a waiting container is the reason when there is no probe event', () => {
    const s = buildStatus(input({ deployments: [deployment('web', 1, 0, img('server', 'abc'))], pods: [pod('web-1', 'web', img('server', 'abc'), { ready: false, waiting: 'CrashLoopBackOff' })], health: {} }));
    expect(s.components[0]!.notReady).toEqual([{ pod: 'web-1', message: 'c CrashLoopBackOff' }]);
  });
});
