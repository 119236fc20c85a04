// The liveness lock and the reclaim SQL against a real MariaDB (Debian's
// mariadbd, started here), with the real runtime bundle and small child
// programs in place of delayed_job (test/rails/reclaim.test.ts has the real one):
//   - the LIKE escaping: for generated pod names, freeing one pod's jobs
//     never frees another's, nor a lock written by any other worker;
//   - slots start only once the runtime holds its lock: a second runtime
//     with the same POD_NAME waits (and /health says no process runs) until
//     the first is gone; SIGTERM while waiting exits 0 with nothing started;
//   - the slot env says RAILYARD_WORKER_HOST only under the lock;
//   - a database restart frees every named lock at once, a killed session
//     one: the live runtimes take theirs again within the grace and none of
//     their jobs is freed, while a dead pod's jobs are, after the grace.
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { likeEscape, lockName, unlockHostSql, unlockWorkerSql, workerHost, workerName } from '../../src/runtime/reclaim.js';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.js';
import { NODE, baseEnv, httpGet, sleep, startRuntime, type Running } from './support.js';

let db: MariaDb;
let conn: mysql.Connection;

// The table `rails generate delayed_job:active_record` creates (test/fixtures/rails-app),
// in a case-insensitive collation: the SQL must compare byte for byte anyway.
const CREATE = `CREATE TABLE delayed_jobs (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  priority int NOT NULL DEFAULT 0, attempts int NOT NULL DEFAULT 0,
  handler text NOT NULL, last_error text, run_at datetime, locked_at datetime, failed_at datetime,
  locked_by varchar(255), queue varchar(255), created_at datetime(6), updated_at datetime(6),
  KEY delayed_jobs_priority (priority, run_at)
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`;

beforeAll(async () => {
  db = await startMariaDb();
  await db.query(`CREATE TABLE ${db.database}.${CREATE.slice('CREATE TABLE '.length)}`);
  conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
});

afterAll(async () => {
  await conn?.end();
  await db?.destroy();
});

const dbEnv = (extra: Record<string, string | undefined> = {}) =>
  baseEnv({ DATABASE_URL: undefined, ...db.env, RAILYARD_RECLAIM: 'on', DELAYED_JOB_POOLS: '--pool=*:1', ...extra });

/** A slot that says what RAILYARD_WORKER_HOST it got and its pid, then waits for SIGTERM (exit 0). */
const REPORTER = [
  NODE,
  '-e',
  // The handler first: the test sends SIGTERM as soon as it sees the line.
  'process.on("SIGTERM", () => process.exit(0)); console.log(JSON.stringify({ worker_host: process.env.RAILYARD_WORKER_HOST ?? null, child_pid: process.pid })); setInterval(() => {}, 1 << 30);',
];

async function lockedRows(): Promise<{ id: number; locked_by: string | null }[]> {
  const [rows] = await conn.query('SELECT id, locked_by FROM delayed_jobs ORDER BY id');
  return rows as { id: number; locked_by: string | null }[];
}

async function insertLocked(names: string[]): Promise<void> {
  await conn.query('DELETE FROM delayed_jobs');
  for (const n of names) await conn.query("INSERT INTO delayed_jobs (handler, locked_by, locked_at, run_at) VALUES ('--- x', ?, NOW(), NOW())", [n]);
}

async function waitForCount(rt: Running, pred: (l: Record<string, unknown>) => boolean, n: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (rt.lines.filter(pred).length < n) {
    if (Date.now() > until) throw new Error(`fewer than ${n} matching lines within ${ms} ms:\n${rt.raw.slice(-20).join('\n')}`);
    await sleep(50);
  }
}

describe('the reclaim SQL on MariaDB', () => {
  it('freeing one pod never frees another pod\'s jobs, nor a lock no railyard runtime wrote (generated pod names)', async () => {
    // Names that stress the escaping: LIKE wildcards, the escape character,
    // case, prefixes of each other, " pid:", and hosts one '_' away from a hashed one.
    const tricky = fc.constantFrom('pod-a', 'POD-A', 'pod-a1', 'pod-', 'pod_a', 'pod%a', 'pod!a', 'pod-a pid:1', '%', '_', '!', '', ' ', 'ä', 'pod-a\\', "pod'a");
    const podName = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 80 }), fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,60}$/));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(podName, { minLength: 2, maxLength: 5 }), fc.integer({ min: 1, max: 4_194_304 }), fc.constantFrom('a', 'b', '0', '.', '-'), async (pods, pid, swap) => {
        const hosts = pods.map(workerHost);
        // A DNS-named pod whose host is a hashed host with its '_' swapped for another character.
        const near = hosts.find((h) => h.includes('_'))?.replace('_', swap);
        const all = near !== undefined && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(near) && !hosts.includes(near) ? [...hosts, near] : hosts;
        const foreign = all.flatMap((h) => [`host:${h} pid:${pid}`, `delayed_job.0 host:${h} pid:${pid}`, `railyard ${workerName(h, pid)}`]);
        const names = all.flatMap((h) => [workerName(h, pid), workerName(h, pid + 1)]);
        await insertLocked([...names, ...foreign]);
        const target = all[0]!;
        const { sql, values } = unlockHostSql(target);
        await conn.query(sql, values);
        const after = await lockedRows();
        const expected = [...names, ...foreign].map((n) => (n.startsWith(`railyard host:${target} pid:`) ? null : n));
        expect(after.map((r) => r.locked_by)).toEqual(expected);

        // One worker: exactly that row.
        await insertLocked(names);
        const one = unlockWorkerSql(all[1]!, pid);
        await conn.query(one.sql, one.values);
        expect((await lockedRows()).map((r) => r.locked_by)).toEqual(names.map((n) => (n === workerName(all[1]!, pid) ? null : n)));
      }),
      { numRuns: 100 },
    );
  });

  it('the escaping is what keeps a hashed host from matching its neighbour', async () => {
    const hashed = workerHost('x'.repeat(60));
    const neighbour = hashed.replace('_', '-');
    expect(workerHost(neighbour)).toBe(neighbour);
    const [[raw]] = (await conn.query('SELECT ? LIKE BINARY ? AS plain, ? LIKE BINARY ? ESCAPE \'!\' AS escaped_pattern', [
      workerName(neighbour, 1), `railyard host:${hashed} pid:%`,
      workerName(neighbour, 1), `${likeEscape(`railyard host:${hashed} pid:`)}%`,
    ])) as unknown as [{ plain: number; escaped_pattern: number }[]];
    expect(raw).toEqual({ plain: 1, escaped_pattern: 0 });
  });
});

describe('the runtime and its liveness lock', () => {
  it('slots start under the lock, named after it; a second runtime of the same pod waits until the first is gone', async () => {
    const port2 = await freePort();
    const first = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'dup-pod' }));
    const child1 = await first.waitFor((l) => 'child_pid' in l);
    expect(child1.worker_host).toBe('dup-pod');
    const [[holder]] = (await conn.query('SELECT IS_USED_LOCK(?) AS id', [lockName('dup-pod')])) as unknown as [{ id: number | null }[]];
    expect(holder!.id).not.toBeNull();

    const second = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'dup-pod', HEALTH_PORT: String(port2) }));
    const waiting = await second.waitFor((l) => String(l.message).startsWith('waiting for the liveness lock railyard-worker:dup-pod'));
    expect(waiting).toMatchObject({ level: 'warn', stream: 'runtime', lock: 'railyard-worker:dup-pod' });
    await sleep(1500);
    expect(second.lines.filter((l) => 'child_pid' in l)).toEqual([]);
    const health = await httpGet(port2, '/health');
    expect(health.status).toBe(503);
    expect(health.body.error).toContain('process not found');

    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const took = await second.waitFor((l) => l.message === 'took the liveness lock railyard-worker:dup-pod', 5000);
    const child2 = await second.waitFor((l) => 'child_pid' in l);
    expect(child2.worker_host).toBe('dup-pod');
    expect(second.lines.indexOf(child2)).toBeGreaterThan(second.lines.indexOf(took));
    second.kill('SIGTERM');
    expect(await second.exited, second.raw.join('\n')).toEqual({ code: 0, signal: null });
    // Released at exit, not left to the session's end.
    const [[after]] = (await conn.query('SELECT IS_FREE_LOCK(?) AS free', [lockName('dup-pod')])) as unknown as [{ free: number }[]];
    expect(after!.free).toBe(1);
  });

  it('SIGTERM while waiting for the lock: exit 0 at once, nothing started', async () => {
    const holder = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
    try {
      await holder.query('SELECT GET_LOCK(?, 0)', [lockName('held-pod')]);
      const rt = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'held-pod' }));
      await rt.waitFor((l) => String(l.message).startsWith('waiting for the liveness lock'));
      const t0 = Date.now();
      rt.kill('SIGTERM');
      expect(await rt.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(rt.lines.filter((l) => 'child_pid' in l)).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('a database that cannot be reached: the slots wait for it (and /health says so), SIGTERM still exits 0', async () => {
    const port = await freePort();
    const rt = await startRuntime(['worker', '--', ...REPORTER], baseEnv({ POD_NAME: 'no-db-pod', RAILYARD_RECLAIM: 'on', HEALTH_PORT: String(port), DELAYED_JOB_POOLS: '--pool=*:1' }));
    const warned = await rt.waitFor((l) => String(l.message).startsWith('cannot take the liveness lock railyard-worker:no-db-pod'));
    expect(warned.level).toBe('warn');
    expect(JSON.stringify(rt.lines)).not.toContain('pw-not-used');
    await sleep(1500);
    expect(rt.lines.filter((l) => 'child_pid' in l)).toEqual([]);
    // Logged once, not once a retry.
    expect(rt.lines.filter((l) => String(l.message).startsWith('cannot take the liveness lock'))).toHaveLength(1);
    const health = await httpGet(port, '/health');
    expect(health.status).toBe(503);
    expect(health.body.children).toEqual([{ pool: '*', slot: 0, pid: null, state: 'waiting', restarts: 0 }]);
    rt.kill('SIGTERM');
    expect(await rt.exited).toEqual({ code: 0, signal: null });
  });

  it('no delayed_jobs table (yet): the workers start anyway under the lock, and the failing scans are logged once', async () => {
    await db.query(`CREATE DATABASE IF NOT EXISTS nojobs`);
    for (const host of ['%', 'localhost']) await db.query(`GRANT ALL PRIVILEGES ON nojobs.* TO ?@?`, [db.user, host]);
    const rt = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'nojobs-pod', DATABASE_NAME: 'nojobs', RAILYARD_RECLAIM_INTERVAL_MS: '200' }));
    const child = await rt.waitFor((l) => 'child_pid' in l);
    expect(child.worker_host).toBe('nojobs-pod');
    expect(rt.lines.find((l) => String(l.message).startsWith('cannot free the job locks of an earlier container'))).toMatchObject({ level: 'warn' });
    await sleep(1500);
    expect(rt.lines.filter((l) => String(l.message).startsWith('reclaim scan failed'))).toHaveLength(1);
    rt.kill('SIGTERM');
    expect(await rt.exited).toEqual({ code: 0, signal: null });
  });

  it('its session ended and the lock taken by another session meanwhile: one error line, the lock taken again once free', async () => {
    const rt = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'steal-pod' }));
    await rt.waitFor((l) => 'child_pid' in l);
    const thief = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
    try {
      const [[s]] = (await thief.query('SELECT IS_USED_LOCK(?) AS id', [lockName('steal-pod')])) as unknown as [{ id: number }[]];
      await thief.query(`KILL CONNECTION ${Number(s!.id)}`);
      // The runtime retries a second after the loss; this is sooner.
      const [[got]] = (await thief.query('SELECT GET_LOCK(?, 5) AS got', [lockName('steal-pod')])) as unknown as [{ got: number }[]];
      expect(got!.got).toBe(1);
      await rt.waitFor((l) => String(l.message).startsWith('lost the liveness lock railyard-worker:steal-pod'));
      await rt.waitFor((l) => String(l.message).startsWith('the liveness lock railyard-worker:steal-pod is held by another database session'));
      await sleep(3000);
      expect(rt.lines.filter((l) => String(l.message).includes('is held by another database session'))).toHaveLength(1);
      await thief.query('SELECT RELEASE_LOCK(?)', [lockName('steal-pod')]);
      await rt.waitFor((l) => l.message === 'took the liveness lock railyard-worker:steal-pod again', 5000);
      // The slot ran on throughout.
      expect(rt.lines.filter((l) => String(l.message).includes('exited with'))).toEqual([]);
    } finally {
      await thief.end();
      rt.kill('SIGTERM');
      await rt.exited;
    }
  });

  it('RAILYARD_RECLAIM=off: a warning, no lock, and an inherited RAILYARD_WORKER_HOST does not reach the slots', async () => {
    const rt = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: 'off-pod', RAILYARD_RECLAIM: 'off', RAILYARD_WORKER_HOST: 'forged' }));
    const child = await rt.waitFor((l) => 'child_pid' in l);
    expect(child.worker_host).toBeNull();
    expect(rt.lines.find((l) => String(l.message).startsWith('RAILYARD_RECLAIM is off: no liveness lock'))).toMatchObject({ level: 'warn' });
    const [[r]] = (await conn.query('SELECT IS_FREE_LOCK(?) AS free', [lockName('off-pod')])) as unknown as [{ free: number }[]];
    expect(r!.free).toBe(1);
    rt.kill('SIGTERM');
    await rt.exited;
  });

  it('a database restart, a killed session: the live runtimes take their locks again and keep their jobs; a dead pod\'s jobs are freed after the grace', async () => {
    const GRACE_MS = 3000;
    const fast = { RAILYARD_RECLAIM_INTERVAL_MS: '300', RAILYARD_RECLAIM_GRACE_MS: String(GRACE_MS) };
    const rts: Running[] = [];
    try {
      const pids: number[] = [];
      for (const pod of ['live-x', 'live-y']) {
        const rt = await startRuntime(['worker', '--', ...REPORTER], dbEnv({ POD_NAME: pod, ...fast }));
        rts.push(rt);
        pids.push(Number((await rt.waitFor((l) => 'child_pid' in l)).child_pid));
      }
      // What their workers would have written, plus a dead pod's lock and two no runtime of ours wrote.
      const live = [workerName('live-x', pids[0]!), workerName('live-y', pids[1]!)];
      const others = ['host:gone-pod pid:7', 'delayed_job.0 host:gone-pod pid:7'];
      await insertLocked([...live, workerName('gone-pod', 7), ...others]);
      const t0 = Date.now();
      const freedAt = await (async () => {
        for (;;) {
          if ((await lockedRows())[2]!.locked_by === null) return Date.now();
          if (Date.now() - t0 > 10_000) throw new Error('gone-pod was not reclaimed');
          await sleep(50);
        }
      })();
      expect(freedAt - t0).toBeGreaterThanOrEqual(GRACE_MS - 100);
      expect((await lockedRows()).map((r) => r.locked_by)).toEqual([...live, null, ...others]);

      // Restart: every session ends, every named lock is free until its runtime is back.
      await conn.end();
      await db.stop();
      await sleep(1500);
      await db.start();
      conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
      for (const [i, rt] of rts.entries()) {
        await rt.waitFor((l) => l.message === `took the liveness lock railyard-worker:live-${'xy'[i]} again`, 10_000);
      }
      // Many scans (every 300 ms), for longer than the grace.
      await sleep(GRACE_MS * 2);
      expect((await lockedRows()).map((r) => r.locked_by)).toEqual([...live, null, ...others]);

      // One runtime's session ends alone (a network blip, a killed connection):
      // its lock is free until it takes it again, and the other scans meanwhile.
      const [[y]] = (await conn.query('SELECT IS_USED_LOCK(?) AS id', [lockName('live-y')])) as unknown as [{ id: number }[]];
      await conn.query(`KILL CONNECTION ${Number(y!.id)}`);
      await waitForCount(rts[1]!, (l) => l.message === 'took the liveness lock railyard-worker:live-y again', 2);
      await sleep(GRACE_MS * 2);
      expect((await lockedRows()).map((r) => r.locked_by)).toEqual([...live, null, ...others]);

      // One of them freed gone-pod's job (the other found nothing left); nobody freed a live one.
      expect(rts.flatMap((rt) => rt.lines.filter((l) => l.cause === 'pod gone'))).toEqual([expect.objectContaining({ host: 'gone-pod', reclaimed_jobs: 1 })]);
    } finally {
      for (const rt of rts) rt.kill('SIGTERM');
      await Promise.all(rts.map((rt) => rt.exited));
    }
  }, 60_000);
});
