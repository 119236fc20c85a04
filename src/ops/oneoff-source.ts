// The live Deployment a console or task is built from.
import type { V1Deployment } from '@kubernetes/client-node';
import { toKubeError, type Kube } from '../deploy/kube.js';

export class NoSuchComponent extends Error {}

export async function readComponent(kube: Kube, namespace: string, name: string, known: string[]): Promise<V1Deployment> {
  try {
    return await kube.apps.readNamespacedDeployment({ name, namespace });
  } catch (err) {
    const e = toKubeError(err, `read Deployment/${namespace}/${name}`);
    if (e.code === 404) throw new NoSuchComponent(`no Deployment "${name}" in namespace ${namespace} (components: ${known.join(', ')}); deploy first`);
    throw e;
  }
}
