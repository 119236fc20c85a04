import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deploymentState, daemonSetState } from '../../src/deploy/rollout.js';

const dep = (spec: number, status: Record<string, unknown>, generation = 2) => ({ kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas: spec }, status: { observedGeneration: 2, ...status } });

describe('deploymentState', () => {
  it('is done only when every replica is updated and available and no old ones remain', () => {
    expect(deploymentState(dep(2, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).done).toBe(true);
    expect(deploymentState(dep(2, { replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 })).done).toBe(false);
    expect(deploymentState(dep(2, { replicas: 2, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 })).done).toBe(false);
    expect(deploymentState(dep(2, { replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 })).done).toBe(false);
  });

  it('ignores a status the controller wrote for an older generation', () => {
    const s = deploymentState(dep(2, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, 3));
    expect(s.done).toBe(false);
    expect(s.message).toMatch(/generation 3/);
  });

  it('fails on ProgressDeadlineExceeded', () => {
    const s = deploymentState(dep(2, { replicas: 3, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }] }));
    expect(s.failed).toBe(true);
    expect(s.message).toMatch(/ProgressDeadlineExceeded/);
  });

  it('never reports done and failed at once, and done implies every count reached the spec', () => {
    const n = fc.integer({ min: 0, max: 6 });
    fc.assert(
      fc.property(n, n, n, n, n, fc.boolean(), fc.integer({ min: 1, max: 3 }), (spec, replicas, updated, ready, available, deadline, observed) => {
        const s = deploymentState({
          kind: 'Deployment',
          metadata: { name: 'x', generation: 2 },
          spec: { replicas: spec },
          status: { observedGeneration: observed, replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available, conditions: deadline ? [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] : [] },
        });
        expect(s.done && s.failed).toBe(false);
        if (s.done) {
          expect(updated).toBeGreaterThanOrEqual(spec);
          expect(available).toBeGreaterThanOrEqual(updated);
          expect(replicas).toBeLessThanOrEqual(updated);
          expect(observed).toBeGreaterThanOrEqual(2);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('daemonSetState', () => {
  it('is done when every scheduled pod is updated and available', () => {
    const ds = (u: number, a: number) => ({ kind: 'DaemonSet', metadata: { name: 'fb', generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: u, numberReady: a, numberAvailable: a } });
    expect(daemonSetState(ds(2, 2)).done).toBe(true);
    expect(daemonSetState(ds(1, 2)).done).toBe(false);
    expect(daemonSetState(ds(2, 1)).done).toBe(false);
  });
});
