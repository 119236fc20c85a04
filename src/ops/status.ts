// `railyard status`: every read the screen needs, issued at once (the
// figure to beat is the same `kubectl get`s one after another), then the
// pure model in status-model.ts. Secrets are listed only as release records
// (railyard's own); no other Secret is read.
import type { CoreV1Event, V1CronJob, V1Deployment, V1Job, V1Lease, V1Pod } from '@kubernetes/client-node';
import { listReleases } from '../deploy/history.js';
import { isNotFound, toKubeError, type Kube } from '../deploy/kube.js';
import { lockName } from '../deploy/lock.js';
import { buildStatus, type AppStatus, type SlotHealth } from './status-model.js';

/** /health answers within 1 s by design (docs/RUNTIME.md), plus the API server's proxy hop on a busy machine; a pod that does not is reported, not waited for. */
const HEALTH_TIMEOUT_MS = 3000;

export function instanceLabel(app: string): string {
  return `app.kubernetes.io/instance=${app}`;
}

export async function readStatus(kube: Kube, app: { name: string; namespace: string }, now = () => new Date()): Promise<AppStatus> {
  const ns = app.namespace;
  const sel = instanceLabel(app.name);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toKubeError(err, what);
    }
  };
  const [releases, lease, deployments, pods, cronJobs, jobs, events] = await Promise.all([
    listReleases(kube, app.name, ns),
    kube.coordination.readNamespacedLease({ name: lockName(app.name), namespace: ns }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw toKubeError(err, 'read the deploy lock');
    }) as Promise<V1Lease | undefined>,
    call('list Deployments', () => kube.apps.listNamespacedDeployment({ namespace: ns, labelSelector: sel })).then((r) => r.items as V1Deployment[]),
    call('list Pods', () => kube.core.listNamespacedPod({ namespace: ns, labelSelector: sel })).then((r) => r.items as V1Pod[]),
    call('list CronJobs', () => kube.batch.listNamespacedCronJob({ namespace: ns, labelSelector: sel })).then((r) => r.items as V1CronJob[]),
    call('list Jobs', () => kube.batch.listNamespacedJob({ namespace: ns, labelSelector: sel })).then((r) => r.items as V1Job[]),
    call('list Events', () => kube.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'type=Warning' })).then((r) => r.items as CoreV1Event[]),
  ]);
  const health = Object.fromEntries(await Promise.all(pods.filter(servesHealth).map(async (p) => [p.metadata!.name!, await readHealth(kube, p)] as const)));
  return buildStatus({
    app: app.name,
    namespace: ns,
    now: now(),
    releases,
    lock: lease?.spec?.holderIdentity ? { holder: lease.spec.holderIdentity, renewTime: lease.spec.renewTime ? new Date(lease.spec.renewTime as unknown as string).toISOString() : undefined, durationSeconds: lease.spec.leaseDurationSeconds } : undefined,
    deployments,
    pods,
    cronJobs,
    jobs,
    events,
    health,
  });
}

/** Pods of the runtime's worker and consumer targets: a port named `health` (the web tier's health is Rails'). */
function healthPort(p: V1Pod): number | undefined {
  for (const c of p.spec?.containers ?? []) for (const port of c.ports ?? []) if (port.name === 'health') return port.containerPort;
  return undefined;
}

function servesHealth(p: V1Pod): boolean {
  return healthPort(p) !== undefined && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && !p.metadata?.labels?.['railyard.dev/console'];
}

/** GET /health through the API server's pod proxy. A 503 still carries the body (an unhealthy pod says which slot). */
async function readHealth(kube: Kube, p: V1Pod): Promise<SlotHealth> {
  const name = `${p.metadata!.name}:${healthPort(p)}`;
  const req = kube.core.connectGetNamespacedPodProxyWithPath({ name, namespace: p.metadata!.namespace!, path: 'health' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  let body: unknown;
  try {
    body = await Promise.race([req, timeout]);
  } catch (err) {
    body = (err as { body?: unknown }).body;
    if (body === undefined) return { error: (err as Error).message?.split('\n')[0] ?? String(err) };
  } finally {
    clearTimeout(timer);
  }
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { children?: { pool: string; slot: number; state: string; restarts: number }[] };
    if (!Array.isArray(parsed?.children)) return { error: 'the answer has no slots' };
    return { children: parsed.children.map((c) => ({ pool: String(c.pool), slot: Number(c.slot), state: String(c.state), restarts: Number(c.restarts) })) };
  } catch {
    return { error: 'the answer is not JSON' };
  }
}
