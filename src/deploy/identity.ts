// `railyard deployer-kubeconfig`: a kubeconfig for the railyard-deployer
// ServiceAccount (deploy/rbac.yaml), holding a token from the TokenRequest API
// that expires on its own. What CI stores instead of an admin kubeconfig.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { App } from '../config/schema.js';
import { DEPLOYER } from '../render/kubernetes/rbac.js';
import { toKubeError, type Kube } from './kube.js';

/** The API server caps a token's lifetime anyway; railyard refuses more than two days outright. */
export const MAX_TOKEN_SECONDS = 48 * 3600;
/** The API server's own floor for expirationSeconds. */
export const MIN_TOKEN_SECONDS = 600;

export interface DeployerToken {
  token: string;
  expiresAt: string;
}

export async function requestDeployerToken(kube: Kube, app: App, seconds: number): Promise<DeployerToken> {
  try {
    const res = await kube.core.createNamespacedServiceAccountToken({ name: DEPLOYER, namespace: app.namespace, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: seconds } } });
    if (!res.status?.token) throw new Error('the API server returned no token');
    return { token: res.status.token, expiresAt: new Date(res.status.expirationTimestamp ?? Date.now() + seconds * 1000).toISOString() };
  } catch (err) {
    const e = toKubeError(err, `TokenRequest for ServiceAccount ${app.namespace}/${DEPLOYER}`);
    if (e.code === 404) throw new Error(`${e.message} (apply deploy/rbac.yaml from \`railyard synth\` first, as an admin)`);
    throw e;
  }
}

/** A kubeconfig for the deployer: the admin's cluster entry (server, CA), the token, the app namespace as default. */
export function deployerKubeconfig(kube: Kube, app: App, token: string): string {
  const cluster = kube.kc.getCurrentCluster()!;
  const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  const name = `${DEPLOYER}@${app.name}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: app.name, cluster: { server: cluster.server, ...(ca ? { 'certificate-authority-data': ca } : {}), ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}) } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: app.name, user: name, namespace: app.namespace } }],
    'current-context': name,
  });
}
