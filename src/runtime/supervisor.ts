// Starts the app processes as direct children of the runtime, each in its own
// process group, restarts crashed worker slots with exponential backoff, and
// stops everything on SIGTERM/SIGINT within the stop timeout.
//
// Why process groups: a Rails process may fork (a job shelling out, puma
// workers). TERM goes to the child alone, so a job's helper process is not
// killed under a job that is finishing; SIGKILL at the deadline, and after a
// child has exited, goes to the whole group so no grandchild outlives its slot.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { RunConfig, Slot } from './config.js';
import type { ChildState, ChildStatus } from './health.js';
import type { LineSource } from './logs.js';
import { WORKER_HOST_ENV } from './reclaim.js';

/** Delay before restart number `failures` (1-based): base · 2^(failures−1), capped at max. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures < 1) return 0;
  // 2^31 overflows nothing here, and the cap applies long before.
  const d = baseMs * Math.pow(2, Math.min(failures - 1, 31));
  return Math.min(d, maxMs);
}

/** Exit code of one process as a shell reports it: its code, or 128 + the signal's number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return 1;
}

interface SlotRun extends Slot {
  proc: ChildProcess | undefined;
  status: ChildStatus;
  restarts: number;
  /** Quick crashes in a row; reset by a run longer than stableAfterMs. */
  failures: number;
  crashLoop: boolean;
  started: boolean;
  startedAt: number;
  lastExit: number | undefined;
  timer: NodeJS.Timeout | undefined;
  closed: Promise<void>[];
  /** What slotEnv() added to the running (or last) process's env. */
  extraEnv: Record<string, string> | undefined;
  /** Whether the exited process's jobs are freed yet (slotExited); the restart waits for it. */
  freed: boolean;
}

export interface SupervisorHooks {
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>, source?: Partial<LineSource>): void;
  /** Hands the child's stdout/stderr to the log pipeline. */
  attach(stream: Readable, source: LineSource): void;
  /** Workers: env to add for a slot about to start (the liveness lock's worker host). */
  slotEnv?(): Record<string, string> | undefined;
  /** Workers: a slot process started with this pid. */
  slotStarted?(pid: number): void;
  /**
   * Workers: a slot exited while the runtime was not stopping (a crash, the
   * OOM killer). Its restart waits for the promise: the dead worker's jobs are
   * freed first. Must not reject.
   */
  slotExited?(pid: number, extraEnv: Record<string, string> | undefined): Promise<void>;
}

export type Supervisor = ReturnType<typeof startSupervisor>;

export function startSupervisor(config: RunConfig, env: Record<string, string | undefined>, hooks: SupervisorHooks) {
  const isWorker = config.kind === 'worker';
  const slots: SlotRun[] = config.slots.map((s) => ({
    ...s, proc: undefined, status: 'waiting', restarts: 0, failures: 0, crashLoop: false, started: false, startedAt: 0, lastExit: undefined, timer: undefined, closed: [], extraEnv: undefined, freed: true,
  }));
  let terminating = false;
  let fatal = false;
  let killTimer: NodeJS.Timeout | undefined;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let finished = false;

  const source = (s: SlotRun, stream: 'stdout' | 'stderr'): LineSource =>
    isWorker ? { stream, pool: s.pool, slot: s.slot, pid: s.proc?.pid } : { stream, pid: s.proc?.pid };

  const childEnv = (s: SlotRun): Record<string, string | undefined> => {
    if (!isWorker) return env;
    const e: Record<string, string | undefined> = { ...env, RAILYARD_POOL: s.pool, RAILYARD_SLOT: String(s.slot) };
    // `*` means every queue: `rake jobs:work` works all queues when neither
    // QUEUES nor its fallback QUEUE is set, so inherited values must not leak
    // into that slot (nor QUEUE into a slot whose QUEUES we set).
    delete e.QUEUE;
    if (s.queues === undefined) delete e.QUEUES;
    else e.QUEUES = s.queues;
    // Only the runtime says a worker runs under its liveness lock (docs/RUNTIME.md).
    delete e[WORKER_HOST_ENV];
    s.extraEnv = hooks.slotEnv?.();
    return { ...e, ...s.extraEnv };
  };

  const killGroup = (pid: number | undefined) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already empty.
    }
  };

  const spawnSlot = (s: SlotRun) => {
    s.timer = undefined;
    if (terminating) return;
    const [file, ...args] = config.command;
    let proc: ChildProcess;
    try {
      proc = spawn(file!, args, { env: childEnv(s), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      return onSpawnError(s, e as NodeJS.ErrnoException);
    }
    s.proc = proc;
    s.started = true;
    s.startedAt = Date.now();
    s.status = 'running';
    const stable = setTimeout(() => {
      if (s.proc === proc) {
        s.failures = 0;
        s.crashLoop = false;
      }
    }, config.stableAfterMs);
    stable.unref();
    let exited = false;
    proc.once('error', (e: NodeJS.ErrnoException) => {
      if (proc.pid === undefined && !exited) {
        exited = true;
        clearTimeout(stable);
        s.proc = undefined;
        onSpawnError(s, e);
      }
    });
    if (proc.pid === undefined) return;
    const pid = proc.pid;
    if (isWorker) hooks.slotStarted?.(pid);
    hooks.log('info', `started ${isWorker ? `pool ${s.pool} slot ${s.slot}` : 'main process'} (pid ${pid})`, isWorker && s.queues !== undefined ? { queues: s.queues } : undefined, isWorker ? { pool: s.pool, slot: s.slot, pid } : { pid });
    s.closed = [];
    for (const [stream, name] of [[proc.stdout, 'stdout'], [proc.stderr, 'stderr']] as const) {
      if (!stream) continue;
      s.closed.push(new Promise((r) => stream.once('close', r)));
      hooks.attach(stream, source(s, name));
    }
    proc.once('exit', (code, signal) => {
      if (exited) return;
      exited = true;
      clearTimeout(stable);
      // Whatever the child left in its group goes with it.
      killGroup(pid);
      s.proc = undefined;
      s.lastExit = exitCodeOf(code, signal);
      onExit(s, code, signal, pid);
    });
  };

  const onSpawnError = (s: SlotRun, e: NodeJS.ErrnoException) => {
    hooks.log('error', `cannot start ${JSON.stringify(config.command[0])}: ${e.code ?? e.message}`, undefined, isWorker ? { pool: s.pool, slot: s.slot } : {});
    s.status = 'exited';
    s.lastExit = 1;
    // "Process fails to start: log error, exit 1" (the document's error table):
    // a command that cannot be spawned will not be fixed by retrying.
    fatal = true;
    stop('SIGTERM');
  };

  const onExit = (s: SlotRun, code: number | null, signal: NodeJS.Signals | null, pid: number) => {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const where = isWorker ? { pool: s.pool, slot: s.slot, pid } : { pid };
    if (terminating || !isWorker) {
      s.status = 'exited';
      hooks.log(s.lastExit === 0 ? 'info' : 'warn', `${isWorker ? `pool ${s.pool} slot ${s.slot}` : 'main process'} exited with ${how}`, { exit_code: s.lastExit }, where);
      // The main process is the container: when it goes, everything goes.
      if (!isWorker && !terminating) stop('SIGTERM');
      return maybeFinish();
    }
    const ranMs = Date.now() - s.startedAt;
    s.failures = ranMs >= config.stableAfterMs ? 1 : s.failures + 1;
    s.restarts++;
    if (s.failures >= config.crashLoopRestarts) s.crashLoop = true;
    const delay = backoffDelay(s.failures, config.backoffBaseMs, config.backoffMaxMs);
    s.status = 'backoff';
    hooks.log('error', `pool ${s.pool} slot ${s.slot} exited with ${how} after ${ranMs} ms; restarting in ${delay} ms`, { exit_code: s.lastExit, restarts: s.restarts, crash_loop: s.crashLoop }, where);
    const freeing = hooks.slotExited?.(pid, s.extraEnv);
    if (freeing) {
      s.freed = false;
      void freeing.then(() => (s.freed = true));
    }
    // The restart waits for the backoff and for the dead worker's jobs to be freed.
    const restart = () => {
      if (s.freed) spawnSlot(s);
      else s.timer = setTimeout(restart, 20);
    };
    s.timer = setTimeout(restart, delay);
  };

  const running = () => slots.filter((s) => s.proc !== undefined);

  const maybeFinish = () => {
    if (finished || !terminating || running().length > 0) return;
    finished = true;
    if (killTimer) clearTimeout(killTimer);
    resolveDone(exitCode());
  };

  const exitCode = (): number => {
    if (fatal) return 1;
    if (!isWorker) {
      const s = slots[0]!;
      return s.lastExit ?? (s.started ? 1 : 128 + (constants.signals[stopSignal] ?? 15));
    }
    // Pools: 0 when every slot that ran ended cleanly, 1 otherwise.
    return slots.every((s) => !s.started || s.lastExit === 0) ? 0 : 1;
  };

  let stopSignal: NodeJS.Signals = 'SIGTERM';
  /** SIGTERM/SIGINT: forward to every child at once, SIGKILL the groups at the deadline. */
  const stop = (signal: NodeJS.Signals) => {
    const first = !terminating;
    if (first) {
      terminating = true;
      stopSignal = signal;
      for (const s of slots) {
        if (s.timer) {
          clearTimeout(s.timer);
          s.timer = undefined;
          s.status = 'exited';
        }
      }
    }
    for (const s of running()) {
      s.status = 'stopping';
      try {
        s.proc!.kill(signal);
      } catch {
        // Already gone; its exit event is on its way.
      }
    }
    if (first) {
      if (running().length > 0) {
        hooks.log('info', `${signal}: stopping ${running().length} process(es); SIGKILL in ${config.stopTimeoutMs} ms`);
        killTimer = setTimeout(() => {
          const left = running();
          hooks.log('warn', `stop timeout of ${config.stopTimeoutMs} ms reached: SIGKILL to ${left.length} process group(s)`);
          for (const s of left) killGroup(s.proc?.pid);
        }, config.stopTimeoutMs);
      }
      maybeFinish();
    }
  };

  /** HUP, USR1, USR2, QUIT: to the main child (every slot, for workers: they have no main one). */
  const forward = (signal: NodeJS.Signals) => {
    for (const s of running()) {
      try {
        s.proc!.kill(signal);
      } catch {
        // Gone meanwhile.
      }
    }
  };

  // Staggered starts: 44 Rails processes booting at once would all compete for
  // the same CPU limit and each take longer than the lot of them in sequence.
  slots.forEach((s, i) => {
    if (i === 0) spawnSlot(s);
    else s.timer = setTimeout(() => spawnSlot(s), i * config.staggerMs);
  });

  return {
    done,
    stop,
    forward,
    isTerminating: () => terminating,
    /** Resolves when every child's stdout/stderr has closed (or after `ms`). */
    outputClosed(ms: number): Promise<void> {
      const all = Promise.all(slots.flatMap((s) => s.closed)).then(() => undefined);
      return Promise.race([all, new Promise<void>((r) => setTimeout(r, ms).unref())]);
    },
    states(): ChildState[] {
      return slots.map((s) => ({ pool: s.pool, slot: s.slot, pid: s.proc?.pid, status: s.status, restarts: s.restarts, crashLoop: s.crashLoop }));
    },
    /** Process groups of children still running (for a last SIGKILL at exit). */
    killAll() {
      for (const s of slots) killGroup(s.proc?.pid);
    },
  };
}
