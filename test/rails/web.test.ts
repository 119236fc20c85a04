// The web tier on a real Rails 6.1 app with the files renderRailsFiles()
// renders, against a real MariaDB: Puma on its own, then under
// `railyard run web -- bundle exec puma …`.
//   - liveness answers 200 with the database stopped or black-holed;
//     readiness answers 503 with JSON then, and 200 again once it is back
//     (design property 9);
//   - every line on stdout is a JSON object with timestamp, level,
//     process_target, pod_name, namespace and message (properties 4, 5);
//   - the database password appears nowhere in the output (property 6);
//   - SIGTERM ends Puma cleanly: a request in flight completes, exit 0;
//   - threads follow RAILS_MIN/MAX_THREADS and the ActiveRecord pool follows
//     DB_POOL, else RAILS_MAX_THREADS.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readinessTimeoutSeconds } from '../../src/render/rails/index.ts';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { RUNTIME, httpGet, parseJsonLines, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from './fixture-app.ts';

const POD = 'rails-server-7d9f-abcde';
// A cold Rails boot on a busy 2-core machine; generous, but bounded.
const BOOT_TIMEOUT_MS = 90_000;

let db: MariaDb;
let rails: RailsApp;
const running: Proc[] = [];

beforeAll(async () => {
  db = await startMariaDb();
  rails = await prepareRailsApp(db, { processTarget: 'server', podName: POD });
  await rails.rake(['db:migrate']);
}, 180_000);

afterAll(async () => {
  for (const p of running) await p.killHard();
  db?.resume();
  await db?.destroy();
  rails?.cleanup();
});

async function boot(command: string, args: string[], processTarget: string, extraEnv: Record<string, string | undefined> = {}): Promise<{ proc: Proc; base: string; bootMs: number }> {
  const port = await freePort();
  const started = Date.now();
  const proc = startProc(command, args, { cwd: rails.dir, env: rails.env({ PORT: String(port), PROCESS_TARGET: processTarget, ...extraEnv }) });
  running.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'liveness 200 after boot',
    async () => {
      if (proc.exited()) throw new Error(`exited during boot: ${proc.stderr().slice(-2000)}`);
      return (await httpGet(`${base}/health/liveness`, 2000)).status === 200 || undefined;
    },
    BOOT_TIMEOUT_MS,
    200,
  );
  return { proc, base, bootMs: Date.now() - started };
}

/** The probe sequence both ways of running Puma must pass. */
async function probeThroughOutages(base: string, processTarget: string): Promise<void> {
  const ready = await httpGet(`${base}/health/readiness`);
  expect(ready.status).toBe(200);
  expect(ready.json).toMatchObject({ status: 'ready', process_target: processTarget, pod_name: POD, namespace: 'ns-test' });
  expect(new Date(ready.json.timestamp as string).toISOString()).toBe(ready.json.timestamp);

  expect((await httpGet(`${base}/fixture/log`)).status).toBe(200);
  // A query on the app's own pooled connection, so there is one to lose.
  expect((await httpGet(`${base}/fixture/db_tls`)).status).toBe(200);

  // Database stopped: connection refused.
  await db.stop();
  try {
    const live = await httpGet(`${base}/health/liveness`);
    expect(live.status).toBe(200);
    expect(live.json).toMatchObject({ status: 'alive', process_target: processTarget, pod_name: POD, namespace: 'ns-test' });
    const notReady = await httpGet(`${base}/health/readiness`);
    expect(notReady.status).toBe(503);
    expect(notReady.json).toMatchObject({ status: 'not_ready', process_target: processTarget, pod_name: POD, namespace: 'ns-test' });
    expect(notReady.json.error).toMatch(/Can't connect|ConnectionError|Connection refused/);
    expect(notReady.body).not.toContain(db.password);
    expect(notReady.ms).toBeLessThan(3000);
  } finally {
    await db.start();
  }
  // Back without a restart: each probe connects anew, and the app's pooled
  // connections reconnect on checkout.
  await waitFor('readiness 200 after the database restarts', async () => (await httpGet(`${base}/health/readiness`)).status === 200 || undefined, 15_000);
  expect((await httpGet(`${base}/fixture/db_tls`)).status).toBe(200);

  // Database black-holed: TCP accepted, no answer. Readiness gives up in
  // time (connect + query each bounded by READINESS_TIMEOUT); liveness
  // does not wait at all.
  const bound = (2 * readinessTimeoutSeconds(rails.app) + 1) * 1000;
  db.pause();
  try {
    const live = await httpGet(`${base}/health/liveness`);
    expect(live.status).toBe(200);
    expect(live.ms).toBeLessThan(1000);
    const notReady = await httpGet(`${base}/health/readiness`, 10_000);
    expect(notReady.status).toBe(503);
    expect(notReady.json).toMatchObject({ status: 'not_ready' });
    expect(notReady.ms).toBeLessThan(bound);
  } finally {
    db.resume();
  }
  await waitFor('readiness 200 after the database answers again', async () => (await httpGet(`${base}/health/readiness`)).status === 200 || undefined, 15_000);
}

function checkLogs(proc: Proc, processTarget: string): Record<string, unknown>[] {
  const entries = parseJsonLines(proc.lines);
  for (const e of entries) expect(e).toMatchObject({ pod_name: POD, namespace: 'ns-test', process_target: processTarget });
  // Puma's own lines (config/puma.rb's log_formatter)…
  expect(entries.some((e) => String(e.message).includes('Puma starting in single mode'))).toBe(true);
  // …one lograge line per request, with its status…
  const requests = entries.filter((e) => e.path === '/health/readiness');
  expect(requests.map((e) => e.status)).toEqual(expect.arrayContaining([200, 503]));
  for (const r of requests) expect(r).toMatchObject({ method: 'GET', controller: 'HealthController', action: 'readiness', level: 'info' });
  // …and what the app logs itself, tags kept as a field.
  expect(entries.find((e) => e.message === 'plain message with "quotes" and a\nsecond line')).toMatchObject({ level: 'info' });
  expect(entries.find((e) => e.message === 'tagged message')).toMatchObject({ level: 'warn', tags: [expect.any(String), 'fixture-tag'] });
  expect(entries.find((e) => e.message === 'RuntimeError: an exception object')).toMatchObject({ level: 'error', error_class: 'RuntimeError' });
  expect(proc.lines.join('\n')).not.toContain(db.password);
  expect(proc.stderr()).not.toContain(db.password);
  return entries;
}

describe('Puma with the rendered Rails files', () => {
  it('liveness stays 200 through database outages, readiness follows the database; JSON logs; SIGTERM exits 0', async () => {
    // DB_POOL sizes the pool on its own; Puma keeps the model's 5 threads,
    // and stays one process although WEB_CONCURRENCY asks for workers.
    const { proc, base, bootMs } = await boot('bundle', ['exec', 'puma', '-C', 'config/puma.rb'], 'server', { DB_POOL: '7', WEB_CONCURRENCY: '3' });
    console.log(`[timing] puma boot to first liveness 200: ${bootMs} ms`);
    expect((await httpGet(`${base}/fixture/db_pool`)).json).toEqual({ size: 7 });
    expect(proc.lines.some((l) => l.includes('"*  Max threads: 5"'))).toBe(true);
    await probeThroughOutages(base, 'server');

    // SIGTERM with a 2 s request in flight: Puma stops accepting, finishes
    // it, and exits 0 (not 143: raise_exception_on_sigterm false).
    const inFlight = httpGet(`${base}/fixture/slow?seconds=2`, 20_000);
    await proc.waitForLine((l) => l.includes('"slow request started"'), 10_000);
    const stopStarted = Date.now();
    proc.child.kill('SIGTERM');
    const slow = await inFlight;
    const exit = await proc.exit;
    const stopMs = Date.now() - stopStarted;
    console.log(`[timing] puma SIGTERM (2 s request in flight) to exit: ${stopMs} ms`);
    expect(slow.status).toBe(200);
    expect(slow.json).toEqual({ slept: 2 });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeGreaterThanOrEqual(1000);
    checkLogs(proc, 'server');
    // Nothing but JSON on stdout, and the runtime was not there to wrap it.
    expect(proc.lines.every((l) => !l.includes('"stream"'))).toBe(true);
  }, 240_000);
});

describe('railyard run web -- bundle exec puma', () => {
  it('keeps liveness 200 with the database down while readiness is 503; every stdout line is JSON; SIGTERM exits 0', async () => {
    expect(existsSync(RUNTIME), `${RUNTIME} is missing: run \`npm run build\` (make test does)`).toBe(true);
    // In the Deployment the target argument and PROCESS_TARGET agree. Without
    // RAILS_LOG_TO_STDOUT, Rails opens log/production.log; the rendered
    // lograge.rb must move the logger to STDOUT anyway.
    // Threads from RAILS_MIN/MAX_THREADS, and the pool follows them when DB_POOL is unset.
    const { proc, base, bootMs } = await boot('node', [RUNTIME, 'run', 'web', '--', 'bundle', 'exec', 'puma', '-C', 'config/puma.rb'], 'web', {
      RAILS_LOG_TO_STDOUT: undefined,
      RAILS_MIN_THREADS: '1',
      RAILS_MAX_THREADS: '3',
    });
    console.log(`[timing] railyard run web: boot to first liveness 200: ${bootMs} ms`);
    expect((await httpGet(`${base}/fixture/db_pool`)).json).toEqual({ size: 3 });
    expect(proc.lines.some((l) => l.includes('"*  Min threads: 1"'))).toBe(true);
    expect(proc.lines.some((l) => l.includes('"*  Max threads: 3"'))).toBe(true);
    await probeThroughOutages(base, 'web');

    proc.child.kill('SIGTERM');
    expect(await proc.exit).toEqual({ code: 0, signal: null });
    const entries = checkLogs(proc, 'web');
    // Puma's stderr lines come through the runtime as JSON too.
    expect(entries.some((e) => e.stream === 'stderr' || e.stream === 'runtime')).toBe(true);
  }, 240_000);
});
