// What a workload is, as far as the Rails-specific rules care: the web tier (Puma),
// a delayed_job worker, a racecar consumer, or something else. The model says so
// when there is one; otherwise the container's command (or its image's Dockerfile
// stage) and env tell.
import { parsePoolSpec, countProcesses } from '../config/pools.js';
import { containersOf, literalEnv, podTemplateOf, type ContainerAt } from './objects.js';
import { effectiveArgv } from './rules/consistency.js';
import type { CheckContext, K8sObject } from './types.js';

export type Role =
  | { kind: 'web'; container: ContainerAt; threads: number }
  | { kind: 'worker'; container: ContainerAt; processes?: number; poolsError?: string; jobTimeoutSeconds?: number }
  | { kind: 'consumer'; container: ContainerAt; offsetCommitIntervalSeconds: number }
  | { kind: 'cron'; container: ContainerAt }
  | { kind: 'other' };

function envOrStage(c: ContainerAt, ctx: CheckContext, name: string): string | undefined {
  const own = literalEnv(c.container).get(name);
  if (own !== undefined) return own;
  return effectiveArgv(c, ctx).stage?.env[name];
}

/** Does this container run Rails (so the Rails budgets and probe guarantees apply)? */
export function runsRails(c: ContainerAt, ctx: CheckContext): boolean {
  if (literalEnv(c.container).has('RAILS_ENV')) return true;
  const { argv } = effectiveArgv(c, ctx);
  return /\b(rails|rake|puma|racecar|delayed_job|jobs:work|railyard)\b/.test(argv.join(' '));
}

const roleCache = new WeakMap<CheckContext, Map<K8sObject, Role>>();

/** The object's role, computed once per check run (several rules ask). */
export function roleOf(obj: K8sObject, ctx: CheckContext): Role {
  let cache = roleCache.get(ctx);
  if (!cache) roleCache.set(ctx, (cache = new Map()));
  let role = cache.get(obj);
  if (!role) cache.set(obj, (role = computeRole(obj, ctx)));
  return role;
}

function computeRole(obj: K8sObject, ctx: CheckContext): Role {
  const t = podTemplateOf(obj);
  if (!t) return { kind: 'other' };
  const name = String(obj.metadata?.name ?? '');
  const containers = containersOf(t, false);
  const main = containers[0];
  if (!main) return { kind: 'other' };
  if (obj.kind === 'CronJob') return runsRails(main, ctx) ? { kind: 'cron', container: main } : { kind: 'other' };
  const f = ctx.facts;
  for (const c of containers) {
    const argv = effectiveArgv(c, ctx).argv.join(' ');
    const pools = envOrStage(c, ctx, 'DELAYED_JOB_POOLS');
    if (f.workers[name] || (pools !== undefined && pools.trim() !== '') || /delayed_job|jobs:work/.test(argv)) {
      let processes = f.workers[name]?.processes;
      let poolsError: string | undefined;
      if (pools !== undefined && pools.trim() !== '') {
        try {
          processes = countProcesses(parsePoolSpec(pools));
        } catch (e) {
          poolsError = (e as Error).message;
        }
      }
      const timeout = envOrStage(c, ctx, 'DELAYED_JOB_TIMEOUT');
      const jobTimeoutSeconds = timeout !== undefined && /^[0-9]+$/.test(timeout) ? Number(timeout) : f.workers[name]?.jobTimeoutSeconds;
      return { kind: 'worker', container: c, processes, poolsError, jobTimeoutSeconds };
    }
    if (f.consumers[name] || /\bracecar\b/.test(argv) || /^kafka/.test(literalEnv(c.container).get('PROCESS_TARGET') ?? '')) {
      const interval = envOrStage(c, ctx, 'RACECAR_OFFSET_COMMIT_INTERVAL');
      return { kind: 'consumer', container: c, offsetCommitIntervalSeconds: interval !== undefined && /^[0-9.]+$/.test(interval) ? Number(interval) : f.consumers[name]?.offsetCommitIntervalSeconds ?? 10 };
    }
    if (f.web[name] || /\bpuma\b|rails (server|s)\b/.test(argv)) {
      const threads = Number(envOrStage(c, ctx, 'RAILS_MAX_THREADS') ?? f.web[name]?.threads ?? 5);
      return { kind: 'web', container: c, threads: Number.isFinite(threads) ? threads : 5 };
    }
  }
  return { kind: 'other' };
}
