// What the runtime runs, read from argv and env, validated before anything starts.
//
// Every problem is collected, so one error line names every missing or invalid
// variable at once (an operator fixing a manifest wants the whole list, not one
// per crash-loop). Problems name variables, never their values.
import { readFileSync } from 'node:fs';
import { parsePoolSpec, PoolSpecError, queuesEnv, type Pool } from '../config/pools.js';
import { workerHost } from './reclaim.js';
import { isSecretName, MIN_SECRET_LENGTH } from './redact.js';

/**
 * web, worker and consumer are the long-running tiers; task is a one-shot
 * process run through the runtime for its JSON logs, redaction and signal
 * handling: the CronJobs (`cronjob-<name>`) and the migration Job (`migrate`)
 * that the manifests render.
 */
export type Kind = 'web' | 'worker' | 'consumer' | 'task';

export interface Slot {
  /** The pool's queues as written (`a,b` or `*`), for logs and /health. */
  pool: string;
  /** 0-based index of the slot within its pool. */
  slot: number;
  /** QUEUES for this slot; undefined for `*` (every queue). */
  queues: string | undefined;
}

export interface DbTarget {
  host?: string;
  port?: number;
  socketPath?: string;
  user: string;
  password?: string;
  database: string;
  /** PEM contents of MYSQL_SSL_CA, when set. */
  ca?: string;
}

/** The liveness lock and the reclaim of dead workers' job locks (workers only; docs/RUNTIME.md). */
export interface ReclaimConfig {
  /** This pod's host in lock and worker names: workerHost(POD_NAME). */
  host: string;
  /** How often the delayed_jobs locks of other pods are looked at. */
  intervalMs: number;
  /** How long a host's lock must be seen free before its jobs are freed. */
  graceMs: number;
  /** Keep-alive of the lock session; well within waitTimeoutS. */
  pingMs: number;
  /** The lock session's wait_timeout: how long the server keeps a silent session (and its lock). */
  waitTimeoutS: number;
}

export interface RunConfig {
  target: string;
  kind: Kind;
  /** The command each process runs: the main process, or each pool slot. */
  command: string[];
  /** Worker slots, in start order; one entry for web and consumer. */
  slots: Slot[];
  healthPort: number | undefined;
  /** Seconds between SIGTERM and SIGKILL of whatever is left. */
  stopTimeoutMs: number;
  staggerMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive quick crashes after which a slot is reported as crash-looping. */
  crashLoopRestarts: number;
  /** A run at least this long resets the backoff. */
  stableAfterMs: number;
  db: DbTarget | undefined;
  livenessFile: string | undefined;
  /** Max age of racecar's liveness file before /health fails. */
  livenessMaxAgeMs: number;
  podName: string;
  namespace: string;
  /** Workers: the liveness lock and reclaim; undefined when off (see reclaimOff). */
  reclaim: ReclaimConfig | undefined;
  /** Why a worker runs without them, for a warning at start. */
  reclaimOff?: string;
}

export interface Problem {
  /** The variable (or `target`, `command` for argv). */
  var: string;
  /** What is wrong; never the value. */
  reason: string;
}

export interface ConfigResult {
  config?: RunConfig;
  missing: string[];
  invalid: Problem[];
  /** Problems with argv rather than env: exit 2, like other usage errors. */
  usage: Problem[];
}

export const DEFAULT_WORKER_COMMAND = 'bundle exec rake jobs:work';
const DEFAULT_STOP_TIMEOUT_S: Record<Kind, number> = { web: 25, worker: 280, consumer: 55, task: 25 };

/** The kind of process a target name stands for. */
export function kindOf(target: string): Kind | undefined {
  if (target === 'server' || target === 'web') return 'web';
  if (target.startsWith('worker')) return 'worker';
  if (target.startsWith('kafka-')) return 'consumer';
  if (target.startsWith('cronjob-') || target === 'migrate') return 'task';
  return undefined;
}

/** argv after `run`: `[target] [-- command …]`. */
export function parseRunArgs(argv: readonly string[]): { target?: string; command: string[]; usage: Problem[] } {
  const usage: Problem[] = [];
  const dash = argv.indexOf('--');
  const before = dash < 0 ? [...argv] : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  if (before[0] === 'run') before.shift();
  if (before.length > 1) usage.push({ var: 'command', reason: `unexpected "${before[1]}": put the command after "--"` });
  return { target: before[0], command, usage };
}

/** Splits RAILYARD_WORKER_COMMAND on whitespace: it is argv, not a shell line. */
export function splitCommand(s: string): string[] {
  return s.trim().split(/\s+/).filter((x) => x !== '');
}

/** Expands the pools into slots in start order: pool by pool, slot by slot. */
export function planSlots(pools: readonly Pool[]): Slot[] {
  const slots: Slot[] = [];
  for (const p of pools) {
    const queues = queuesEnv(p);
    for (let i = 0; i < p.count; i++) slots.push({ pool: queues ?? '*', slot: i, queues });
  }
  return slots;
}

// Only the braced form: bare `$name` is common in Ruby code passed to
// `rails runner` ($stdout, $PROGRAM_NAME) and must reach it untouched.
const VAR_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the variables a command refers to as `${VAR}`. */
export function commandVars(command: readonly string[]): string[] {
  const names = new Set<string>();
  for (const arg of command) for (const m of arg.matchAll(VAR_REF)) names.add(m[1]!);
  return [...names];
}

/** Substitutes `${VAR}` from env (exec-form CMDs have no shell to do it). */
export function expandCommand(command: readonly string[], env: Record<string, string | undefined>): string[] {
  return command.map((arg) => arg.replace(VAR_REF, (_, name: string) => env[name] ?? ''));
}

function seconds(env: Record<string, string | undefined>, name: string, fallback: number, invalid: Problem[]): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v.trim())) {
    invalid.push({ var: name, reason: 'must be a number of seconds' });
    return fallback;
  }
  return Number(v.trim());
}

function millis(env: Record<string, string | undefined>, name: string, fallback: number, invalid: Problem[]): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^[0-9]+$/.test(v.trim())) {
    invalid.push({ var: name, reason: 'must be a whole number of milliseconds' });
    return fallback;
  }
  return Number(v.trim());
}

const present = (env: Record<string, string | undefined>, name: string) => (env[name] ?? '') !== '';

/** The database the worker health check uses: DATABASE_URL, else the DATABASE_* keys of the db secret. */
export function dbTarget(env: Record<string, string | undefined>, missing: string[], invalid: Problem[]): DbTarget | undefined {
  let target: DbTarget | undefined;
  if (present(env, 'DATABASE_URL')) {
    const url = env.DATABASE_URL!;
    const m = /^([A-Za-z][A-Za-z0-9+.\-]*):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/:?#]*)(?::([0-9]+))?\/([^?#]*)/.exec(url);
    if (!m || !/^(mysql2?|trilogy|mariadb)$/.test(m[1]!)) {
      invalid.push({ var: 'DATABASE_URL', reason: 'must be a mysql2://user:password@host:port/database URL' });
      return undefined;
    }
    try {
      target = {
        host: decodeURIComponent(m[4]!) || 'localhost',
        port: m[5] ? Number(m[5]) : 3306,
        user: decodeURIComponent(m[2] ?? ''),
        password: m[3] === undefined ? undefined : decodeURIComponent(m[3]),
        database: decodeURIComponent(m[6]!),
      };
    } catch {
      invalid.push({ var: 'DATABASE_URL', reason: 'has a malformed %-escape' });
      return undefined;
    }
    if (target.database === '') invalid.push({ var: 'DATABASE_URL', reason: 'names no database' });
  } else {
    const need = ['DATABASE_HOST', 'DATABASE_USERNAME', 'DATABASE_NAME'].filter((n) => !present(env, n));
    if (need.length > 0) {
      // Name both ways of giving a database: either fixes it.
      missing.push(...(need.length === 3 ? ['DATABASE_URL', ...need] : need));
      return undefined;
    }
    const host = env.DATABASE_HOST!;
    let port = 3306;
    if (present(env, 'DATABASE_PORT')) {
      const p = env.DATABASE_PORT!.trim();
      if (!/^[0-9]+$/.test(p) || Number(p) < 1 || Number(p) > 65535) invalid.push({ var: 'DATABASE_PORT', reason: 'must be a port number' });
      else port = Number(p);
    }
    target = host.startsWith('/')
      ? { socketPath: host, user: env.DATABASE_USERNAME!, password: env.DATABASE_PASSWORD, database: env.DATABASE_NAME! }
      : { host, port, user: env.DATABASE_USERNAME!, password: env.DATABASE_PASSWORD, database: env.DATABASE_NAME! };
  }
  if (present(env, 'MYSQL_SSL_CA')) {
    try {
      target.ca = readFileSync(env.MYSQL_SSL_CA!, 'utf8');
    } catch (e) {
      invalid.push({ var: 'MYSQL_SSL_CA', reason: `cannot read the CA file (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  }
  return target;
}

/** Reads and checks everything the runtime needs; nothing is started here. */
export function loadRunConfig(argv: readonly string[], env: Record<string, string | undefined>): ConfigResult {
  const missing: string[] = [];
  const invalid: Problem[] = [];
  const args = parseRunArgs(argv);
  const usage = [...args.usage];

  const target = args.target ?? env.PROCESS_TARGET;
  let kind: Kind | undefined;
  if (target === undefined || target === '') missing.push('PROCESS_TARGET');
  else {
    kind = kindOf(target);
    if (!kind) {
      const problem = { var: args.target !== undefined ? 'target' : 'PROCESS_TARGET', reason: 'must be server or web, worker…, kafka-…, cronjob-… or migrate' };
      (args.target !== undefined ? usage : invalid).push(problem);
    }
  }

  if (!present(env, 'RAILS_ENV')) missing.push('RAILS_ENV');
  const db = dbTarget(env, missing, invalid);

  let healthPort: number | undefined;
  if (present(env, 'HEALTH_PORT')) {
    const p = env.HEALTH_PORT!.trim();
    if (!/^[0-9]+$/.test(p) || Number(p) < 1 || Number(p) > 65535) invalid.push({ var: 'HEALTH_PORT', reason: 'must be a port number (1-65535)' });
    else healthPort = Number(p);
  }

  let command = args.command;
  let slots: Slot[] = [{ pool: 'main', slot: 0, queues: undefined }];
  if (kind === 'worker') {
    if (command.length === 0) {
      const c = present(env, 'RAILYARD_WORKER_COMMAND') ? env.RAILYARD_WORKER_COMMAND! : DEFAULT_WORKER_COMMAND;
      command = splitCommand(c);
      if (command.length === 0) invalid.push({ var: 'RAILYARD_WORKER_COMMAND', reason: 'is empty' });
    }
    if (!present(env, 'DELAYED_JOB_POOLS')) missing.push('DELAYED_JOB_POOLS');
    else {
      try {
        slots = planSlots(parsePoolSpec(env.DELAYED_JOB_POOLS!));
      } catch (e) {
        if (!(e instanceof PoolSpecError)) throw e;
        // Pool specs are not secret; quoting the offending token is what makes the error useful.
        invalid.push({ var: 'DELAYED_JOB_POOLS', reason: e.message });
      }
    }
  } else if (kind && command.length === 0) {
    usage.push({ var: 'command', reason: `a ${kind} target runs the command given after "--"` });
  }

  // Variables the command names must be set; secret ones must not be named at all,
  // because argv is world-readable through `ps` and /proc/<pid>/cmdline.
  for (const name of commandVars(command)) {
    if (isSecretName(name)) invalid.push({ var: name, reason: 'is secret and would be visible in argv (ps); pass it to the process through env instead' });
    else if (!present(env, name)) missing.push(name);
  }
  for (const arg of command) {
    if (/^--sasl[-_][a-z_-]*(password|username)/i.test(arg)) {
      invalid.push({ var: 'command', reason: `racecar credentials go through RACECAR_SASL_USERNAME / RACECAR_SASL_PASSWORD env, never "${arg.split('=')[0]}" in argv` });
    }
  }
  for (const [name, value] of Object.entries(env)) {
    // 8+ characters: a short value ("true", "puma") would flag innocent arguments.
    if (!value || value.length < Math.max(8, MIN_SECRET_LENGTH) || !isSecretName(name)) continue;
    if (command.some((arg) => arg.includes(value))) invalid.push({ var: name, reason: 'its value appears in the command line, where ps shows it; pass it through env' });
  }
  if (kind === 'consumer' && present(env, 'RACECAR_LIVENESS_PROBE_FILE_PATH') && present(env, 'RACECAR_LIVENESS_PROBE_ENABLED') && !/^(true|1)$/i.test(env.RACECAR_LIVENESS_PROBE_ENABLED!)) {
    // racecar touches the file only with liveness_probe_enabled. The rendered
    // initializer turns it on unless this variable says otherwise; saying
    // otherwise while asking /health to watch the file would fail /health for
    // ever and have the liveness probe restart a healthy consumer.
    invalid.push({ var: 'RACECAR_LIVENESS_PROBE_ENABLED', reason: 'is false while RACECAR_LIVENESS_PROBE_FILE_PATH asks /health to watch the file racecar would then never touch' });
  }
  if (kind === 'consumer') {
    // Half a SASL login is a typo in the manifest, not a choice.
    const u = present(env, 'RACECAR_SASL_USERNAME');
    const p = present(env, 'RACECAR_SASL_PASSWORD');
    if (u && !p) missing.push('RACECAR_SASL_PASSWORD');
    if (p && !u) missing.push('RACECAR_SASL_USERNAME');
  }

  const stopVar = kind === 'worker' ? 'DELAYED_JOB_TIMEOUT' : 'RAILYARD_STOP_TIMEOUT';
  const stopTimeoutMs = Math.round(seconds(env, stopVar, DEFAULT_STOP_TIMEOUT_S[kind ?? 'web'], invalid) * 1000);
  const staggerMs = millis(env, 'RAILYARD_STAGGER_MS', 200, invalid);
  const backoffBaseMs = millis(env, 'RAILYARD_BACKOFF_BASE_MS', 1000, invalid);
  const backoffMaxMs = millis(env, 'RAILYARD_BACKOFF_MAX_MS', 60_000, invalid);
  const crashLoopRestarts = millis(env, 'RAILYARD_CRASH_LOOP_RESTARTS', 5, invalid);
  const stableAfterMs = millis(env, 'RAILYARD_STABLE_AFTER_MS', 60_000, invalid);
  // racecar's own name and default for the same limit (its liveness probe command reads it too).
  const livenessMaxAgeMs = Math.round(seconds(env, 'RACECAR_LIVENESS_PROBE_MAX_INTERVAL', 5, invalid) * 1000);
  if (backoffBaseMs > backoffMaxMs) invalid.push({ var: 'RAILYARD_BACKOFF_BASE_MS', reason: 'must not exceed RAILYARD_BACKOFF_MAX_MS' });
  const reclaim: ReturnType<typeof reclaimConfig> = kind === 'worker' ? reclaimConfig(env, invalid) : {};

  const result: ConfigResult = { missing: [...new Set(missing)], invalid, usage };
  if (result.missing.length > 0 || invalid.length > 0 || usage.length > 0 || !kind || !target) return result;
  result.config = {
    target,
    kind,
    command: expandCommand(command, env),
    slots,
    // The web tier's health is the Rails controller; one-shot tasks are not probed.
    healthPort: kind === 'web' || kind === 'task' ? undefined : healthPort,
    stopTimeoutMs,
    staggerMs,
    backoffBaseMs,
    backoffMaxMs,
    crashLoopRestarts,
    stableAfterMs,
    db: kind === 'worker' ? db : undefined,
    livenessFile: kind === 'consumer' && present(env, 'RACECAR_LIVENESS_PROBE_FILE_PATH') ? env.RACECAR_LIVENESS_PROBE_FILE_PATH : undefined,
    livenessMaxAgeMs,
    podName: env.POD_NAME || 'unknown',
    namespace: env.POD_NAMESPACE || 'default',
    reclaim: reclaim.config,
  };
  if (reclaim.off) result.config.reclaimOff = reclaim.off;
  return result;
}

/**
 * RAILYARD_RECLAIM (on, the default, or off) and its timings. Off without
 * POD_NAME: the lock is named after the pod, and pods that all fell back to
 * one name would wait for each other's lock.
 */
export function reclaimConfig(env: Record<string, string | undefined>, invalid: Problem[]): { config?: ReclaimConfig; off?: string } {
  const intervalMs = millis(env, 'RAILYARD_RECLAIM_INTERVAL_MS', 15_000, invalid);
  const graceMs = millis(env, 'RAILYARD_RECLAIM_GRACE_MS', 10_000, invalid);
  const pingMs = millis(env, 'RAILYARD_LOCK_PING_MS', 20_000, invalid);
  let waitTimeoutS = 60;
  if (present(env, 'RAILYARD_LOCK_WAIT_TIMEOUT')) {
    const v = env.RAILYARD_LOCK_WAIT_TIMEOUT!.trim();
    // wait_timeout is a whole number of seconds.
    if (!/^[0-9]+$/.test(v)) invalid.push({ var: 'RAILYARD_LOCK_WAIT_TIMEOUT', reason: 'must be a whole number of seconds' });
    else waitTimeoutS = Number(v);
  }
  if (present(env, 'RAILYARD_RECLAIM_INTERVAL_MS') && intervalMs < 100) invalid.push({ var: 'RAILYARD_RECLAIM_INTERVAL_MS', reason: 'must be at least 100' });
  if (present(env, 'RAILYARD_LOCK_PING_MS') && pingMs < 100) invalid.push({ var: 'RAILYARD_LOCK_PING_MS', reason: 'must be at least 100' });
  if (present(env, 'RAILYARD_LOCK_WAIT_TIMEOUT') && waitTimeoutS < 2) invalid.push({ var: 'RAILYARD_LOCK_WAIT_TIMEOUT', reason: 'must be at least 2 (seconds)' });
  // A ping at the very end of the window could arrive after the server gave up on the session.
  else if (pingMs * 2 > waitTimeoutS * 1000) invalid.push({ var: 'RAILYARD_LOCK_PING_MS', reason: 'must be at most half of RAILYARD_LOCK_WAIT_TIMEOUT (seconds), or the server may end the lock session between pings' });
  const mode = (env.RAILYARD_RECLAIM ?? '').trim().toLowerCase();
  if (mode !== '' && mode !== 'on' && mode !== 'off') {
    invalid.push({ var: 'RAILYARD_RECLAIM', reason: 'must be on or off' });
    return {};
  }
  if (mode === 'off') return { off: 'RAILYARD_RECLAIM is off' };
  if (!present(env, 'POD_NAME')) return { off: 'POD_NAME is not set' };
  return { config: { host: workerHost(env.POD_NAME!), intervalMs, graceMs, pingMs, waitTimeoutS } };
}
