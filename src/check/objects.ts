// Reading Kubernetes objects: where the pod template is, which containers it runs,
// what env they see. Every rule walks objects through these, so paths agree.
import type { CheckContext, K8sObject, ObjectRef } from './types.js';

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

/** A field's value as text for reports: strings as they are, anything else without calling its methods. */
export function plainText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? '[list]' : '{object}';
}

export function refOf(obj: K8sObject, defaultNamespace?: string): ObjectRef {
  const meta = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
  const ref: ObjectRef = { kind: plainText(obj.kind ?? '?'), name: plainText(meta.name ?? '?') };
  const ns = meta.namespace ?? (isClusterScoped(obj) ? undefined : defaultNamespace);
  if (ns !== undefined) ref.namespace = plainText(ns);
  return ref;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'IngressClass', 'GatewayClass', 'CustomResourceDefinition', 'PriorityClass', 'Node', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);
export function isClusterScoped(obj: K8sObject): boolean {
  // Not String(kind): an object whose toString is not a function throws there.
  return typeof obj.kind === 'string' && CLUSTER_SCOPED.has(obj.kind);
}

export function namespaceOf(obj: K8sObject, ctx: CheckContext): string {
  return String(obj.metadata?.namespace ?? ctx.options.defaultNamespace);
}

export interface PodTemplate {
  owner: K8sObject;
  spec: Record<string, any>;
  /** Path of the pod spec inside the owner. */
  path: string;
  labels: Record<string, string>;
}

/** The pod spec a workload runs, or undefined for objects that run no pods. */
export function podTemplateOf(obj: K8sObject): PodTemplate | undefined {
  switch (obj.kind) {
    case 'Pod':
      return obj.spec ? { owner: obj, spec: obj.spec, path: 'spec', labels: obj.metadata?.labels ?? {} } : undefined;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job': {
      const t = obj.spec?.template;
      return t?.spec ? { owner: obj, spec: t.spec, path: 'spec.template.spec', labels: t.metadata?.labels ?? {} } : undefined;
    }
    case 'CronJob': {
      const t = obj.spec?.jobTemplate?.spec?.template;
      return t?.spec ? { owner: obj, spec: t.spec, path: 'spec.jobTemplate.spec.template.spec', labels: t.metadata?.labels ?? {} } : undefined;
    }
    default:
      return undefined;
  }
}

export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const t = podTemplateOf(o);
    if (t) out.push(t);
  }
  return out;
}

export interface ContainerAt {
  container: Record<string, any>;
  path: string;
  init: boolean;
  pod: PodTemplate;
}

export function containersOf(pod: PodTemplate, includeInit = true): ContainerAt[] {
  const out: ContainerAt[] = [];
  const list = (key: string, init: boolean) => {
    const cs = pod.spec[key];
    if (!Array.isArray(cs)) return;
    cs.forEach((c, i) => {
      if (c && typeof c === 'object') out.push({ container: c, path: `${pod.path}.${key}[${i}]`, init, pod });
    });
  };
  list('containers', false);
  if (includeInit) list('initContainers', true);
  return out;
}

export function allContainers(objects: readonly K8sObject[], includeInit = true): ContainerAt[] {
  return podTemplates(objects).flatMap((p) => containersOf(p, includeInit));
}

/** Literal env values by name (valueFrom entries map to undefined). */
export function literalEnv(container: Record<string, any>): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const e of asArray(container.env)) {
    if (e && typeof e.name === 'string') env.set(e.name, e.value === undefined ? undefined : String(e.value));
  }
  return env;
}

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** Does a label selector (matchLabels + matchExpressions, or a plain map for Services) select these labels? */
export function selects(selector: Record<string, any> | undefined, labels: Record<string, string>, plainMap = false): boolean {
  if (!selector) return false;
  const matchLabels: Record<string, string> = plainMap ? selector : selector.matchLabels ?? {};
  const expressions: any[] = plainMap ? [] : asArray(selector.matchExpressions);
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return !plainMap;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== String(v)) return false;
  for (const e of expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = asArray(e.values).map(String);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

export function describe(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ? ref.namespace + '/' : ''}${ref.name}`;
}

/** The image's tag, or undefined when it has none (digest-only references included). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : undefined;
}

export function imageHasDigest(image: string): boolean {
  return /@sha256:[0-9a-f]{64}$/.test(image);
}

/** Env var names a shell string reads: $NAME and ${NAME} (not $(NAME), which Kubernetes expands itself). */
export function shellVarRefs(text: string): string[] {
  const out = new Set<string>();
  // `${NAME:-default}`, `${NAME-default}`, `${NAME:=default}` and `${NAME:+x}` work without NAME.
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)([:?+=-][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const op = m[2] ?? '';
    if (/^:?[-=+]/.test(op)) continue;
    out.add((m[1] ?? m[3])!);
  }
  return [...out];
}

/** Env vars a shell string assigns itself before use (`HEALTH_PORT=3002 ruby …`, `export X=…`). */
export function shellAssignments(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=/g)) out.add(m[1]!);
  // Loop variables and `read` targets are set by the shell itself.
  for (const m of text.matchAll(/\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b/g)) out.add(m[1]!);
  for (const m of text.matchAll(/\bread\s+(?:-[a-z]+\s+)*((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)/g)) for (const v of m[1]!.trim().split(/\s+/)) out.add(v);
  return [...out];
}

// ---------------------------------------------------------------- lookups that scale
// Rules ask "which pods does this selector pick", "which HPA targets this"; at 5,000
// objects a scan per question is quadratic, so each check run builds these maps once.

export interface CheckIndex {
  byKind: Map<string, K8sObject[]>;
  /** `${kind}\0${namespace}\0${name}` → object (namespace '' for cluster-scoped kinds). */
  byKey: Map<string, K8sObject>;
  pods: PodTemplate[];
  /** `${namespace}\0${key}=${value}` → pod templates carrying that label. */
  podsByLabel: Map<string, PodTemplate[]>;
  podsByNamespace: Map<string, PodTemplate[]>;
}

const indexes = new WeakMap<object, CheckIndex>();

export function indexOf(ctx: CheckContext): CheckIndex {
  let ix = indexes.get(ctx);
  if (ix) return ix;
  ix = { byKind: new Map(), byKey: new Map(), pods: [], podsByLabel: new Map(), podsByNamespace: new Map() };
  for (const o of ctx.objects) {
    const kind = String(o.kind);
    let list = ix.byKind.get(kind);
    if (!list) ix.byKind.set(kind, (list = []));
    list.push(o);
    const ns = isClusterScoped(o) ? '' : namespaceOf(o, ctx);
    ix.byKey.set(`${kind}\0${ns}\0${String(o.metadata?.name)}`, o);
    const t = podTemplateOf(o);
    if (!t) continue;
    ix.pods.push(t);
    const podNs = namespaceOf(o, ctx);
    let inNs = ix.podsByNamespace.get(podNs);
    if (!inNs) ix.podsByNamespace.set(podNs, (inNs = []));
    inNs.push(t);
    for (const [k, v] of Object.entries(t.labels)) {
      const key = `${podNs}\0${k}=${String(v)}`;
      let withLabel = ix.podsByLabel.get(key);
      if (!withLabel) ix.podsByLabel.set(key, (withLabel = []));
      withLabel.push(t);
    }
  }
  indexes.set(ctx, ix);
  return ix;
}

export function objectsOfKind(ctx: CheckContext, kind: string): K8sObject[] {
  return indexOf(ctx).byKind.get(kind) ?? [];
}

export function findObject(ctx: CheckContext, kind: string, namespace: string, name: string): K8sObject | undefined {
  return indexOf(ctx).byKey.get(`${kind}\0${namespace}\0${name}`);
}

/** Pod templates in a namespace that a selector picks (plain map for Services, LabelSelector otherwise). */
export function podsSelectedBy(ctx: CheckContext, namespace: string, selector: Record<string, any> | undefined, plainMap: boolean): PodTemplate[] {
  if (!selector) return [];
  const ix = indexOf(ctx);
  // Start from the rarest label the selector asks for: `app: storecove` is on every pod.
  let candidates: PodTemplate[] | undefined;
  for (const [k, v] of Object.entries((plainMap ? selector : selector.matchLabels ?? {}) as Record<string, unknown>)) {
    const withLabel = ix.podsByLabel.get(`${namespace}\0${k}=${String(v)}`) ?? [];
    if (!candidates || withLabel.length < candidates.length) candidates = withLabel;
  }
  candidates ??= ix.podsByNamespace.get(namespace) ?? [];
  return candidates.filter((p) => selects(selector, p.labels, plainMap));
}
