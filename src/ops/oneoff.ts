// `railyard task` and `cron run` share this: create the Job, record the run,
// stream the output, record how it ended, return the exit code.
import type { V1Job } from '@kubernetes/client-node';
import { listReleases } from '../deploy/history.js';
import type { Kube } from '../deploy/kube.js';
import { createJob, followJob, type JobRun } from './job-run.js';
import { trimRuns, writeRun, type RunRecord } from './records.js';

export interface OneOffRun {
  app: string;
  namespace: string;
  kind: RunRecord['kind'];
  from: string;
  command: string[];
  by: string;
  job: V1Job;
  detach?: boolean;
  onLine(line: string): void;
  onNotice(message: string): void;
  signal?: AbortSignal;
}

export async function runOneOff(kube: Kube, o: OneOffRun): Promise<JobRun | { job: string; detached: true }> {
  const releases = await listReleases(kube, o.app, o.namespace).catch(() => []);
  const current = [...releases].reverse().find((r) => r.status === 'deployed');
  const record: RunRecord = { app: o.app, kind: o.kind, job: o.job.metadata!.name!, from: o.from, command: o.command, by: o.by, ...(current ? { release: current.revision } : {}), startedAt: new Date().toISOString() };
  const created = await createJob(kube, o.job);
  await writeRun(kube, record, o.namespace);
  o.onNotice(`started Job/${created.metadata!.name}`);
  if (o.detach) return { job: created.metadata!.name!, detached: true };
  const run = await followJob(kube, created, { onLine: o.onLine, onWaiting: (w) => o.onNotice(`pod: ${w}`), signal: o.signal });
  await writeRun(kube, { ...record, finishedAt: run.finishedAt, exitCode: run.exitCode, reason: run.reason }, o.namespace).catch((e: Error) => o.onNotice(`could not record the result: ${e.message}`));
  await trimRuns(kube, o.app, o.namespace).catch(() => undefined);
  return run;
}
