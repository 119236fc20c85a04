// Budgets: memory per worker pod and database connections across the app, the two
// sums the design document never did.
import { podTemplateOf } from '../objects.js';
import { hpaFor } from './reliability.js';
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
      const need = role.processes * rss * MiB;
      if (need > limit) {
        out.push({ object: o, path: `${c.path}.resources.limits.memory`, message: `${role.processes} Rails processes × ${rss} MiB (assumed RSS per process; --process-rss-mib) = ${Math.round(need / MiB)} MiB, above the ${String(c.container.resources.limits.memory)} limit (${Math.round(limit / role.processes / MiB)} MiB per process)${inferredNote(role)}` });
      }
    }
    return out;
  },
};

/** The most replicas a workload can have: its HPA's maxReplicas, the model's replicas.max, or spec.replicas. */
function maxReplicas(o: K8sObject, ctx: CheckContext): number {
  const hpa = hpaFor(o, ctx);
  if (hpa?.spec?.maxReplicas !== undefined) return Number(hpa.spec.maxReplicas);
  const fromModel = ctx.facts.maxReplicas[String(o.metadata?.name)];
  if (fromModel !== undefined) return fromModel;
  return Number(o.spec?.replicas ?? 1);
}

export interface ConnectionShare {
  object: K8sObject;
  connections: number;
  formula: string;
  role: Role;
}

/**
 * Peak connections per workload. Puma holds one per thread (its readiness check
 * borrows one of them); each delayed_job process holds one and the worker's health
 * server opens its own; a racecar consumer holds one; each CronJob run holds one,
 * and a Forbid/Replace CronJob runs once at a time.
 */
export function connectionShares(ctx: CheckContext): ConnectionShare[] {
  const out: ConnectionShare[] = [];
  for (const o of ctx.objects) {
    if (!podTemplateOf(o)) continue;
    const role = roleOf(o, ctx);
    const name = String(o.metadata?.name);
    if (role.kind === 'web') {
      const r = maxReplicas(o, ctx);
      out.push({ object: o, connections: r * role.threads, formula: `${name}: ${r} × ${role.threads} threads`, role });
    } else if (role.kind === 'worker' && role.processes !== undefined) {
      const r = maxReplicas(o, ctx);
      out.push({ object: o, connections: r * (role.processes + 1), formula: `${name}: ${r} × (${role.processes} processes + 1 health check)`, role });
    } else if (role.kind === 'consumer') {
      const r = maxReplicas(o, ctx);
      out.push({ object: o, connections: r, formula: `${name}: ${r} × 1`, role });
    } else if (role.kind === 'cron') {
      const policy = o.spec?.concurrencyPolicy ?? 'Allow';
      // Allow has no bound; count the two overlapping runs a slow job typically causes.
      const runs = policy === 'Allow' ? 2 : 1;
      out.push({ object: o, connections: runs, formula: `${name}: ${runs}`, role });
    }
  }
  return out;
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
