// What a deploy applies and in which order. Pure: rendered files in, phases out.
import type { App } from '../config/schema.js';
import { MIGRATION_JOB_PATH, type KubeObject, type ManifestFile } from '../render/kubernetes/index.js';
import { MANAGED_BY } from '../render/kubernetes/pod.js';

export type PhaseName = 'namespaces' | 'config' | 'web' | 'workloads' | 'routes';

export interface Phase {
  name: PhaseName;
  objects: KubeObject[];
  /** Rollouts to wait for before the next phase starts. */
  waitFor: KubeObject[];
}

export interface DeployPlan {
  /** The migration barrier Job, run before anything else is applied. */
  migration: KubeObject | undefined;
  phases: Phase[];
  /** Every object the deploy applies (all phases), for pruning and the release record. */
  objects: KubeObject[];
}

const ROUTE_KINDS = new Set(['Ingress', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ClientSettingsPolicy']);
const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'CronJob']);
/** Objects a rollout is watched for. */
export const ROLLOUT_KINDS = new Set(['Deployment', 'DaemonSet']);

/**
 * Namespaces first (everything else lives in them), then config (RBAC,
 * ConfigMaps, Services, PDBs), then the web tier with its HPA, waiting for its
 * rollout: if the new release cannot serve, workers and consumers never see
 * it. Then the other workloads and CronJobs, and routes last, so traffic only
 * reaches pods that exist.
 */
export function planDeploy(app: App, files: ManifestFile[]): DeployPlan {
  const migrationFile = files.find((f) => f.path === MIGRATION_JOB_PATH);
  const migration = migrationFile?.objects.find((o) => o.kind === 'Job');
  const all = files.filter((f) => f.path !== MIGRATION_JOB_PATH).flatMap((f) => f.objects);

  const isWeb = (o: KubeObject) =>
    (o.kind === 'Deployment' && o.metadata.name === app.web.name && o.metadata.namespace === app.namespace) ||
    (o.kind === 'HorizontalPodAutoscaler' && (o as { spec?: { scaleTargetRef?: { name?: string } } }).spec?.scaleTargetRef?.name === app.web.name);

  const namespaces = all.filter((o) => o.kind === 'Namespace');
  const web = all.filter(isWeb);
  const workloads = all.filter((o) => !isWeb(o) && (WORKLOAD_KINDS.has(o.kind) || o.kind === 'HorizontalPodAutoscaler'));
  const routes = all.filter((o) => ROUTE_KINDS.has(o.kind));
  const placed = new Set([...namespaces, ...web, ...workloads, ...routes]);
  const config = all.filter((o) => !placed.has(o));

  const phases: Phase[] = [
    { name: 'namespaces', objects: namespaces, waitFor: [] },
    { name: 'config', objects: config, waitFor: [] },
    { name: 'web', objects: web, waitFor: web.filter((o) => ROLLOUT_KINDS.has(o.kind)) },
    { name: 'workloads', objects: workloads, waitFor: workloads.filter((o) => ROLLOUT_KINDS.has(o.kind)) },
    { name: 'routes', objects: routes, waitFor: [] },
  ];
  return { migration, phases, objects: phases.flatMap((p) => p.objects) };
}

/** The labels every object railyard renders carries, and which pruning selects on. */
export function instanceLabels(app: App): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/instance': app.name };
}

/** instanceLabels as a label selector, for the API server's lists. */
export function instanceSelector(app: App): string {
  return Object.entries(instanceLabels(app))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Kinds railyard renders and may therefore prune. Namespaces, Jobs (the
 * migration Jobs clean themselves up) and Secrets (release records) are never
 * pruned: deleting a Namespace deletes everything in it.
 */
export const PRUNABLE: { apiVersion: string; kind: string; namespaced: boolean }[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'CronJob', namespaced: true },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespaced: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespaced: true },
  { apiVersion: 'gateway.nginx.org/v1alpha1', kind: 'ClientSettingsPolicy', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
];

export const objectKey = (o: Pick<KubeObject, 'kind' | 'metadata'>) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Live objects that carry railyard's labels for this app but are not in the rendered set. */
export function pruneCandidates(rendered: KubeObject[], live: KubeObject[]): KubeObject[] {
  const keep = new Set(rendered.map(objectKey));
  return live.filter((o) => !keep.has(objectKey(o)));
}
