// The migration barrier: run the release's migration Job and wait for it.
// Nothing else of the release is applied until it has succeeded.
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../render/kubernetes/index.js';
import { apply, describe, read, remove, sleep, toKubeError, type Kube } from './kube.js';

export type JobOutcome = { ok: true } | { ok: false; reason: string; pods: PodProblem[] };

export interface PodProblem {
  pod: string;
  phase?: string;
  message: string;
  events: string[];
}

/** Complete / Failed from the Job's conditions; undefined while it runs. */
export function jobOutcome(job: Pick<V1Job, 'status'>): { done: true; ok: boolean; reason: string } | undefined {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') return { done: true, ok: true, reason: 'Complete' };
    if (c.type === 'Failed' || c.type === 'FailureTarget') return { done: true, ok: false, reason: `${c.reason ?? 'Failed'}${c.message ? `: ${c.message}` : ''}` };
  }
  return undefined;
}

export interface MigrationEvents {
  onStart(name: string): void;
  onLog(line: string): void;
  onNotice(message: string): void;
}

/**
 * Applies the Job (its name carries the image tag, so each release has its
 * own). A Job already complete for this tag is not re-run; a failed one is
 * replaced, since a Job's pod template cannot be changed in place. One still
 * running (an interrupted deploy leaves its migration to finish) is waited
 * for, never deleted: killing a migration half-way is worse than waiting.
 */
export async function runMigration(kube: Kube, job: KubeObject, opts: { timeoutSeconds: number; events: MigrationEvents; signal?: AbortSignal }): Promise<JobOutcome> {
  const existing = await read<KubeObject & V1Job>(kube, job);
  let adopted = false;
  if (existing) {
    const prior = jobOutcome(existing);
    // Job names hold only a prefix of the tag, so compare what it actually ran.
    const sameRelease = JSON.stringify(podTemplateImages(existing)) === JSON.stringify(podTemplateImages(job as unknown as V1Job));
    if (prior?.ok && sameRelease) {
      opts.events.onNotice(`${describe(job)} already completed for this image tag; not re-running it`);
      return { ok: true };
    }
    if (!prior && !existing.metadata?.deletionTimestamp) {
      if (!sameRelease) {
        return { ok: false, reason: `${describe(job)} of another image (${podTemplateImages(existing).join(', ')}) is still running; wait for it to finish or delete it, then deploy again`, pods: [] };
      }
      opts.events.onNotice(`${describe(job)} is still running from an earlier deploy of this image tag; waiting for it instead of starting another`);
      adopted = true;
    } else {
      await remove(kube, job);
      await waitGone(kube, job, 60);
    }
  }
  if (!adopted) {
    opts.events.onStart(job.metadata.name);
    await apply(kube, job);
  }
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const streamed = new Set<string>();
  for (;;) {
    // An interrupted deploy leaves the Job to finish on its own: killing a migration half-way is worse.
    if (opts.signal?.aborted) return { ok: false, reason: `interrupted by ${String(opts.signal.reason ?? 'a signal')} while ${describe(job)} ran (it keeps running)`, pods: [] };
    const cur = await read<KubeObject & V1Job>(kube, job);
    if (!cur) return { ok: false, reason: `${describe(job)} disappeared while running`, pods: [] };
    for (const pod of await jobPods(kube, cur)) {
      const name = pod.metadata!.name!;
      if (!streamed.has(name) && pod.status?.phase && pod.status.phase !== 'Pending') {
        streamed.add(name);
        void streamLogs(kube, pod, opts.events);
      }
    }
    const out = jobOutcome(cur);
    if (out?.ok) return { ok: true };
    if (out && !out.ok) return { ok: false, reason: `migration ${out.reason}`, pods: await podProblems(kube, await jobPods(kube, cur)) };
    if (Date.now() > deadline) return { ok: false, reason: `migration did not finish within ${opts.timeoutSeconds}s`, pods: await podProblems(kube, await jobPods(kube, cur)) };
    await sleep(250);
  }
}

function podTemplateImages(job: V1Job): string[] {
  return (job.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');
}

async function waitGone(kube: Kube, ref: KubeObject, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (await read(kube, ref)) {
    if (Date.now() > deadline) throw new Error(`${describe(ref)} was not deleted within ${seconds}s`);
    await sleep(300);
  }
}

async function jobPods(kube: Kube, job: V1Job): Promise<V1Pod[]> {
  const uid = job.metadata?.uid;
  try {
    const res = await kube.core.listNamespacedPod({ namespace: job.metadata!.namespace!, labelSelector: `batch.kubernetes.io/controller-uid=${uid}` });
    return res.items;
  } catch (err) {
    throw toKubeError(err, `list pods of Job/${job.metadata?.name}`);
  }
}

/**
 * Streams the container's log lines. The local kwok cluster has no kubelet,
 * so logs are unavailable there; that is a notice, never a deploy failure.
 */
async function streamLogs(kube: Kube, pod: V1Pod, events: MigrationEvents): Promise<void> {
  const out = new PassThrough();
  let buf = '';
  out.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      events.onLog(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  out.on('end', () => buf && events.onLog(buf));
  try {
    await new k8s.Log(kube.kc).log(pod.metadata!.namespace!, pod.metadata!.name!, pod.spec!.containers[0]!.name, out, { follow: true });
  } catch (err) {
    const e = toKubeError(err, 'read log');
    // 404 from the log endpoint: no kubelet serves this node's logs (kwok's fake nodes).
    events.onNotice(`logs of pod ${pod.metadata!.name} unavailable (${e.code === 404 ? 'the node serves no logs' : e.message.replace(/^read log: /, '')})`);
  }
}

/** What went wrong with each pod: phase, container termination or waiting reasons, conditions, and its events. */
export async function podProblems(kube: Kube, pods: V1Pod[]): Promise<PodProblem[]> {
  const out: PodProblem[] = [];
  for (const pod of pods) {
    const parts: string[] = [];
    for (const cs of pod.status?.containerStatuses ?? []) {
      const t = cs.state?.terminated;
      const w = cs.state?.waiting;
      if (t && t.exitCode !== 0) parts.push(`${cs.name} exited ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`);
      if (w?.reason) parts.push(`${cs.name} waiting: ${w.reason}${w.message ? `: ${w.message}` : ''}`);
    }
    for (const c of pod.status?.conditions ?? []) {
      if (c.status === 'False' && c.message) parts.push(`${c.type}=False: ${c.message}`);
    }
    out.push({ pod: pod.metadata!.name!, phase: pod.status?.phase, message: [...new Set(parts)].join('; ') || (pod.status?.phase ?? 'unknown'), events: await podEvents(kube, pod) });
  }
  return out;
}

async function podEvents(kube: Kube, pod: V1Pod): Promise<string[]> {
  try {
    const res = await kube.core.listNamespacedEvent({ namespace: pod.metadata!.namespace!, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata!.name}` });
    return res.items.slice(-10).map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
  } catch {
    return [];
  }
}
