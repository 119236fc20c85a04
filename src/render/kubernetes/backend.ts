// Workers and consumers: Deployments that serve no traffic, with a PDB when
// they run more than one pod. Their replica range (2-5, 1-3 in the design) is
// scaled by hand; `railyard.dev/max-replicas` records the top of it for the
// connection budget, which must hold at the maximum.
import type { App } from '../../config/schema.js';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { EphemeralStorage, HttpProbe } from '../../config/schema.js';
import { appPodSpec, httpProbe, metadata, objectLabels, selectorLabels } from './pod.js';

export const MAX_REPLICAS_ANNOTATION = 'railyard.dev/max-replicas';

/**
 * The runtime's health server on a worker or consumer: liveness on the model's
 * probe, readiness on /ready, which turns 503 the moment SIGTERM arrives and
 * gates rollouts on the runtime being up.
 */
export function healthServerPorts(port: number, liveness: HttpProbe) {
  return {
    ports: [{ name: 'health', containerPort: port }],
    livenessProbe: httpProbe(liveness, port),
    readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

export interface BackendSpec {
  name: string;
  component: string;
  tag: string;
  replicas: { min: number; max: number };
  strategy: { maxSurge: number; maxUnavailable: number };
  container: IContainer;
  ephemeral: EphemeralStorage;
  terminationGracePeriodSeconds: number;
}

export function renderBackend(app: App, spec: BackendSpec): (IDeployment | IPodDisruptionBudget)[] {
  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(app, spec.name, spec.component, spec.tag, { annotations: { [MAX_REPLICAS_ANNOTATION]: String(spec.replicas.max) } }),
    spec: {
      replicas: spec.replicas.min,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: spec.strategy },
      selector: { matchLabels: selectorLabels(app, spec.component) },
      template: {
        metadata: { labels: objectLabels(app, spec.component, spec.tag) },
        spec: appPodSpec(app, spec.container, { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds, ephemeral: spec.ephemeral }),
      },
    },
  };
  if (spec.replicas.min < 2) return [deployment];
  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(app, spec.name, spec.component, spec.tag),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(app, spec.component) } },
  };
  return [deployment, pdb];
}
