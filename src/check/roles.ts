// What a workload is, as far as the Rails-specific rules care: the web tier (Puma),
// a delayed_job worker, a racecar consumer, or something else.
//
// With a config the model says so: a Deployment is the web tier, a worker or a
// consumer because the model declares it by that name, whatever its env holds.
// With --manifests there is no model, so the role is inferred from what the
// container itself runs: the target railyard's runtime is started with (it picks
// the process kind from it), RAILYARD_WORKER_COMMAND (read by the runtime for
// workers only), a delayed_job, racecar or Puma command line, or
// DELAYED_JOB_POOLS. An inferred role carries the signal it came from, and the
// rules that depend on it say so in their findings.
import { parsePoolSpec, countProcesses } from '../config/pools.js';
import { kindOf, parseRunArgs } from '../runtime/config.js';
import { containersOf, literalEnv, podTemplateOf, type ContainerAt } from './objects.js';
import { effectiveArgv } from './rules/consistency.js';
import type { CheckContext, K8sObject, ModelFacts } from './types.js';

/** Set when no model states the role: the signal it was inferred from. */
export interface Inference {
  /** "railyard's runtime target", "its racecar command", "RAILYARD_WORKER_COMMAND"… */
  from: string;
  /** The runtime target, when that is the signal. */
  target?: string;
}
interface Inferred {
  inferred?: Inference;
}

export type Role =
  | ({ kind: 'web'; container: ContainerAt; threads: number } & Inferred)
  | ({ kind: 'worker'; container: ContainerAt; processes?: number; poolsError?: string; jobTimeoutSeconds?: number } & Inferred)
  | ({ kind: 'consumer'; container: ContainerAt; offsetCommitIntervalSeconds: number } & Inferred)
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

/** True when the checks were given the app's model (a config), not just manifests. */
export function hasModel(facts: ModelFacts): boolean {
  return facts.appName !== undefined;
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
  const containers = containersOf(t, false);
  const main = containers[0];
  if (!main) return { kind: 'other' };
  if (obj.kind === 'CronJob') return runsRails(main, ctx) ? { kind: 'cron', container: main } : { kind: 'other' };
  if (hasModel(ctx.facts)) return modelRole(String(obj.metadata?.name ?? ''), main, ctx.facts);
  for (const c of containers) {
    const role = inferredRole(c, ctx);
    if (role) return role;
  }
  return { kind: 'other' };
}

/** The role the model gives the Deployment of this name; the model's budgets with it. */
function modelRole(name: string, main: ContainerAt, f: ModelFacts): Role {
  const worker = f.workers[name];
  if (worker) return { kind: 'worker', container: main, processes: worker.processes, jobTimeoutSeconds: worker.jobTimeoutSeconds };
  const consumer = f.consumers[name];
  if (consumer) return { kind: 'consumer', container: main, offsetCommitIntervalSeconds: consumer.offsetCommitIntervalSeconds };
  const web = f.web[name];
  if (web) return { kind: 'web', container: main, threads: web.threads };
  return { kind: 'other' };
}

/**
 * The target railyard's runtime is started with, when the container runs it
 * (`… runtime.cjs run TARGET` or `railyard run TARGET`, the image's ENTRYPOINT
 * included): the argument after `run`, else PROCESS_TARGET, as the runtime reads them.
 */
export function runtimeTarget(c: ContainerAt, ctx: CheckContext): string | undefined {
  const { argv } = effectiveArgv(c, ctx);
  const at = argv.findIndex((a, i) => argv[i + 1] === 'run' && /(^|\/)(runtime\.cjs|railyard(\.js)?)$/.test(a));
  if (at < 0) return undefined;
  const target = parseRunArgs(argv.slice(at + 2)).target ?? envOrStage(c, ctx, 'PROCESS_TARGET');
  return target === '' ? undefined : target;
}

function inferredRole(c: ContainerAt, ctx: CheckContext): Role | undefined {
  const argv = effectiveArgv(c, ctx).argv.join(' ');
  const pools = envOrStage(c, ctx, 'DELAYED_JOB_POOLS')?.trim();
  const target = runtimeTarget(c, ctx);
  const runtimeKind = target === undefined ? undefined : kindOf(target);
  // A one-shot task of the runtime (migrate, cronjob-…) is none of the three.
  if (runtimeKind === 'task') return undefined;
  const byRuntime: Inference = { from: "railyard's runtime target", target };

  let worker: Inference | undefined;
  if (runtimeKind === 'worker') worker = byRuntime;
  else if (runtimeKind === undefined) {
    if ((envOrStage(c, ctx, 'RAILYARD_WORKER_COMMAND') ?? '').trim() !== '') worker = { from: 'RAILYARD_WORKER_COMMAND' };
    else if (/delayed_job|jobs:work/.test(argv)) worker = { from: 'its delayed_job command' };
  }
  if (worker) return workerRole(c, ctx, pools, worker);

  if (runtimeKind === 'consumer' || (runtimeKind === undefined && /\bracecar\b/.test(argv))) {
    const interval = envOrStage(c, ctx, 'RACECAR_OFFSET_COMMIT_INTERVAL');
    return {
      kind: 'consumer',
      container: c,
      // racecar's own default.
      offsetCommitIntervalSeconds: interval !== undefined && /^[0-9.]+$/.test(interval) ? Number(interval) : 10,
      inferred: runtimeKind ? byRuntime : { from: 'its racecar command' },
    };
  }
  if (runtimeKind === 'web' || (runtimeKind === undefined && /\bpuma\b|rails (server|s)\b/.test(argv))) {
    const threads = Number(envOrStage(c, ctx, 'RAILS_MAX_THREADS') ?? 5);
    return { kind: 'web', container: c, threads: Number.isFinite(threads) ? threads : 5, inferred: runtimeKind ? byRuntime : { from: /\bpuma\b/.test(argv) ? 'its Puma command' : 'its rails server command' } };
  }
  // delayed_job's pool syntax, with nothing else said: the design document's workers without their Dockerfile.
  if (runtimeKind === undefined && pools) return workerRole(c, ctx, pools, { from: 'DELAYED_JOB_POOLS' });
  return undefined;
}

function workerRole(c: ContainerAt, ctx: CheckContext, pools: string | undefined, inferred: Inference): Role {
  let processes: number | undefined;
  let poolsError: string | undefined;
  if (pools) {
    try {
      processes = countProcesses(parsePoolSpec(pools));
    } catch (e) {
      poolsError = (e as Error).message;
    }
  }
  const timeout = envOrStage(c, ctx, 'DELAYED_JOB_TIMEOUT');
  const jobTimeoutSeconds = timeout !== undefined && /^[0-9]+$/.test(timeout) ? Number(timeout) : undefined;
  return { kind: 'worker', container: c, processes, poolsError, jobTimeoutSeconds, inferred };
}

/** For a finding that rests on an inferred role: `; taken for a consumer from its racecar command (no config says so)`; nothing for the model's roles. */
export function inferredNote(role: Role): string {
  if (!('inferred' in role) || !role.inferred) return '';
  const { from, target } = role.inferred;
  return `; taken for a ${role.kind} from ${from}${target === undefined ? '' : ` "${target}"`} (no config says so)`;
}
