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

/** Reads each required Secret's key names from the cluster and returns what is missing. */
export async function secretsPreflight(kube: Kube, app: App): Promise<MissingSecret[]> {
  const required = requiredSecrets(app);
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
