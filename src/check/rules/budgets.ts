// Budgets: memory per worker pod and database connections across the app, the two
// sums the design document never did.
import { railsMemory, workloadBudgets } from '../capacity.js';
import { inferredNote, roleOf, type Role } from '../roles.js';
import { parseQuantity } from './apiserver.js';
import type { CheckContext, K8sObject, RawFinding, Rule } from '../types.js';

const MiB = 2 ** 20;

export const workerMemory: Rule = {
  id: 'worker-memory-budget',
  family: 'budgets',
  severity: 'error',
  why: 'Every delayed_job process is a whole Rails process; when processes × RSS exceed the memory limit the pod is OOM-killed in a loop and jobs restart from scratch.',
  fix: 'Raise the memory limit to processes × the per-process estimate (plus headroom), or move pools to another Deployment.',
  peers: {},
  check: (ctx) => {
    const out: RawFinding[] = [];
    const rss = ctx.options.processRssMiB;
    for (const o of ctx.objects) {
      const role = roleOf(o, ctx);
      if (role.kind !== 'worker') continue;
      const c = role.container;
      if (role.poolsError) {
        out.push({ object: o, path: `${c.path}.env`, message: `DELAYED_JOB_POOLS does not parse: ${role.poolsError}` });
        continue;
      }
      const limit = parseQuantity(c.container.resources?.limits?.memory);
      if (role.processes === undefined || limit === undefined) continue;
      const need = railsMemory(role.processes, rss);
      if (need > limit) {
        out.push({ object: o, path: `${c.path}.resources.limits.memory`, message: `${role.processes} Rails processes × ${rss} MiB (assumed RSS per process; --process-rss-mib) = ${Math.round(need / MiB)} MiB, above the ${String(c.container.resources.limits.memory)} limit (${Math.round(limit / role.processes / MiB)} MiB per process)${inferredNote(role)}` });
      }
    }
    return out;
  },
};

export interface ConnectionShare {
  object: K8sObject;
  connections: number;
  formula: string;
  role: Role;
}

/** Peak connections per workload: the workloads' budgets (../capacity.ts) at their largest scale. */
export function connectionShares(ctx: CheckContext): ConnectionShare[] {
  return workloadBudgets(ctx)
    .filter((b) => b.formula !== undefined)
    .map((b) => ({ object: b.object, connections: b.pods.max * b.connectionsPerPod, formula: b.formula!, role: b.role }));
}

export const dbConnections: Rule = {
  id: 'db-connections-budget',
  family: 'budgets',
  severity: 'error',
  why: 'When every replica is up the app opens more connections than the database allows: the last pods to start fail their readiness checks and jobs error with "Too many connections".',
  fix: 'Raise max_connections (database.maxConnections in the model, --max-connections here), lower replicas or threads, or put a pooler (ProxySQL) in front.',
  peers: {},
  check: (ctx) => {
    const shares = connectionShares(ctx);
    const total = shares.reduce((n, s) => n + s.connections, 0);
    const max = ctx.options.maxConnections;
    if (total <= max || shares.length === 0) return [];
    const largest = [...shares].sort((a, b) => b.connections - a.connections)[0]!;
    const crons = shares.filter((s) => s.object.kind === 'CronJob');
    const parts = [...shares.filter((s) => s.object.kind !== 'CronJob').map((s) => `${s.formula} = ${s.connections}`), ...(crons.length ? [`${crons.length} CronJobs = ${crons.reduce((n, s) => n + s.connections, 0)}`] : [])];
    return [{ object: largest.object, path: 'metadata.name', message: `at peak the app opens ${total} database connections, above max_connections ${max}: ${parts.join('; ')}${inferredRoles(shares)}` }];
  },
};

/** `. Roles inferred without a config: consumer for a, b (its racecar command); …`, or nothing when the model gave every role. */
function inferredRoles(shares: ConnectionShare[]): string {
  const groups = new Map<string, { kind: string; from: string; names: string[] }>();
  for (const s of shares) {
    if (!('inferred' in s.role) || !s.role.inferred) continue;
    const key = JSON.stringify([s.role.kind, s.role.inferred.from]);
    const g = groups.get(key) ?? { kind: s.role.kind, from: s.role.inferred.from, names: [] };
    g.names.push(String(s.object.metadata?.name));
    groups.set(key, g);
  }
  if (groups.size === 0) return '';
  return `. Roles inferred without a config: ${[...groups.values()].map((g) => `${g.kind} for ${g.names.join(', ')} (${g.from})`).join('; ')}`;
}

export const budgetRules: Rule[] = [workerMemory, dbConnections];
