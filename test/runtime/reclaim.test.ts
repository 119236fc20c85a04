// The pure half of reclaiming dead workers' delayed_job locks
// (src/runtime/reclaim.ts): names, the exact SQL, when a host is due, and
// the RAILYARD_RECLAIM* settings. The SQL against a real MariaDB, and the
// runtime holding its lock, are in reclaim-db.test.ts; real delayed_job
// workers in test/rails/reclaim.test.ts.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/runtime/config.js';
import {
  dueHosts,
  freeLocksSql,
  getLockSql,
  hostOf,
  likeEscape,
  lockedWorkersSql,
  lockName,
  MAX_LOCK_NAME,
  nextScanDelay,
  pingSql,
  releaseLockSql,
  sessionSql,
  unlockHostSql,
  unlockWorkerSql,
  workerHost,
  workerName,
} from '../../src/runtime/reclaim.js';
import { baseEnv } from './support.js';

const RUNS = { numRuns: 200 };

describe('names', () => {
  it('a pod name that is a DNS name and fits the lock name is the host as it is', () => {
    expect(workerHost('worker-secondary-7d9c8b5f4-xk2lp')).toBe('worker-secondary-7d9c8b5f4-xk2lp');
    expect(lockName('worker-secondary-7d9c8b5f4-xk2lp')).toBe('railyard-worker:worker-secondary-7d9c8b5f4-xk2lp');
    expect(workerName('worker-secondary-7d9c8b5f4-xk2lp', 31)).toBe('railyard host:worker-secondary-7d9c8b5f4-xk2lp pid:31');
    const longest = 'w'.repeat(48);
    expect(workerHost(longest)).toBe(longest);
    expect(lockName(longest)).toHaveLength(MAX_LOCK_NAME);
  });

  it('a longer name, or one that is no DNS name, is shortened with 16 hex digits of its SHA-256 after "_"', () => {
    const long = 'worker-secondary-with-a-rather-long-deployment-name-7d9c8b5f4-xk2lp';
    const hash = createHash('sha256').update(long).digest('hex').slice(0, 16);
    expect(workerHost(long)).toBe(`worker-secondary-with-a-rather-_${hash}`);
    expect(lockName(workerHost(long))).toHaveLength(MAX_LOCK_NAME);
    expect(workerHost('Pod A%')).toMatch(/^pod-a-_[0-9a-f]{16}$/);
    expect(workerHost('')).toMatch(/^_[0-9a-f]{16}$/);
  });

  it('hosts are distinct for distinct pod names, fit the lock name, and hold no space, no LIKE wildcard but "_"', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), (a, b) => {
        const ha = workerHost(a);
        expect(lockName(ha).length).toBeLessThanOrEqual(MAX_LOCK_NAME);
        expect(ha).toMatch(/^[a-z0-9._-]*$/);
        if (a !== b) expect(ha).not.toBe(workerHost(b));
        expect(hostOf(workerName(ha, 12345))).toBe(ha);
      }),
      RUNS,
    );
  });

  it('hostOf reads only what a railyard worker writes', () => {
    expect(hostOf('railyard host:pod-a pid:7')).toBe('pod-a');
    expect(hostOf('railyard host:x_0123456789abcdef pid:7')).toBe('x_0123456789abcdef');
    for (const other of ['host:pod-a pid:7', 'delayed_job.0 host:pod-a pid:7', 'railyard host:pod-a pid:', 'railyard host:pod-a pid:7x', 'railyard host:Pod-A pid:7', 'railyard host:pod a pid:7', 'railyard host:pod-a pid:1 pid:2', 'pid:7']) {
      expect(hostOf(other), other).toBeUndefined();
    }
  });

  it('likeEscape escapes the wildcards and the escape character', () => {
    expect(likeEscape('a_b%c!d')).toBe('a!_b!%c!!d');
    expect(likeEscape('plain-name.1')).toBe('plain-name.1');
  });
});

describe('SQL', () => {
  it('the lock session and the lock', () => {
    expect(sessionSql(60)).toEqual({ sql: 'SET SESSION wait_timeout = ?, SESSION innodb_lock_wait_timeout = ?', values: [60, 10] });
    expect(getLockSql('railyard-worker:pod-a')).toEqual({ sql: 'SELECT GET_LOCK(?, 0) AS got, IS_USED_LOCK(?) AS holder', values: ['railyard-worker:pod-a', 'railyard-worker:pod-a'] });
    expect(releaseLockSql('railyard-worker:pod-a')).toEqual({ sql: 'SELECT RELEASE_LOCK(?) AS released', values: ['railyard-worker:pod-a'] });
    expect(pingSql('railyard-worker:pod-a')).toEqual({ sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS held', values: ['railyard-worker:pod-a'] });
    expect(freeLocksSql(['railyard-worker:a', 'railyard-worker:b'])).toEqual({ sql: 'SELECT IS_FREE_LOCK(?) AS f0, IS_FREE_LOCK(?) AS f1', values: ['railyard-worker:a', 'railyard-worker:b'] });
    expect(() => freeLocksSql([])).toThrow();
  });

  it('freeing a host, a worker, and finding the hosts with locked jobs', () => {
    expect(unlockHostSql('pod-a')).toEqual({
      sql: "UPDATE delayed_jobs SET locked_by = NULL, locked_at = NULL WHERE locked_by LIKE BINARY ? ESCAPE '!' AND failed_at IS NULL",
      values: ['railyard host:pod-a pid:%'],
    });
    expect(unlockHostSql('pod_0123456789abcdef').values).toEqual(['railyard host:pod!_0123456789abcdef pid:%']);
    expect(unlockWorkerSql('pod-a', 42)).toEqual({
      sql: 'UPDATE delayed_jobs SET locked_by = NULL, locked_at = NULL WHERE locked_by = BINARY ? AND failed_at IS NULL',
      values: ['railyard host:pod-a pid:42'],
    });
    expect(lockedWorkersSql()).toEqual({
      sql: "SELECT DISTINCT locked_by FROM delayed_jobs WHERE locked_by LIKE BINARY ? ESCAPE '!' AND locked_at IS NOT NULL AND failed_at IS NULL",
      values: ['railyard host:%'],
    });
  });
});

describe('when a host is due', () => {
  it('after its lock was seen free for the grace, counted from the first sighting', () => {
    let r = dueHosts(new Map(), ['a', 'b'], 1000, 10_000);
    expect(r.due).toEqual([]);
    expect([...r.seen]).toEqual([['a', 1000], ['b', 1000]]);
    // b was seen held meanwhile (not in free): it starts over.
    r = dueHosts(r.seen, ['a'], 6000, 10_000);
    expect([...r.seen]).toEqual([['a', 1000]]);
    r = dueHosts(r.seen, ['a', 'b'], 11_000, 10_000);
    expect(r.due).toEqual(['a']);
    expect(r.seen.get('b')).toBe(11_000);
    expect(dueHosts(new Map(), ['a'], 5, 0).due).toEqual(['a']);
  });

  it('the next scan comes at the interval, or when a host comes due before it', () => {
    expect(nextScanDelay(new Map(), 0, 15_000, 10_000)).toBe(15_000);
    expect(nextScanDelay(new Map([['a', 1000]]), 3000, 15_000, 10_000)).toBe(8000);
    expect(nextScanDelay(new Map([['a', 1000]]), 30_000, 15_000, 10_000)).toBe(0);
    expect(nextScanDelay(new Map([['a', 1000]]), 3000, 5000, 10_000)).toBe(5000);
  });

  it('a host seen free is reclaimed at most interval + grace after the first scan that sees it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 60_000 }), fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 0, max: 1e9 }), (interval, grace, t0) => {
        // Scans as the liveness loop schedules them, with the host free throughout.
        let seen = new Map<string, number>();
        let now = t0;
        for (let i = 0; i < 1000; i++) {
          const r = dueHosts(seen, ['dead'], now, grace);
          if (r.due.length > 0) return now - t0 <= grace + interval && now - t0 >= grace;
          seen = r.seen;
          now += nextScanDelay(seen, now, interval, grace);
        }
        return false;
      }),
      RUNS,
    );
  });
});

describe('RAILYARD_RECLAIM settings', () => {
  const worker = (extra: Record<string, string | undefined>) => loadRunConfig(['worker'], baseEnv({ DELAYED_JOB_POOLS: '--pool=*:1', RAILYARD_RECLAIM: undefined, ...extra }));

  it('on by default for workers, with the documented timings and the pod name as host', () => {
    const r = worker({ POD_NAME: 'worker-primary-5c8d-xyz12' });
    expect(r.config!.reclaim).toEqual({ host: 'worker-primary-5c8d-xyz12', intervalMs: 15_000, graceMs: 10_000, pingMs: 20_000, waitTimeoutS: 60 });
    expect(r.config!.reclaimOff).toBeUndefined();
  });

  it('off when asked or without POD_NAME (with the reason), and never for other kinds', () => {
    expect(worker({ RAILYARD_RECLAIM: 'off' }).config).toMatchObject({ reclaim: undefined, reclaimOff: 'RAILYARD_RECLAIM is off' });
    expect(worker({ POD_NAME: undefined }).config).toMatchObject({ reclaim: undefined, reclaimOff: 'POD_NAME is not set' });
    const web = loadRunConfig(['server', '--', 'puma'], baseEnv({ RAILYARD_RECLAIM: 'on' }));
    expect(web.config!.reclaim).toBeUndefined();
    expect(web.config!.reclaimOff).toBeUndefined();
  });

  it('timings from env; bad values are named', () => {
    const r = worker({ RAILYARD_RECLAIM: 'on', RAILYARD_RECLAIM_INTERVAL_MS: '1000', RAILYARD_RECLAIM_GRACE_MS: '0', RAILYARD_LOCK_PING_MS: '2000', RAILYARD_LOCK_WAIT_TIMEOUT: '5' });
    expect(r.config!.reclaim).toMatchObject({ intervalMs: 1000, graceMs: 0, pingMs: 2000, waitTimeoutS: 5 });
    const bad = worker({ RAILYARD_RECLAIM: 'maybe', RAILYARD_RECLAIM_INTERVAL_MS: '50', RAILYARD_LOCK_WAIT_TIMEOUT: '1.5' });
    expect(bad.config).toBeUndefined();
    expect(bad.invalid.map((p) => p.var).sort()).toEqual(['RAILYARD_LOCK_WAIT_TIMEOUT', 'RAILYARD_RECLAIM', 'RAILYARD_RECLAIM_INTERVAL_MS']);
    // A ping less often than half the session timeout could let the server end the session.
    expect(worker({ RAILYARD_LOCK_PING_MS: '30000', RAILYARD_LOCK_WAIT_TIMEOUT: '60' }).invalid).toEqual([]);
    expect(worker({ RAILYARD_LOCK_PING_MS: '30001', RAILYARD_LOCK_WAIT_TIMEOUT: '60' }).invalid.map((p) => p.var)).toEqual(['RAILYARD_LOCK_PING_MS']);
  });
});
