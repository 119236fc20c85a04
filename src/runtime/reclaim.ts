// Reclaiming the delayed_job jobs of hard-killed workers: the names and the
// SQL, as small pure functions (src/runtime/liveness.ts does the I/O).
//
// delayed_job locks a job by writing its worker's name to `locked_by` (and the
// time to `locked_at`) and leaves it locked for max_run_time (4 h) when the
// worker dies without running its ensure blocks (SIGKILL, the OOM killer,
// `kubectl delete --force`). Liveness comes from the database itself: each
// worker runtime holds the MariaDB named lock `railyard-worker:<host>` on a
// session of its own for as long as it lives, and the server frees it when
// that session ends. Its slots are told (RAILYARD_WORKER_HOST) to name
// themselves `railyard host:<host> pid:<pid>` (config/initializers/delayed_job.rb),
// which is delayed_job's own format with the name prefix "railyard ". So a
// job whose locked_by carries the prefix belongs to a worker whose runtime
// held the named lock when it started, and the lock being free means that
// runtime, and with it the worker, is gone. Locks written by any other worker
// (no prefix: an older release, a worker outside railyard) are never touched.
import { createHash } from 'node:crypto';

export const LOCK_PREFIX = 'railyard-worker:';
export const NAME_PREFIX = 'railyard host:';
export const JOBS_TABLE = 'delayed_jobs';
/**
 * Set by the runtime for a slot it starts while holding its liveness lock:
 * config/initializers/delayed_job.rb then names the worker
 * `railyard host:<value> pid:<pid>`. Never inherited from the pod's env.
 */
export const WORKER_HOST_ENV = 'RAILYARD_WORKER_HOST';
/** MariaDB refuses longer named-lock names ("Identifier name … is too long"). */
export const MAX_LOCK_NAME = 64;
export const MAX_HOST = MAX_LOCK_NAME - LOCK_PREFIX.length;
/** The escape character of every LIKE pattern here; '!' needs no backslash rules. */
export const LIKE_ESCAPE = '!';

const DNS_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/**
 * The host part of this pod's worker names and of its lock name. A pod name
 * (a DNS subdomain name; a Deployment's pods have at most 63 characters) is
 * used as it is when it fits the lock name. Anything else, longer or not a DNS
 * name, becomes a readable part of it, "_" and 16 hex digits of its SHA-256:
 * "_" never occurs in a DNS name, so a hashed host never equals a plain one,
 * and no host holds a space, so " pid:" ends the host in a worker name.
 */
export function workerHost(podName: string): string {
  if (podName.length <= MAX_HOST && DNS_NAME.test(podName)) return podName;
  const hash = createHash('sha256').update(podName, 'utf8').digest('hex').slice(0, 16);
  const readable = podName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, MAX_HOST - 17);
  return `${readable}_${hash}`;
}

/** The named lock a worker runtime of `host` holds while it lives. */
export function lockName(host: string): string {
  return LOCK_PREFIX + host;
}

/** The `locked_by` a worker slot of `host` with process id `pid` writes. */
export function workerName(host: string, pid: number): string {
  return `${NAME_PREFIX}${host} pid:${pid}`;
}

/** The host of a `locked_by` written under a railyard runtime, or undefined for any other. */
export function hostOf(lockedBy: string): string | undefined {
  if (!lockedBy.startsWith(NAME_PREFIX)) return undefined;
  const m = / pid:[0-9]+$/.exec(lockedBy);
  if (!m) return undefined;
  const host = lockedBy.slice(NAME_PREFIX.length, m.index);
  // Only what workerHost can produce: anything else was not written by us.
  return host.length <= MAX_HOST && /^[a-z0-9._-]+$/.test(host) ? host : undefined;
}

/** `s` as a LIKE pattern that matches exactly `s` (with ESCAPE '!'). */
export function likeEscape(s: string): string {
  return s.replace(/[!%_]/g, (c) => LIKE_ESCAPE + c);
}

/** A statement and its values, for mysql2's `query({ sql, values })`. */
export interface Sql {
  sql: string;
  values: unknown[];
}

/**
 * Session settings of the lock connection. wait_timeout: a session the server
 * hears nothing from for this long is ended and its lock freed (a node that
 * vanished sends no FIN; the runtime pings well within it).
 * innodb_lock_wait_timeout: an UPDATE here gives up rather than queue for 50 s.
 */
export function sessionSql(waitTimeoutS: number): Sql {
  return { sql: 'SET SESSION wait_timeout = ?, SESSION innodb_lock_wait_timeout = ?', values: [waitTimeoutS, 10] };
}

/** Takes a named lock without waiting: 1 taken (or already ours), 0 held by another session. */
export function getLockSql(name: string): Sql {
  return { sql: 'SELECT GET_LOCK(?, 0) AS got, IS_USED_LOCK(?) AS holder', values: [name, name] };
}

export function releaseLockSql(name: string): Sql {
  return { sql: 'SELECT RELEASE_LOCK(?) AS released', values: [name] };
}

/** The keep-alive: also says whether this session still holds its lock. */
export function pingSql(name: string): Sql {
  return { sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS held', values: [name] };
}

const UNLOCK = `UPDATE ${JOBS_TABLE} SET locked_by = NULL, locked_at = NULL`;

/**
 * Frees every job locked by a worker of `host`. LIKE BINARY: byte for byte,
 * whatever the column's collation (delayed_jobs.locked_by is usually case-
 * and accent-insensitive). Run only by the holder of the host's named lock.
 */
export function unlockHostSql(host: string): Sql {
  return {
    sql: `${UNLOCK} WHERE locked_by LIKE BINARY ? ESCAPE '${LIKE_ESCAPE}' AND failed_at IS NULL`,
    values: [`${likeEscape(`${NAME_PREFIX}${host} pid:`)}%`],
  };
}

/** Frees the jobs locked by exactly one worker process (a slot that exited). */
export function unlockWorkerSql(host: string, pid: number): Sql {
  return { sql: `${UNLOCK} WHERE locked_by = BINARY ? AND failed_at IS NULL`, values: [workerName(host, pid)] };
}

/** The distinct `locked_by` values of locked, unfailed jobs written under a railyard runtime. */
export function lockedWorkersSql(): Sql {
  return {
    sql: `SELECT DISTINCT locked_by FROM ${JOBS_TABLE} WHERE locked_by LIKE BINARY ? ESCAPE '${LIKE_ESCAPE}' AND locked_at IS NOT NULL AND failed_at IS NULL`,
    values: [`${likeEscape(NAME_PREFIX)}%`],
  };
}

/** Whether each named lock is free (1) or held (0), as columns f0, f1, …. */
export function freeLocksSql(names: readonly string[]): Sql {
  if (names.length === 0) throw new Error('freeLocksSql: no names');
  return { sql: `SELECT ${names.map((_, i) => `IS_FREE_LOCK(?) AS f${i}`).join(', ')}`, values: [...names] };
}

/**
 * Which hosts are due for a reclaim. A host must be seen with its lock free
 * for `graceMs` on one session of ours: after a database restart every lock
 * is free until its runtime has reconnected, and a runtime whose connection
 * dropped for a moment takes its lock again within a second or two. `seen`
 * maps a host to when its lock was first seen free (since last seen held);
 * hosts not in `free` are dropped from it.
 */
export function dueHosts(seen: ReadonlyMap<string, number>, free: Iterable<string>, now: number, graceMs: number): { seen: Map<string, number>; due: string[] } {
  const next = new Map<string, number>();
  const due: string[] = [];
  for (const host of free) {
    const since = seen.get(host) ?? now;
    next.set(host, since);
    if (now - since >= graceMs) due.push(host);
  }
  return { seen: next, due: due.sort() };
}

/** When to scan next: the interval, or sooner when a host seen free comes due before it. */
export function nextScanDelay(seen: ReadonlyMap<string, number>, now: number, intervalMs: number, graceMs: number): number {
  let delay = intervalMs;
  for (const since of seen.values()) delay = Math.min(delay, Math.max(0, since + graceMs - now));
  return delay;
}
