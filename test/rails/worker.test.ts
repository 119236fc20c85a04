// delayed_job workers under `railyard run worker` on the real Rails fixture
// app and a real MariaDB:
//   - DELAYED_JOB_POOLS="--pool=a:1 --pool=b,c:2" runs three `rake jobs:work`
//     processes, direct children of the runtime, and each job is worked by a
//     process of the pool that owns its queue (what `bin/delayed_job run`
//     gets wrong: delayed_job #1106, #992);
//   - the runtime's /health follows the database the workers use, and the
//     workers carry on after a database outage without being restarted;
//   - SIGTERM in the middle of a 5 s job lets the job finish; exit 0;
//   - every line on stdout is a JSON object with the required fields, and
//     the database password is nowhere in it.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { RUNTIME, childrenOf, httpGet, parseJsonLines, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from './fixture-app.ts';

const POD = 'worker-primary-5c8d-xyz12';
// `railyard run worker`, and PROCESS_TARGET agrees with it as in a Deployment.
const TARGET = 'worker';

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
const running: Proc[] = [];

beforeAll(async () => {
  db = await startMariaDb();
  rails = await prepareRailsApp(db, { processTarget: TARGET, podName: POD });
  await rails.rake(['db:migrate']);
}, 180_000);

afterAll(async () => {
  for (const p of running) await p.killHard();
  await db?.destroy();
  rails?.cleanup();
});

const runs = (labels: string[]) =>
  db.query<JobRun>(`SELECT label, queue, pid, worker_queues, started_at, finished_at FROM ${db.database}.job_runs WHERE label IN (?) ORDER BY id`, [labels]);
const pendingJobs = async () => (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${db.database}.delayed_jobs`))[0]!.n;

async function startWorker(pools: string): Promise<{ proc: Proc; healthPort: number }> {
  expect(existsSync(RUNTIME), `${RUNTIME} is missing: run \`npm run build\` (make test does)`).toBe(true);
  const healthPort = await freePort();
  const proc = startProc('node', [RUNTIME, 'run', 'worker'], {
    cwd: rails.dir,
    env: rails.env({
      DELAYED_JOB_POOLS: pools,
      HEALTH_PORT: String(healthPort),
      // delayed_job polls every 5 s by default; the tests need not wait that long.
      SLEEP_DELAY: '1',
      DELAYED_JOB_TIMEOUT: '60',
    }),
  });
  running.push(proc);
  return { proc, healthPort };
}

function checkLogs(proc: Proc): Record<string, unknown>[] {
  const entries = parseJsonLines(proc.lines);
  for (const e of entries) expect(e).toMatchObject({ process_target: TARGET, pod_name: POD, namespace: 'ns-test' });
  const all = proc.lines.join('\n') + proc.stderr();
  expect(all).not.toContain(db.password);
  return entries;
}

describe('railyard run worker with the Rails fixture app', () => {
  it('runs one rake jobs:work per pool slot, and each pool works only its own queues', async () => {
    const jobs = ['a:a1', 'b:b1', 'c:c1', 'a:a2', 'c:c2', 'b:b2', 'c:c3'];
    await rails.rake(['fixture:enqueue'], { JOBS: jobs.join(',') });
    const labels = jobs.map((j) => j.split(':')[1]!);

    const started = Date.now();
    const { proc, healthPort } = await startWorker('--pool=a:1 --pool=b,c:2');
    try {
      // Three Rails processes, each a direct child of the runtime, none daemonized.
      const workers = await waitFor(
        'three rake jobs:work children',
        () => {
          if (proc.exited()) throw new Error(`runtime exited: ${proc.lines.slice(-20).join('\n')}`);
          const kids = childrenOf(proc.pid).filter((c) => c.cmdline.includes('jobs:work'));
          return kids.length === 3 ? kids : undefined;
        },
        60_000,
      );

      const done = await waitFor(
        'every job finished',
        async () => {
          const r = await runs(labels);
          return r.length === labels.length && r.every((x) => x.finished_at !== null) ? r : undefined;
        },
        120_000,
        250,
      );
      console.log(`[timing] worker: start to ${labels.length} jobs done over 3 slots: ${Date.now() - started} ms`);

      const byLabel = new Map(done.map((r) => [r.label, r]));
      for (const label of labels) {
        const r = byLabel.get(label)!;
        expect(r.queue, label).toBe(label[0]);
        // QUEUES of the process that worked it: a's pool, or the b,c pool.
        expect(r.worker_queues, label).toBe(label.startsWith('a') ? 'a' : 'b,c');
      }
      const workerPids = new Set(workers.map((w) => w.pid));
      for (const r of done) expect(workerPids.has(r.pid), `${r.label} worked by pid ${r.pid}, not a child of the runtime`).toBe(true);
      // The a pool is one process; the b,c pool never lends it a job.
      expect(new Set(done.filter((r) => r.queue === 'a').map((r) => r.pid)).size).toBe(1);
      const aPid = done.find((r) => r.queue === 'a')!.pid;
      expect(done.filter((r) => r.queue !== 'a').every((r) => r.pid !== aPid)).toBe(true);
      expect(await pendingJobs()).toBe(0);

      // Every slot has booted and trapped SIGTERM (a Rails process killed
      // while it boots dies of the signal, which is no clean exit).
      await waitFor('each worker to log "Starting job worker"', () => {
        const pids = new Set(proc.lines.flatMap((l) => (l.includes('Starting job worker') ? [/pid:(\d+)/.exec(l)?.[1]] : [])));
        return [...workerPids].every((pid) => pids.has(String(pid))) || undefined;
      }, 60_000);

      const health = await httpGet(`http://127.0.0.1:${healthPort}/health`);
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ process_target: TARGET, pod_name: POD, namespace: 'ns-test' });

      // The runtime's /health checks the database the workers use, from the
      // same DATABASE_* env: 503 while it is stopped, 200 once it is back.
      await db.stop();
      try {
        const down = await waitFor('/health 503 with the database stopped', async () => {
          const r = await httpGet(`http://127.0.0.1:${healthPort}/health`, 2000);
          return r.status === 503 ? r : undefined;
        }, 10_000, 250);
        expect(down.ms).toBeLessThan(1000);
        expect(down.body).not.toContain(db.password);
      } finally {
        await db.start();
      }
      await waitFor('/health 200 with the database back', async () => (await httpGet(`http://127.0.0.1:${healthPort}/health`, 2000)).status === 200 || undefined, 10_000, 250);

      // The same worker processes work on once it is back: no restart
      // (config/initializers/delayed_job.rb's recover_from reconnects them).
      await rails.rake(['fixture:enqueue'], { JOBS: 'a:a3,b:b3,c:c3b' });
      const after = await waitFor(
        'the jobs enqueued after the outage to finish',
        async () => {
          const r = await runs(['a3', 'b3', 'c3b']);
          return r.length === 3 && r.every((x) => x.finished_at !== null) ? r : undefined;
        },
        60_000,
        250,
      );
      for (const r of after) expect(workerPids.has(r.pid), `${r.label} worked by pid ${r.pid}, not one of the original workers`).toBe(true);
      expect(childrenOf(proc.pid).filter((c) => c.cmdline.includes('jobs:work')).map((c) => c.pid).sort()).toEqual([...workerPids].sort());

      proc.child.kill('SIGTERM');
      expect(await proc.exit, proc.lines.filter((l) => l.includes('"runtime"') || /error|exit/i.test(l)).slice(-25).join('\n')).toEqual({ code: 0, signal: null });
      expect(childrenOf(proc.pid)).toEqual([]);
      const entries = checkLogs(proc);
      // delayed_job's own lines went through Rails.logger as JSON, once each
      // (not also through \`puts\`), with the runtime's pool and slot.
      const starts = entries.filter((e) => String(e.message).includes('Starting job worker'));
      expect(starts.map((e) => e.pid).sort()).toEqual([...workerPids].sort());
      expect(new Set(starts.map((e) => `${e.pool}/${e.slot}`))).toEqual(new Set(['a/0', 'b,c/0', 'b,c/1']));
    } finally {
      // A failed assertion must not leave workers to take the next test's jobs.
      await proc.killHard();
    }
  }, 240_000);

  it('lets a 5 s job finish after SIGTERM arrives mid-job, then exits 0', async () => {
    await rails.rake(['fixture:enqueue'], { JOBS: 'a:slow:5' });
    const { proc } = await startWorker('--pool=a:1');
    try {
      const running = await waitFor(
        'the slow job to start',
        async () => {
          if (proc.exited()) throw new Error(`runtime exited: ${proc.lines.slice(-20).join('\n')}`);
          const [r] = await runs(['slow']);
          return r;
        },
        90_000,
        100,
      );
      expect(running.finished_at).toBeNull();
      await new Promise((r) => setTimeout(r, 1000));
      const termAt = Date.now();
      proc.child.kill('SIGTERM');
      const exit = await proc.exit;
      const stopMs = Date.now() - termAt;
      console.log(`[timing] worker: SIGTERM mid-job to exit: ${stopMs} ms`);

      expect(exit, proc.lines.slice(-30).join('\n')).toEqual({ code: 0, signal: null });
      const [r] = await runs(['slow']);
      expect(r!.finished_at, 'the job was cut off').not.toBeNull();
      expect(r!.finished_at!.getTime() - r!.started_at.getTime()).toBeGreaterThanOrEqual(4900);
      // Done, not failed and re-queued.
      expect(await pendingJobs()).toBe(0);
      // The runtime waited for the job: it exited after the job's end, not before.
      expect(stopMs).toBeGreaterThanOrEqual(2500);
      checkLogs(proc);
    } finally {
      await proc.killHard();
    }
  }, 240_000);
});
