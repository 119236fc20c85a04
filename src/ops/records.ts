// Who ran what, when, and how it ended: one record per `railyard task` or
// `cron run`, kept beside the release records (a Secret labelled with the
// app, as Helm keeps its releases) so `railyard history` readers find both.
import type { V1Secret } from '@kubernetes/client-node';
import { RELEASE_OF_LABEL } from '../deploy/history.js';
import { toKubeError, type Kube } from '../deploy/kube.js';

export const RUN_TYPE = 'railyard.dev/run.v1';
/** Newest records kept per app. */
export const RUNS_KEPT = 50;

export interface RunRecord {
  app: string;
  kind: 'task' | 'cron';
  job: string;
  /** The Deployment (task) or CronJob (cron run) it was built from. */
  from: string;
  /** The command as given (task) or the CronJob's (cron run). */
  command: string[];
  by: string;
  /** The deployed release at the time, when there is one. */
  release?: number;
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
}

export function runSecret(r: RunRecord, namespace: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RUN_TYPE,
    metadata: { name: `railyard-run-${r.job}`.slice(0, 253), namespace, labels: { [RELEASE_OF_LABEL]: r.app, 'railyard.dev/run-kind': r.kind, 'app.kubernetes.io/managed-by': 'railyard' } },
    stringData: { run: JSON.stringify(r) },
  };
}

export async function writeRun(kube: Kube, r: RunRecord, namespace: string): Promise<void> {
  const body = runSecret(r, namespace);
  try {
    await kube.core.createNamespacedSecret({ namespace, body });
  } catch (err) {
    if ((err as { code?: number })?.code !== 409) throw toKubeError(err, `record run ${r.job}`);
    try {
      await kube.core.replaceNamespacedSecret({ name: body.metadata!.name!, namespace, body });
    } catch (err2) {
      throw toKubeError(err2, `record run ${r.job}`);
    }
  }
}

export async function listRuns(kube: Kube, app: string, namespace: string): Promise<RunRecord[]> {
  try {
    const res = await kube.core.listNamespacedSecret({ namespace, labelSelector: `${RELEASE_OF_LABEL}=${app},railyard.dev/run-kind` });
    return res.items
      .filter((s) => s.type === RUN_TYPE && s.data?.run)
      .map((s) => JSON.parse(Buffer.from(s.data!.run!, 'base64').toString('utf8')) as RunRecord)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  } catch (err) {
    throw toKubeError(err, 'list runs');
  }
}

/** Deletes all but the newest RUNS_KEPT records. */
export async function trimRuns(kube: Kube, app: string, namespace: string): Promise<void> {
  const runs = await listRuns(kube, app, namespace);
  for (const r of runs.slice(0, Math.max(0, runs.length - RUNS_KEPT))) await kube.core.deleteNamespacedSecret({ name: `railyard-run-${r.job}`, namespace }).catch(() => undefined);
}
