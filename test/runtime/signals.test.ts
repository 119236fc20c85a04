// Real signals sent to the runtime running as a child process of the test:
// forwarding, the stop deadline, process groups and exit codes (property 7).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, exitCodeOf } from '../../src/runtime/supervisor.js';
import { freePort } from '../support/mariadb.js';
import { NODE, alive, assertLogLines, baseEnv, program, sleep, startRuntime, type Running } from './support.js';

const signalsCmd = ['--', NODE, program('signals.cjs')];
const nowNs = () => process.hrtime.bigint();

/** Waits until `n` children printed their ready line; returns their pids. */
async function readyPids(rt: Running, n: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = rt.lines.filter((l) => l.ready === true);
    if (ready.length >= n) return ready.map((l) => l.pid as number);
    if (Date.now() > deadline) throw new Error(`only ${ready.length}/${n} children ready:\n${rt.raw.join('\n')}`);
    await sleep(10);
  }
}

const received = (rt: Running, sig: string) => rt.lines.filter((l) => l.signal === sig);

describe('forwarding', () => {
  it('SIGTERM reaches the main child within 1 s and its exit code becomes the runtime\'s', async () => {
    const rt = await startRuntime(['web', ...signalsCmd], baseEnv({ EXIT_CODE: '7' }));
    await readyPids(rt, 1);
    const sent = nowNs();
    rt.kill('SIGTERM');
    const got = await rt.waitFor((l) => l.signal === 'SIGTERM');
    expect(Number(BigInt(got.at_ns as string) - sent) / 1e6).toBeLessThan(1000);
    expect((await rt.exited).code).toBe(7);
    assertLogLines(rt.raw);
  });

  it('HUP, USR1, USR2 and QUIT go to the main child and the runtime keeps running', async () => {
    const rt = await startRuntime(['kafka-test', ...signalsCmd], baseEnv());
    await readyPids(rt, 1);
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const) {
      rt.kill(sig);
      await rt.waitFor((l) => l.signal === sig, 3000);
    }
    // SIGUSR1 would otherwise open Node's inspector in the runtime.
    expect(rt.stderr()).not.toContain('Debugger');
    expect(rt.proc.exitCode).toBeNull();
    rt.kill('SIGINT');
    await rt.waitFor((l) => l.signal === 'SIGINT');
    expect((await rt.exited).code).toBe(0);
  });

  it('SIGTERM goes to every pool slot at once; the runtime exits 0 when every slot exits cleanly', async () => {
    // QUEUE/QUEUES inherited from the pod must not reach the slots: each gets its pool's.
    const rt = await startRuntime(['worker', ...signalsCmd], baseEnv({ DELAYED_JOB_POOLS: '--pool=a:1 --pool=b,c:2 --pool=*:1', TERM_DELAY_MS: '300', QUEUES: 'leaked', QUEUE: 'leaked' }));
    const pids = await readyPids(rt, 4);
    expect(rt.lines.filter((l) => l.ready === true).map((l) => `${l.pool}:${l.slot}:${l.queues}`).sort()).toEqual(['*:0:null', 'a:0:a', 'b,c:0:b,c', 'b,c:1:b,c']);
    expect(rt.lines.filter((l) => l.ready === true).every((l) => l.queue === null)).toBe(true);
    const sent = nowNs();
    rt.kill('SIGTERM');
    const { code } = await rt.exited;
    const terms = received(rt, 'SIGTERM');
    expect(terms.map((t) => t.pid).sort()).toEqual([...pids].sort());
    for (const t of terms) expect(Number(BigInt(t.at_ns as string) - sent) / 1e6).toBeLessThan(1000);
    expect(code).toBe(0);
    // Each slot finished its "job" (the delay) before exiting.
    expect(rt.lines.filter((l) => l.exiting === 0)).toHaveLength(4);
    // No HEALTH_PORT for a worker is allowed, and said.
    expect(rt.lines.some((l) => l.level === 'warn' && String(l.message).startsWith('HEALTH_PORT is not set'))).toBe(true);
  });
});

describe('stop deadline and process groups', () => {
  it('SIGKILLs a child that ignores SIGTERM after RAILYARD_STOP_TIMEOUT: exit 137', async () => {
    const rt = await startRuntime(['web', '--', NODE, program('ignore-term.cjs')], baseEnv({ RAILYARD_STOP_TIMEOUT: '0.5' }));
    const { pid } = await rt.waitFor((l) => l.ready === true);
    const t0 = Date.now();
    rt.kill('SIGTERM');
    await rt.waitFor((l) => l.ignored === 'SIGTERM');
    const { code } = await rt.exited;
    const took = Date.now() - t0;
    expect(code).toBe(137);
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(3000);
    expect(alive(pid as number)).toBe(false);
  });

  it('workers: DELAYED_JOB_TIMEOUT is the deadline, and a killed slot makes the exit 1', async () => {
    const rt = await startRuntime(['worker', '--', NODE, program('ignore-term.cjs')], baseEnv({ DELAYED_JOB_POOLS: '--pool=*:2', DELAYED_JOB_TIMEOUT: '0.3', RAILYARD_STOP_TIMEOUT: '30' }));
    await readyPids(rt, 2);
    const t0 = Date.now();
    rt.kill('SIGTERM');
    const { code } = await rt.exited;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(code).toBe(1);
  });

  it('kills grandchildren with their group at the deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'railyard-gc-'));
    const report = join(dir, 'pids');
    const rt = await startRuntime(['web', '--', NODE, program('fork-grandchildren.cjs')], baseEnv({ GRANDCHILDREN: '3', IGNORE_TERM: '1', REPORT_FILE: report, RAILYARD_STOP_TIMEOUT: '0.3' }));
    const line = await rt.waitFor((l) => Array.isArray(l.grandchildren));
    const pids = [line.pid as number, ...(line.grandchildren as number[])];
    for (const p of pids) expect(alive(p)).toBe(true);
    rt.kill('SIGTERM');
    expect((await rt.exited).code).toBe(137);
    await sleep(100);
    for (const p of pids) expect(alive(p), `pid ${p}`).toBe(false);
  });

  it('kills grandchildren left behind by a child that exited on SIGTERM', async () => {
    const rt = await startRuntime(['web', '--', NODE, program('fork-grandchildren.cjs')], baseEnv({ GRANDCHILDREN: '2', RAILYARD_STOP_TIMEOUT: '10' }));
    const line = await rt.waitFor((l) => Array.isArray(l.grandchildren));
    const t0 = Date.now();
    rt.kill('SIGTERM');
    expect((await rt.exited).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    await sleep(100);
    for (const p of line.grandchildren as number[]) expect(alive(p), `pid ${p}`).toBe(false);
  });

  it('a main process killed by a signal gives 128+signal', async () => {
    const rt = await startRuntime(['web', '--', NODE, '-e', 'setTimeout(() => process.kill(process.pid, "SIGSEGV"), 50)'], baseEnv());
    expect((await rt.exited).code).toBe(139);
    expect(exitCodeOf(null, 'SIGTERM')).toBe(143);
    expect(exitCodeOf(3, null)).toBe(3);
  });

  it('a command that cannot be started: error line, exit 1', async () => {
    const rt = await startRuntime(['web', '--', '/nonexistent/puma'], baseEnv());
    expect((await rt.exited).code).toBe(1);
    expect(rt.lines.some((l) => l.level === 'error' && String(l.message).includes('ENOENT'))).toBe(true);
  });
});

describe('signal timings (properties 3 and 7 over generated pools and signal sequences, real processes)', () => {
  it('the health port accepts before any child starts; every forwarded signal kind arrives; SIGTERM reaches every child within 1 s; exit codes follow the rules', async () => {
    const latencies: number[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          slots: fc.integer({ min: 0, max: 3 }), // 0 = a consumer (one main child)
          seq: fc.array(fc.record({ sig: fc.constantFrom('SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'), gapMs: fc.integer({ min: 0, max: 15 }) }), { maxLength: 4 }),
          stop: fc.constantFrom('SIGTERM', 'SIGINT'),
          stopAfterMs: fc.integer({ min: 0, max: 20 }),
          code: fc.constantFrom(0, 0, 3),
        }),
        async (g) => {
          const worker = g.slots > 0;
          const port = await freePort();
          // Each child's first act is to connect to the health port (property 3).
          const env = baseEnv({ EXIT_CODE: String(g.code), HEALTH_PORT: String(port), CHECK_PORT: String(port), ...(worker ? { DELAYED_JOB_POOLS: `--pool=*:${g.slots}` } : {}) });
          const rt = await startRuntime([worker ? 'worker' : 'kafka-test', ...signalsCmd], env);
          try {
            const pids = await readyPids(rt, Math.max(1, g.slots));
            for (const r of rt.lines.filter((l) => l.ready === true)) expect(r.health_port_accepting).toBe(true);
            const sent = new Set<string>();
            for (const s of g.seq) {
              rt.kill(s.sig);
              sent.add(s.sig);
              if (s.gapMs) await sleep(s.gapMs);
            }
            // Standard signals coalesce: several of one kind may arrive as one, but none is lost.
            for (const sig of sent) for (const pid of pids) await rt.waitFor((l) => l.signal === sig && l.pid === pid, 3000);
            await sleep(g.stopAfterMs);
            const t0 = nowNs();
            rt.kill(g.stop);
            const { code } = await rt.exited;
            const stops = received(rt, g.stop);
            expect(new Set(stops.map((s) => s.pid))).toEqual(new Set(pids));
            for (const s of stops) {
              const ms = Number(BigInt(s.at_ns as string) - t0) / 1e6;
              latencies.push(ms);
              expect(ms).toBeLessThan(1000);
            }
            expect(code).toBe(worker ? (g.code === 0 ? 0 : 1) : g.code);
            assertLogLines(rt.raw);
          } finally {
            if (rt.proc.exitCode === null) rt.kill('SIGKILL');
          }
        },
      ),
      { numRuns: 100 },
    );
    latencies.sort((a, b) => a - b);
    console.log(`SIGTERM/SIGINT delivery over ${latencies.length} deliveries: p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(2)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(2)} ms`);
  }, 180_000);
});

describe('backoff', () => {
  it('doubles from the base to the cap and never exceeds it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 120_000 }), fc.integer({ min: 1, max: 200 }), (base, extra, n) => {
        const max = base + extra;
        const d = backoffDelay(n, base, max);
        expect(d).toBeLessThanOrEqual(max);
        expect(d).toBeGreaterThanOrEqual(Math.min(base, max));
        expect(backoffDelay(n + 1, base, max)).toBe(Math.min(max, d * 2));
      }),
      { numRuns: 100 },
    );
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, 1000, 60_000))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });
});
