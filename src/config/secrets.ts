// The Secrets a model's pods need from the cluster: what the deploy's preflight
// checks and what the deployer's Role may read by name.
import { secretKeyMatches, type App } from './schema.js';

export interface RequiredSecret {
  namespace: string;
  name: string;
  /** Declared keys; `*` is a family (`AWS_*_BUCKET`), satisfied by at least one matching key. */
  keys: string[];
}

/**
 * What the cluster must hold for the rendered pods to start: each declared
 * Secret a pod reads (a `ci`-only secret lives in GitHub Actions, not the
 * cluster) and the database CA Secret every app pod mounts.
 */
export function requiredSecrets(app: App): RequiredSecret[] {
  const out: RequiredSecret[] = [];
  for (const s of app.secrets) {
    if (s.usedBy.every((u) => u === 'ci')) continue;
    out.push({ namespace: s.namespace ?? app.namespace, name: s.name, keys: [...s.keys] });
  }
  const ca = out.find((s) => s.name === app.database.caSecret && s.namespace === app.namespace);
  if (!ca) out.push({ namespace: app.namespace, name: app.database.caSecret, keys: [app.database.caKey] });
  else if (!ca.keys.some((k) => secretKeyMatches(k, app.database.caKey))) ca.keys.push(app.database.caKey);
  return out;
}

