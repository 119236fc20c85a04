// deploy/rbac.yaml: the identity `railyard deploy` runs as, with exactly the
// verbs and resources it uses, computed from the rendered set so a kind the
// app does not render is not granted. An admin applies it once; CI then holds
// a short-lived token for it (`railyard deployer-kubeconfig`), not an admin
// kubeconfig.
//
// Why each rule exists (src/deploy):
//   lock         leases get/create/update            lock.ts (Lease per app)
//   releases     secrets list/create/update/delete   history.ts (release records are Secrets, found by label)
//   secrets      secrets get (named)                 secrets.ts (preflight, key names)
//   migration    jobs get/create/patch/delete        migrate.ts (read, replace, apply, watch)
//   pods         pods get/list, events list          migrate.ts, index.ts (migration pods, unready pods' events)
//   apply        get/create/patch per rendered kind  index.ts (server-side apply, dry run, rollout reads)
//   prune        list/delete on every PRUNABLE kind  index.ts prune() lists each kind in each namespace
//   replicasets  list                                index.ts (roll back to the previous ReplicaSet)
// The `railyard-operator` Role holds what the day-2 commands (src/ops: status,
// logs, exec, one-off jobs, pausing CronJobs) use, on top: pods/log get,
// pods/exec create, pods create/delete, jobs create, cronjobs get/patch.
//
// Nothing here carries railyard's instance labels: prune must never see the
// deployer's own Role or binding as an object the release no longer renders.
import type { App } from '../../config/schema.js';
import type { KubeObject, ManifestFile } from './index.js';
import { renderNamespaces } from './namespaces.js';
import { MANAGED_BY } from './pod.js';
import { requiredSecrets } from '../../config/secrets.js';

export const DEPLOYER = 'railyard-deployer';
export const OPERATOR = 'railyard-operator';
export const RBAC_PATH = 'deploy/rbac.yaml';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Kinds prune lists and may delete, by API group and plural (mirrors src/deploy/plan.ts PRUNABLE). */
export const PRUNABLE_RESOURCES: { group: string; resource: string; namespaced: boolean }[] = [
  { group: 'apps', resource: 'deployments', namespaced: true },
  { group: 'apps', resource: 'daemonsets', namespaced: true },
  { group: 'apps', resource: 'statefulsets', namespaced: true },
  { group: 'batch', resource: 'cronjobs', namespaced: true },
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', namespaced: true },
  { group: 'policy', resource: 'poddisruptionbudgets', namespaced: true },
  { group: '', resource: 'services', namespaced: true },
  { group: '', resource: 'configmaps', namespaced: true },
  { group: '', resource: 'serviceaccounts', namespaced: true },
  { group: 'networking.k8s.io', resource: 'ingresses', namespaced: true },
  { group: 'networking.k8s.io', resource: 'networkpolicies', namespaced: true },
  { group: 'gateway.networking.k8s.io', resource: 'httproutes', namespaced: true },
  { group: 'gateway.networking.k8s.io', resource: 'gateways', namespaced: true },
  { group: 'gateway.nginx.org', resource: 'clientsettingspolicies', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', namespaced: false },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespaced: true },
];

/** apiVersion + kind → group + plural resource, for the kinds railyard renders. */
export function resourceOf(o: Pick<KubeObject, 'apiVersion' | 'kind'>): { group: string; resource: string } {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  const irregular: Record<string, string> = { Ingress: 'ingresses', NetworkPolicy: 'networkpolicies', ClientSettingsPolicy: 'clientsettingspolicies' };
  return { group, resource: irregular[o.kind] ?? `${o.kind.toLowerCase()}s` };
}

/**
 * One rule for a set of kinds: every group × every resource. The cross product
 * grants no more than the listed kinds, since a resource exists in one group
 * only; one rule per purpose keeps the Role short and each rule provably needed.
 */
function forKinds(entries: { group: string; resource: string }[], verbs: string[]): PolicyRule[] {
  if (entries.length === 0) return [];
  return [{ apiGroups: [...new Set(entries.map((e) => e.group))].sort(), resources: [...new Set(entries.map((e) => e.resource))].sort(), verbs }];
}

/** The rules of the deployer Role in one namespace, from the objects deploy applies there. */
export function deployerRules(app: App, namespace: string, applied: KubeObject[], secretNames: string[]): PolicyRule[] {
  const isApp = namespace === app.namespace;
  // The migration Job has its own rule (it is read, replaced and watched, not only applied).
  const kinds = applied.filter((o) => o.metadata.namespace === namespace && o.kind !== 'Job').map(resourceOf);
  const rules: PolicyRule[] = [];
  if (isApp) {
    rules.push(
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'create', 'update', 'delete'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['events', 'pods'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    );
  }
  if (secretNames.length) rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [...secretNames].sort() });
  rules.push(...forKinds(kinds, ['get', 'create', 'patch']));
  rules.push(...forKinds(PRUNABLE_RESOURCES.filter((p) => p.namespaced), ['list', 'delete']));
  return rules;
}

/** Cluster-scoped: the app's namespaces by name, and the cluster-scoped objects of the rendered set (Fluent Bit's ClusterRole and binding). */
export function deployerClusterRules(applied: KubeObject[], namespaces: string[]): PolicyRule[] {
  const clusterScoped = applied.filter((o) => !o.metadata.namespace && o.kind !== 'Namespace');
  const rules: PolicyRule[] = [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch'], resourceNames: [...namespaces].sort() }];
  const named = (kind: string) => clusterScoped.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
  const roles = named('ClusterRole');
  const bindings = named('ClusterRoleBinding');
  // RBAC's escalation check: writing a ClusterRole takes `escalate` on it (or
  // holding all it grants), binding one takes `bind`; both only by name.
  if (roles.length) rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get', 'patch', 'escalate', 'bind'], resourceNames: roles });
  if (bindings.length) rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['get', 'patch'], resourceNames: bindings });
  // Create cannot be limited by name; escalate and bind above still are. Prune lists and deletes the kinds cluster-wide.
  const pruneKinds = PRUNABLE_RESOURCES.filter((p) => !p.namespaced).map((p) => p.resource);
  rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: pruneKinds, verbs: ['create', 'list', 'delete'] });
  return rules;
}

/** What the day-2 commands (src/ops) add in the app namespace. */
export function operatorRules(): PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
    { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'patch'] },
  ];
}

export function renderDeployerRbac(app: App, manifests: ManifestFile[], version: string): KubeObject[] {
  const secretsByNamespace = new Map<string, string[]>();
  for (const s of requiredSecrets(app)) secretsByNamespace.set(s.namespace, [...(secretsByNamespace.get(s.namespace) ?? []), s.name]);
  const applied = manifests.flatMap((f) => f.objects);
  const namespaces = renderNamespaces(app, version) as KubeObject[];
  const nsNames = namespaces.map((n) => n.metadata.name);
  // managed-by without instance: prune selects on both, so it never sees these.
  const labels = { 'app.kubernetes.io/name': DEPLOYER, 'app.kubernetes.io/part-of': app.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
  const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), labels });
  const subject = [{ kind: 'ServiceAccount', name: DEPLOYER, namespace: app.namespace }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  const out: KubeObject[] = [...namespaces, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(DEPLOYER, app.namespace) }];
  for (const ns of nsNames) {
    out.push(
      { apiVersion: rbac, kind: 'Role', metadata: meta(DEPLOYER, ns), rules: deployerRules(app, ns, applied, secretsByNamespace.get(ns) ?? []) },
      { apiVersion: rbac, kind: 'RoleBinding', metadata: meta(DEPLOYER, ns), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DEPLOYER }, subjects: subject },
    );
  }
  out.push(
    { apiVersion: rbac, kind: 'Role', metadata: meta(OPERATOR, app.namespace), rules: operatorRules() },
    { apiVersion: rbac, kind: 'RoleBinding', metadata: meta(OPERATOR, app.namespace), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OPERATOR }, subjects: subject },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: meta(`${DEPLOYER}-${app.name}`), rules: deployerClusterRules(applied, nsNames) },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: meta(`${DEPLOYER}-${app.name}`), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${DEPLOYER}-${app.name}` }, subjects: subject },
  );
  return out;
}
