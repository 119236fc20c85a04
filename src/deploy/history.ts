// Release history, kept in the cluster like Helm's release records: one
// Secret per release holding the gzipped JSON of everything that release
// applied plus its metadata. A Secret (not a ConfigMap) because it is where
// clusters already restrict reads; the rendered objects hold no secret values
// (pods get secrets by reference).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeObject } from '../render/kubernetes/index.js';
import { toKubeError, type Kube } from './kube.js';

export const RELEASE_TYPE = 'railyard.dev/release.v1';
export const RELEASE_OF_LABEL = 'railyard.dev/release-of';
export const REVISION_LABEL = 'railyard.dev/revision';
export const STATUS_LABEL = 'railyard.dev/status';

export type ReleaseStatus = 'pending' | 'deployed' | 'failed' | 'superseded' | 'rolled-back';

export interface Release {
  app: string;
  revision: number;
  imageTag: string;
  status: ReleaseStatus;
  startedAt: string;
  finishedAt?: string;
  /** Who ran it: user@host, or the CI actor. */
  deployer: string;
  /** Set for `railyard rollback`: the revision it re-applied. */
  rollbackOf?: number;
  /** Why it failed, one line. */
  reason?: string;
  objects: KubeObject[];
}

export function releaseSecretName(app: string, revision: number): string {
  return `railyard-release-${app}-v${revision}`;
}

export function encodeRelease(r: Release): string {
  return gzipSync(Buffer.from(JSON.stringify(r)), { level: 9 }).toString('base64');
}

export function decodeRelease(data: string): Release {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as Release;
}

/** The Secret's own data is base64 of the gzip, so the stored value is the gzip bytes, base64-encoded once by the API. */
export function releaseSecret(r: Release, namespace: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RELEASE_TYPE,
    metadata: {
      name: releaseSecretName(r.app, r.revision),
      namespace,
      labels: { [RELEASE_OF_LABEL]: r.app, [REVISION_LABEL]: String(r.revision), [STATUS_LABEL]: r.status, 'app.kubernetes.io/managed-by': 'railyard' },
    },
    data: { release: encodeRelease(r) },
  };
}

export async function listReleases(kube: Kube, app: string, namespace: string): Promise<Release[]> {
  let res;
  try {
    res = await kube.core.listNamespacedSecret({ namespace, labelSelector: `${RELEASE_OF_LABEL}=${app}` });
  } catch (err) {
    const e = toKubeError(err, 'list releases');
    if (e.code === 404) return [];
    throw e;
  }
  return res.items
    .filter((s) => s.type === RELEASE_TYPE && s.data?.release)
    .map((s) => decodeRelease(s.data!.release!))
    .sort((a, b) => a.revision - b.revision);
}

export async function writeRelease(kube: Kube, r: Release, namespace: string): Promise<void> {
  const body = releaseSecret(r, namespace);
  try {
    await kube.core.createNamespacedSecret({ namespace, body });
  } catch (err) {
    if ((err as { code?: number })?.code !== 409) throw toKubeError(err, `record release ${r.revision}`);
    try {
      await kube.core.replaceNamespacedSecret({ name: body.metadata!.name!, namespace, body });
    } catch (err2) {
      throw toKubeError(err2, `record release ${r.revision}`);
    }
  }
}

/** Keep the newest `keep` records; older ones are deleted. */
export async function trimHistory(kube: Kube, app: string, namespace: string, releases: Release[], keep: number): Promise<void> {
  const old = releases.slice(0, Math.max(0, releases.length - keep));
  for (const r of old) {
    await kube.core.deleteNamespacedSecret({ name: releaseSecretName(app, r.revision), namespace }).catch(() => undefined);
  }
}

export function nextRevision(releases: Release[]): number {
  return releases.reduce((m, r) => Math.max(m, r.revision), 0) + 1;
}

/** The release a failed deploy returns to: the newest one that succeeded. */
export function lastGood(releases: Release[], before?: number): Release | undefined {
  const succeeded = (r: Release) => r.status === 'deployed' || r.status === 'superseded';
  const earlier = (r: Release) => before === undefined || r.revision < before;
  return [...releases].sort((a, b) => b.revision - a.revision).find((r) => succeeded(r) && earlier(r));
}
