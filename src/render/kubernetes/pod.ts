// The pieces every app pod shares: labels, security context, env, secrets, volumes.
import type { App, EphemeralStorage, HttpProbe, Resources, Scheduling, SecretUser } from '../../config/schema.js';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';

export const MANAGED_BY = 'railyard';
/** `railyard check` skips a rule on an object carrying `RULE: reason` here. */
export const IGNORE_ANNOTATION = 'railyard.dev/ignore';

/** Which of a secret's users an app component is. The migration Job reads what the web tier reads. */
export type AppRole = Exclude<SecretUser, 'logging' | 'ci'>;

/**
 * The document's `app`/`component` pair stays the selector (selectors are
 * immutable, so they must never carry anything that changes per release);
 * the recommended `app.kubernetes.io/*` labels sit beside it.
 */
export function selectorLabels(app: App, component: string): Record<string, string> {
  return { app: app.name, component };
}

export function objectLabels(app: App, component: string, version: string): Record<string, string> {
  return {
    ...selectorLabels(app, component),
    'app.kubernetes.io/name': app.name,
    'app.kubernetes.io/instance': app.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': app.name,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export function metadata(app: App, name: string, component: string, version: string, extra: { annotations?: Record<string, string>; namespace?: string } = {}) {
  return {
    name,
    namespace: extra.namespace ?? app.namespace,
    labels: objectLabels(app, component, version),
    ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
  };
}

/** Secrets a role gets as env: those the secrets table assigns to it, in the app namespace. */
export function envSecretsFor(app: App, role: AppRole): string[] {
  return app.secrets.filter((s) => s.mount === 'env' && s.usedBy.includes(role) && (s.namespace ?? app.namespace) === app.namespace).map((s) => s.name);
}

const APP_DIR = '/app';

/**
 * The app's TMPDIR, inside the /tmp emptyDir. The kubelet makes an emptyDir
 * 0777 without the sticky bit, which Ruby's Dir.tmpdir refuses ("could not find
 * a temporary directory"; racecar calls it when it loads). The runtime makes
 * this directory, mode 0700, when the container starts (src/runtime/tmpdir.ts);
 * as env it also reaches what `kubectl exec` runs beside the runtime.
 */
export const APP_TMPDIR = '/tmp/railyard-tmp';

/**
 * The root filesystem is read-only; Rails and racecar write only to these,
 * each an emptyDir (tmp/ holds pids and bootsnap's cache).
 */
const WRITABLE_DIRS: { name: keyof EphemeralStorage['emptyDirs']; mountPath: string }[] = [
  { name: 'tmp', mountPath: '/tmp' },
  { name: 'app-tmp', mountPath: `${APP_DIR}/tmp` },
  { name: 'app-log', mountPath: `${APP_DIR}/log` },
];

export function podSecurityContext(): IPodSpec['securityContext'] {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): IContainer['securityContext'] {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

export function httpProbe(probe: HttpProbe, port: number | string): IProbe {
  return {
    httpGet: { path: probe.path, port },
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
  };
}

export function resources(r: Resources, e: Pick<EphemeralStorage, 'request' | 'limit'>): IContainer['resources'] {
  return { requests: { cpu: r.requests.cpu, memory: r.requests.memory, 'ephemeral-storage': e.request }, limits: { cpu: r.limits.cpu, memory: r.limits.memory, 'ephemeral-storage': e.limit } };
}

function literal(name: string, value: string | number): IEnvVar {
  return { name, value: String(value) };
}

/** Env every app container carries, in a fixed order; `specific` is the component's own. */
export function appEnv(app: App, processTarget: string, specific: IEnvVar[], componentEnv: Record<string, string>): IEnvVar[] {
  const env: IEnvVar[] = [literal('RAILS_ENV', app.environment), literal('PROCESS_TARGET', processTarget), ...specific];
  for (const [name, value] of Object.entries({ ...app.env, ...componentEnv })) {
    if (!env.some((e) => e.name === name)) env.push(literal(name, value));
  }
  // The model's own TMPDIR wins (the loop above put it in).
  if (!env.some((e) => e.name === 'TMPDIR')) env.push(literal('TMPDIR', APP_TMPDIR));
  env.push(
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    literal('MYSQL_SSL_CA', `${app.database.caMountPath}/${app.database.caKey}`),
  );
  return env;
}

export { literal as envLiteral };

/**
 * How long the runtime waits after SIGTERM before it SIGKILLs what is left:
 * 5 s inside the grace period, so the kubelet's own SIGKILL never comes first
 * and the runtime can still log which process did not stop.
 */
export function stopTimeoutEnv(terminationGracePeriodSeconds: number): IEnvVar {
  return literal('RAILYARD_STOP_TIMEOUT', Math.max(1, terminationGracePeriodSeconds - 5));
}

export interface AppContainerSpec {
  name: string;
  image: string;
  args: string[];
  processTarget: string;
  role: AppRole;
  specificEnv: IEnvVar[];
  componentEnv: Record<string, string>;
  resources: Resources;
  ephemeral: EphemeralStorage;
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: IProbe;
  readinessProbe?: IProbe;
}

export function appContainer(app: App, spec: AppContainerSpec): IContainer {
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: app.image.pullPolicy,
    // The image's ENTRYPOINT is tini → railyard's runtime; args pick the target and command.
    args: spec.args,
    env: appEnv(app, spec.processTarget, spec.specificEnv, spec.componentEnv),
    envFrom: envSecretsFor(app, spec.role).map((name) => ({ secretRef: { name } })),
    ...(spec.ports ? { ports: spec.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' as const })) } : {}),
    ...(spec.livenessProbe ? { livenessProbe: spec.livenessProbe } : {}),
    ...(spec.readinessProbe ? { readinessProbe: spec.readinessProbe } : {}),
    resources: resources(spec.resources, spec.ephemeral),
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: 'mysql-ca', mountPath: app.database.caMountPath, readOnly: true }, ...WRITABLE_DIRS.map((d) => ({ name: d.name, mountPath: d.mountPath }))],
  };
}

/** nodeSelector and tolerations, each only when set, so an unscheduled model renders as before. */
export function schedulingFields(s: Scheduling): Pick<IPodSpec, 'nodeSelector' | 'tolerations'> {
  return {
    ...(Object.keys(s.nodeSelector).length ? { nodeSelector: { ...s.nodeSelector } } : {}),
    ...(s.tolerations.length ? { tolerations: s.tolerations.map((t) => ({ ...t })) } : {}),
  };
}

export function appPodSpec(app: App, container: IContainer, opts: { terminationGracePeriodSeconds: number; ephemeral: EphemeralStorage; restartPolicy?: 'Always' | 'OnFailure' | 'Never' }): IPodSpec {
  return {
    // App pods never call the Kubernetes API.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds,
    ...schedulingFields(app.scheduling),
    securityContext: podSecurityContext(),
    containers: [container],
    volumes: [
      { name: 'mysql-ca', secret: { secretName: app.database.caSecret, items: [{ key: app.database.caKey, path: app.database.caKey }] } },
      // A sizeLimit per emptyDir: the kubelet evicts the pod that overfills one, not its neighbours.
      ...WRITABLE_DIRS.map((d) => ({ name: d.name, emptyDir: { sizeLimit: opts.ephemeral.emptyDirs[d.name] } })),
    ],
  };
}
