// Running a one-off Job to its end, for `railyard task` and `cron run`:
// create it, stream its pod's output, and return the command's exit code
// (the container's, which tini passes through: 3 stays 3, SIGKILL is 137).
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { sleep, toKubeError, type Kube } from '../deploy/kube.js';
import { jobOutcome } from '../deploy/migrate.js';
import { ResumePoint, splitTimestamp } from './log-lines.js';
import { streamLog } from './log-stream.js';

export interface JobRun {
  job: string;
  pod?: string;
  exitCode: number;
  /** Why it ended, one line: `exit 3`, `DeadlineExceeded: …`. */
  reason: string;
  startedAt: string;
  finishedAt: string;
}

/** Exit code when the Job ended without the container saying (deadline, pod deleted), as timeout(1) does for a deadline. */
export const EXIT_DEADLINE = 124;

export async function createJob(kube: Kube, job: V1Job): Promise<V1Job> {
  try {
    return await kube.batch.createNamespacedJob({ namespace: job.metadata!.namespace!, body: job });
  } catch (err) {
    throw toKubeError(err, `create Job/${job.metadata!.namespace}/${job.metadata!.name}`);
  }
}

export async function jobPod(kube: Kube, job: V1Job): Promise<V1Pod | undefined> {
  try {
    const res = await kube.core.listNamespacedPod({ namespace: job.metadata!.namespace!, labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata!.uid}` });
    return res.items.sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp))).pop();
  } catch (err) {
    throw toKubeError(err, `list pods of Job/${job.metadata?.name}`);
  }
}

/** The container's terminated state once it has one. */
export function terminated(pod: V1Pod | undefined): { exitCode: number; reason?: string } | undefined {
  const t = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  return t ? { exitCode: t.exitCode, reason: t.reason } : undefined;
}

/** Waits for the Job's pod to leave Pending; returns it (or why it never ran). */
export async function waitForPod(kube: Kube, job: V1Job, opts: { timeoutMs: number; signal?: AbortSignal; onWaiting?: (why: string) => void }): Promise<V1Pod> {
  const deadline = Date.now() + opts.timeoutMs;
  let said = '';
  for (;;) {
    if (opts.signal?.aborted) throw new Error('interrupted');
    const pod = await jobPod(kube, job);
    const phase = pod?.status?.phase;
    if (pod && phase && phase !== 'Pending') return pod;
    const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
    const why = waiting?.reason ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : pod ? 'Pending' : 'waiting for the pod';
    if (why !== said) opts.onWaiting?.(why);
    said = why;
    if (waiting?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError/.test(waiting.reason)) throw new Error(`pod ${pod!.metadata!.name} cannot start: ${why}`);
    if (Date.now() > deadline) throw new Error(`pod of Job/${job.metadata!.name} did not start within ${Math.round(opts.timeoutMs / 1000)}s (${why})`);
    await sleep(200);
  }
}

/**
 * Streams the pod's output to `onLine` and waits for the container to end.
 * The log stream of a container that has ended closes by itself; one that
 * drops earlier is read again from where it stopped.
 */
export async function followJob(kube: Kube, job: V1Job, opts: { onLine: (line: string) => void; onWaiting?: (why: string) => void; signal?: AbortSignal; startTimeoutMs?: number }): Promise<JobRun> {
  const startedAt = new Date().toISOString();
  const pod = await waitForPod(kube, job, { timeoutMs: opts.startTimeoutMs ?? 300_000, signal: opts.signal, onWaiting: opts.onWaiting });
  const ns = job.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const container = pod.spec!.containers[0]!.name;
  const point = new ResumePoint();
  for (;;) {
    point.resume();
    await streamLog(kube, { namespace: ns, pod: name, container, follow: true, timestamps: true, ...(point.sinceTime ? { sinceTime: point.sinceTime } : {}) }, (line) => {
      const { ts, text } = splitTimestamp(line);
      if (point.accept(ts)) opts.onLine(text);
    }, opts.signal).catch(() => undefined);
    const cur = await readPod(kube, ns, name);
    const t = terminated(cur);
    if (t || !cur || opts.signal?.aborted) return finish(kube, job, name, t, startedAt);
    await sleep(200);
  }
}

async function readPod(kube: Kube, namespace: string, name: string): Promise<V1Pod | undefined> {
  try {
    return await kube.core.readNamespacedPod({ name, namespace });
  } catch {
    return undefined;
  }
}

async function finish(kube: Kube, job: V1Job, pod: string, t: { exitCode: number; reason?: string } | undefined, startedAt: string): Promise<JobRun> {
  if (t) return { job: job.metadata!.name!, pod, exitCode: t.exitCode, reason: `exit ${t.exitCode}${t.reason && t.reason !== 'Completed' && t.reason !== 'Error' ? ` (${t.reason})` : ''}`, startedAt, finishedAt: new Date().toISOString() };
  // The pod went away before saying how it ended: the Job's condition says why (a deadline, usually).
  let reason = 'the pod ended without an exit code';
  try {
    const cur = await kube.batch.readNamespacedJob({ name: job.metadata!.name!, namespace: job.metadata!.namespace! });
    const out = jobOutcome(cur);
    if (out) reason = out.reason;
  } catch {
    /* the Job is gone too */
  }
  return { job: job.metadata!.name!, pod, exitCode: EXIT_DEADLINE, reason, startedAt, finishedAt: new Date().toISOString() };
}
