// Consistency: references between objects (and the model) that must resolve.
import { secretKeyMatches } from '../../config/schema.js';
import { asArray, containersOf, findObject, literalEnv, namespaceOf, objectsOfKind, podTemplates, podsSelectedBy, shellAssignments, shellVarRefs, type ContainerAt, type PodTemplate } from '../objects.js';
import type { CheckContext, DockerStage, K8sObject, KnownSecret, RawFinding, Rule } from '../types.js';

// ---------------------------------------------------------------- what the set holds

const secretCache = new WeakMap<CheckContext, { all: KnownSecret[]; byName: Map<string, KnownSecret[]> }>();

function secretTable(ctx: CheckContext) {
  let t = secretCache.get(ctx);
  if (t) return t;
  const fromObjects: KnownSecret[] = objectsOfKind(ctx, 'Secret')
    .filter((o) => typeof o.metadata?.name === 'string')
    .map((o) => ({ name: o.metadata.name, namespace: namespaceOf(o, ctx), keys: [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})], origin: 'object' as const }));
  const all = [...fromObjects, ...ctx.facts.secrets];
  const byName = new Map<string, KnownSecret[]>();
  for (const s of all) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  secretCache.set(ctx, (t = { all, byName }));
  return t;
}

/** Secrets in the set plus those the model declares. */
export function knownSecrets(ctx: CheckContext): KnownSecret[] {
  return secretTable(ctx).all;
}

export type Lookup<T> = { found: T } | { found?: undefined; elsewhere: T[] };

export function lookupSecret(ctx: CheckContext, name: string, namespace: string): Lookup<KnownSecret> {
  const same = secretTable(ctx).byName.get(name) ?? [];
  const here = same.find((s) => s.namespace === namespace);
  return here ? { found: here } : { elsewhere: same };
}

export function secretHasKey(secret: KnownSecret, key: string): boolean | undefined {
  if (!secret.keys) return undefined;
  return secret.keys.some((k) => secretKeyMatches(k, key));
}

function configMapKeys(o: K8sObject): string[] {
  return [...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})];
}

/** Every Secret or ConfigMap a pod reads, with where it reads it. */
export interface PodRef {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  /** The key read (secretKeyRef, volume items); undefined for whole-object reads. */
  key?: string;
  optional: boolean;
  path: string;
}

export function podRefs(t: PodTemplate): PodRef[] {
  const out: PodRef[] = [];
  for (const c of containersOf(t)) {
    asArray(c.container.envFrom).forEach((e, i) => {
      if (e?.secretRef?.name) out.push({ kind: 'Secret', name: e.secretRef.name, optional: !!e.secretRef.optional, path: `${c.path}.envFrom[${i}].secretRef.name` });
      if (e?.configMapRef?.name) out.push({ kind: 'ConfigMap', name: e.configMapRef.name, optional: !!e.configMapRef.optional, path: `${c.path}.envFrom[${i}].configMapRef.name` });
    });
    asArray(c.container.env).forEach((e, i) => {
      const s = e?.valueFrom?.secretKeyRef;
      if (s?.name) out.push({ kind: 'Secret', name: s.name, key: s.key, optional: !!s.optional, path: `${c.path}.env[${i}].valueFrom.secretKeyRef` });
      const m = e?.valueFrom?.configMapKeyRef;
      if (m?.name) out.push({ kind: 'ConfigMap', name: m.name, key: m.key, optional: !!m.optional, path: `${c.path}.env[${i}].valueFrom.configMapKeyRef` });
    });
  }
  asArray(t.spec.volumes).forEach((v, i) => {
    const base = `${t.path}.volumes[${i}]`;
    const items = (src: any) => asArray(src?.items).map((it) => String(it?.key));
    if (v?.secret?.secretName) {
      const keys = items(v.secret);
      if (keys.length === 0) out.push({ kind: 'Secret', name: v.secret.secretName, optional: !!v.secret.optional, path: `${base}.secret.secretName` });
      keys.forEach((k, j) => out.push({ kind: 'Secret', name: v.secret.secretName, key: k, optional: !!v.secret.optional, path: `${base}.secret.items[${j}].key` }));
    }
    if (v?.configMap?.name) {
      const keys = items(v.configMap);
      if (keys.length === 0) out.push({ kind: 'ConfigMap', name: v.configMap.name, optional: !!v.configMap.optional, path: `${base}.configMap.name` });
      keys.forEach((k, j) => out.push({ kind: 'ConfigMap', name: v.configMap.name, key: k, optional: !!v.configMap.optional, path: `${base}.configMap.items[${j}].key` }));
    }
    asArray(v?.projected?.sources).forEach((s, j) => {
      if (s?.secret?.name) out.push({ kind: 'Secret', name: s.secret.name, optional: !!s.secret.optional, path: `${base}.projected.sources[${j}].secret.name` });
      if (s?.configMap?.name) out.push({ kind: 'ConfigMap', name: s.configMap.name, optional: !!s.configMap.optional, path: `${base}.projected.sources[${j}].configMap.name` });
    });
  });
  return out;
}

/** ConfigMaps every namespace holds without anyone applying them. */
const BUILTIN_CONFIGMAPS = new Set(['kube-root-ca.crt']);

interface Resolution {
  ref: PodRef;
  pod: PodTemplate;
  namespace: string;
  state: 'ok' | 'missing' | 'elsewhere' | 'key-missing' | 'external';
  elsewhere?: string[];
}

/** Resolves every Secret/ConfigMap reference of every pod once; three rules read the result. */
function resolveRefs(ctx: CheckContext): Resolution[] {
  const configMaps = objectsOfKind(ctx, 'ConfigMap');
  const out: Resolution[] = [];
  for (const pod of podTemplates(ctx.objects)) {
    const namespace = namespaceOf(pod.owner, ctx);
    for (const ref of podRefs(pod)) {
      if (ref.optional) continue;
      if (ref.kind === 'Secret') {
        if (ctx.secretsExternal) {
          out.push({ ref, pod, namespace, state: 'external' });
          continue;
        }
        const r = lookupSecret(ctx, ref.name, namespace);
        if (r.found) out.push({ ref, pod, namespace, state: ref.key !== undefined && secretHasKey(r.found, ref.key) === false ? 'key-missing' : 'ok' });
        else out.push({ ref, pod, namespace, state: r.elsewhere.length ? 'elsewhere' : 'missing', elsewhere: r.elsewhere.map((s) => s.namespace) });
      } else {
        if (BUILTIN_CONFIGMAPS.has(ref.name)) continue;
        const here = findObject(ctx, 'ConfigMap', namespace, ref.name);
        const same = here ? [here] : configMaps.filter((m) => m.metadata?.name === ref.name);
        if (here) out.push({ ref, pod, namespace, state: ref.key !== undefined && !configMapKeys(here).includes(ref.key) ? 'key-missing' : 'ok' });
        else out.push({ ref, pod, namespace, state: same.length ? 'elsewhere' : 'missing', elsewhere: same.map((m) => namespaceOf(m, ctx)) });
      }
    }
  }
  return out;
}

const resolutionCache = new WeakMap<CheckContext, Resolution[]>();
function resolutions(ctx: CheckContext): Resolution[] {
  let r = resolutionCache.get(ctx);
  if (!r) resolutionCache.set(ctx, (r = resolveRefs(ctx)));
  return r;
}

/** A known name that differs from `name` only by a suffix or prefix (`x-rollbar` vs `x-rollbar-credentials`). */
function similarName(name: string, known: string[]): string | undefined {
  return known.find((k) => k !== name && (name.startsWith(`${k}-`) || k.startsWith(`${name}-`) || name.endsWith(`-${k}`) || k.endsWith(`-${name}`)));
}

// ---------------------------------------------------------------- rules

export const refMissing: Rule = {
  id: 'secret-ref-missing',
  family: 'consistency',
  severity: 'error',
  why: 'A pod that reads a Secret or ConfigMap that does not exist never starts (CreateContainerConfigError).',
  fix: 'Create the Secret/ConfigMap in the pod\'s namespace, declare it in the model\'s secrets, or correct the name.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    const external = new Map<K8sObject, Set<string>>();
    for (const r of resolutions(ctx)) {
      if (r.state === 'external') {
        const set = external.get(r.pod.owner) ?? new Set<string>();
        set.add(r.ref.key ? `${r.ref.name} (key ${r.ref.key})` : r.ref.name);
        external.set(r.pod.owner, set);
      } else if (r.state === 'missing') {
        const near = r.ref.kind === 'Secret' ? similarName(r.ref.name, knownSecrets(ctx).map((s) => s.name)) : undefined;
        out.push({ object: r.pod.owner, path: r.ref.path, message: `${r.ref.kind} "${r.ref.name}" is not in the set${ctx.facts.secrets.length && r.ref.kind === 'Secret' ? ' nor declared in the model' : ''} (namespace ${r.namespace})${near ? `; did you mean "${near}"?` : ''}` });
      }
    }
    for (const [owner, names] of external) {
      const t = podTemplates([owner])[0]!;
      out.push({ object: owner, path: t.path, severity: 'info', message: `the cluster must hold these Secrets in namespace ${namespaceOf(owner, ctx)}: ${[...names].join(', ')}` });
    }
    return out;
  },
};

export const keyMissing: Rule = {
  id: 'secret-key-missing',
  family: 'consistency',
  severity: 'error',
  why: 'A secretKeyRef, configMapKeyRef or volume item naming a key the object lacks stops the container from starting.',
  fix: 'Use the key the Secret/ConfigMap actually holds, or add the key to it.',
  peers: {},
  check: (ctx) =>
    resolutions(ctx)
      .filter((r) => r.state === 'key-missing')
      .map((r) => ({ object: r.pod.owner, path: r.ref.path, message: `${r.ref.kind} "${r.ref.name}" has no key "${r.ref.key}"` })),
};

export const crossNamespace: Rule = {
  id: 'reference-cross-namespace',
  family: 'consistency',
  severity: 'error',
  why: 'Pods can only read Secrets and ConfigMaps from their own namespace, and Ingresses and HPAs only reach objects in theirs.',
  fix: 'Create the object in the namespace of the one that reads it (or move the reader).',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = resolutions(ctx)
      .filter((r) => r.state === 'elsewhere')
      .map((r) => ({ object: r.pod.owner, path: r.ref.path, message: `${r.ref.kind} "${r.ref.name}" is read from namespace ${r.namespace} but exists only in ${[...new Set(r.elsewhere)].join(', ')}` }));
    for (const t of targetRefs(ctx)) {
      if (!t.found && t.elsewhere.length) out.push({ object: t.from, path: t.path, message: `${t.kind} "${t.name}" is in ${t.elsewhere.join(', ')}, not ${t.namespace}` });
    }
    return out;
  },
};

// ---------------------------------------------------------------- services, routes, HPAs

export const serviceSelectsNothing: Rule = {
  id: 'service-selects-nothing',
  family: 'consistency',
  severity: 'error',
  why: 'A Service whose selector matches no pod template has no endpoints: every request to it fails.',
  fix: 'Make spec.selector equal to labels the target pod template carries.',
  peers: { kubeScore: 'service-targets-pod', kubeLinter: 'dangling-service' },
  check: (ctx) =>
    objectsOfKind(ctx, 'Service')
      .filter((o) => o.spec?.type !== 'ExternalName' && o.spec?.selector && Object.keys(o.spec.selector).length > 0)
      .filter((s) => podsSelectedBy(ctx, namespaceOf(s, ctx), s.spec.selector, true).length === 0)
      .map((s) => ({ object: s, path: 'spec.selector', message: `selector ${Object.entries(s.spec.selector).map(([k, v]) => `${k}=${String(v)}`).join(',')} matches no pod template in namespace ${namespaceOf(s, ctx)}` })),
};

export const serviceTargetPort: Rule = {
  id: 'service-target-port-unknown',
  family: 'consistency',
  severity: 'error',
  why: 'A named targetPort that no selected container declares has no endpoint; a numeric one that no container declares usually means the Service points at the wrong port.',
  fix: 'Set targetPort to a containerPort (number or name) of the selected pods.',
  peers: { kubeLinter: 'dangling-service' },
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const s of objectsOfKind(ctx, 'Service').filter((o) => o.spec?.selector && Object.keys(o.spec.selector).length > 0)) {
      const selected = podsSelectedBy(ctx, namespaceOf(s, ctx), s.spec.selector, true);
      if (selected.length === 0) continue;
      const ports = selected.flatMap((p) => containersOf(p, false).flatMap((c) => asArray(c.container.ports)));
      asArray(s.spec.ports).forEach((p, i) => {
        const target = p?.targetPort ?? p?.port;
        if (typeof target === 'string' && !/^[0-9]+$/.test(target)) {
          if (!ports.some((cp) => cp?.name === target)) out.push({ object: s, path: `spec.ports[${i}].targetPort`, message: `no selected container has a port named "${target}"` });
        } else if (target !== undefined && !ports.some((cp) => Number(cp?.containerPort) === Number(target))) {
          out.push({ object: s, path: `spec.ports[${i}].${p?.targetPort === undefined ? 'port' : 'targetPort'}`, severity: 'warning', message: `no selected container declares port ${String(target)}` });
        }
      });
    }
    return out;
  },
};

interface TargetRef {
  from: K8sObject;
  path: string;
  kind: string;
  name: string;
  namespace: string;
  port?: number | string;
  found?: K8sObject;
  elsewhere: string[];
}

const targetCache = new WeakMap<CheckContext, TargetRef[]>();

function targetRefs(ctx: CheckContext): TargetRef[] {
  const cached = targetCache.get(ctx);
  if (cached) return cached;
  const out: TargetRef[] = [];
  targetCache.set(ctx, out);
  const find = (from: K8sObject, path: string, kind: string, name: string, namespace: string, port?: number | string) => {
    const found = findObject(ctx, kind, namespace, name);
    const elsewhere = found ? [] : objectsOfKind(ctx, kind).filter((o) => o.metadata?.name === name).map((o) => namespaceOf(o, ctx));
    out.push({ from, path, kind, name, namespace, port, found, elsewhere });
  };
  for (const o of [...objectsOfKind(ctx, 'Ingress'), ...objectsOfKind(ctx, 'HTTPRoute'), ...objectsOfKind(ctx, 'GRPCRoute'), ...objectsOfKind(ctx, 'HorizontalPodAutoscaler')]) {
    const ns = namespaceOf(o, ctx);
    if (o.kind === 'Ingress') {
      const backend = (b: any, path: string) => b?.service?.name && find(o, path, 'Service', b.service.name, ns, b.service.port?.number ?? b.service.port?.name);
      backend(o.spec?.defaultBackend, 'spec.defaultBackend.service');
      asArray(o.spec?.rules).forEach((r, i) => asArray(r?.http?.paths).forEach((p, j) => backend(p?.backend, `spec.rules[${i}].http.paths[${j}].backend.service`)));
    } else if (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') {
      asArray(o.spec?.rules).forEach((r, i) =>
        asArray(r?.backendRefs).forEach((b, j) => {
          if ((b?.kind ?? 'Service') === 'Service' && (b?.group ?? '') === '' && b?.name) find(o, `spec.rules[${i}].backendRefs[${j}]`, 'Service', b.name, b.namespace ?? ns, b.port);
        }),
      );
    } else if (o.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.name) {
      find(o, 'spec.scaleTargetRef', String(o.spec.scaleTargetRef.kind), o.spec.scaleTargetRef.name, ns);
    }
  }
  return out;
}

export const targetMissing: Rule = {
  id: 'route-target-missing',
  family: 'consistency',
  severity: 'error',
  why: 'An Ingress or HTTPRoute backend, or an HPA scale target, that does not exist routes nothing and scales nothing.',
  fix: 'Point the backend at an existing Service and one of its ports, and the HPA at an existing workload.',
  peers: { kubeScore: 'ingress-targets-service, horizontalpodautoscaler-has-target', kubeLinter: 'dangling-ingress, dangling-horizontalpodautoscaler' },
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const t of targetRefs(ctx)) {
      if (!t.found) {
        if (t.elsewhere.length === 0) out.push({ object: t.from, path: t.path, message: `${t.kind} "${t.name}" does not exist in namespace ${t.namespace}` });
        continue;
      }
      if (t.kind === 'Service' && t.port !== undefined) {
        const ports = asArray(t.found.spec?.ports);
        if (!ports.some((p) => (typeof t.port === 'number' ? Number(p?.port) === t.port : p?.name === t.port))) out.push({ object: t.from, path: `${t.path}.port`, message: `Service "${t.name}" has no port ${String(t.port)}` });
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------- required env

/** Variables every container has without anyone setting them. */
const ALWAYS_SET = new Set(['HOME', 'PATH', 'HOSTNAME', 'PWD', 'SHELL', 'USER', 'TERM', 'OLDPWD', 'SHLVL', 'RANDOM', 'IFS', 'BASH_VERSION', 'BASH_SOURCE', 'BASHPID', 'PPID', 'UID', 'EUID', 'SECONDS', 'LINENO', 'REPLY', 'OPTARG', 'OPTIND']);

/** The Dockerfile stage an image was built from, by the `<target>-<tag>` convention the document and railyard share. */
export function stageForImage(image: string, stages: readonly DockerStage[]): DockerStage | undefined {
  const tag = /:([^:/@]+)(@.*)?$/.exec(image)?.[1];
  if (!tag) return undefined;
  let best: DockerStage | undefined;
  for (const s of stages) if (s.name && (tag === s.name || tag.startsWith(`${s.name}-`)) && (!best || s.name.length > best.name!.length)) best = s;
  return best;
}

/**
 * The argv a container runs, as Kubernetes combines it with the image: `command`
 * replaces ENTRYPOINT (and drops CMD), `args` replaces CMD.
 */
export function effectiveArgv(c: ContainerAt, ctx: CheckContext): { argv: string[]; path: string; stage?: DockerStage } {
  const command = Array.isArray(c.container.command) ? c.container.command.map(String) : undefined;
  const args = Array.isArray(c.container.args) ? c.container.args.map(String) : undefined;
  if (command) return { argv: [...command, ...(args ?? [])], path: `${c.path}.command` };
  const stage = typeof c.container.image === 'string' ? stageForImage(c.container.image, ctx.docker) : undefined;
  if (args) return { argv: [...(stage?.entrypoint ?? []), ...args], path: `${c.path}.args`, stage: stage?.entrypoint ? stage : undefined };
  return { argv: [...(stage?.entrypoint ?? []), ...(stage?.cmd ?? [])], path: `${c.path}.image`, stage };
}

export const requiredEnv: Rule = {
  id: 'env-required-missing',
  family: 'consistency',
  severity: 'error',
  why: 'A command that reads $VAR which no env, envFrom source or image ENV provides runs with an empty value: a consumer joins no group, a client logs in as nobody.',
  fix: 'Add the variable to a Secret the container reads with envFrom (or to env), or stop referring to it.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const pod of podTemplates(ctx.objects)) {
      const namespace = namespaceOf(pod.owner, ctx);
      for (const c of containersOf(pod)) {
        const { argv, path, stage } = effectiveArgv(c, ctx);
        if (argv.length === 0) continue;
        const text = argv.join(' ');
        const provided = new Set<string>([...literalEnv(c.container).keys(), ...Object.keys(stage?.env ?? {}), ...shellAssignments(text)]);
        const patterns: string[] = [];
        let unknownSource = false;
        for (const e of asArray(c.container.envFrom)) {
          const prefix = String(e?.prefix ?? '');
          if (e?.secretRef?.name) {
            const r = lookupSecret(ctx, e.secretRef.name, namespace);
            if (!r.found || !r.found.keys) unknownSource = true;
            else r.found.keys.forEach((k) => patterns.push(prefix + k));
          }
          if (e?.configMapRef?.name) {
            const m = findObject(ctx, 'ConfigMap', namespace, e.configMapRef.name);
            if (!m) unknownSource = true;
            else configMapKeys(m).forEach((k) => patterns.push(prefix + k));
          }
        }
        // With a source whose keys are unknown, any variable might come from it.
        if (unknownSource) continue;
        const missing = shellVarRefs(text).filter((v) => !provided.has(v) && !ALWAYS_SET.has(v) && !/_SERVICE_(HOST|PORT)/.test(v) && !patterns.some((p) => secretKeyMatches(p, v)));
        const kubeRefs = [...text.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!).filter((v) => !literalEnv(c.container).has(v));
        for (const v of new Set([...missing, ...kubeRefs])) {
          out.push({ object: pod.owner, path, message: `container "${c.container.name}" runs ${stage ? `the ${stage.name} stage's CMD, which reads` : 'a command reading'} $${v}, and nothing provides it` });
        }
      }
    }
    return out;
  },
};

export const consistencyRules: Rule[] = [refMissing, keyMissing, crossNamespace, serviceSelectsNothing, serviceTargetPort, targetMissing, requiredEnv];
