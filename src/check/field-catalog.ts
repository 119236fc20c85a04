// Unknown-field detection needs to know every field the API has. The catalog is
// generated from @kubernetes/client-node's model metadata (built from the upstream
// OpenAPI spec) and committed as fields.json, because loading client-node itself
// costs ~400 ms, more than the whole check budget. test/check/fields.test.ts
// regenerates it and fails on drift.

/** Field name → type name ('' for scalars, 'map' for string maps, 'X[]' for arrays of X, 'any' for free-form). */
export type FieldTable = Record<string, string>;

export interface FieldCatalog {
  /** apiVersion + " " + kind → root type. */
  roots: Record<string, string>;
  types: Record<string, FieldTable>;
}

/** The kinds railyard renders and users commonly hand it. */
export const CATALOG_ROOTS: Record<string, string> = {
  'v1 Pod': 'V1Pod',
  'v1 Service': 'V1Service',
  'v1 ConfigMap': 'V1ConfigMap',
  'v1 Secret': 'V1Secret',
  'v1 ServiceAccount': 'V1ServiceAccount',
  'v1 Namespace': 'V1Namespace',
  'v1 PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'apps/v1 Deployment': 'V1Deployment',
  'apps/v1 StatefulSet': 'V1StatefulSet',
  'apps/v1 DaemonSet': 'V1DaemonSet',
  'apps/v1 ReplicaSet': 'V1ReplicaSet',
  'batch/v1 Job': 'V1Job',
  'batch/v1 CronJob': 'V1CronJob',
  'autoscaling/v2 HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'autoscaling/v1 HorizontalPodAutoscaler': 'V1HorizontalPodAutoscaler',
  'policy/v1 PodDisruptionBudget': 'V1PodDisruptionBudget',
  'networking.k8s.io/v1 Ingress': 'V1Ingress',
  'networking.k8s.io/v1 NetworkPolicy': 'V1NetworkPolicy',
  'rbac.authorization.k8s.io/v1 Role': 'V1Role',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'V1RoleBinding',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'V1ClusterRoleBinding',
};

type AttributeMap = { baseName: string; type: string }[];

/** Builds the catalog from a module exposing client-node's model classes. */
export function buildFieldCatalog(models: Record<string, unknown>): FieldCatalog {
  const types: Record<string, FieldTable> = {};
  const visit = (typeName: string) => {
    if (types[typeName]) return;
    const cls = models[typeName] as { attributeTypeMap?: AttributeMap } | undefined;
    if (!cls?.attributeTypeMap) return;
    const table: FieldTable = {};
    types[typeName] = table;
    for (const a of cls.attributeTypeMap) {
      const t = simplify(a.type);
      table[a.baseName] = t;
      const inner = t.endsWith('[]') ? t.slice(0, -2) : t.startsWith('map:') ? t.slice(4) : t;
      if (/^V\d|^[A-Z][a-z]+V\d/.test(inner)) visit(inner);
    }
  };
  const roots: Record<string, string> = {};
  for (const [key, root] of Object.entries(CATALOG_ROOTS)) {
    if (!models[root]) continue;
    roots[key] = root;
    visit(root);
  }
  const sorted: Record<string, FieldTable> = {};
  for (const k of Object.keys(types).sort()) sorted[k] = types[k]!;
  return { roots, types: sorted };
}

function simplify(type: string): string {
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return simplify(arr[1]!) === '' ? '' : `${simplify(arr[1]!)}[]`;
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    const inner = simplify(map[1]!);
    return inner === '' ? 'map' : inner === 'any' ? 'any' : `map:${inner}`;
  }
  if (['string', 'number', 'boolean', 'Date', 'IntOrString'].includes(type)) return '';
  if (type === 'any' || type === 'object') return 'any';
  return type;
}

/** Paths of fields the catalog does not know, below a root object. */
export function unknownFields(catalog: FieldCatalog, obj: Record<string, unknown>): string[] {
  // Own properties only: a field called "toString" must not find Object.prototype's.
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return [];
  const rootKey = `${obj.apiVersion} ${obj.kind}`;
  const root = Object.hasOwn(catalog.roots, rootKey) ? catalog.roots[rootKey] : undefined;
  if (!root) return [];
  const out: string[] = [];
  // The path as keys and indexes, joined only for an unknown field: most objects
  // have none, and building every field's path string was half the walk's time.
  const at: (string | number)[] = [];
  const pathTo = (last: string) => {
    let p = '';
    for (const s of at) p = typeof s === 'number' ? `${p}[${s}]` : p ? `${p}.${s}` : s;
    return p ? `${p}.${last}` : last;
  };
  const walk = (value: unknown, type: string) => {
    if (value === null || value === undefined || type === '' || type === 'any' || type === 'map') return;
    if (type.endsWith('[]')) {
      if (!Array.isArray(value)) return;
      const item = type.slice(0, -2);
      for (let i = 0; i < value.length; i++) {
        at.push(i);
        walk(value[i], item);
        at.pop();
      }
      return;
    }
    if (type.startsWith('map:')) {
      if (typeof value !== 'object') return;
      const item = type.slice(4);
      for (const [k, v] of Object.entries(value as object)) {
        at.push(k);
        walk(v, item);
        at.pop();
      }
      return;
    }
    const table = Object.hasOwn(catalog.types, type) ? catalog.types[type] : undefined;
    if (!table || typeof value !== 'object' || Array.isArray(value)) return;
    for (const k in value as Record<string, unknown>) {
      if (!Object.hasOwn(value, k)) continue;
      const fieldType = Object.hasOwn(table, k) ? table[k] : undefined;
      if (fieldType === undefined) out.push(pathTo(k));
      else {
        at.push(k);
        walk((value as Record<string, unknown>)[k], fieldType);
        at.pop();
      }
    }
  };
  walk(obj, root);
  return out;
}
