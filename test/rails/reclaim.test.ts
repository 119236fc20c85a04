// Jobs of hard-killed delayed_job workers run again, once, within a stated
// bound (docs/RUNTIME.md, "Jobs of dead workers"), on the real Rails fixture
// app and a real MariaDB. Each "pod" is a runtime process of its own with
// its own POD_NAME, as in a cluster; killing a pod SIGKILLs the runtime's and
// every slot's process group at once, as the end of a container's PID
// namespace does. The reclaim timings are the defaults (scan every 15 s, a
// host's lock free for 10 s); only SLEEP_DELAY (delayed_job's poll) is 1 s
// instead of 5.
//
//   - pod A is killed mid-job: pod B runs A's jobs again, each exactly once
//     more, within the bound, while B's own jobs stay locked by B throughout;
//   - a slot of B is SIGKILLed mid-job (the OOM killer): its job is freed
//     before the slot restarts and runs once more within seconds;
//   - pod C is killed and started again under the same name (a container
//     restart): the new runtime frees its predecessor's locks at start;
//   - pod D is frozen (SIGSTOP: no FIN, as when a node vanishes): its lock
//     session ends after its wait_timeout and B runs its job again. D, let go
//     again, finishes the job too: the documented limit of a partitioned
//     but living worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMariaDb, type MariaDb } from '../support/mariadb.ts';
import { RUNTIME, childrenOf, parseJsonLines, prepareRailsApp, startProc, waitFor, type Proc, type RailsApp } from './fixture-app.ts';

const TARGET = 'worker';
// Defaults of RAILYARD_RECLAIM_INTERVAL_MS and RAILYARD_RECLAIM_GRACE_MS; SLEEP_DELAY as set below.
const INTERVAL_S = 15;
const GRACE_S = 10;
const POLL_S = 1;
/** The bound docs/RUNTIME.md states for a pod whose sessions closed (FIN), with delayed_job's default 5 s poll. */
const BOUND_S = INTERVAL_S + GRACE_S + 5;

interface JobRun {
  id: number;
  label: string;
  pid: number;
  /** ms since the epoch (Rails writes UTC). */
  started: number;
  finished: boolean;
}

interface Pod {
  name: string;
  proc: Proc;
}

let db: MariaDb;
let rails: RailsApp;
const pods: Pod[] = [];

beforeAll(async () => {
  db = await startMariaDb();
  rails = await prepareRailsApp(db, { processTarget: TARGET, podName: 'set-per-pod' });
  await rails.rake(['db:migrate']);
}, 180_000);

afterAll(async () => {
  for (const p of pods) {
    for (const c of childrenOf(p.proc.pid)) signalGroup(c.pid, 'SIGKILL');
    await p.proc.killHard();
  }
  await db?.destroy();
  rails?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signalGroup(pgid: number, sig: NodeJS.Signals) {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* gone */
  }
}

async function startPod(name: string, pools: string, extra: Record<string, string> = {}): Promise<Pod> {
  const proc = startProc('node', [RUNTIME, 'run', TARGET], {
    cwd: rails.dir,
    env: rails.env({ POD_NAME: name, DELAYED_JOB_POOLS: pools, HEALTH_PORT: String(await freePort()), SLEEP_DELAY: String(POLL_S), DELAYED_JOB_TIMEOUT: '20', ...extra }),
  });
  const pod = { name, proc };
  pods.push(pod);
  return pod;
}

/** The pod's `rake jobs:work` pids, once `n` of them have booted and logged "Starting job worker". */
async function bootedWorkers(pod: Pod, n: number): Promise<number[]> {
  return waitFor(
    `${n} booted workers in ${pod.name}`,
    () => {
      if (pod.proc.exited()) throw new Error(`${pod.name} exited: ${pod.proc.lines.slice(-20).join('\n')}`);
      const pids = childrenOf(pod.proc.pid).filter((c) => c.cmdline.includes('jobs:work')).map((c) => c.pid);
      const started = new Set(pod.proc.lines.flatMap((l) => (l.includes('Starting job worker') ? [Number(/pid:(\d+)/.exec(l)?.[1])] : [])));
      return pids.length === n && pids.every((p) => started.has(p)) ? pids.sort((a, b) => a - b) : undefined;
    },
    90_000,
    200,
  );
}

/** Kills a pod as its container's end does: every process group, runtime and slots, SIGKILL at once. */
function killPod(pod: Pod): number {
  const slots = childrenOf(pod.proc.pid).map((c) => c.pid);
  const at = Date.now();
  for (const pid of slots) signalGroup(pid, 'SIGKILL');
  signalGroup(pod.proc.pid, 'SIGKILL');
  return at;
}

const enqueue = (jobs: string[]) => rails.rake(['fixture:enqueue'], { JOBS: jobs.join(',') });

async function runsOf(label: string): Promise<JobRun[]> {
  const rows = await db.query<{ id: number; label: string; pid: number; started_at: string; finished: number }>(
    `SELECT id, label, pid, DATE_FORMAT(started_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS started_at, finished_at IS NOT NULL AS finished FROM ${db.database}.job_runs WHERE label = ? ORDER BY id`,
    [label],
  );
  return rows.map((r) => ({ id: r.id, label: r.label, pid: r.pid, started: Date.parse(r.started_at.replace(/(\.\d{3})\d*Z$/, '$1Z')), finished: Number(r.finished) === 1 }));
}

/** label → locked_by of each job still in delayed_jobs. */
async function locks(): Promise<Map<string, string | null>> {
  const rows = await db.query<{ handler: string; locked_by: string | null }>(`SELECT handler, locked_by FROM ${db.database}.delayed_jobs`);
  return new Map(rows.map((r) => [/\nlabel: ([^\n]+)/.exec(r.handler)?.[1] ?? '?', r.locked_by]));
}

/** Waits for `label` to be running in one of `pids`; returns that run. */
function runningIn(label: string, pids: number[], ms = 60_000): Promise<JobRun> {
  return waitFor(`${label} to run in one of ${pids.join(', ')}`, async () => (await runsOf(label)).find((r) => pids.includes(r.pid) && !r.finished), ms, 200);
}

/** Every locked_by a job has had while watched, sampled every 100 ms until stop(). */
function watchLocks(labels: string[]) {
  const seen = new Map<string, Set<string | null>>(labels.map((l) => [l, new Set()]));
  let on = true;
  const loop = (async () => {
    while (on) {
      const now = await locks();
      for (const l of labels) if (now.has(l)) seen.get(l)!.add(now.get(l)!);
      await sleep(100);
    }
  })();
  return {
    seen,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

function runtimeLog(pod: Pod): Record<string, unknown>[] {
  return parseJsonLines(pod.proc.lines).filter((e) => e.stream === 'runtime');
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

describe('jobs of hard-killed delayed_job workers', () => {
  // B works queue q only, so that C's and D's jobs go to C and D first.
  let b: Pod;
  let bPids: number[];

  it('a killed pod: the other pod runs its jobs again, each exactly once more, within the bound, and never touches its own live locks', async () => {
    await enqueue(['q:dead1:45', 'q:dead2:45']);
    const a = await startPod('worker-reclaim-a', '--pool=q:2');
    const aPids = await bootedWorkers(a, 2);
    await runningIn('dead1', aPids);
    await runningIn('dead2', aPids);
    // The worker name the rendered initializer gives a slot under the runtime's lock.
    const held = await locks();
    for (const l of ['dead1', 'dead2']) expect(aPids.map((p) => `railyard host:worker-reclaim-a pid:${p}`)).toContain(held.get(l));

    b = await startPod('worker-reclaim-b', '--pool=q:4');
    bPids = await bootedWorkers(b, 4);
    await enqueue(['q:live1:50', 'q:live2:50']);
    const live = [await runningIn('live1', bPids), await runningIn('live2', bPids)];
    const watch = watchLocks(['live1', 'live2']);
    await sleep(1000);

    const killedAt = killPod(a);
    expect((await a.proc.exit).signal).toBe('SIGKILL');
    const unlocked = await waitFor('A\'s jobs unlocked', async () => {
      const now = await locks();
      return ['dead1', 'dead2'].every((l) => !String(now.get(l) ?? '').includes('worker-reclaim-a')) ? Date.now() : undefined;
    }, (BOUND_S + 10) * 1000, 100);
    const reruns = await Promise.all(['dead1', 'dead2'].map((l) => runningIn(l, bPids, (BOUND_S + 10) * 1000)));
    const rerunMs = Math.max(...reruns.map((r) => r.started)) - killedAt;
    console.log(`[timing] reclaim: pod killed to its jobs unlocked: ${seconds(unlocked - killedAt)} s, to both running again in the other pod: ${seconds(rerunMs)} s (bound ${BOUND_S} s: scan ${INTERVAL_S} s + grace ${GRACE_S} s + poll 5 s; poll here ${POLL_S} s)`);
    expect(rerunMs).toBeLessThanOrEqual((INTERVAL_S + GRACE_S + POLL_S + 3) * 1000);
    expect(rerunMs).toBeLessThanOrEqual(BOUND_S * 1000);
    // Not before the grace: a lock free for a moment is no dead pod.
    expect(unlocked - killedAt).toBeGreaterThanOrEqual(GRACE_S * 1000);

    const reclaimed = runtimeLog(b).filter((e) => e.cause === 'pod gone');
    expect(reclaimed).toEqual([expect.objectContaining({ level: 'warn', reclaimed_jobs: 2, host: 'worker-reclaim-a', pod_name: 'worker-reclaim-b' })]);
    expect(b.proc.lines.join('\n')).not.toContain(db.password);

    // Each of A's jobs: the run cut off in A, one more that finishes in B, and no third.
    await waitFor('the re-runs to finish', async () => {
      const now = await locks();
      return ['dead1', 'dead2', 'live1', 'live2'].every((l) => !now.has(l));
    }, 120_000, 250);
    await watch.stop();
    for (const l of ['dead1', 'dead2']) {
      const r = await runsOf(l);
      expect(r.map((x) => [aPids.includes(x.pid) ? 'A' : bPids.includes(x.pid) ? 'B' : x.pid, x.finished]), l).toEqual([['A', false], ['B', true]]);
    }
    // B's jobs were locked by B's worker from start to finish, never freed under it.
    for (const [i, l] of ['live1', 'live2'].entries()) {
      expect([...watch.seen.get(l)!], l).toEqual([`railyard host:worker-reclaim-b pid:${live[i]!.pid}`]);
      expect((await runsOf(l)).map((x) => x.finished), l).toEqual([true]);
    }
  }, 300_000);

  it('a slot killed mid-job (the OOM killer): its job is freed before the slot restarts and runs once more', async () => {
    await enqueue(['q:oom1:8', 'q:bystander:20']);
    const victim = await runningIn('oom1', bPids);
    const bystander = await runningIn('bystander', bPids);
    const watch = watchLocks(['bystander']);
    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    const rerun = await waitFor('oom1 to run again', async () => (await runsOf('oom1'))[1], 30_000, 100);
    const rerunMs = rerun.started - killedAt;
    console.log(`[timing] reclaim: slot SIGKILLed to its job running again: ${seconds(rerunMs)} s`);
    expect(rerunMs).toBeLessThanOrEqual((POLL_S + 4) * 1000);
    expect(rerun.pid).not.toBe(victim.pid);

    // Freed after the exit and before the slot was started again.
    const order = await waitFor('the slot to be started again', () => {
      const log = runtimeLog(b);
      const exited = log.findIndex((e) => e.pid === victim.pid && String(e.message).includes('exited with signal SIGKILL'));
      const freed = log.findIndex((e) => e.cause === 'worker exited' && e.worker_pid === victim.pid);
      const restarted = log.findIndex((e, i) => exited >= 0 && i > exited && String(e.message).startsWith('started pool'));
      return restarted >= 0 ? { exited, freed, restarted, line: log[freed] } : undefined;
    }, 10_000);
    expect(order.line).toMatchObject({ level: 'warn', reclaimed_jobs: 1, host: 'worker-reclaim-b', worker_pid: victim.pid });
    expect(order.freed).toBeGreaterThan(order.exited);
    expect(order.restarted).toBeGreaterThan(order.freed);

    await waitFor('oom1 and bystander to finish', async () => {
      const now = await locks();
      return !now.has('oom1') && !now.has('bystander');
    }, 60_000, 250);
    await watch.stop();
    expect((await runsOf('oom1')).map((r) => r.finished)).toEqual([false, true]);
    expect([...watch.seen.get('bystander')!]).toEqual([`railyard host:worker-reclaim-b pid:${bystander.pid}`]);
    expect((await runsOf('bystander')).map((r) => r.finished)).toEqual([true]);
    bPids = await bootedWorkers(b, 4);
  }, 120_000);

  it('a container restarted under the same pod name frees the locks of the one before it at start', async () => {
    await enqueue(['c:restart1:6']);
    const c1 = await startPod('worker-reclaim-c', '--pool=c:1');
    const [c1Pid] = await bootedWorkers(c1, 1);
    await runningIn('restart1', [c1Pid!]);
    const killedAt = killPod(c1);
    await c1.proc.exit;

    const c2 = await startPod('worker-reclaim-c', '--pool=c:1');
    const freed = await waitFor('the new container to free its predecessor\'s lock', () => runtimeLog(c2).find((e) => e.cause === 'earlier container'), 10_000);
    console.log(`[timing] reclaim: container killed to its successor freeing the lock: ${seconds(Date.parse(String(freed.timestamp)) - killedAt)} s`);
    expect(freed).toMatchObject({ level: 'warn', reclaimed_jobs: 1, host: 'worker-reclaim-c', pod_name: 'worker-reclaim-c' });
    const [c2Pid] = await bootedWorkers(c2, 1);
    await waitFor('restart1 to finish in the new container', async () => !(await locks()).has('restart1'), 60_000, 250);
    expect((await runsOf('restart1')).map((x) => [x.pid, x.finished])).toEqual([[c1Pid, false], [c2Pid, true]]);
    // Not B's doing: the lock was not free for the grace.
    expect(runtimeLog(b).filter((e) => e.host === 'worker-reclaim-c')).toEqual([]);
    c2.proc.child.kill('SIGTERM');
    expect(await c2.proc.exit).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('a frozen pod (no FIN): its session ends after wait_timeout and its job runs again; let go, it finishes the job too (the documented limit)', async () => {
    const WAIT_TIMEOUT_S = 6;
    await enqueue(['d:frozen1:15']);
    const d = await startPod('worker-reclaim-d', '--pool=d:1', { RAILYARD_LOCK_WAIT_TIMEOUT: String(WAIT_TIMEOUT_S), RAILYARD_LOCK_PING_MS: '2000' });
    const [dPid] = await bootedWorkers(d, 1);
    await runningIn('frozen1', [dPid!]);
    // Frozen as a vanished node is: no process runs, no socket closes.
    signalGroup(d.proc.pid, 'SIGSTOP');
    for (const c of childrenOf(d.proc.pid)) signalGroup(c.pid, 'SIGSTOP');
    const frozenAt = Date.now();
    // A pod that works queue d, to run the job once it is freed (by B's scan or its own).
    const e = await startPod('worker-reclaim-e', '--pool=d:1');
    const [ePid] = await bootedWorkers(e, 1);
    const rerun = await waitFor('frozen1 to run again in E', async () => (await runsOf('frozen1')).find((r) => r.pid === ePid), (WAIT_TIMEOUT_S + INTERVAL_S + GRACE_S + 15) * 1000, 200);
    const rerunMs = rerun.started - frozenAt;
    console.log(`[timing] reclaim: pod frozen to its job running again: ${seconds(rerunMs)} s (wait_timeout ${WAIT_TIMEOUT_S} s + scan ${INTERVAL_S} s + grace ${GRACE_S} s + poll)`);
    expect(rerunMs).toBeGreaterThanOrEqual((WAIT_TIMEOUT_S + GRACE_S) * 1000);
    expect(rerunMs).toBeLessThanOrEqual((WAIT_TIMEOUT_S + INTERVAL_S + GRACE_S + POLL_S + 3) * 1000);
    const by = [...runtimeLog(b), ...runtimeLog(e)].filter((x) => x.cause === 'pod gone' && x.host === 'worker-reclaim-d');
    expect(by).toHaveLength(1);
    expect(by[0]).toMatchObject({ reclaimed_jobs: 1 });

    // Let go: D's worker was alive all along and finishes its run as well.
    for (const c of childrenOf(d.proc.pid)) signalGroup(c.pid, 'SIGCONT');
    signalGroup(d.proc.pid, 'SIGCONT');
    const both = await waitFor('both runs of frozen1 to finish', async () => {
      const r = await runsOf('frozen1');
      return r.length === 2 && r.every((x) => x.finished) ? r : undefined;
    }, 60_000, 250);
    expect(both.map((r) => r.pid)).toEqual([dPid, ePid]);
    // D's runtime found its session ended and took its lock again.
    await d.proc.waitForLine((l) => l.includes('took the liveness lock railyard-worker:worker-reclaim-d again'), 20_000);
    for (const p of [d, e]) p.proc.child.kill('SIGTERM');
    await Promise.all([d.proc.exit, e.proc.exit]);
  }, 180_000);
});
