// The Puma web tier: Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget.
import { resolveEphemeral, type App } from '../../config/schema.js';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { imageRef } from '../image.js';
import { appContainer, appPodSpec, envLiteral, httpProbe, metadata, objectLabels, selectorLabels, stopTimeoutEnv } from './pod.js';

export const WEB_COMPONENT = 'server';

export function renderWebTier(app: App, tag: string): [IDeployment, IService, IHorizontalPodAutoscaler, IPodDisruptionBudget] {
  const web = app.web;
  const component = WEB_COMPONENT;
  const ephemeral = resolveEphemeral(app.ephemeralStorage, web.ephemeralStorage);
  const container = appContainer(app, {
    name: web.containerName,
    image: imageRef(app, web.target, tag),
    args: [web.processTarget, '--', ...web.command],
    processTarget: web.processTarget,
    role: 'web',
    specificEnv: [
      envLiteral('PORT', web.port),
      envLiteral('RAILS_MAX_THREADS', web.threads.max),
      envLiteral('RAILS_MIN_THREADS', web.threads.min),
      // One connection per Puma thread: the pool must match, or threads wait on each other.
      envLiteral('DB_POOL', web.threads.max),
      // The preStop drain is spent before SIGTERM arrives; Puma gets the rest.
      stopTimeoutEnv(web.terminationGracePeriodSeconds - web.drainSeconds),
    ],
    componentEnv: web.env,
    resources: web.resources,
    ephemeral,
    ports: [{ name: 'http', containerPort: web.port }],
    livenessProbe: httpProbe(web.probes.liveness, web.port),
    readinessProbe: httpProbe(web.probes.readiness, web.port),
  });

  if (web.drainSeconds > 0) {
    // The kubelet's own sleep (no binary needed in the image): the pod stays in
    // the Service's endpoints' way out while kube-proxy and the ingress
    // controller catch up, so no new connection meets a closed listener.
    container.lifecycle = { preStop: { sleep: { seconds: web.drainSeconds } } };
  }

  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(app, web.name, component, tag),
    spec: {
      // No `replicas`: the HPA owns the count. A rendered value would be
      // re-applied on every deploy and fight the autoscaler.
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: selectorLabels(app, component) },
      template: {
        metadata: { labels: objectLabels(app, component, tag) },
        spec: appPodSpec(app, container, { terminationGracePeriodSeconds: web.terminationGracePeriodSeconds, ephemeral }),
      },
    },
  };

  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(app, web.name, component, tag),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(app, component),
      ports: [{ name: 'http', port: web.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const hpa: IHorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(app, web.name, component, tag),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: web.name },
      minReplicas: web.replicas.min,
      maxReplicas: web.replicas.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: web.targetCPUUtilization } } }],
    },
  };

  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(app, web.name, component, tag),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(app, component) } },
  };

  return [deployment, service, hpa, pdb];
}
