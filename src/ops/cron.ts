// `railyard cron list|run|suspend|resume` against the cluster.
import { PatchStrategy, type V1CronJob, type V1Job } from '@kubernetes/client-node';
import { toKubeError, type Kube } from '../deploy/kube.js';
import { cronRow, jobFromCronJob, type CronRow } from './cron-model.js';
import { instanceLabel } from './status.js';

export async function listCron(kube: Kube, app: { name: string; namespace: string }, now: Date): Promise<CronRow[]> {
  const sel = instanceLabel(app.name);
  try {
    const [cjs, jobs] = await Promise.all([kube.batch.listNamespacedCronJob({ namespace: app.namespace, labelSelector: sel }), kube.batch.listNamespacedJob({ namespace: app.namespace, labelSelector: sel })]);
    return (cjs.items as V1CronJob[]).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)).map((cj) => cronRow(cj, jobs.items as V1Job[], now));
  } catch (err) {
    throw toKubeError(err, 'list CronJobs');
  }
}

export class NoSuchCronJob extends Error {}

export async function readCron(kube: Kube, app: { name: string; namespace: string }, name: string): Promise<V1CronJob> {
  try {
    const cj = await kube.batch.readNamespacedCronJob({ name, namespace: app.namespace });
    if (cj.metadata?.labels?.['app.kubernetes.io/instance'] !== app.name) throw new NoSuchCronJob(`CronJob/${app.namespace}/${name} is not part of ${app.name}`);
    return cj;
  } catch (err) {
    if (err instanceof NoSuchCronJob) throw err;
    const e = toKubeError(err, `read CronJob/${app.namespace}/${name}`);
    if (e.code === 404) {
      const names = (await listCron(kube, app, new Date())).map((r) => r.name);
      throw new NoSuchCronJob(`no CronJob "${name}" in namespace ${app.namespace}${names.length ? ` (there are: ${names.join(', ')})` : ''}`);
    }
    throw e;
  }
}

/** `suspend` and `resume`: a merge patch of spec.suspend, as `kubectl patch` would. */
export async function setSuspended(kube: Kube, cj: V1CronJob, suspend: boolean): Promise<void> {
  try {
    await kube.objects.patch({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: cj.metadata!.name!, namespace: cj.metadata!.namespace! }, spec: { suspend } } as never, undefined, undefined, 'railyard-ops', undefined, PatchStrategy.MergePatch);
  } catch (err) {
    throw toKubeError(err, `${suspend ? 'suspend' : 'resume'} CronJob/${cj.metadata!.namespace}/${cj.metadata!.name}`);
  }
}

export function cronJobFor(cj: V1CronJob, suffix: string, by: string): V1Job {
  return jobFromCronJob(cj, { suffix, by });
}
