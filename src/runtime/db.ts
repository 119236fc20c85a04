// The worker health check's database probe: mysql2 `SELECT 1`, 2 s to connect
// and 2 s to query, the result cached for 1 s so a probe storm costs the
// database one query a second. The connection is kept and reused: opening one
// per check blocked the event loop long enough to lift /health's p99 from 3 ms
// to 20 ms at 200 requests/s (bench/runtime.sh). A check that fails on a
// reused connection retries once on a fresh one, so a server restart or an
// idle timeout is never reported as the database being down.
//
// A result older than the cache second is never served: the probe that finds
// it expired starts the next check and waits for it (concurrent probes share
// that one check, and /health bounds the wait), so /health reports the
// database as it was at most about a second ago. Serving the last result while
// re-checking behind it was tried: it kept the check out of every probe's path
// but let an outage read healthy for up to 3 s more, and the /health p99 it was
// meant to lower turned out to come from the load generator (PERFORMANCE.md).
import type { DbTarget } from './config.js';

export interface DbResult {
  ok: boolean;
  /** Why it failed: mysql2's error code and message, with no credentials. */
  error?: string;
  /** When the check finished (ms since epoch). */
  at: number;
}

export interface DbCheckOptions {
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  cacheMs?: number;
}

/** mysql2 connection options for `target` (shared by the DB check and the liveness lock). */
export function connectionOptions(target: DbTarget, connectTimeout: number) {
  return {
    host: target.host,
    port: target.port,
    socketPath: target.socketPath,
    user: target.user,
    password: target.password,
    database: target.database,
    connectTimeout,
    // verifyIdentity: mysql2 checks the chain only, not the name, unless asked;
    // a certificate for another host signed by the same CA must not pass.
    ssl: target.ca ? { ca: target.ca, rejectUnauthorized: true, verifyIdentity: true } : undefined,
  };
}

/** A cached, de-duplicated DB check: concurrent callers share one connection attempt. */
export function createDbCheck(target: DbTarget, scrub: (s: string) => string, opts: DbCheckOptions = {}) {
  const connectTimeout = opts.connectTimeoutMs ?? 2000;
  const queryTimeout = opts.queryTimeoutMs ?? 2000;
  const cacheMs = opts.cacheMs ?? 1000;
  let last: DbResult | undefined;
  let inFlight: Promise<DbResult> | undefined;

  type Conn = { query: Function; destroy(): void; on(event: string, cb: (e: Error) => void): void; removeListener(event: string, cb: (e: Error) => void): void };
  let kept: Conn | undefined;

  const open = async (): Promise<Conn> => {
    // Loaded on first use: web and consumer pods never pay for the driver.
    const mysql = await import('mysql2');
    const createConnection = (mysql.default ?? mysql).createConnection;
    const conn = createConnection(connectionOptions(target, connectTimeout)) as unknown as Conn;
    // An error between checks (server gone, idle timeout) drops the connection.
    conn.on('error', () => {
      if (kept === conn) kept = undefined;
      conn.destroy();
    });
    return conn;
  };

  const selectOne = (conn: Conn): Promise<(Error & { code?: string }) | undefined> =>
    new Promise((resolve) => {
      let done = false;
      const finish = (err?: Error & { code?: string }) => {
        if (done) return;
        done = true;
        clearTimeout(guard);
        conn.removeListener('error', finish);
        resolve(err);
      };
      // A black-holed server may leave mysql2 waiting past its own timers; this
      // bounds the whole check regardless.
      const guard = setTimeout(() => finish(Object.assign(new Error('database check timed out'), { code: 'ETIMEDOUT' })), connectTimeout + queryTimeout + 100);
      conn.on('error', finish);
      conn.query({ sql: 'SELECT 1', timeout: queryTimeout }, (err: Error | null) => finish(err ?? undefined));
    });

  const attempt = async (conn: Conn): Promise<DbResult> => {
    const err = await selectOne(conn);
    if (!err) {
      kept = conn;
      return { ok: true, at: Date.now() };
    }
    if (kept === conn) kept = undefined;
    conn.destroy();
    return { ok: false, error: scrub(describe(err)), at: Date.now() };
  };

  const run = async (): Promise<DbResult> => {
    if (kept) {
      const reused = await attempt(kept);
      if (reused.ok) return reused;
    }
    return attempt(await open());
  };

  return {
    /** The cached result while under `cacheMs` old; else the running check, started if none is. */
    check(now = Date.now()): Promise<DbResult> {
      if (last && now - last.at < cacheMs) return Promise.resolve(last);
      inFlight ??= run().then((r) => {
        last = r;
        inFlight = undefined;
        return r;
      });
      return inFlight;
    },
    /** The last finished result, if any. */
    get last() {
      return last;
    },
  };
}

export function describe(err: Error & { code?: string }): string {
  const code = err.code && !err.message.includes(err.code) ? `${err.code}: ` : '';
  return `${code}${err.message}`;
}
