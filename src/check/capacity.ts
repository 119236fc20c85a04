// What each workload asks of the cluster at its smallest and largest scale: pods,
// CPU and memory, Rails processes, database connections. The budget rules
// (rules/budgets.ts) judge these numbers and `railyard report` draws them, so the
// two read one computation and cannot disagree.
import { podTemplateOf, containersOf, namespaceOf } from './objects.js';
import { hpaFor } from './rules/reliability.js';
import { parseQuantity } from './rules/apiserver.js';
import { roleOf, type Role } from './roles.js';
import type { CheckContext, K8sObject } from './types.js';

/** CPU in cores and memory in bytes, summed over a pod's containers (init containers run before, not beside them). */
export interface PodResources {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
}

export interface WorkloadBudget {
  object: K8sObject;
  kind: string;
  name: string;
  namespace: string;
  role: Role;
  /** Pods at the smallest and largest scale: replicas (HPA bounds, the model's replicas), one per node for a DaemonSet, concurrent runs for a CronJob or Job. */
  pods: { min: number; max: number };
  perPod: PodResources;
  /** Rails processes per pod: Puma is one, a delayed_job worker one per pool slot. */
  processes: number;
  /** Database connections per pod (per run for a CronJob); 0 when it opens none that railyard knows of. */
  connectionsPerPod: number;
  /** How connectionsPerPod × pods.max is made up, for messages: `rails-server: 10 × 5 threads`. */
  formula?: string;
}

/** Memory that `processes` Rails processes of `rssMiB` each need, bytes: what a worker's limit must hold. */
export function railsMemory(processes: number, rssMiB: number): number {
  return processes * rssMiB * 2 ** 20;
}

/** The most replicas a workload can have: its HPA's maxReplicas, the model's replicas.max, or spec.replicas. */
function maxReplicas(o: K8sObject, ctx: CheckContext): number {
  const hpa = hpaFor(o, ctx);
  if (hpa?.spec?.maxReplicas !== undefined) return Number(hpa.spec.maxReplicas);
  const fromModel = ctx.facts.maxReplicas[String(o.metadata?.name)];
  if (fromModel !== undefined) return fromModel;
  return Number(o.spec?.replicas ?? 1);
}

/** The fewest: the HPA's minReplicas, else spec.replicas (what the Deployment starts with). */
function minReplicas(o: K8sObject, ctx: CheckContext): number {
  const hpa = hpaFor(o, ctx);
  if (hpa?.spec?.minReplicas !== undefined) return Number(hpa.spec.minReplicas);
  return Number(o.spec?.replicas ?? 1);
}

function podResources(o: K8sObject): PodResources {
  const sum: PodResources = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0 };
  const t = podTemplateOf(o);
  if (!t) return sum;
  for (const { container: c } of containersOf(t, false)) {
    const r = c.resources ?? {};
    sum.cpuRequest += parseQuantity(r.requests?.cpu) ?? 0;
    sum.cpuLimit += parseQuantity(r.limits?.cpu) ?? 0;
    sum.memoryRequest += parseQuantity(r.requests?.memory) ?? 0;
    sum.memoryLimit += parseQuantity(r.limits?.memory) ?? 0;
  }
  return sum;
}

/**
 * Every pod-running object's budget. Connections: Puma holds one per thread (its
 * readiness check borrows one of them); each delayed_job process holds one and the
 * worker's health server opens its own; a racecar consumer holds one; each CronJob
 * run holds one, and a Forbid/Replace CronJob runs once at a time (Allow has no
 * bound: count the two overlapping runs a slow job typically causes).
 * `nodes` sizes DaemonSets (one pod per node); 1 when the node count is unknown.
 */
export function workloadBudgets(ctx: CheckContext, opts: { nodes?: number } = {}): readonly WorkloadBudget[] {
  // The budget rules and the report's capacity view ask for the same context's
  // figures; a 2,000-CronJob config spends ~50 ms on each computation. Only a
  // DaemonSet's pod count depends on the node count.
  let all = budgetsByContext.get(ctx);
  if (!all) budgetsByContext.set(ctx, (all = computeBudgets(ctx)));
  const n = opts.nodes;
  return n === undefined ? all : all.map((b) => (b.kind === 'DaemonSet' ? { ...b, pods: { min: n, max: n } } : b));
}

const budgetsByContext = new WeakMap<CheckContext, readonly WorkloadBudget[]>();

function computeBudgets(ctx: CheckContext): WorkloadBudget[] {
  const out: WorkloadBudget[] = [];
  for (const o of ctx.objects) {
    if (!podTemplateOf(o)) continue;
    const role = roleOf(o, ctx);
    const name = String(o.metadata?.name);
    const base = { object: o, kind: String(o.kind), name, namespace: namespaceOf(o, ctx), role, perPod: podResources(o) };
    if (o.kind === 'CronJob') {
      const runs = (o.spec?.concurrencyPolicy ?? 'Allow') === 'Allow' ? 2 : 1;
      const rails = role.kind === 'cron';
      out.push({ ...base, pods: { min: 0, max: runs }, processes: rails ? 1 : 0, connectionsPerPod: rails ? 1 : 0, ...(rails ? { formula: `${name}: ${runs}` } : {}) });
      continue;
    }
    if (o.kind === 'Job' || o.kind === 'Pod') {
      out.push({ ...base, pods: { min: 0, max: 1 }, processes: 0, connectionsPerPod: 0 });
      continue;
    }
    if (o.kind === 'DaemonSet') {
      out.push({ ...base, pods: { min: 1, max: 1 }, processes: 0, connectionsPerPod: 0 });
      continue;
    }
    const pods = { min: minReplicas(o, ctx), max: maxReplicas(o, ctx) };
    if (role.kind === 'web') {
      out.push({ ...base, pods, processes: 1, connectionsPerPod: role.threads, formula: `${name}: ${pods.max} × ${role.threads} threads` });
    } else if (role.kind === 'worker' && role.processes !== undefined) {
      out.push({ ...base, pods, processes: role.processes, connectionsPerPod: role.processes + 1, formula: `${name}: ${pods.max} × (${role.processes} processes + 1 health check)` });
    } else if (role.kind === 'consumer') {
      out.push({ ...base, pods, processes: 1, connectionsPerPod: 1, formula: `${name}: ${pods.max} × 1` });
    } else {
      out.push({ ...base, pods, processes: 0, connectionsPerPod: 0 });
    }
  }
  return out;
}
