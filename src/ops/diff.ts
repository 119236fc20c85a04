// `railyard diff`: what a deploy of this release would change on the cluster.
// Every rendered object goes through a server-side apply dry run as railyard's
// field manager (the API server fills defaults and runs admission, as the deploy
// will), and the result is compared with the live object. Objects the deploy would
// prune and a migration Job it would run are listed too. Reads only; shares
// deploy's Kubernetes client and plan.
import type { App } from '../config/schema.js';
import { renderManifests, type KubeObject } from '../render/kubernetes/index.js';
import { apply, list, read, KubeError, type Kube } from '../deploy/kube.js';
import { instanceSelector, objectKey, planDeploy, PRUNABLE, pruneCandidates } from '../deploy/plan.js';
import { compareObject, VERSION_LABEL, type DiffReport, type ObjectDiff } from './diff-format.js';

/** Bounded parallel map: the API server answers requests side by side, but not thousands at once. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function diffRelease(kube: Kube, app: App, imageTag: string): Promise<DiffReport> {
  const plan = planDeploy(app, renderManifests(app, { imageTag }));
  const missingNamespaces = new Set<string>();
  for (const ns of plan.objects.filter((o) => o.kind === 'Namespace')) if (!(await read(kube, ns))) missingNamespaces.add(ns.metadata.name);
  let liveVersion: string | undefined;
  const compared = await mapLimit(plan.objects, 16, async (o): Promise<ObjectDiff | undefined> => {
    // In a namespace the deploy creates, nothing exists yet and a dry run has nowhere to go.
    if (o.metadata.namespace && missingNamespaces.has(o.metadata.namespace)) return compareObject(undefined, o);
    const live = await read<KubeObject>(kube, o);
    const v = live?.metadata?.labels?.[VERSION_LABEL];
    if (v && o.kind === 'Deployment') liveVersion ??= v;
    const dry = await apply(kube, o, { dryRun: true });
    return compareObject(live, dry);
  });
  const changes = compared.filter((d): d is ObjectDiff => d !== undefined);
  // The deploy runs the migration Job when none of that name exists (its name carries the release).
  if (plan.migration && !(await read(kube, plan.migration))) changes.unshift({ kind: 'Job', name: plan.migration.metadata.name, ...(plan.migration.metadata.namespace ? { namespace: plan.migration.metadata.namespace } : {}), action: 'run' });
  const namespaces = [...new Set([app.namespace, ...plan.objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n)])].filter((n) => !missingNamespaces.has(n));
  const live = (await Promise.all(PRUNABLE.flatMap((k) => (k.namespaced ? namespaces : [undefined]).map((ns) => list<KubeObject>(kube, k.apiVersion, k.kind, ns, instanceSelector(app)))))).flat();
  for (const o of pruneCandidates(plan.objects, live).sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1))) {
    changes.push({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), action: 'prune' });
  }
  return { version: { ...(liveVersion ? { from: liveVersion } : {}), to: imageTag }, changes };
}

export { KubeError };
