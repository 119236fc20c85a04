// What the API server rejects that no offline schema catches. The validators are
// exported on their own: the renderer's tests call them on every rendered object.
//
// Each follows the API server's own validation (apimachinery's validation package,
// the core, apps and batch validators) as documented; the limits are theirs.
import { asArray, containersOf, podTemplateOf, podTemplates } from '../objects.js';
import type { K8sObject, RawFinding, Rule } from '../types.js';

// ---------------------------------------------------------------- validators

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** RFC 1123 label: at most 63 lower-case alphanumerics or "-", alphanumeric at both ends. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** RFC 1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** RFC 1035 label (Service names): like a 1123 label but starting with a letter. */
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}

/** Problems with a label or annotation key (`[prefix/]name`), empty when valid. */
export function validateLabelKey(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [`"${key}" has more than one "/"`];
  const [prefixOrName, maybeName] = parts as [string, string | undefined];
  const name = maybeName ?? prefixOrName;
  const problems: string[] = [];
  if (maybeName !== undefined) {
    if (prefixOrName === '') problems.push(`"${key}": the prefix before "/" must not be empty`);
    else if (!isDns1123Subdomain(prefixOrName)) problems.push(`"${key}": the prefix "${prefixOrName}" must be a DNS subdomain (lower case, at most 253 characters)`);
  }
  if (name === '') problems.push(`"${key}": the name part must not be empty`);
  else if (name.length > 63) problems.push(`"${key}": the name part must be at most 63 characters`);
  else if (!QUALIFIED_NAME_PART.test(name)) problems.push(`"${key}": the name part must be alphanumerics, "-", "_" or ".", alphanumeric at both ends`);
  return problems;
}

/** Problems with a label value, empty when valid (the empty value is valid). */
export function validateLabelValue(value: string): string[] {
  if (value.length > 63) return [`value "${value}" is longer than 63 characters`];
  if (!LABEL_VALUE.test(value)) return [`value "${value}" must be alphanumerics, "-", "_" or ".", alphanumeric at both ends`];
  return [];
}

/** IANA service name (container port names, named probe ports): undefined when valid. */
export function validatePortName(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 15) return `"${name}" is longer than 15 characters`;
  if (!/^[-a-z0-9]+$/.test(name)) return `"${name}" may only hold lower-case letters, digits and "-"`;
  if (!/[a-z]/.test(name)) return `"${name}" must contain at least one letter`;
  if (name.startsWith('-') || name.endsWith('-')) return `"${name}" must not begin or end with "-"`;
  if (name.includes('--')) return `"${name}" must not contain "--"`;
  return undefined;
}

// Quantities are parsed where the model needs them too (ephemeral-storage sums).
import { parseQuantity, validateQuantity } from '../../config/quantity.js';
export { parseQuantity, validateQuantity };

// The CronJob schedule and time zone rules live with the model (src/config/cron.ts):
// `railyard init` checks imported schedules with them too.
import { validateCronSchedule, validateTimeZone } from '../../config/cron.js';
export { validateCronSchedule, validateTimeZone };

/**
 * Kubernetes env var name, as the API server checks it since 1.32
 * (RelaxedEnvironmentVariableValidation, on by default): any printable ASCII
 * but "=". Undefined when valid.
 */
export function validateEnvName(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(name) ? undefined : `"${name}" may hold only printable ASCII characters other than "="`;
}

/** A name the API server accepts but a shell cannot expand, and clusters before 1.32 refuse. */
export function isPortableEnvName(name: string): boolean {
  return ENV_VAR_NAME.test(name);
}

// ---------------------------------------------------------------- rules

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** Which name rule the API server applies to a kind. */
export function validateObjectName(kind: string, name: string): string | undefined {
  if (RBAC_KINDS.has(kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name) || name === '') return `"${name}" must not be "." or ".." or contain "/" or "%"`;
    return undefined;
  }
  if (kind === 'Service') return isDns1035Label(name) ? undefined : `"${name}" must be a DNS-1035 label: at most 63 lower-case letters, digits and "-", starting with a letter`;
  if (kind === 'Namespace' || kind === 'StatefulSet' || kind === 'Job') {
    // StatefulSet and Job names become pod hostnames and label values: 63 at most.
    return isDns1123Label(name) ? undefined : `"${name}" must be a DNS-1123 label: at most 63 lower-case letters, digits and "-"`;
  }
  return isDns1123Subdomain(name) ? undefined : `"${name}" must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", at most 253 characters`;
}

export const objectName: Rule = {
  id: 'name-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'The API server refuses an object whose name breaks its naming rule, so nothing in the file is applied.',
  fix: 'Rename the object: lower-case letters, digits and "-" (Services must start with a letter).',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects) {
      const name = o.metadata?.name;
      if (typeof name !== 'string') {
        if (!o.metadata?.generateName) out.push({ object: o, path: 'metadata.name', message: 'metadata.name is missing' });
        continue;
      }
      const problem = validateObjectName(String(o.kind), name);
      if (problem) out.push({ object: o, path: 'metadata.name', message: problem });
      const t = podTemplateOf(o);
      if (!t) continue;
      for (const c of containersOf(t)) {
        if (typeof c.container.name === 'string' && !isDns1123Label(c.container.name)) out.push({ object: o, path: `${c.path}.name`, message: `container name "${c.container.name}" must be a DNS-1123 label` });
      }
      asArray(t.spec.volumes).forEach((v, i) => {
        if (typeof v?.name === 'string' && !isDns1123Label(v.name)) out.push({ object: o, path: `${t.path}.volumes[${i}].name`, message: `volume name "${v.name}" must be a DNS-1123 label` });
      });
    }
    return out;
  },
};

export const cronJobNameLength: Rule = {
  id: 'cronjob-name-too-long',
  family: 'apiserver',
  severity: 'error',
  why: 'The controller names each Job <cronjob>-<11 characters>; a CronJob name over 52 characters is refused.',
  fix: 'Shorten the CronJob name to at most 52 characters.',
  peers: {},
  check: ({ objects }) =>
    objects
      .filter((o) => o.kind === 'CronJob' && typeof o.metadata?.name === 'string' && o.metadata.name.length > 52)
      .map((o) => ({ object: o, path: 'metadata.name', message: `"${o.metadata.name}" is ${o.metadata.name.length} characters; at most 52` })),
};

function labelMapProblems(map: unknown, path: string, checkValues: boolean): { path: string; message: string }[] {
  if (!map || typeof map !== 'object') return [];
  const out: { path: string; message: string }[] = [];
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
    for (const p of validateLabelKey(k)) out.push({ path: `${path}.${k}`, message: `key ${p}` });
    if (checkValues) {
      if (typeof v !== 'string') out.push({ path: `${path}.${k}`, message: `value must be a string (quote it in YAML), not ${typeof v}` });
      else for (const p of validateLabelValue(v)) out.push({ path: `${path}.${k}`, message: p });
    }
  }
  return out;
}

export const labels: Rule = {
  id: 'label-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'Label keys and values have a fixed syntax (63-character names, optional DNS prefix); the API server refuses the object otherwise.',
  fix: 'Use keys like app.kubernetes.io/name and values of at most 63 alphanumerics, "-", "_" or ".".',
  peers: { kubeScore: 'label-values' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects) {
      const add = (ps: { path: string; message: string }[]) => ps.forEach((p) => out.push({ object: o, ...p }));
      add(labelMapProblems(o.metadata?.labels, 'metadata.labels', true));
      add(labelMapProblems(o.metadata?.annotations, 'metadata.annotations', false));
      const t = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
      if (t) add(labelMapProblems(t.metadata?.labels, o.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.metadata.labels' : 'spec.template.metadata.labels', true));
      if (o.spec?.selector && typeof o.spec.selector === 'object') {
        if (o.kind === 'Service') add(labelMapProblems(o.spec.selector, 'spec.selector', true));
        else add(labelMapProblems(o.spec.selector.matchLabels, 'spec.selector.matchLabels', true));
      }
    }
    return out;
  },
};

export const portNames: Rule = {
  id: 'port-name-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'Container port names are IANA service names (at most 15 characters, lower case, one letter at least); Service port names are DNS labels. Anything else is refused.',
  fix: 'Rename the port, e.g. "http" or "health".',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t)) {
        asArray(c.container.ports).forEach((p, i) => {
          // An empty name is an unnamed port, which the API server accepts.
          if (p?.name === undefined || p.name === '') return;
          const problem = validatePortName(String(p.name));
          if (problem) out.push({ object: t.owner, path: `${c.path}.ports[${i}].name`, message: problem });
        });
      }
    }
    for (const o of objects.filter((x) => x.kind === 'Service')) {
      const ports = asArray(o.spec?.ports);
      ports.forEach((p, i) => {
        if (p?.name !== undefined && !isDns1123Label(String(p.name))) out.push({ object: o, path: `spec.ports[${i}].name`, message: `"${p.name}" must be a DNS-1123 label` });
        if (p?.name === undefined && ports.length > 1) out.push({ object: o, path: `spec.ports[${i}].name`, message: 'a Service with several ports must name each one' });
        if (typeof p?.targetPort === 'string') {
          const problem = validatePortName(p.targetPort);
          if (problem) out.push({ object: o, path: `spec.ports[${i}].targetPort`, message: problem });
        }
      });
    }
    return out;
  },
};

const RESOURCE_SECTIONS = ['requests', 'limits'] as const;

export const quantities: Rule = {
  id: 'quantity-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'Resource amounts are parsed as quantities; a malformed one, or a request above its limit, is refused by the API server.',
  fix: 'Write quantities such as 500m, 2, 512Mi or 4Gi, and keep each request at or below its limit.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t)) {
        const r = c.container.resources;
        if (!r || typeof r !== 'object') continue;
        for (const section of RESOURCE_SECTIONS) {
          for (const [res, q] of Object.entries((r[section] ?? {}) as Record<string, unknown>)) {
            const problem = validateQuantity(q) ?? ((parseQuantity(q) ?? 0) < 0 ? `${String(q)} is negative; resource amounts must be 0 or more` : undefined);
            if (problem) out.push({ object: t.owner, path: `${c.path}.resources.${section}.${res}`, message: problem });
          }
        }
        for (const [res, q] of Object.entries((r.requests ?? {}) as Record<string, unknown>)) {
          const req = parseQuantity(q);
          const lim = parseQuantity(r.limits?.[res]);
          if (req !== undefined && lim !== undefined && req > lim) out.push({ object: t.owner, path: `${c.path}.resources.requests.${res}`, message: `request ${String(q)} is above the limit ${String(r.limits[res])}` });
        }
      }
    }
    return out;
  },
};

export const cronSchedule: Rule = {
  id: 'cron-schedule-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'The API server parses the schedule with the standard 5-field cron parser and refuses anything else, including TZ= prefixes.',
  fix: 'Write five fields (minute hour day-of-month month day-of-week) or a shortcut such as @hourly, and put the zone in spec.timeZone.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects.filter((x) => x.kind === 'CronJob')) {
      const schedule = o.spec?.schedule;
      if (typeof schedule !== 'string') {
        out.push({ object: o, path: 'spec.schedule', message: 'spec.schedule is missing' });
        continue;
      }
      const problem = validateCronSchedule(schedule);
      if (problem) out.push({ object: o, path: 'spec.schedule', message: problem });
      if (o.spec.timeZone !== undefined) {
        const tzProblem = validateTimeZone(String(o.spec.timeZone));
        if (tzProblem) out.push({ object: o, path: 'spec.timeZone', message: tzProblem });
      }
    }
    return out;
  },
};

const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export const selectorMatchesTemplate: Rule = {
  id: 'selector-template-mismatch',
  family: 'apiserver',
  severity: 'error',
  why: "The API server refuses a workload whose selector does not match its own pod template's labels.",
  fix: 'Make every spec.selector.matchLabels entry appear, with the same value, in spec.template.metadata.labels.',
  peers: { kubeScore: 'deployment-pod-selector-labels-match-template-metadata-labels', kubeLinter: 'mismatching-selector' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects) {
      if (!SELECTOR_KINDS.has(String(o.kind))) continue;
      const selector = o.spec?.selector;
      const templateLabels = o.spec?.template?.metadata?.labels ?? {};
      if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0)) {
        out.push({ object: o, path: 'spec.selector', message: 'spec.selector is required and must not be empty' });
        continue;
      }
      for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, unknown>)) {
        if (templateLabels[k] !== String(v)) out.push({ object: o, path: `spec.selector.matchLabels.${k}`, message: templateLabels[k] === undefined ? `the pod template has no label "${k}"` : `selects ${k}=${String(v)} but the pod template has ${k}=${templateLabels[k]}` });
      }
    }
    return out;
  },
};

export const containerNames: Rule = {
  id: 'container-name-duplicate',
  family: 'apiserver',
  severity: 'error',
  why: 'Container names must be unique within a pod (init containers included); the API server refuses duplicates.',
  fix: 'Give each container and init container its own name.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      const seen = new Set<string>();
      for (const c of containersOf(t)) {
        const name = c.container.name;
        if (typeof name !== 'string') continue;
        if (seen.has(name)) out.push({ object: t.owner, path: `${c.path}.name`, message: `container name "${name}" is used twice in the pod` });
        seen.add(name);
      }
    }
    return out;
  },
};

export const envNames: Rule = {
  id: 'env-invalid',
  family: 'apiserver',
  severity: 'error',
  why: 'Env names have a fixed syntax, and a name set twice makes server-side apply fail (env is a map keyed by name); kubectl apply only hides the first value.',
  fix: 'Set each env var once per container, with a name of letters, digits, "_", "-" and ".".',
  peers: { kubeScore: 'environment-variable-key-duplication', kubeLinter: 'duplicate-env-var' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t)) {
        const seen = new Set<string>();
        asArray(c.container.env).forEach((e, i) => {
          if (typeof e?.name !== 'string') return;
          const problem = validateEnvName(e.name);
          if (problem) out.push({ object: t.owner, path: `${c.path}.env[${i}].name`, message: problem });
          else if (!isPortableEnvName(e.name)) out.push({ object: t.owner, path: `${c.path}.env[${i}].name`, severity: 'warning', message: `"${e.name}" is accepted since Kubernetes 1.32, but older clusters refuse it and a shell cannot expand it` });
          if (seen.has(e.name)) out.push({ object: t.owner, path: `${c.path}.env[${i}].name`, message: `env var "${e.name}" is set twice in container "${c.container.name}"` });
          seen.add(e.name);
        });
      }
    }
    return out;
  },
};

export const probePorts: Rule = {
  id: 'probe-port-unknown',
  // The API server accepts such a probe; it is the kubelet that fails it.
  family: 'consistency',
  severity: 'error',
  why: 'A probe on a named port that the container does not declare can never connect: the kubelet reports it failed and restarts or unreadies the pod.',
  fix: 'Name the port in the container\'s ports, or probe the port number.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t, false)) {
        const names = new Set(asArray(c.container.ports).map((p) => p?.name).filter((n) => typeof n === 'string'));
        for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const probe = c.container[kind];
          if (!probe) continue;
          for (const handler of ['httpGet', 'tcpSocket']) {
            const port = probe[handler]?.port;
            if (typeof port === 'string' && !/^[0-9]+$/.test(port) && !names.has(port)) {
              out.push({ object: t.owner, path: `${c.path}.${kind}.${handler}.port`, message: `port "${port}" is not a named port of container "${c.container.name}"` });
            }
          }
        }
      }
    }
    return out;
  },
};

export const jobRestartPolicy: Rule = {
  id: 'job-restart-policy',
  family: 'apiserver',
  severity: 'error',
  why: 'A Job\'s pods must say restartPolicy OnFailure or Never; the default, Always, is refused for Jobs and CronJobs.',
  fix: 'Set restartPolicy: Never (retries then come from backoffLimit) or OnFailure.',
  peers: { kubeScore: 'cronjob-restartpolicy' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects.filter((x) => x.kind === 'Job' || x.kind === 'CronJob')) {
      const t = podTemplateOf(o);
      if (!t) continue;
      const policy = t.spec.restartPolicy;
      if (policy !== 'OnFailure' && policy !== 'Never') out.push({ object: o, path: `${t.path}.restartPolicy`, message: policy === undefined ? 'restartPolicy is unset (Always), which Jobs refuse' : `restartPolicy ${String(policy)} is refused for Jobs` });
    }
    return out;
  },
};

export const apiserverRules: Rule[] = [jobRestartPolicy, objectName, cronJobNameLength, labels, portNames, quantities, cronSchedule, selectorMatchesTemplate, containerNames, envNames, probePorts];

/** For callers that validate one object (the renderer's tests). */
export function apiserverProblems(obj: K8sObject): { rule: string; path: string; message: string }[] {
  const ctx = { objects: [obj] } as Parameters<Rule['check']>[0];
  return apiserverRules.flatMap((r) => r.check(ctx).map((f) => ({ rule: r.id, path: f.path, message: f.message })));
}
