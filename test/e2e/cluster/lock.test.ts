// The deploy Lease on the real API server: renewal while held, release, and
// refusal while another holder renews.
import { beforeAll, describe, expect, it } from 'vitest';
import { connect, type Kube } from '../../../src/deploy/kube.js';
import { acquireLock, LockHeldError, lockName } from '../../../src/deploy/lock.js';
import { kubectl, requireCluster } from './support.js';

const NS = 'e2e-lock';
let kube: Kube;

beforeAll(async () => {
  const kubeconfig = await requireCluster();
  kube = connect({ kubeconfig });
  await kubectl(kubeconfig, ['create', 'namespace', NS]); // may exist already
}, 60_000);

const lease = () => kube.coordination.readNamespacedLease({ name: lockName('locktest'), namespace: NS });

describe('deploy lock (coordination.k8s.io/v1 Lease)', () => {
  it('is renewed while held, refuses a second holder, and is released', async () => {
    const lock = await acquireLock(kube, { app: 'locktest', namespace: NS, holder: 'first@test/1', durationSeconds: 3 });
    const first = await lease();
    expect(first.spec?.holderIdentity).toBe('first@test/1');
    expect(first.spec?.leaseDurationSeconds).toBe(3);
    const acquired = new Date(first.spec!.renewTime as unknown as string).getTime();

    // Renewal runs every third of the duration: after 4.5 s the lease is still live, and ours.
    await new Promise((r) => setTimeout(r, 4500));
    const renewed = await lease();
    expect(renewed.spec?.holderIdentity).toBe('first@test/1');
    expect(new Date(renewed.spec!.renewTime as unknown as string).getTime()).toBeGreaterThan(acquired + 2000);
    await expect(acquireLock(kube, { app: 'locktest', namespace: NS, holder: 'second@test/2' })).rejects.toBeInstanceOf(LockHeldError);

    await lock.release();
    expect((await lease()).spec?.holderIdentity ?? '').toBe('');
    const second = await acquireLock(kube, { app: 'locktest', namespace: NS, holder: 'second@test/2' });
    expect((await lease()).spec?.holderIdentity).toBe('second@test/2');
    await second.release();
  }, 30_000);
});
