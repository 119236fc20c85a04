// Security: the pod and container hardening that kube-score, kube-linter and Polaris
// all ask for, plus the secrets hygiene the design document needs (no literal
// secrets in env, none in argv). Messages name variables, never their values.
import { allContainers, asArray, imageHasDigest, imageTag, namespaceOf, objectsOfKind, podTemplates, selects, type ContainerAt } from '../objects.js';
import { effectiveArgv } from './consistency.js';
import type { CheckContext, K8sObject, RawFinding, Rule } from '../types.js';

/** A container's effective security setting: its own, else the pod's. */
function effective(c: ContainerAt, field: string): unknown {
  return c.container.securityContext?.[field] ?? c.pod.spec.securityContext?.[field];
}

/** Env names that hold credentials, as the design document defines them. */
export const SECRET_NAME = /PASSWORD|SECRET|KEY|TOKEN/i;

export const runAsNonRoot: Rule = {
  id: 'run-as-root',
  family: 'security',
  severity: 'warning',
  why: 'A container that may run as root turns any code-execution bug into root inside the container, one kernel bug away from the node.',
  fix: 'Set securityContext.runAsNonRoot: true and a runAsUser other than 0 (pod or container level).',
  peers: { kubeScore: 'container-security-context-user-group-id', kubeLinter: 'run-as-non-root', polaris: 'runAsRootAllowed' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => effective(c, 'runAsNonRoot') !== true && !(Number(effective(c, 'runAsUser')) > 0))
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.securityContext.runAsNonRoot`, message: `container "${c.container.name}" may run as root (runAsNonRoot is ${String(effective(c, 'runAsNonRoot') ?? 'unset')})` })),
};

export const privileged: Rule = {
  id: 'privileged',
  family: 'security',
  severity: 'error',
  why: 'A privileged container has every capability and the host\'s devices: it is root on the node.',
  fix: 'Remove privileged: true; grant the one capability needed instead.',
  peers: { kubeScore: 'container-security-context-privileged', kubeLinter: 'privileged-container', polaris: 'runAsPrivileged' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => c.container.securityContext?.privileged === true)
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.securityContext.privileged`, message: `container "${c.container.name}" is privileged` })),
};

export const privilegeEscalation: Rule = {
  id: 'privilege-escalation',
  family: 'security',
  severity: 'warning',
  why: 'Unless allowPrivilegeEscalation is false, a setuid binary in the image can gain privileges the container was not given.',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  peers: { kubeLinter: 'privilege-escalation-container', polaris: 'privilegeEscalationAllowed' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => c.container.securityContext?.allowPrivilegeEscalation !== false)
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.securityContext.allowPrivilegeEscalation`, message: `container "${c.container.name}" allows privilege escalation`, severity: c.container.securityContext?.allowPrivilegeEscalation === true ? ('error' as const) : undefined })),
};

export const capabilities: Rule = {
  id: 'capabilities-not-dropped',
  family: 'security',
  severity: 'warning',
  why: 'The default capability set (NET_RAW, CHOWN, SETUID…) is more than a Rails process needs; dropping ALL removes it.',
  fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what is needed.',
  peers: { kubeLinter: 'drop-net-raw-capability', polaris: 'insecureCapabilities, dangerousCapabilities' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => !asArray(c.container.securityContext?.capabilities?.drop).some((d) => String(d).toUpperCase() === 'ALL'))
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.securityContext.capabilities.drop`, message: `container "${c.container.name}" does not drop ALL capabilities` })),
};

export const readOnlyRoot: Rule = {
  id: 'writable-root-filesystem',
  family: 'security',
  severity: 'warning',
  why: 'A writable root filesystem lets an attacker, or a bug, change the application\'s own code and config at run time.',
  fix: 'Set readOnlyRootFilesystem: true and mount an emptyDir for tmp/ and log/; where the app cannot run that way, silence this rule with the reason.',
  peers: { kubeScore: 'container-security-context-readonlyrootfilesystem', kubeLinter: 'no-read-only-root-fs', polaris: 'notReadOnlyRootFilesystem' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => c.container.securityContext?.readOnlyRootFilesystem !== true)
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.securityContext.readOnlyRootFilesystem`, message: `container "${c.container.name}" has a writable root filesystem` })),
};

export const serviceAccountToken: Rule = {
  id: 'service-account-token-mounted',
  family: 'security',
  severity: 'warning',
  why: 'App pods that never call the Kubernetes API still get a token mounted; whoever gets into the pod can use it.',
  fix: 'Set automountServiceAccountToken: false on pods that use the default service account.',
  peers: { polaris: 'automountServiceAccountToken' },
  check: ({ objects }) =>
    podTemplates(objects)
      // A pod with its own service account (Fluent Bit) uses the token on purpose.
      .filter((t) => (t.spec.serviceAccountName ?? 'default') === 'default' && t.spec.automountServiceAccountToken !== false)
      .map((t) => ({ object: t.owner, path: `${t.path}.automountServiceAccountToken`, message: 'pod runs with the default service account and mounts its token' })),
};

/** Tags that name a moving target rather than one build. */
export function isMutableTag(tag: string | undefined): boolean {
  if (tag === undefined) return true;
  return /(^|[-_.])latest$/i.test(tag) || /^(stable|edge|main|master|develop|dev|nightly|canary|current|lts)$/i.test(tag);
}

function isLatest(tag: string | undefined): boolean {
  return tag === undefined || /(^|[-_.])latest$/i.test(tag);
}

export const imageTagRule: Rule = {
  id: 'image-tag-latest',
  family: 'security',
  severity: 'error',
  why: 'An image with no tag or a latest tag changes under the Deployment: two pods of one ReplicaSet can run different code, and a rollback rolls back nothing.',
  fix: 'Tag each build immutably (<target>-<commit sha>) or pin by digest.',
  peers: { kubeScore: 'container-image-tag', kubeLinter: 'latest-tag', polaris: 'tagNotSpecified' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => typeof c.container.image === 'string' && !imageHasDigest(c.container.image) && isLatest(imageTag(c.container.image)))
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.image`, message: imageTag(c.container.image) === undefined ? `image "${c.container.image}" has no tag` : `image "${c.container.image}" uses a latest tag` })),
};

export const pullAlways: Rule = {
  id: 'image-pull-always-mutable',
  family: 'security',
  severity: 'warning',
  why: 'imagePullPolicy: Always on a mutable tag means every restart may pull different code; with immutable tags it only adds a registry round trip and a registry outage becomes a pod outage.',
  fix: 'Use immutable tags with imagePullPolicy: IfNotPresent.',
  peers: { kubeScore: 'container-image-pull-policy (opposite advice)', polaris: 'pullPolicyNotAlways (opposite advice)' },
  check: ({ objects }) =>
    allContainers(objects)
      .filter((c) => c.container.imagePullPolicy === 'Always' && typeof c.container.image === 'string' && !imageHasDigest(c.container.image) && isMutableTag(imageTag(c.container.image)))
      .map((c) => ({ object: c.pod.owner, path: `${c.path}.imagePullPolicy`, message: `container "${c.container.name}" pulls the mutable tag "${imageTag(c.container.image) ?? '(none)'}" with imagePullPolicy Always` })),
};

export const literalSecretEnv: Rule = {
  id: 'secret-literal-env',
  family: 'security',
  severity: 'error',
  why: 'A credential written as a literal env value is in the manifest, in git, and readable by anyone who can get the Deployment.',
  fix: 'Move the value into a Secret and read it with secretKeyRef or envFrom.',
  peers: { kubeLinter: 'env-var-secret' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const c of allContainers(objects)) {
      asArray(c.container.env).forEach((e, i) => {
        // Paths (…_KEY_FILE=/etc/…) name where a secret is, not the secret.
        if (typeof e?.name === 'string' && SECRET_NAME.test(e.name) && typeof e.value === 'string' && e.value !== '' && !e.value.startsWith('/')) {
          out.push({ object: c.pod.owner, path: `${c.path}.env[${i}].value`, message: `env var "${e.name}" of container "${c.container.name}" holds a literal value (not shown)` });
        }
      });
    }
    return out;
  },
};

const SECRET_FLAG = /^--?[a-z0-9-]*(password|passwd|secret|token|api-key|apikey|access-key|private-key)[a-z0-9-]*(=|$)/i;

/** Secret-carrying options and secret-named variables in an argv; names only. */
export function secretsInArgv(argv: readonly string[]): string[] {
  const found = new Set<string>();
  for (const arg of argv) {
    for (const word of arg.split(/\s+/)) {
      const flag = SECRET_FLAG.exec(word.replace(/^["']/, ''));
      if (flag) found.add(`option ${word.split('=')[0]!.replace(/^["']/, '')}`);
    }
    for (const m of arg.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) if (/PASSWORD|SECRET|TOKEN/i.test(m[1]!)) found.add(`$${m[1]}`);
  }
  return [...found];
}

export const argvSecrets: Rule = {
  id: 'secret-in-argv',
  family: 'security',
  severity: 'error',
  why: 'A process\'s argv is world-readable (/proc/<pid>/cmdline, ps, crash reports): a password passed as --sasl-password "$X" leaks to anyone on the node.',
  fix: 'Pass credentials through env or a mounted file the program reads itself (racecar: RACECAR_SASL_PASSWORD).',
  peers: {},
  check: (ctx: CheckContext) => {
    const out: RawFinding[] = [];
    for (const c of allContainers(ctx.objects)) {
      const { argv, path, stage } = effectiveArgv(c, ctx);
      const found = secretsInArgv(argv);
      const who = stage && path.endsWith('.image') ? `the ${stage.name} stage's CMD` : `container "${c.container.name}"`;
      if (found.length) out.push({ object: c.pod.owner, path, message: `${who} puts credentials in argv: ${found.join(', ')}` });
    }
    return out;
  },
};

/** Is this pod a node log collector, the one kind of app pod that must read the host's log files? */
export function isLogCollector(owner: K8sObject): boolean {
  if (owner.kind !== 'DaemonSet') return false;
  const t = podTemplates([owner])[0];
  return !!t && asArray(t.spec.containers).some((c) => /fluent-?bit|fluentd|vector|promtail|filebeat|alloy|otel.*collector/i.test(String(c?.image ?? '')));
}

export const hostPath: Rule = {
  id: 'host-path-mount',
  family: 'security',
  severity: 'warning',
  why: 'A hostPath volume exposes the node\'s files to the pod; only a log collector DaemonSet has reason to read them.',
  fix: 'Use an emptyDir, a ConfigMap or a PersistentVolumeClaim instead.',
  peers: { kubeLinter: 'sensitive-host-mounts', polaris: 'hostPathSet' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      if (isLogCollector(t.owner)) continue;
      asArray(t.spec.volumes).forEach((v, i) => {
        if (v?.hostPath) out.push({ object: t.owner, path: `${t.path}.volumes[${i}].hostPath`, message: `volume "${v.name}" mounts the host path ${String(v.hostPath.path)}` });
      });
    }
    return out;
  },
};

export const broadClusterRole: Rule = {
  id: 'cluster-role-broad',
  family: 'security',
  severity: 'warning',
  why: 'A ClusterRole with wildcards, or read access to Secrets, grants far more than a log collector or app needs, across every namespace.',
  fix: 'List the exact apiGroups, resources and verbs (get, list, watch on pods and namespaces for Fluent Bit).',
  peers: { kubeLinter: 'wildcard-in-rules, access-to-secrets', polaris: 'clusterrolePodExecAttach' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
      asArray(o.rules).forEach((r, i) => {
        const list = (k: string) => asArray(r?.[k]).map(String);
        const wild = ['apiGroups', 'resources', 'verbs'].filter((k) => list(k).includes('*'));
        if (wild.length) out.push({ object: o, path: `rules[${i}]`, message: `wildcard in ${wild.join(', ')}` });
        else if (list('resources').some((x) => x === 'secrets') && list('verbs').some((v) => ['get', 'list', 'watch'].includes(v))) out.push({ object: o, path: `rules[${i}].resources`, message: 'reads Secrets' });
        else if (list('resources').some((x) => x === 'pods/exec' || x === 'pods/attach')) out.push({ object: o, path: `rules[${i}].resources`, message: 'allows exec/attach into pods' });
      });
    }
    return out;
  },
};

/** Does this NetworkPolicy govern egress (policyTypes, or an egress section when they are left out)? */
const limitsEgress = (p: K8sObject) => (Array.isArray(p.spec?.policyTypes) ? p.spec.policyTypes.includes('Egress') : Array.isArray(p.spec?.egress));

export const egressOpen: Rule = {
  id: 'egress-open',
  family: 'security',
  severity: 'info',
  why: 'Pods that no egress NetworkPolicy selects can open connections anywhere: a compromised process can reach internal services and exfiltrate freely. An app that calls arbitrary webhooks may have to accept that.',
  fix: 'Declare networkPolicy.egress in the model (DNS is always allowed; add the database, Kafka and named CIDRs), or a NetworkPolicy with policyTypes [Egress] of your own.',
  peers: {},
  // Said only where NetworkPolicies are in use (the set holds one for the namespace): elsewhere policy is the cluster's business.
  check: (ctx) => {
    const policies = objectsOfKind(ctx, 'NetworkPolicy');
    const out: RawFinding[] = [];
    const open = new Map<string, string[]>();
    for (const t of podTemplates(ctx.objects)) {
      const ns = namespaceOf(t.owner, ctx);
      const inNs = policies.filter((p) => namespaceOf(p, ctx) === ns);
      if (inNs.length === 0) continue;
      if (inNs.some((p) => limitsEgress(p) && selects(p.spec?.podSelector ?? {}, t.labels))) continue;
      open.set(ns, [...(open.get(ns) ?? []), `${t.owner.kind}/${t.owner.metadata?.name}`]);
    }
    for (const [ns, owners] of open) {
      out.push({ object: { kind: 'Namespace', name: ns }, path: 'NetworkPolicy', message: `egress is open for ${owners.length} workload${owners.length === 1 ? '' : 's'} (no NetworkPolicy limits their egress): ${owners.slice(0, 5).join(', ')}${owners.length > 5 ? ', …' : ''}` });
    }
    return out;
  },
};

export const securityRules: Rule[] = [runAsNonRoot, privileged, privilegeEscalation, capabilities, readOnlyRoot, serviceAccountToken, imageTagRule, pullAlways, literalSecretEnv, argvSecrets, hostPath, broadClusterRole, egressOpen];
