// Fluent Bit → Logz.io: ServiceAccount, least-privilege ClusterRole and binding,
// ConfigMap and DaemonSet, all in the logging namespace.
import type { App } from '../../config/schema.js';
import type { z } from 'zod';
import type { FluentBit } from '../../config/schema.js';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { createHash } from 'node:crypto';
import { NAMESPACE_NAME_LABEL } from './network.js';
import { IGNORE_ANNOTATION, objectLabels, schedulingFields } from './pod.js';

type FluentBitConfig = z.output<typeof FluentBit>;

export const FLUENT_BIT = 'fluent-bit';
/** Fluent Bit's HTTP server: metrics, and the probes' / and /api/v1/health. */
const METRICS_PORT = 2020;
const STATE_DIR = '/var/fluent-bit/state';
const CONFIG_DIR = '/fluent-bit/etc';
/** The listener CA's key in the ConfigMap and its file in the pod, when `logzio.ca` is set. */
const CA_KEY = 'logzio-ca.crt';

/**
 * Kubelet names container logs `<pod>_<namespace>_<container>-<id>.log`. The
 * document's `storecove*.log` matched nothing (pods are rails-server-…,
 * worker-…); matching on the namespace part takes every pod of this app and
 * nothing else.
 */
export function tailPath(app: App): string {
  return `/var/log/containers/*_${app.namespace}_*.log`;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * A Kubernetes quantity as a size Fluent Bit reads. Fluent Bit's parser
 * (flb_utils_size_to_bytes) takes a number with an optional K, M or G (and
 * B), decimal; it refuses `512Mi` ("could not configure property"), and the
 * DaemonSet then never starts. k, M and G stay as written; anything else
 * becomes whole bytes, rounded up.
 */
export function fluentBitSize(quantity: string): string {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
  if (!m) throw new Error(`not a size quantity: ${quantity}`);
  const suffix = m[2] ?? '';
  if (suffix === '' ? /^[0-9]+$/.test(m[1]!) : ['k', 'M', 'G'].includes(suffix)) return quantity;
  return String(Math.ceil(Number(m[1]) * (BINARY[suffix] ?? DECIMAL[suffix]!)));
}

/** The Fluent Bit config, in the classic format the document uses. */
export function renderFluentBitConfig(app: App, fb: FluentBitConfig): string {
  const tokenEnv = fb.logzio.tokenSecret.key;
  return [
    '[SERVICE]',
    '    Flush                     1',
    '    Log_Level                 info',
    '    Daemon                    off',
    '    HTTP_Server               On',
    '    HTTP_Listen               0.0.0.0',
    `    HTTP_Port                 ${METRICS_PORT}`,
    '    Health_Check              On',
    // Chunks are kept on the node's disk, so an outage of Logz.io (or a restart
    // of this pod) loses nothing up to storage.total_limit_size.
    `    storage.path              ${STATE_DIR}/flb-storage/`,
    '    storage.sync              normal',
    '    storage.backlog.mem_limit 16M',
    // A failed flush is retried after a random wait that doubles each time, up to
    // scheduler.cap: 2000 s by default, so after a Logz.io outage of a minute the
    // last chunk arrived 130 s after it was back (test/e2e/node/logship.test.ts).
    // 30 s bounds that wait; the retries of a long outage stay cheap.
    '    scheduler.base            5',
    '    scheduler.cap             30',
    '',
    '[INPUT]',
    '    Name              tail',
    '    Tag               kube.*',
    `    Path              ${tailPath(app)}`,
    // containerd writes CRI lines, docker JSON lines; these built-in parsers
    // read both and join lines the runtime split.
    '    multiline.parser  docker, cri',
    `    DB                ${STATE_DIR}/tail.db`,
    '    DB.locking        true',
    '    Mem_Buf_Limit     16MB',
    '    Skip_Long_Lines   On',
    // How soon a new log file is found. The kubelet renames a full log and the
    // runtime opens a new one; lines written to the new file before Fluent Bit
    // finds it are read from its head, but if the kubelet rotates it again
    // first, that file is never read: with 5 s, a pod writing 1 MiB every 3 s
    // (the test node rotates at 1Mi) lost two whole files. A scan of
    // /var/log/containers a second is cheap.
    '    Refresh_Interval  1',
    // A renamed log is read for Rotate_Wait more seconds, then closed whether or
    // not it was read to the end (in_tail's purge). The default 5 s lost lines
    // of a pod rotating every 3 s while the node's two cores were busy; the
    // kubelet keeps the file meanwhile, and 30 s costs only open descriptors.
    '    Rotate_Wait       30',
    '    storage.type      filesystem',
    '',
    '[FILTER]',
    '    Name                kubernetes',
    '    Match               kube.*',
    '    Kube_URL            https://kubernetes.default.svc:443',
    '    Kube_CA_File        /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    '    Kube_Token_File     /var/run/secrets/kubernetes.io/serviceaccount/token',
    '    Kube_Tag_Prefix     kube.var.log.containers.',
    // The app writes JSON lines (lograge, railyard's runtime): lift them to the top level.
    '    Merge_Log           On',
    '    Keep_Log            Off',
    '    K8S-Logging.Parser  On',
    '    K8S-Logging.Exclude On',
    '',
    '[OUTPUT]',
    '    Name                     http',
    '    Match                    kube.*',
    `    Host                     ${fb.logzio.listener}`,
    `    Port                     ${fb.logzio.port}`,
    `    URI                      /?token=\${${tokenEnv}}&type=${fb.logzio.type}`,
    '    Format                   json_lines',
    '    Json_Date_Key            @timestamp',
    '    Json_Date_Format         iso8601',
    '    tls                      On',
    '    tls.verify               On',
    // A private CA replaces the image's system store for this output only.
    ...(fb.logzio.ca ? [`    tls.ca_file              ${CONFIG_DIR}/${CA_KEY}`] : []),
    '    Retry_Limit              no_limits',
    `    storage.total_limit_size ${fluentBitSize(fb.storageLimit)}`,
    '',
  ].join('\n');
}

export function renderFluentBit(app: App, fb: FluentBitConfig, version: string): object[] {
  const ns = fb.namespace;
  const labels = { ...objectLabels(app, 'logging', version), app: FLUENT_BIT, 'app.kubernetes.io/name': FLUENT_BIT };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: ns } : {}), labels });
  const selector = { app: FLUENT_BIT };

  const sa: IServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(FLUENT_BIT) };
  // Only what the kubernetes filter reads: pod and namespace metadata.
  const role: IClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(FLUENT_BIT, false),
    rules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
  };
  const binding: IClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(FLUENT_BIT, false),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FLUENT_BIT },
    subjects: [{ kind: 'ServiceAccount', name: FLUENT_BIT, namespace: ns }],
  };
  const conf = renderFluentBitConfig(app, fb);
  const config: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${FLUENT_BIT}-config`),
    data: { 'fluent-bit.conf': conf, ...(fb.logzio.ca ? { [CA_KEY]: fb.logzio.ca } : {}) },
  };
  // Both files are subPath mounts, which never see ConfigMap updates: hash them together.
  const configHash = createHash('sha256').update(conf).update(fb.logzio.ca ? `\0${fb.logzio.ca}` : '').digest('hex');
  const daemonSet: IDaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      ...meta(FLUENT_BIT),
      annotations: { [IGNORE_ANNOTATION]: 'run-as-root: reads the root-owned, mode 0640 log files under /var/log/pods; every capability is dropped and the root filesystem is read-only' },
    },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        // A subPath mount never sees ConfigMap updates: the hash rolls the pods instead.
        metadata: { labels: { ...labels, ...selector }, annotations: { 'railyard.dev/config-sha256': configHash } },
        spec: {
          serviceAccountName: FLUENT_BIT,
          // The kubernetes filter calls the API with this token.
          automountServiceAccountToken: true,
          // Log files under /var/log/pods are root's, mode 0640: reading them takes uid 0.
          securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
          ...schedulingFields(fb.scheduling),
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: FLUENT_BIT,
              image: fb.image,
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: fb.logzio.tokenSecret.key, valueFrom: { secretKeyRef: { name: fb.logzio.tokenSecret.name, key: fb.logzio.tokenSecret.key } } }],
              ports: [{ name: 'http-metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              // `/` answers while the process runs; /api/v1/health turns unhealthy on
              // output errors, which should stop traffic-less readiness, not restart the pod.
              livenessProbe: { httpGet: { path: '/', port: 2020 }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5 },
              readinessProbe: { httpGet: { path: '/api/v1/health', port: 2020 }, periodSeconds: 10, timeoutSeconds: 5 },
              resources: { requests: { ...fb.resources.requests, 'ephemeral-storage': fb.ephemeralStorage.request }, limits: { ...fb.resources.limits, 'ephemeral-storage': fb.ephemeralStorage.limit } },
              securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'varlog', mountPath: '/var/log', readOnly: true },
                { name: 'state', mountPath: STATE_DIR },
                { name: 'config', mountPath: `${CONFIG_DIR}/fluent-bit.conf`, subPath: 'fluent-bit.conf', readOnly: true },
                ...(fb.logzio.ca ? [{ name: 'config', mountPath: `${CONFIG_DIR}/${CA_KEY}`, subPath: CA_KEY, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            // /var/log/containers holds symlinks into /var/log/pods; both are under /var/log.
            { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
            // Tail positions and buffered chunks survive pod restarts on the node.
            { name: 'state', hostPath: { path: STATE_DIR, type: 'DirectoryOrCreate' } },
            { name: 'config', configMap: { name: `${FLUENT_BIT}-config` } },
          ],
        },
      },
    },
  };
  // Nothing needs to reach Fluent Bit but the kubelet's probes (not subject to
  // policy) and, when the model names one, a metrics scraper.
  const policies: INetworkPolicy[] = app.networkPolicy.enabled
    ? [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: meta(`${FLUENT_BIT}-ingress`),
          spec: {
            podSelector: { matchLabels: selector },
            policyTypes: ['Ingress'],
            ...(fb.metricsFrom
              ? {
                  ingress: [
                    {
                      from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: fb.metricsFrom.namespace } }, ...(Object.keys(fb.metricsFrom.podLabels).length ? { podSelector: { matchLabels: { ...fb.metricsFrom.podLabels } } } : {}) }],
                      ports: [{ protocol: 'TCP', port: METRICS_PORT }],
                    },
                  ],
                }
              : {}),
          },
        },
      ]
    : [];
  return [sa, role, binding, config, daemonSet, ...policies];
}
