// The rollout watch against the real Deployment controller: a rollout that
// stops progressing is reported as ProgressDeadlineExceeded (the controller's
// own condition), well before railyard's own timeout.
import { beforeAll, describe, expect, it } from 'vitest';
import { DeployFailed, watchRollouts, type Reporter } from '../../../src/deploy/index.js';
import { apply, connect, type Kube } from '../../../src/deploy/kube.js';
import type { RolloutState } from '../../../src/deploy/rollout.js';
import type { KubeObject } from '../../../src/render/kubernetes/index.js';
import { kubectl, requireCluster } from './support.js';

const NS = 'e2e-rollout';
let kube: Kube;

beforeAll(async () => {
  const kubeconfig = await requireCluster();
  kube = connect({ kubeconfig });
  await kubectl(kubeconfig, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s', '--ignore-not-found']);
  const r = await kubectl(kubeconfig, ['create', 'namespace', NS]);
  expect(r.code, r.stderr).toBe(0);
}, 90_000);

const deployment = (image: string): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'stuck', namespace: NS },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 3,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: { app: 'stuck' } },
      template: { metadata: { labels: { app: 'stuck' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  }) as KubeObject;

function recorder(): Reporter & { seen: RolloutState[][] } {
  const seen: RolloutState[][] = [];
  return { seen, step() {}, info() {}, warn() {}, log() {}, rollouts: (s) => seen.push(s) };
}

describe('watchRollouts on the real controller', () => {
  it('finishes when the rollout is available', async () => {
    const obj = await apply(kube, deployment('registry.example.com/app:rails-good1'));
    const r = recorder();
    const states = await watchRollouts(kube, [obj], 60, r);
    expect(states[0]).toMatchObject({ done: true, failed: false, desired: 2, updated: 2, available: 2 });
  }, 90_000);

  it('fails on ProgressDeadlineExceeded with the unready pod and its condition', async () => {
    const obj = await apply(kube, deployment('registry.example.com/app:rails-never-ready-1'));
    const r = recorder();
    const t0 = Date.now();
    const err = await watchRollouts(kube, [obj], 120, r).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployFailed);
    const f = err as DeployFailed;
    expect(f.message).toMatch(/ProgressDeadlineExceeded/);
    expect(Date.now() - t0).toBeLessThan(60_000); // the controller's 3 s deadline, not the 120 s timeout
    expect(f.pods.length).toBeGreaterThan(0);
    expect(f.pods[0]!.message).toMatch(/readiness probe failed/);
    // Progress was reported along the way: the old pods stayed available throughout.
    expect(r.seen.length).toBeGreaterThan(1);
    expect(r.seen.every((s) => s[0]!.available >= 2)).toBe(true);
  }, 90_000);
});
