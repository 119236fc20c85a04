// A small app that every rule passes: web tier behind a Service and an Ingress,
// a delayed_job worker, a racecar consumer, a CronJob and a Fluent Bit DaemonSet.
// Rule tests mutate one field of it and expect exactly their rule to fire.
import type { K8sObject } from '../../src/check/types.js';

export const NS = 'shop';
export const NOW = new Date('2026-11-26T12:00:00Z');
export const OPTIONS = { defaultNamespace: NS, now: NOW };

// Functions, not constants: each container gets its own object, so a test's mutation stays local.
const hardened = () => ({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
const podSecurity = () => ({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
const resources = (memory = '1Gi') => ({ requests: { cpu: '100m', memory, 'ephemeral-storage': '1Gi' }, limits: { cpu: '1', memory, 'ephemeral-storage': '2Gi' } });
const probe = (path: string, port: number | string) => ({ httpGet: { path, port }, timeoutSeconds: 5, periodSeconds: 10 });

function deployment(name: string, spec: Record<string, unknown>, container: Record<string, unknown>, pod: Record<string, unknown> = {}): K8sObject {
  const labels = { app: 'shop', component: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      ...spec,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurity(),
          terminationGracePeriodSeconds: 30,
          ...pod,
          containers: [{ name: 'app', image: `registry.example.com/shop:${name}-0123abc`, imagePullPolicy: 'IfNotPresent', securityContext: hardened(), resources: resources(), ...container }],
        },
      },
    },
  };
}

function pdb(name: string): K8sObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'shop', component: name } } } };
}

export function baseline(): K8sObject[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secrets' }, type: 'Opaque', stringData: { DATABASE_PASSWORD: '', KAFKA_GROUP: '', KAFKA_USER: '', KAFKA_PASSWORD: '' } },
    deployment(
      'web',
      {},
      {
        command: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
        env: [{ name: 'RAILS_ENV', value: 'production' }, { name: 'RAILS_MAX_THREADS', value: '5' }],
        envFrom: [{ secretRef: { name: 'app-secrets' } }],
        ports: [{ name: 'http', containerPort: 3000 }],
        livenessProbe: probe('/health/liveness', 'http'),
        readinessProbe: probe('/health/readiness', 'http'),
      },
    ),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'shop', component: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } },
    pdb('web'),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: { ingressClassName: 'traefik', rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
    deployment(
      'worker',
      { replicas: 2 },
      {
        command: ['bundle', 'exec', 'railyard-worker'],
        env: [{ name: 'RAILS_ENV', value: 'production' }, { name: 'DELAYED_JOB_POOLS', value: '--pool=mail,slack:1 --pool=*:2' }, { name: 'DELAYED_JOB_TIMEOUT', value: '60' }],
        envFrom: [{ secretRef: { name: 'app-secrets' } }],
        ports: [{ name: 'health', containerPort: 3001 }],
        livenessProbe: probe('/health', 3001),
        resources: resources('1Gi'),
      },
      { terminationGracePeriodSeconds: 90 },
    ),
    pdb('worker'),
    deployment(
      'consumer',
      { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } },
      {
        command: ['bash', '-c', 'exec bundle exec racecar --group-id "$KAFKA_GROUP" Orders::Consumer'],
        env: [{ name: 'RAILS_ENV', value: 'production' }],
        envFrom: [{ secretRef: { name: 'app-secrets' } }],
        ports: [{ name: 'health', containerPort: 3002 }],
        livenessProbe: probe('/health', 'health'),
      },
    ),
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report' },
      spec: {
        schedule: '0 6 * * *',
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 300,
        jobTemplate: {
          spec: {
            activeDeadlineSeconds: 600,
            backoffLimit: 2,
            template: {
              metadata: { labels: { app: 'shop', component: 'report' } },
              spec: {
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                securityContext: podSecurity(),
                containers: [{ name: 'rails', image: 'registry.example.com/shop:web-0123abc', command: ['bundle', 'exec', 'rake', 'report'], env: [{ name: 'RAILS_ENV', value: 'production' }], envFrom: [{ secretRef: { name: 'app-secrets' } }], securityContext: hardened(), resources: resources('512Mi') }],
              },
            },
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'fluent-bit', namespace: 'logging' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'fluent-bit' }, rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'logzio', namespace: 'logging' }, stringData: { LOGZIO_TOKEN: '' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fluent-bit-config', namespace: 'logging' },
      data: {
        'fluent-bit.conf': ['[INPUT]', '    Name              tail', `    Path              /var/log/containers/*_${NS}_*.log`, '    multiline.parser  docker, cri', '', '[OUTPUT]', '    Name   http', '    URI    /?token=${LOGZIO_TOKEN}&type=kubernetes', ''].join('\n'),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'fluent-bit', namespace: 'logging' },
      spec: {
        selector: { matchLabels: { app: 'fluent-bit' } },
        template: {
          metadata: { labels: { app: 'fluent-bit' } },
          spec: {
            serviceAccountName: 'fluent-bit',
            securityContext: podSecurity(),
            containers: [
              {
                name: 'fluent-bit',
                image: 'cr.fluentbit.io/fluent/fluent-bit:3.2.10',
                securityContext: hardened(),
                resources: resources('256Mi'),
                env: [{ name: 'LOGZIO_TOKEN', valueFrom: { secretKeyRef: { name: 'logzio', key: 'LOGZIO_TOKEN' } } }],
                volumeMounts: [{ name: 'varlog', mountPath: '/var/log', readOnly: true }, { name: 'config', mountPath: '/fluent-bit/etc/' }],
              },
            ],
            volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }, { name: 'config', configMap: { name: 'fluent-bit-config' } }],
          },
        },
      },
    },
  ];
}

/** The object of a kind and name in a set (throws when absent, so a typo fails the test). */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in the set`);
  return o;
}

export function container(objects: K8sObject[], kind: string, name: string): Record<string, any> {
  const o = find(objects, kind, name);
  return kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec.containers[0] : o.spec.template.spec.containers[0];
}

export function podSpec(objects: K8sObject[], kind: string, name: string): Record<string, any> {
  const o = find(objects, kind, name);
  return kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
}
