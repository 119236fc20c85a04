// The deploy lock: a coordination.k8s.io/v1 Lease named for the app. One
// deploy holds it and renews it; a crashed deploy stops renewing, so its lock
// expires after leaseDurationSeconds and the next deploy takes it over.
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound, sleep, toKubeError, type Kube } from './kube.js';

export const LEASE_DURATION_SECONDS = 60;

export interface LeaseView {
  holder?: string;
  renewTime?: Date;
  durationSeconds?: number;
}

export type LeaseVerdict = { free: true } | { free: false; holder: string; expiresAt: Date };

/** Free when nobody holds it, we hold it, or the holder stopped renewing. */
export function judgeLease(lease: LeaseView | undefined, me: string, now: Date): LeaseVerdict {
  if (!lease?.holder || lease.holder === me) return { free: true };
  const renewed = lease.renewTime?.getTime() ?? 0;
  const expiresAt = new Date(renewed + (lease.durationSeconds ?? LEASE_DURATION_SECONDS) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { free: true };
  return { free: false, holder: lease.holder, expiresAt };
}

export class LockHeldError extends Error {
  constructor(
    readonly holder: string,
    readonly expiresAt: Date,
  ) {
    super(`another deploy holds the lock: ${holder} (lease expires ${expiresAt.toISOString()} unless renewed); retry later or pass --wait-lock`);
    this.name = 'LockHeldError';
  }
}

export interface Lock {
  name: string;
  namespace: string;
  holder: string;
  release(): Promise<void>;
}

export function lockName(app: string): string {
  return `railyard-deploy-${app}`.slice(0, 63).replace(/-+$/, '');
}

function view(l: V1Lease | undefined): LeaseView | undefined {
  if (!l) return undefined;
  return { holder: l.spec?.holderIdentity, renewTime: l.spec?.renewTime ? new Date(l.spec.renewTime as unknown as string) : undefined, durationSeconds: l.spec?.leaseDurationSeconds };
}

/**
 * Takes the lock or throws LockHeldError. With `waitSeconds`, polls until the
 * holder lets go or its lease expires. Writes use the read resourceVersion, so
 * two deploys racing for a free lock cannot both win.
 */
export async function acquireLock(kube: Kube, opts: { app: string; namespace: string; holder: string; waitSeconds?: number; durationSeconds?: number; onWait?: (v: { holder: string; expiresAt: Date }) => void; signal?: AbortSignal }): Promise<Lock> {
  const name = lockName(opts.app);
  const namespace = opts.namespace;
  const duration = opts.durationSeconds ?? LEASE_DURATION_SECONDS;
  const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
  let announced = false;
  for (;;) {
    const current = await readLease(kube, name, namespace);
    const verdict = judgeLease(view(current), opts.holder, new Date());
    if (verdict.free) {
      const now = new V1MicroTime();
      const spec = { holderIdentity: opts.holder, leaseDurationSeconds: duration, acquireTime: now, renewTime: now };
      try {
        if (!current) {
          await kube.coordination.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'railyard', 'railyard.dev/lock-for': opts.app } }, spec } });
        } else {
          await kube.coordination.replaceNamespacedLease({ name, namespace, body: { ...current, spec: { ...current.spec, ...spec, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 } } });
        }
        return startRenewing(kube, { name, namespace, holder: opts.holder, duration });
      } catch (err) {
        // Someone else wrote it between our read and write: read again.
        if (isConflict(err) || (err as { code?: number })?.code === 409) continue;
        throw toKubeError(err, `take lock Lease/${namespace}/${name}`);
      }
    }
    if (Date.now() >= deadline || opts.signal?.aborted) throw new LockHeldError(verdict.holder, verdict.expiresAt);
    if (!announced) opts.onWait?.({ holder: verdict.holder, expiresAt: verdict.expiresAt });
    announced = true;
    await sleep(1000);
  }
}

async function readLease(kube: Kube, name: string, namespace: string): Promise<V1Lease | undefined> {
  try {
    return await kube.coordination.readNamespacedLease({ name, namespace });
  } catch (err) {
    if (isNotFound(err) || (err as { code?: number })?.code === 404) return undefined;
    throw toKubeError(err, `read lock Lease/${namespace}/${name}`);
  }
}

/** Renews at a third of the duration; release stops renewing and clears the holder (only if still ours). */
function startRenewing(kube: Kube, l: { name: string; namespace: string; holder: string; duration: number }): Lock {
  let stopped = false;
  const renew = async () => {
    const cur = await readLease(kube, l.name, l.namespace);
    if (!cur || cur.spec?.holderIdentity !== l.holder) return;
    await kube.coordination.replaceNamespacedLease({ name: l.name, namespace: l.namespace, body: { ...cur, spec: { ...cur.spec, renewTime: new V1MicroTime() } } });
  };
  const timer = setInterval(() => {
    if (!stopped) renew().catch(() => undefined); // a missed renewal is retried; the lease outlives two misses
  }, (l.duration * 1000) / 3);
  timer.unref();
  return {
    name: l.name,
    namespace: l.namespace,
    holder: l.holder,
    async release() {
      stopped = true;
      clearInterval(timer);
      for (let attempt = 0; attempt < 3; attempt++) {
        const cur = await readLease(kube, l.name, l.namespace);
        if (!cur || cur.spec?.holderIdentity !== l.holder) return;
        try {
          await kube.coordination.replaceNamespacedLease({ name: l.name, namespace: l.namespace, body: { ...cur, spec: { ...cur.spec, holderIdentity: undefined, renewTime: undefined } } });
          return;
        } catch (err) {
          if (!((err as { code?: number })?.code === 409)) throw toKubeError(err, `release lock Lease/${l.namespace}/${l.name}`);
        }
      }
    },
  };
}
