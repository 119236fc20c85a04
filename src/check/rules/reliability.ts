// Reliability: what keeps the app up through deploys, node drains and slow jobs.
import { containersOf, namespaceOf, objectsOfKind, podTemplateOf, podTemplates, podsSelectedBy } from '../objects.js';
import { inferredNote, roleOf, runsRails } from '../roles.js';
import type { CheckContext, K8sObject, RawFinding, Rule } from '../types.js';

const RESOURCE_FIELDS = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;

export const resources: Rule = {
  id: 'resources-missing',
  family: 'reliability',
  severity: 'warning',
  why: 'Without requests the scheduler packs pods blindly; without a memory limit one leaking process takes the node\'s memory from its neighbours.',
  fix: 'Set cpu and memory requests and limits on every container.',
  peers: { kubeScore: 'container-resources', kubeLinter: 'unset-cpu-requirements, unset-memory-requirements', polaris: 'cpuRequestsMissing, cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t)) {
        const missing = RESOURCE_FIELDS.filter((f) => {
          const [section, res] = f.split('.') as [string, string];
          return c.container.resources?.[section]?.[res] === undefined;
        });
        if (missing.length) out.push({ object: t.owner, path: `${c.path}.resources`, message: `container "${c.container.name}" sets no ${missing.join(', ')}` });
      }
    }
    return out;
  },
};

export const ephemeralStorage: Rule = {
  id: 'ephemeral-storage-missing',
  family: 'reliability',
  severity: 'warning',
  why: 'A container without an ephemeral-storage limit, or a disk-backed emptyDir without a sizeLimit, can fill the node\'s disk; the kubelet then evicts whichever pods it picks, not the one writing.',
  fix: 'Set ephemeral-storage requests and limits on every container and a sizeLimit on every emptyDir (railyard: ephemeralStorage in the model).',
  peers: { kubeScore: 'container-ephemeral-storage-request-and-limit' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t)) {
        const missing = (['requests', 'limits'] as const).filter((s) => c.container.resources?.[s]?.['ephemeral-storage'] === undefined).map((s) => `${s}.ephemeral-storage`);
        if (missing.length) out.push({ object: t.owner, path: `${c.path}.resources`, message: `container "${c.container.name}" sets no ${missing.join(', ')}` });
      }
      const volumes = Array.isArray(t.spec.volumes) ? t.spec.volumes : [];
      volumes.forEach((v: Record<string, any>, i: number) => {
        // A Memory-backed emptyDir is bounded by the memory limit instead.
        if (v?.emptyDir && typeof v.emptyDir === 'object' && v.emptyDir.medium !== 'Memory' && v.emptyDir.sizeLimit === undefined) {
          out.push({ object: t.owner, path: `${t.path}.volumes[${i}].emptyDir`, message: `emptyDir "${v.name}" has no sizeLimit` });
        }
      });
    }
    return out;
  },
};

const hpaMaps = new WeakMap<CheckContext, Map<string, K8sObject>>();

/** The HPA scaling this workload, if any (indexed once per run). */
export function hpaFor(obj: K8sObject, ctx: CheckContext): K8sObject | undefined {
  let map = hpaMaps.get(ctx);
  if (!map) {
    map = new Map();
    for (const h of objectsOfKind(ctx, 'HorizontalPodAutoscaler')) {
      const t = h.spec?.scaleTargetRef;
      if (t?.name) map.set(`${namespaceOf(h, ctx)}\0${String(t.kind)}\0${String(t.name)}`, h);
    }
    hpaMaps.set(ctx, map);
  }
  return map.get(`${namespaceOf(obj, ctx)}\0${String(obj.kind)}\0${String(obj.metadata?.name)}`);
}

export const pdb: Rule = {
  id: 'pdb-missing',
  family: 'reliability',
  severity: 'warning',
  why: 'Without a PodDisruptionBudget a node drain may evict every replica at once; the replicas only help if some stay up.',
  fix: 'Add a PodDisruptionBudget (maxUnavailable: 1) selecting the pods.',
  peers: { kubeScore: 'deployment-has-poddisruptionbudget, statefulset-has-poddisruptionbudget', polaris: 'missingPodDisruptionBudget' },
  check: (ctx) => {
    const out: RawFinding[] = [];
    // Mark every workload some PDB selects, then report the replicated ones left over.
    const covered = new Set<K8sObject>();
    for (const b of objectsOfKind(ctx, 'PodDisruptionBudget')) for (const p of podsSelectedBy(ctx, namespaceOf(b, ctx), b.spec?.selector, false)) covered.add(p.owner);
    for (const o of [...objectsOfKind(ctx, 'Deployment'), ...objectsOfKind(ctx, 'StatefulSet')]) {
      const count = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
      const replicas = Math.max(count(o.spec?.replicas, 1), count(hpaFor(o, ctx)?.spec?.minReplicas, 0));
      if (replicas <= 1 || covered.has(o)) continue;
      out.push({ object: o, path: 'metadata.name', message: `${replicas} replicas and no PodDisruptionBudget selects them` });
    }
    return out;
  },
};

function handler(probe: any): string {
  const h: Record<string, unknown> = {};
  for (const k of ['httpGet', 'tcpSocket', 'exec', 'grpc']) if (probe?.[k]) h[k] = probe[k];
  return JSON.stringify(h);
}

export const probesMissing: Rule = {
  id: 'probes-missing',
  family: 'reliability',
  severity: 'warning',
  why: 'Without a readiness probe a Service sends requests to pods that are still booting; without a liveness probe a hung process is never restarted.',
  fix: 'Add a readinessProbe to pods behind a Service and a livenessProbe to every long-running container.',
  peers: { kubeScore: 'pod-probes', kubeLinter: 'no-readiness-probe, no-liveness-probe', polaris: 'readinessProbeMissing, livenessProbeMissing' },
  check: (ctx) => {
    const out: RawFinding[] = [];
    const served = new Set<K8sObject>();
    for (const svc of objectsOfKind(ctx, 'Service')) {
      if (svc.spec?.selector && Object.keys(svc.spec.selector).length) for (const p of podsSelectedBy(ctx, namespaceOf(svc, ctx), svc.spec.selector, true)) served.add(p.owner);
    }
    for (const o of [...objectsOfKind(ctx, 'Deployment'), ...objectsOfKind(ctx, 'StatefulSet')]) {
      const t = podTemplateOf(o);
      if (!t) continue;
      for (const c of containersOf(t, false)) {
        if (served.has(o) && !c.container.readinessProbe) out.push({ object: o, path: `${c.path}.readinessProbe`, message: `container "${c.container.name}" is behind a Service and has no readinessProbe` });
        if (!c.container.livenessProbe) out.push({ object: o, path: `${c.path}.livenessProbe`, message: `container "${c.container.name}" has no livenessProbe` });
      }
    }
    return out;
  },
};

export const identicalProbes: Rule = {
  id: 'liveness-equals-readiness',
  family: 'reliability',
  severity: 'warning',
  why: 'When liveness checks what readiness checks (the database), a database outage restarts every pod instead of just taking them out of rotation.',
  fix: 'Point liveness at an endpoint that checks only the process (/health/liveness), readiness at one that checks dependencies.',
  peers: { kubeScore: 'pod-probes-identical' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containersOf(t, false)) {
        if (c.container.livenessProbe && c.container.readinessProbe && handler(c.container.livenessProbe) === handler(c.container.readinessProbe)) out.push({ object: t.owner, path: `${c.path}.livenessProbe`, message: `container "${c.container.name}" uses the same check for liveness and readiness` });
      }
    }
    return out;
  },
};

export const gracePeriod: Rule = {
  id: 'grace-period-short',
  family: 'reliability',
  severity: 'error',
  why: 'The kubelet kills a container terminationGracePeriodSeconds after SIGTERM: a worker needs its job timeout plus shutdown time, a consumer its offset-commit interval, or work is lost or done twice.',
  fix: 'Set terminationGracePeriodSeconds to at least DELAYED_JOB_TIMEOUT + 10 for workers and above the offset-commit interval for consumers.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    for (const o of ctx.objects) {
      const t = podTemplateOf(o);
      if (!t) continue;
      const role = roleOf(o, ctx);
      const grace = Number(t.spec.terminationGracePeriodSeconds ?? 30);
      const path = `${t.path}.terminationGracePeriodSeconds`;
      if (role.kind === 'worker' && role.jobTimeoutSeconds !== undefined && grace < role.jobTimeoutSeconds + 10) {
        out.push({ object: o, path, message: `${grace} s is below DELAYED_JOB_TIMEOUT (${role.jobTimeoutSeconds} s) + 10 s${inferredNote(role)}` });
      }
      if (role.kind === 'consumer' && grace <= role.offsetCommitIntervalSeconds) {
        out.push({ object: o, path, message: `${grace} s does not exceed the offset-commit interval (${role.offsetCommitIntervalSeconds} s)${inferredNote(role)}` });
      }
    }
    return out;
  },
};

/** maxSurge as an absolute count for `replicas` (25% is the API default). */
function surgeCount(surge: unknown, replicas: number): number {
  if (surge === undefined) return Math.ceil(replicas * 0.25);
  if (typeof surge === 'number') return surge;
  const pct = /^([0-9]+)%$/.exec(String(surge));
  return pct ? Math.ceil((replicas * Number(pct[1])) / 100) : Number(surge);
}

export const consumerSurge: Rule = {
  id: 'consumer-max-surge',
  family: 'reliability',
  severity: 'warning',
  why: 'A surging rollout starts a new consumer before the old one leaves: the group rebalances twice per pod and partitions stall (racecar recommends maxSurge 0).',
  fix: 'Set strategy.rollingUpdate.maxSurge: 0 and maxUnavailable: 1 on Kafka consumer Deployments.',
  peers: {},
  check: (ctx) =>
    ctx.objects
      .filter((o) => o.kind === 'Deployment' && roleOf(o, ctx).kind === 'consumer')
      .filter((o) => (o.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && surgeCount(o.spec?.strategy?.rollingUpdate?.maxSurge, Math.max(1, Number(o.spec?.replicas ?? 1))) > 0)
      .map((o) => ({ object: o, path: 'spec.strategy.rollingUpdate.maxSurge', message: `consumer rolls with maxSurge ${String(o.spec?.strategy?.rollingUpdate?.maxSurge ?? '25% (default)')}${inferredNote(roleOf(o, ctx))}` })),
};

export const hpaReplicas: Rule = {
  id: 'hpa-replicas-conflict',
  family: 'reliability',
  severity: 'warning',
  why: 'A workload that sets spec.replicas while an HPA scales it is reset to that number on every apply, fighting the autoscaler mid-peak.',
  fix: 'Remove spec.replicas from workloads an HPA targets.',
  peers: { kubeScore: 'deployment-targeted-by-hpa-does-not-have-replicas-configured' },
  check: (ctx) =>
    ctx.objects
      .filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.spec?.replicas !== undefined && hpaFor(o, ctx))
      .map((o) => ({ object: o, path: 'spec.replicas', message: `replicas: ${String(o.spec.replicas)} is pinned while HorizontalPodAutoscaler "${hpaFor(o, ctx)!.metadata?.name}" scales it` })),
};

export const cronPolicies: Rule = {
  id: 'cronjob-policies-missing',
  family: 'reliability',
  severity: 'warning',
  why: 'CronJob defaults let runs pile up (concurrencyPolicy Allow), start hours late after an outage (no startingDeadlineSeconds) and hang forever (no activeDeadlineSeconds).',
  fix: 'Set concurrencyPolicy (Forbid), startingDeadlineSeconds and jobTemplate.spec.activeDeadlineSeconds.',
  peers: { kubeScore: 'cronjob-has-deadline' },
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects.filter((x) => x.kind === 'CronJob')) {
      if (o.spec?.concurrencyPolicy === undefined) out.push({ object: o, path: 'spec.concurrencyPolicy', message: 'concurrencyPolicy is unset (defaults to Allow: runs may overlap)' });
      if (o.spec?.startingDeadlineSeconds === undefined) out.push({ object: o, path: 'spec.startingDeadlineSeconds', message: 'startingDeadlineSeconds is unset' });
      if (o.spec?.jobTemplate?.spec?.activeDeadlineSeconds === undefined) out.push({ object: o, path: 'spec.jobTemplate.spec.activeDeadlineSeconds', message: 'activeDeadlineSeconds is unset: a hung run is never stopped' });
    }
    return out;
  },
};

export const probeTimeout: Rule = {
  id: 'probe-timeout-too-low',
  family: 'reliability',
  severity: 'warning',
  why: 'The health endpoints promise an answer within a few seconds (5 s in the design); a probe that gives up sooner (the default is 1 s) fails healthy pods under load.',
  fix: 'Set timeoutSeconds at least to the health endpoint\'s response guarantee.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    const min = ctx.options.healthResponseSeconds;
    for (const t of podTemplates(ctx.objects)) {
      for (const c of containersOf(t, false)) {
        if (!runsRails(c, ctx)) continue;
        for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const p = c.container[kind];
          if (!p?.httpGet) continue;
          const timeout = Number(p.timeoutSeconds ?? 1);
          if (timeout < min) out.push({ object: t.owner, path: `${c.path}.${kind}.timeoutSeconds`, message: `${kind} times out after ${timeout} s${p.timeoutSeconds === undefined ? ' (default)' : ''}; the health endpoint may take up to ${min} s` });
        }
      }
    }
    return out;
  },
};

export const reliabilityRules: Rule[] = [resources, ephemeralStorage, pdb, probesMissing, identicalProbes, gracePeriod, consumerSurge, hpaReplicas, cronPolicies, probeTimeout];

