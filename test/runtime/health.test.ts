// The health server with real children: listening before any child (property
// 3), /health and /ready semantics, answers within 1 s whatever the database
// does (property 8), crash loops, racecar's liveness file, bind failures.
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthResponse, type ChildState } from '../../src/runtime/health.js';
import { freePort } from '../support/mariadb.js';
import { NODE, assertLogLines, baseEnv, httpGet, program, sleep, startRuntime, type Running } from './support.js';

const id = { process_target: 'worker-primary', pod_name: 'pod-1', namespace: 'ns-test' };

/** A TCP listener that accepts and never says a word: a black-holed database. */
async function blackHole(): Promise<{ port: number; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server, sockets };
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    let v: T | Error;
    try {
      v = await f();
      if (ok(v)) return v;
    } catch (e) {
      v = e as Error; // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms: ${v instanceof Error ? v.message : JSON.stringify(v)}`);
    await sleep(50);
  }
}

describe('health server with real children', () => {
  it('is listening before any child is spawned (property 3)', async () => {
    const port = await freePort();
    const rt = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(port), CHECK_PORT: String(port), DELAYED_JOB_POOLS: '--pool=a:2 --pool=*:1' }));
    const ready = await until(async () => rt.lines.filter((l) => l.ready === true), (r) => r.length === 3);
    for (const r of ready) expect(r.health_port_accepting).toBe(true);
    const listening = rt.lines.findIndex((l) => String(l.message).startsWith('health server listening'));
    const firstStart = rt.lines.findIndex((l) => String(l.message).startsWith('started'));
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(listening).toBeLessThan(firstStart);
    rt.kill('SIGTERM');
    await rt.exited;
  });

  it('/health reports every child; /ready turns 503 the moment SIGTERM arrives', async () => {
    const port = await freePort();
    const rt = await startRuntime(['kafka-status', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(port), TERM_DELAY_MS: '1500' }));
    const { pid } = await rt.waitFor((l) => l.ready === true);
    const h = await httpGet(port, '/health');
    expect(h.body).toMatchObject({ status: 'healthy' });
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'healthy', process_target: 'kafka-status', pod_name: 'pod-1', namespace: 'ns-test' });
    expect(h.body.timestamp).toMatch(/Z$/);
    expect(h.body.children).toEqual([{ pool: 'main', slot: 0, pid, state: 'running', restarts: 0 }]);
    expect((await httpGet(port, '/ready')).status).toBe(200);
    rt.kill('SIGTERM');
    await rt.waitFor((l) => l.signal === 'SIGTERM');
    const r = await httpGet(port, '/ready');
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('not_ready');
    expect((await httpGet(port, '/health')).status).toBe(200);
    expect((await httpGet(port, '/nope')).status).toBe(404);
    expect((await rt.exited).code).toBe(0);
  });

  it('503 "process not found" when every slot of a pool is down; crash loop marks the slot unhealthy', async () => {
    const port = await freePort();
    const report = join(mkdtempSync(join(tmpdir(), 'railyard-crash-')), 'crashes.jsonl');
    // crash.cjs exits at once in pool b's slot (QUEUES=b) and idles in pool a's.
    const rt = await startRuntime(['worker', '--', NODE, program('crash.cjs')], baseEnv({ HEALTH_PORT: String(port), DELAYED_JOB_POOLS: '--pool=a:1 --pool=b:1', CRASH_QUEUES: 'b', EXIT_CODE: '2', REPORT_FILE: report, DATABASE_URL: undefined, DATABASE_HOST: '127.0.0.1', DATABASE_PORT: String(await freePort()), DATABASE_USERNAME: 'x', DATABASE_NAME: 'y', RAILYARD_CRASH_LOOP_RESTARTS: '3' }));
    const first = await until(() => httpGet(port, '/health'), (h) => String(h.body.error).includes('process not found'));
    expect(first.status).toBe(503);
    const loop = await until(() => httpGet(port, '/health'), (h) => String(h.body.error).includes('crash loop'));
    const b = (loop.body.children as ChildState[] & { state: string }[]).find((c) => c.pool === 'b')! as unknown as { state: string; restarts: number };
    expect(b.state === 'crash-loop' || b.restarts >= 3).toBe(true);
    // Backoff between restarts grows: 50, 100, 200, 400, 400 ms (base 50, cap 400).
    const restarts = rt.lines.filter((l) => String(l.message).startsWith('pool b slot 0 exited'));
    const delays = restarts.map((l) => Number(/restarting in (\d+) ms/.exec(String(l.message))![1]));
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400].slice(0, Math.min(4, delays.length)));
    expect(restarts.every((l) => /code 2\b/.test(String(l.message))), JSON.stringify(restarts.map((l) => l.message))).toBe(true);
    // The crashes themselves, as the child recorded them: one new pid each time,
    // spaced at least by the announced backoff (the supervisor really waited).
    const crashes = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; at_ms: number });
    expect(crashes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(crashes.map((c) => c.pid)).size).toBe(crashes.length);
    for (let i = 1; i < Math.min(crashes.length, delays.length + 1); i++) expect(crashes[i]!.at_ms - crashes[i - 1]!.at_ms).toBeGreaterThanOrEqual(delays[i - 1]!);
    // Pool a's slot was never restarted.
    expect(rt.lines.some((l) => String(l.message).startsWith('pool a slot 0 exited'))).toBe(false);
    rt.kill('SIGTERM');
    expect((await rt.exited).code).toBe(1);
    assertLogLines(rt.raw);
  });

  it('consumers: racecar\'s liveness file must be fresh', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'railyard-live-'));
    const file = join(dir, 'racecar-liveness');
    const rt = await startRuntime(['kafka-docs', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(port), RACECAR_LIVENESS_PROBE_FILE_PATH: file, RACECAR_LIVENESS_PROBE_ENABLED: 'true', RACECAR_LIVENESS_PROBE_MAX_INTERVAL: '1' }));
    await rt.waitFor((l) => l.ready === true);
    const missing = await httpGet(port, '/health');
    expect(missing.status).toBe(503);
    expect(String(missing.body.error)).toContain('liveness file missing');
    writeFileSync(file, '');
    expect((await httpGet(port, '/health')).status).toBe(200);
    const old = (Date.now() - 5000) / 1000;
    utimesSync(file, old, old);
    const stale = await httpGet(port, '/health');
    expect(stale.status).toBe(503);
    expect(String(stale.body.error)).toContain('not touched');
    rt.kill('SIGTERM');
    await rt.exited;
  });

  it('a port that cannot be bound is logged, and the child runs anyway', async () => {
    const hole = await blackHole();
    const rt = await startRuntime(['kafka-x', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(hole.port), RAILYARD_HEALTH_HOST: '127.0.0.1' }));
    await rt.waitFor((l) => l.ready === true);
    expect(rt.lines.some((l) => l.level === 'error' && String(l.message).includes('EADDRINUSE'))).toBe(true);
    rt.kill('SIGTERM');
    expect((await rt.exited).code).toBe(0);
    hole.server.close();
  });
});

describe('database black-holed or down', () => {
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let rt: Running;
  let port: number;
  beforeAll(async () => {
    hole = await blackHole();
    port = await freePort();
    rt = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(port), DELAYED_JOB_POOLS: '--pool=*:1', DATABASE_URL: `mysql2://app:pw-black@127.0.0.1:${hole.port}/app` }));
    await rt.waitFor((l) => l.ready === true);
  });
  afterAll(async () => {
    rt?.kill('SIGTERM');
    await rt?.exited;
    for (const s of hole?.sockets ?? []) s.destroy();
    hole?.server.close();
  });

  it('/health answers 503 within 1 s while the DB accepts and never replies', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => httpGet(port, '/health', 5000)));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.ms).toBeLessThan(1000);
      expect(String(a.body.error)).toContain('database');
    }
    // After mysql2's 2 s connect timeout the cached result names it.
    const later = await until(() => httpGet(port, '/health'), (h) => String(h.body.error).includes('ETIMEDOUT') || String(h.body.error).includes('timed out'), 8000);
    expect(later.ms).toBeLessThan(1000);
    expect(JSON.stringify(later.body)).not.toContain('pw-black');
  });

  it('every request is answered within 1 s, whatever the path and concurrency (property 8)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ path: fc.constantFrom('/health', '/ready', '/health?x=1', '/missing'), parallel: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 3 }),
        async (reqs) => {
          for (const r of reqs) {
            const answers = await Promise.all(Array.from({ length: r.parallel }, () => httpGet(port, r.path, 5000)));
            for (const a of answers) {
              expect(a.ms).toBeLessThan(1000);
              expect([200, 404, 503]).toContain(a.status);
              if (r.path.startsWith('/health')) expect(a.status).toBe(503);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('a refused connection (DB down) is a fast 503', async () => {
    const closed = await freePort();
    const p = await freePort();
    const down = await startRuntime(['worker', '--', NODE, program('signals.cjs')], baseEnv({ HEALTH_PORT: String(p), DELAYED_JOB_POOLS: '--pool=*:1', DATABASE_URL: `mysql2://app:pw@127.0.0.1:${closed}/app` }));
    await down.waitFor((l) => l.ready === true);
    const h = await httpGet(p, '/health');
    expect(h.status).toBe(503);
    expect(String(h.body.error)).toContain('ECONNREFUSED');
    expect(h.ms).toBeLessThan(1000);
    down.kill('SIGTERM');
    await down.exited;
  });
});

// ---------------------------------------------------------------- the decision itself

const childState: fc.Arbitrary<ChildState> = fc.record({
  pool: fc.constantFrom('a', 'b,c', '*'),
  slot: fc.nat({ max: 3 }),
  pid: fc.option(fc.integer({ min: 2, max: 99999 }), { nil: undefined }),
  status: fc.constantFrom('waiting', 'running', 'backoff', 'stopping', 'exited'),
  restarts: fc.nat({ max: 20 }),
  crashLoop: fc.boolean(),
});
const dbState = fc.oneof(fc.constant(undefined), fc.constant('timeout' as const), fc.record({ ok: fc.boolean(), error: fc.option(fc.string(), { nil: undefined }), at: fc.constant(0) }));

describe('health decisions (over generated states)', () => {
  it('/health is 503 exactly when a pool is down, a slot crash-loops, the DB fails or racecar is stale', () => {
    fc.assert(
      fc.property(fc.constantFrom('worker', 'consumer') as fc.Arbitrary<'worker' | 'consumer'>, fc.array(childState, { minLength: 1, maxLength: 6 }), dbState, fc.option(fc.boolean(), { nil: undefined }), (kind, children, db, live) => {
        const r = healthResponse(id, { kind, children, db, liveness: live === undefined ? undefined : { ok: live } }, new Date(0));
        const pools = new Set(children.map((c) => c.pool));
        const poolDown = [...pools].some((p) => children.filter((c) => c.pool === p).every((c) => c.status !== 'running' && c.status !== 'stopping'));
        const dbBad = db === 'timeout' || (db !== undefined && !db.ok);
        const bad = poolDown || children.some((c) => c.crashLoop) || dbBad || live === false;
        expect(r.code).toBe(bad ? 503 : 200);
        expect(r.body.status).toBe(bad ? 'unhealthy' : 'healthy');
        expect(String(r.body.error ?? '').includes('process not found')).toBe(poolDown);
        for (const f of ['process_target', 'pod_name', 'namespace', 'timestamp']) expect(typeof r.body[f]).toBe('string');
      }),
      { numRuns: 100 },
    );
  });

});
