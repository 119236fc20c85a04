// Evidence for what README.md and docs/RUNTIME.md say about the design
// document's `bin/delayed_job run $DELAYED_JOB_POOLS` (delayed_job #1106,
// #992), on delayed_job 4.1.9 with the real Rails fixture app and a real
// MariaDB. With `run --pool=a --pool=b`:
//   - one process, no fork: it works queue a and only queue a; b's jobs
//     stay pending however long it runs (a job on a released meanwhile is
//     worked, so the process is alive and polling, just not b);
//   - the first SIGTERM does not stop it: it ends pool a's worker and starts
//     pool b's, in the same process; only then are b's jobs worked;
//   - the second SIGTERM, with no pool left, ends the process.
// bin/delayed_job is the file `rails generate delayed_job` writes, taken
// from the installed gem's generator template (the fixture has none).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { childrenOf, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from './fixture-app.ts';

const execFileAsync = promisify(execFile);

const POD = 'worker-primary-5c8d-pools';
const TARGET = 'worker';
// delayed_job's default sleep_delay is 5 s: a worker on b, had one started,
// would have polled b at once and again every 5 s within this window.
const WINDOW_MS = 9_000;

interface JobRun {
  label: string;
  queue: string;
  pid: number;
  worker_queues: string;
  started_at: Date;
  finished_at: Date | null;
}

let db: MariaDb;
let rails: RailsApp;
let appDir: string;
let delayedJobVersion: string;
const running: Proc[] = [];

beforeAll(async () => {
  db = await startMariaDb();
  rails = await prepareRailsApp(db, { processTarget: TARGET, podName: POD });
  appDir = realpathSync(rails.dir);
  await rails.rake(['db:migrate']);
  // The bundled delayed_job and its generator's template for bin/delayed_job.
  const { stdout } = await execFileAsync(
    'bundle',
    ['exec', 'ruby', '-rjson', '-e', 'spec = Gem.loaded_specs.fetch("delayed_job"); print JSON.generate(version: spec.version.to_s, dir: spec.gem_dir)'],
    { cwd: rails.dir, env: rails.env(), timeout: 60_000 },
  );
  const spec = JSON.parse(stdout) as { version: string; dir: string };
  delayedJobVersion = spec.version;
  const script = readFileSync(join(spec.dir, 'lib/generators/delayed_job/templates/script'), 'utf8');
  // The generator renders it as ERB; it has no ERB tags, so it is written as is.
  expect(script).not.toContain('<%');
  expect(script).toContain('Delayed::Command.new(ARGV).daemonize');
  mkdirSync(join(rails.dir, 'bin'), { recursive: true });
  writeFileSync(join(rails.dir, 'bin/delayed_job'), script);
  chmodSync(join(rails.dir, 'bin/delayed_job'), 0o755);
}, 180_000);

afterAll(async () => {
  for (const p of running) await p.killHard();
  await db?.destroy();
  rails?.cleanup();
});

const runs = (labels: string[]) =>
  db.query<JobRun>(`SELECT label, queue, pid, worker_queues, started_at, finished_at FROM ${db.database}.job_runs WHERE label IN (?) ORDER BY id`, [labels]);
const pending = (queue: string) =>
  db.query<{ handler: string; locked_by: string | null; attempts: number; last_error: string | null }>(
    `SELECT handler, locked_by, attempts, last_error FROM ${db.database}.delayed_jobs WHERE queue = ? ORDER BY id`,
    [queue],
  );

/** Every process on the machine whose working directory is the app (delayed_job's `run` chdirs there; so would a forked or daemonized worker). */
function appProcesses(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) === appDir) pids.push(Number(name));
    } catch {
      /* exited while we looked, or not ours to read */
    }
  }
  return pids;
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c.pid, ...descendants(c.pid)]);
}

/** The one process is all there is: no children, and nothing else running in the app dir. */
function expectOneProcess(proc: Proc, when: string): void {
  expect(proc.exited(), `${when}: bin/delayed_job exited: ${proc.stderr().slice(-2000)}`).toBe(false);
  expect(descendants(proc.pid), `${when}: children of bin/delayed_job`).toEqual([]);
  expect(appProcesses(), `${when}: processes in the app dir`).toEqual([proc.pid]);
}

/** delayed_job's "Starting job worker" lines: the worker name holds the daemons process name (delayed_job.<index>) and the pid. */
const workerStarts = (proc: Proc) =>
  proc.lines.flatMap((l, index) => {
    if (!l.includes('Starting job worker')) return [];
    const m = /Worker\((delayed_job\.\d+) host:\S+ pid:(\d+)\)/.exec(l);
    return [{ index, name: m?.[1], pid: Number(m?.[2]) }];
  });

describe('bin/delayed_job run with two --pool options (delayed_job #1106, #992)', () => {
  it('runs one process that works pool a only; b starts in that process after a SIGTERM; a second SIGTERM ends it', async () => {
    expect(delayedJobVersion).toBe('4.1.9');

    // a3 waits (run_at far ahead) until the window, to show the worker
    // still polls a while b is ignored.
    await rails.rake(['fixture:enqueue'], { JOBS: 'a:a1,b:b1,a:a2,b:b2,a:a3' });
    await db.query(`UPDATE ${db.database}.delayed_jobs SET run_at = '2099-01-01 00:00:00' WHERE queue = 'a' AND handler LIKE '%label: a3%'`);
    expect((await pending('a')).length).toBe(3);
    expect((await pending('b')).length).toBe(2);

    const started = Date.now();
    // As the document runs it: `bin/delayed_job run $DELAYED_JOB_POOLS`, in
    // the foreground; the database password only in env.
    const proc = startProc(join(rails.dir, 'bin/delayed_job'), ['run', '--pool=a', '--pool=b'], { cwd: rails.dir, env: rails.env() });
    running.push(proc);
    try {
      const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
      expect(argv).not.toContain(db.password);

      // Pool a works its jobs, in this very process.
      const aDone = await waitFor(
        "a's jobs to be worked",
        async () => {
          if (proc.exited()) throw new Error(`bin/delayed_job exited: ${proc.lines.slice(-20).join('\n')}\n${proc.stderr().slice(-3000)}`);
          const r = await runs(['a1', 'a2']);
          return r.length === 2 && r.every((x) => x.finished_at !== null) ? r : undefined;
        },
        60_000,
        250,
      );
      const aDoneAt = Date.now();
      console.log(`[timing] delayed_job pools: start to a1,a2 worked: ${aDoneAt - started} ms`);
      for (const r of aDone) expect(r).toMatchObject({ queue: 'a', pid: proc.pid });
      expectOneProcess(proc, 'after a was worked');

      // The window: a3 is released and worked; b1, b2 are never touched.
      await db.query(`UPDATE ${db.database}.delayed_jobs SET run_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE queue = 'a'`);
      let a3At: number | undefined;
      while (Date.now() - aDoneAt < WINDOW_MS) {
        expectOneProcess(proc, `${Date.now() - aDoneAt} ms after a was worked`);
        if (a3At === undefined) {
          const [a3] = await runs(['a3']);
          if (a3?.finished_at) {
            a3At = Date.now();
            expect(a3).toMatchObject({ queue: 'a', pid: proc.pid });
          }
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(a3At, 'a3, released in the window, was not worked: the worker is not polling').toBeDefined();
      console.log(`[timing] delayed_job pools: a3 worked ${a3At! - aDoneAt} ms into the window`);
      // Right before the SIGTERM: nothing of b has run, been locked or tried.
      expect(await runs(['b1', 'b2'])).toEqual([]);
      expect((await pending('b')).map((j) => ({ locked_by: j.locked_by, attempts: j.attempts, last_error: j.last_error }))).toEqual([
        { locked_by: null, attempts: 0, last_error: null },
        { locked_by: null, attempts: 0, last_error: null },
      ]);
      expect(await pending('a')).toEqual([]);
      // One worker so far: pool a's (delayed_job.0), in this process.
      expect(workerStarts(proc).map((s) => ({ name: s.name, pid: s.pid }))).toEqual([{ name: 'delayed_job.0', pid: proc.pid }]);

      // First SIGTERM: the process does not exit, pool b's worker starts in it.
      const linesAtTerm = proc.lines.length;
      const termAt = Date.now();
      proc.child.kill('SIGTERM');
      const bDone = await waitFor(
        "b's jobs to be worked after the SIGTERM",
        async () => {
          if (proc.exited()) throw new Error(`bin/delayed_job exited after the first SIGTERM: ${JSON.stringify(await proc.exit)}\n${proc.lines.slice(-20).join('\n')}`);
          const r = await runs(['b1', 'b2']);
          return r.length === 2 && r.every((x) => x.finished_at !== null) ? r : undefined;
        },
        30_000,
        250,
      );
      console.log(`[timing] delayed_job pools: first SIGTERM to b1,b2 worked: ${Date.now() - termAt} ms (b pending ${termAt - aDoneAt} ms after a was done)`);
      for (const r of bDone) expect(r).toMatchObject({ queue: 'b', pid: proc.pid });
      expect(await pending('b')).toEqual([]);
      expectOneProcess(proc, 'after the first SIGTERM');
      const starts = workerStarts(proc);
      expect(starts.map((s) => ({ name: s.name, pid: s.pid }))).toEqual([
        { name: 'delayed_job.0', pid: proc.pid },
        { name: 'delayed_job.1', pid: proc.pid },
      ]);
      expect(starts[1]!.index, 'pool b started before the SIGTERM').toBeGreaterThanOrEqual(linesAtTerm);

      // Second SIGTERM: no pool left, the process ends.
      const term2At = Date.now();
      proc.child.kill('SIGTERM');
      const exit = await Promise.race([proc.exit, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
      console.log(`[timing] delayed_job pools: second SIGTERM to exit: ${Date.now() - term2At} ms, ${JSON.stringify(exit)}`);
      expect(exit, proc.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
      expect(appProcesses()).toEqual([]);
      expect(proc.lines.join('\n') + proc.stderr()).not.toContain(db.password);
    } finally {
      await proc.killHard();
    }
  }, 120_000);
});
