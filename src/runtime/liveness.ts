// The worker runtime's liveness lock and the reclaim of dead workers' jobs:
// the I/O around src/runtime/reclaim.ts (names, SQL, when a host is due).
//
// One mysql2 connection of its own (not the health check's): it holds
// GET_LOCK('railyard-worker:<host>') from start to exit, pings every
// pingMs within its session wait_timeout, and runs every statement below.
//
//   start    take the lock (waiting for it: slots start only once it is held),
//            then free the jobs this pod's earlier container left locked
//   a slot exits while the runtime is not stopping
//            free the jobs of exactly that worker (host + pid) before its restart
//   every intervalMs
//            hosts with locked jobs whose lock is free for graceMs on this
//            session: take their lock, free their jobs, release it
//   exit     all slots are gone: free what is still locked in our name, end the session
import type { DbTarget, ReclaimConfig } from './config.js';
import { connectionOptions, describe } from './db.js';
import {
  dueHosts,
  freeLocksSql,
  getLockSql,
  hostOf,
  lockedWorkersSql,
  lockName,
  nextScanDelay,
  pingSql,
  releaseLockSql,
  sessionSql,
  unlockHostSql,
  unlockWorkerSql,
  WORKER_HOST_ENV,
  type Sql,
} from './reclaim.js';


export interface LivenessOptions {
  db: DbTarget;
  config: ReclaimConfig;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  /** Takes secrets out of driver messages. */
  scrub(s: string): string;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** Between attempts to (re)connect or take a held lock. */
  retryMs?: number;
}

type Conn = {
  query(opts: { sql: string; values: unknown[]; timeout?: number }, cb: (err: (Error & { code?: string; fatal?: boolean }) | null, rows: unknown) => void): void;
  destroy(): void;
  end(cb?: () => void): void;
  on(event: string, cb: (e?: Error) => void): void;
};

const FREE_LOCKS_CHUNK = 100;

export type Liveness = ReturnType<typeof createLiveness>;

export function createLiveness(opts: LivenessOptions) {
  const { config, log } = opts;
  const host = config.host;
  const ownLock = lockName(host);
  const connectTimeout = opts.connectTimeoutMs ?? 2000;
  const queryTimeout = opts.queryTimeoutMs ?? 30_000;
  const retryMs = opts.retryMs ?? 1000;

  let conn: Conn | undefined;
  let connecting: Promise<Conn> | undefined;
  /** Set once the lock was first taken: from then on slots are named after it. */
  let started = false;
  let held = false;
  let closed = false;
  /** When each host's lock was first seen free, on the current session. */
  let seen = new Map<string, number>();
  /** Exited workers whose jobs could not be freed yet (the database was away). */
  const pending = new Set<number>();
  let scanTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let scanning = false;
  let scanFailing = false;
  let lostLogged = false;
  let heldElsewhere = false;

  const lost = (c: Conn, why: string) => {
    if (conn !== c) return;
    conn = undefined;
    seen = new Map();
    c.destroy();
    if (held && !closed) {
      log('warn', `lost the liveness lock ${ownLock} (${why}); taking it again`, { lock: ownLock });
      lostLogged = true;
    }
    held = false;
    if (started && !closed) scheduleRetry();
  };

  const connect = (): Promise<Conn> => {
    if (conn) return Promise.resolve(conn);
    connecting ??= (async () => {
      try {
        // Loaded on first use, as in the DB check.
        const mysql = await import('mysql2');
        const createConnection = (mysql.default ?? mysql).createConnection;
        const c = createConnection(connectionOptions(opts.db, connectTimeout)) as unknown as Conn;
        c.on('error', (e) => lost(c, e ? opts.scrub(describe(e)) : 'error'));
        c.on('end', () => lost(c, 'connection closed'));
        conn = c;
        try {
          await query(sessionSql(config.waitTimeoutS), c);
        } catch (e) {
          lost(c, opts.scrub(describe(e as Error)));
          throw e;
        }
        return c;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  /** One statement on the lock connection; a fatal error or a timeout drops the connection. */
  const query = <T = Record<string, unknown>[]>(sql: Sql, c: Conn | undefined = conn): Promise<T> =>
    new Promise((resolve, reject) => {
      if (!c) return reject(new Error('not connected'));
      let done = false;
      const guard = setTimeout(() => {
        if (done) return;
        done = true;
        lost(c, 'query timed out');
        reject(Object.assign(new Error('query timed out'), { code: 'ETIMEDOUT' }));
      }, connectTimeout + queryTimeout + 100);
      c.query({ sql: sql.sql, values: sql.values, timeout: queryTimeout }, (err, rows) => {
        if (done) return;
        done = true;
        clearTimeout(guard);
        if (err) {
          if (err.fatal) lost(c, opts.scrub(describe(err)));
          reject(err);
        } else resolve(rows as T);
      });
    });

  const one = async (sql: Sql): Promise<Record<string, unknown>> => ((await query<Record<string, unknown>[]>(sql))[0] ?? {});
  const affected = async (sql: Sql): Promise<number> => Number((await query<{ affectedRows?: number }>(sql)).affectedRows ?? 0);

  /** Connects if needed and takes the lock; true when this session holds it. */
  const takeLock = async (): Promise<{ got: boolean; holder?: unknown }> => {
    // GET_LOCK on a lock the session holds nests it (RELEASE_LOCK would then not free it).
    if (held && conn) return { got: true };
    await connect();
    const r = await one(getLockSql(ownLock));
    held = Number(r.got) === 1;
    return { got: held, holder: r.holder };
  };

  const freeExited = async (pid: number): Promise<void> => {
    const n = await affected(unlockWorkerSql(host, pid));
    pending.delete(pid);
    if (n > 0) log('warn', `freed ${n} job lock(s) of worker pid ${pid}, which exited while working`, { reclaimed_jobs: n, host, worker_pid: pid, cause: 'worker exited' });
  };

  const scheduleRetry = () => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void retake();
    }, retryMs);
    retryTimer.unref();
  };

  /** After a lost connection: the lock again, without touching our live slots' jobs. */
  const retake = async () => {
    if (closed || held) return;
    try {
      const r = await takeLock();
      if (!r.got) {
        // Once, not once a retry.
        if (!heldElsewhere) log('error', `the liveness lock ${ownLock} is held by another database session (connection ${String(r.holder)}): is another pod named like this one?`, { lock: ownLock });
        heldElsewhere = true;
        return scheduleRetry();
      }
      if (lostLogged || heldElsewhere) log('info', `took the liveness lock ${ownLock} again`, { lock: ownLock });
      lostLogged = false;
      heldElsewhere = false;
      for (const pid of [...pending]) await freeExited(pid);
    } catch {
      scheduleRetry();
    }
  };

  const scan = async () => {
    if (closed || scanning) return;
    scanning = true;
    try {
      if (!conn) return;
      for (const pid of [...pending]) await freeExited(pid);
      const rows = await query<{ locked_by: unknown }[]>(lockedWorkersSql());
      const hosts = [...new Set(rows.map((r) => hostOf(String(r.locked_by))))].filter((h): h is string => h !== undefined && h !== host);
      const free: string[] = [];
      for (let i = 0; i < hosts.length; i += FREE_LOCKS_CHUNK) {
        const chunk = hosts.slice(i, i + FREE_LOCKS_CHUNK);
        const r = await one(freeLocksSql(chunk.map(lockName)));
        chunk.forEach((h, j) => {
          if (Number(r[`f${j}`]) === 1) free.push(h);
        });
      }
      const next = dueHosts(seen, free, Date.now(), config.graceMs);
      seen = next.seen;
      for (const dead of next.due) {
        // Its lock, while we free its jobs: a runtime of that pod starting now
        // waits for it, and its slots start only after it has it.
        const name = lockName(dead);
        const got = Number((await one(getLockSql(name))).got) === 1;
        seen.delete(dead);
        if (!got) continue;
        try {
          const n = await affected(unlockHostSql(dead));
          if (n > 0) log('warn', `freed ${n} job lock(s) of worker pod ${dead}, whose liveness lock was free for ${config.graceMs} ms`, { reclaimed_jobs: n, host: dead, cause: 'pod gone' });
        } finally {
          await one(releaseLockSql(name));
        }
      }
      if (scanFailing) log('info', 'reclaim scans work again');
      scanFailing = false;
    } catch (e) {
      // Once per streak: a database that is away fails every scan until it is back.
      if (!scanFailing) log('warn', `reclaim scan failed: ${opts.scrub(describe(e as Error))}`);
      scanFailing = true;
    } finally {
      scanning = false;
      if (!closed) {
        scanTimer = setTimeout(() => void scan(), nextScanDelay(seen, Date.now(), config.intervalMs, config.graceMs));
        scanTimer.unref();
      }
    }
  };

  const ping = async () => {
    if (closed) return;
    try {
      if (!conn) return;
      const r = await one(pingSql(ownLock));
      if (Number(r.held) !== 1) {
        held = false;
        await retake();
      }
    } catch {
      // lost() has scheduled the retry.
    }
  };

  return {
    host,
    lock: ownLock,
    /**
     * Takes the lock, waiting for it (the slots must not start before), then
     * frees the jobs an earlier container of this pod left locked. Resolves
     * false when `signal` aborts first.
     */
    async acquire(signal: AbortSignal): Promise<boolean> {
      let warned = false;
      while (!signal.aborted) {
        try {
          const r = await takeLock();
          if (r.got) {
            try {
              const n = await affected(unlockHostSql(host));
              if (n > 0) log('warn', `freed ${n} job lock(s) left by an earlier container of this pod`, { reclaimed_jobs: n, host, cause: 'earlier container' });
            } catch (e) {
              // The lock went with the connection: take it again first.
              if (!held) throw e;
              // Anything else (no delayed_jobs table yet) must not keep the workers from starting.
              log('warn', `cannot free the job locks of an earlier container of this pod (${opts.scrub(describe(e as Error))}); starting the workers anyway`);
            }
            break;
          }
          if (!warned) log('warn', `waiting for the liveness lock ${ownLock}: another database session holds it (connection ${String(r.holder)}); worker slots start once it is free`, { lock: ownLock });
        } catch (e) {
          if (!warned) log('warn', `cannot take the liveness lock ${ownLock} (${opts.scrub(describe(e as Error))}); worker slots start once it is taken`, { lock: ownLock });
        }
        warned = true;
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, retryMs);
          function done() {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done);
        });
      }
      if (signal.aborted) return false;
      started = true;
      if (warned) log('info', `took the liveness lock ${ownLock}`, { lock: ownLock });
      pingTimer = setInterval(() => void ping(), config.pingMs);
      pingTimer.unref();
      void scan();
      return true;
    },
    /** Env for a slot about to start: its worker name carries our host once the lock was taken. */
    slotEnv(): Record<string, string> | undefined {
      return started && !closed ? { [WORKER_HOST_ENV]: host } : undefined;
    },
    /** A new slot has this pid: an exited worker's pid reused is no longer dead. */
    slotStarted(pid: number) {
      pending.delete(pid);
    },
    /** A slot exited while the runtime is not stopping: free exactly its jobs. Never rejects. */
    async slotExited(pid: number, env: Record<string, string> | undefined): Promise<void> {
      if (env?.[WORKER_HOST_ENV] !== host || closed) return;
      pending.add(pid);
      const attempt = freeExited(pid).catch((e: Error) => {
        log('warn', `cannot free the jobs of exited worker pid ${pid} yet (${opts.scrub(describe(e))}); trying again once the database answers`, { worker_pid: pid });
        if (!conn) scheduleRetry();
      });
      // The slot's restart waits for this; a database that hangs must not hold it for long.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([attempt, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    },
    /**
     * Every slot has exited: frees what is still locked in our name (a slot
     * SIGKILLed at the stop deadline), releases the lock, ends the session.
     */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(pingTimer);
      clearTimeout(scanTimer);
      clearTimeout(retryTimer);
      const last = async () => {
        if (!held || !conn) return;
        const n = await affected(unlockHostSql(host));
        if (n > 0) log('warn', `freed ${n} job lock(s) of workers that did not stop cleanly`, { reclaimed_jobs: n, host, cause: 'stopped' });
        await one(releaseLockSql(ownLock));
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        // The exit must not wait on a database that does not answer.
        await Promise.race([last(), new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      } catch {
        // The session ends below; the server frees the lock with it.
      } finally {
        clearTimeout(timer);
        held = false;
        const c = conn;
        conn = undefined;
        if (c) {
          await new Promise<void>((r) => {
            const t = setTimeout(() => (c.destroy(), r()), 1000);
            try {
              c.end(() => (clearTimeout(t), r()));
            } catch {
              clearTimeout(t);
              c.destroy();
              r();
            }
          });
        }
      }
    },
  };
}
