// The secrets preflight: before the migration runs, every Secret the model
// references must exist with every key it declares. A missing one would
// otherwise surface only when a pod fails to start (CreateContainerConfigError),
// after the migration has already changed the schema.
//
// Only key names are ever looked at: the API returns a Secret's values with it,
// and `secretKeyNames` drops them at once, so no value reaches a message, a log
// or a record.
import type { V1Secret } from '@kubernetes/client-node';
import { secretKeyMatches, type App } from '../config/schema.js';
import { requiredSecrets, type RequiredSecret } from '../config/secrets.js';

export { requiredSecrets, type RequiredSecret };
import { toKubeError, type Kube } from './kube.js';

export interface MissingSecret {
  namespace: string;
  name: string;
  /** Absent: the Secret itself does not exist. Present: the declared keys it lacks. */
  keys?: string[];
}

/** Key names of a Secret as the API returns it; values are never touched. */
export function secretKeyNames(s: Pick<V1Secret, 'data' | 'stringData'>): string[] {
  return [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])].sort();
}

/** Compares what is required with what the cluster holds (key names by `namespace/name`; undefined: no such Secret). */
export function missingSecrets(required: RequiredSecret[], live: ReadonlyMap<string, string[] | undefined>): MissingSecret[] {
  const out: MissingSecret[] = [];
  for (const r of required) {
    const keys = live.get(`${r.namespace}/${r.name}`);
    if (keys === undefined) {
      out.push({ namespace: r.namespace, name: r.name });
      continue;
    }
    const lacking = r.keys.filter((k) => !keys.some((have) => secretKeyMatches(k, have)));
    if (lacking.length > 0) out.push({ namespace: r.namespace, name: r.name, keys: lacking });
  }
  return out;
}

/** One line per missing Secret or key, for the deploy failure and `check --cluster`. */
export function describeMissing(m: MissingSecret): string {
  return m.keys === undefined ? `Secret ${m.namespace}/${m.name} does not exist` : `Secret ${m.namespace}/${m.name} has no key${m.keys.length === 1 ? '' : 's'} ${m.keys.map((k) => (k.includes('*') ? `matching ${k}` : k)).join(', ')}`;
}

/**
 * What a recorded release's pods read from Secrets, for a rollback: the
 * release's objects, not today's model, say what its pods need (a Secret the
 * model added since is not needed; one it dropped may be). References marked
 * `optional` are skipped. Where the model declares a referenced Secret, its
 * declared keys are required too: envFrom names no keys, and the runtime
 * refuses to start without the ones it expects.
 */
export function secretsOfObjects(objects: readonly unknown[], app: App): RequiredSecret[] {
  const byId = new Map<string, RequiredSecret>();
  const need = (namespace: string, name: string, keys: string[]) => {
    const id = `${namespace}/${name}`;
    const r = byId.get(id) ?? byId.set(id, { namespace, name, keys: [] }).get(id)!;
    for (const k of keys) if (!r.keys.includes(k)) r.keys.push(k);
  };
  for (const o of objects as KubeLike[]) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    const ns = o.metadata?.namespace ?? app.namespace;
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref?.name && !ref.optional) need(ns, ref.name, ref.key ? [ref.key] : []);
      }
      for (const f of c.envFrom ?? []) if (f.secretRef?.name && !f.secretRef.optional) need(ns, f.secretRef.name, []);
    }
    for (const v of spec.volumes ?? []) {
      if (v.secret?.secretName && !v.secret.optional) need(ns, v.secret.secretName, (v.secret.items ?? []).map((i) => i.key));
      for (const src of v.projected?.sources ?? []) if (src.secret?.name && !src.secret.optional) need(ns, src.secret.name, (src.secret.items ?? []).map((i) => i.key));
    }
  }
  for (const declared of requiredSecrets(app)) {
    const r = byId.get(`${declared.namespace}/${declared.name}`);
    if (r) for (const k of declared.keys) if (!r.keys.some((have) => have === k)) r.keys.push(k);
  }
  return [...byId.values()];
}

interface SecretRefs {
  env?: { valueFrom?: { secretKeyRef?: { name?: string; key?: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name?: string; optional?: boolean } }[];
}
interface PodSpecLike {
  containers?: SecretRefs[];
  initContainers?: SecretRefs[];
  volumes?: {
    secret?: { secretName?: string; optional?: boolean; items?: { key: string }[] };
    projected?: { sources?: { secret?: { name?: string; optional?: boolean; items?: { key: string }[] } }[] };
  }[];
}
interface KubeLike {
  kind?: string;
  metadata?: { namespace?: string };
  spec?: { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } } & PodSpecLike;
}
function podSpecOf(o: KubeLike): PodSpecLike | undefined {
  switch (o.kind) {
    case 'Pod':
      return o.spec;
    case 'CronJob':
      return o.spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return o.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Reads each required Secret's key names from the cluster and returns what is missing (by default, what the model's pods need). */
export async function secretsPreflight(kube: Kube, app: App, required: RequiredSecret[] = requiredSecrets(app)): Promise<MissingSecret[]> {
  const live = new Map<string, string[] | undefined>();
  await Promise.all(
    required.map(async (r) => {
      live.set(`${r.namespace}/${r.name}`, await readKeyNames(kube, r.namespace, r.name));
    }),
  );
  return missingSecrets(required, live);
}

async function readKeyNames(kube: Kube, namespace: string, name: string): Promise<string[] | undefined> {
  try {
    return secretKeyNames(await kube.core.readNamespacedSecret({ name, namespace }));
  } catch (err) {
    const e = toKubeError(err, `read Secret ${namespace}/${name}`);
    if (e.code === 404) return undefined;
    throw e;
  }
}
