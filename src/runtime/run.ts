// `railyard run <target> [-- command …]`: the process between tini and the app.
//
//   tini (PID 1) → railyard runtime → app processes (one per pool slot, or the main process)
//
// Order matters: env is checked before anything starts; the health server
// listens before the first child is spawned; signals are handled from the start.
import { writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { loadRunConfig, parseRunArgs, type ConfigResult } from './config.js';
import { createDbCheck } from './db.js';
import { startHealthServer, type ChildState } from './health.js';
import { createLiveness, type Liveness } from './liveness.js';
import { createFdWriter, createLineSplitter, createPieceFormatter, formatRecord, type Level, type LineSource, type LogContext } from './logs.js';
import { buildRedactor } from './redact.js';
import { startSupervisor } from './supervisor.js';
import { privateTmpdir } from './tmpdir.js';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const present = (v: string | undefined) => v !== undefined && v !== '';
const FORWARD_SIGNALS = ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGQUIT'] as const;

/** The single error line for bad env/argv: names every problem variable, never a value. */
export function configErrorRecord(ctx: LogContext, r: ConfigResult, now = new Date()): string {
  const names = [...r.missing.map((m) => `${m} (missing)`), ...r.invalid.map((p) => `${p.var} (${p.reason})`), ...r.usage.map((p) => `${p.var}: ${p.reason}`)];
  const rec: Record<string, unknown> = {
    timestamp: now.toISOString(),
    level: 'error',
    ...ctx,
    message: `cannot start: ${names.join('; ')}`,
    stream: 'runtime',
    missing: r.missing,
    invalid: r.invalid,
  };
  if (r.usage.length > 0) rec.usage = r.usage;
  return JSON.stringify(rec);
}

/**
 * Runs the target until its processes are gone and resolves with the exit code.
 * `fd` is where log lines go (stdout in production).
 */
export async function runRuntime(argv: readonly string[], env: Record<string, string | undefined> = process.env, fd = 1): Promise<number> {
  const result = loadRunConfig(argv, env);
  const cfg = result.config;
  const ctx: LogContext = {
    process_target: cfg?.target ?? parseRunArgs(argv).target ?? (env.PROCESS_TARGET || 'unknown'),
    pod_name: env.POD_NAME || 'unknown',
    namespace: env.POD_NAMESPACE || 'default',
  };
  if (!cfg) {
    // Synchronous on purpose: nothing else is running and the process exits next.
    writeSync(fd, configErrorRecord(ctx, result) + '\n');
    return result.missing.length > 0 || result.invalid.length > 0 ? 1 : 2;
  }

  const redactor = buildRedactor(env);
  const out = createFdWriter(fd);
  const log = (level: Level, message: string, extra?: Record<string, unknown>, source: Partial<LineSource> = {}) => {
    out.write(formatRecord(ctx, { stream: 'runtime', ...source }, message, redactor, { level, extra }) + '\n');
  };
  if (process.pid === 1) {
    // Node does not reap processes it did not start; orphans re-parented to PID 1 would stay zombies.
    log('warn', 'running as PID 1: run the runtime under tini (tini -- node runtime.cjs …) so orphaned processes are reaped');
  }
  if (redactor.tooShort.length > 0) {
    log('warn', `not redacting values shorter than 4 characters of: ${redactor.tooShort.join(', ')}`, { vars: redactor.tooShort });
  }

  // Signals that arrive before the children exist are remembered, not lost.
  let supervisor: ReturnType<typeof startSupervisor> | undefined;
  let earlyStop: NodeJS.Signals | undefined;
  // Ends the wait for the liveness lock when a stop signal comes first.
  const waiting = new AbortController();
  const onStop = (sig: NodeJS.Signals) => {
    // Forward first: property 7's clock runs until the children have it.
    if (supervisor) supervisor.stop(sig);
    else {
      earlyStop ??= sig;
      waiting.abort();
    }
  };
  const onForward = (sig: NodeJS.Signals) => supervisor?.forward(sig);
  for (const s of STOP_SIGNALS) process.on(s, onStop);
  for (const s of FORWARD_SIGNALS) process.on(s, onForward);

  const attach = (stream: Readable, source: LineSource) => {
    let batch: string[] = [];
    let now = new Date();
    const format = createPieceFormatter(ctx, source, redactor);
    const splitter = createLineSplitter((line, meta) => {
      for (const rec of format(line, meta, now)) batch.push(rec, '\n');
    }, redactor);
    const flushBatch = () => {
      if (batch.length === 0) return true;
      const text = batch.join('');
      batch = [];
      return out.write(text);
    };
    stream.on('data', (chunk: Buffer) => {
      now = new Date();
      splitter.push(chunk);
      if (!flushBatch()) {
        // Backpressure: stop reading this child until stdout catches up; its
        // pipe fills and its writes block, instead of our memory growing.
        stream.pause();
        out.onDrain(() => stream.resume());
      }
    });
    stream.once('end', () => {
      now = new Date();
      splitter.end();
      flushBatch();
    });
  };

  let dbCheck: ReturnType<typeof createDbCheck> | undefined;
  if (cfg.db && cfg.healthPort !== undefined) dbCheck = createDbCheck(cfg.db, redactor.redact);

  if ((cfg.kind === 'worker' || cfg.kind === 'consumer') && cfg.healthPort === undefined) {
    log('warn', 'HEALTH_PORT is not set: no health server, so an HTTP probe on this container will fail');
  } else if (cfg.kind === 'web' && present(env.HEALTH_PORT)) {
    log('info', 'HEALTH_PORT is ignored for the web tier: its health is the Rails controller');
  }

  const notStarted: ChildState[] = cfg.slots.map((s) => ({ pool: s.pool, slot: s.slot, pid: undefined, status: 'waiting', restarts: 0, crashLoop: false }));
  let server: Awaited<ReturnType<typeof startHealthServer>>;
  if (cfg.healthPort !== undefined) {
    server = await startHealthServer({
      port: cfg.healthPort,
      host: env.RAILYARD_HEALTH_HOST || undefined,
      identity: ctx,
      kind: cfg.kind,
      // Before the supervisor runs (the liveness lock not yet taken), no slot runs either.
      children: () => supervisor?.states() ?? notStarted,
      terminating: () => earlyStop !== undefined || (supervisor?.isTerminating() ?? false),
      dbCheck: dbCheck ? () => dbCheck!.check() : undefined,
      livenessFile: cfg.livenessFile,
      livenessMaxAgeMs: cfg.livenessMaxAgeMs,
      onError: (message) => log('error', message),
    });
    if (server) log('info', `health server listening on port ${cfg.healthPort}`);
  }

  // Workers: slots start only under the liveness lock (docs/RUNTIME.md, "Jobs of dead workers").
  let liveness: Liveness | undefined;
  if (cfg.kind === 'worker' && cfg.reclaimOff) {
    log('warn', `${cfg.reclaimOff}: no liveness lock, so jobs of a worker killed without a clean stop stay locked until delayed_job's max_run_time`);
  }
  if (cfg.reclaim && cfg.db && !earlyStop) {
    liveness = createLiveness({ db: cfg.db, config: cfg.reclaim, log: (level, message, extra) => log(level, message, extra), scrub: redactor.redact });
    await liveness.acquire(waiting.signal);
  }

  if (earlyStop) {
    log('info', `${earlyStop} before any process started: exiting`);
    await liveness?.close();
    server?.close();
    await out.flush();
    return cfg.kind === 'worker' ? 0 : 128 + (earlyStop === 'SIGINT' ? 2 : 15);
  }

  // A TMPDIR Ruby accepts when /tmp is an emptyDir (tmpdir.ts says why).
  const tmp = privateTmpdir(env);
  if (tmp.kind === 'private') log('info', `TMPDIR=${tmp.dir} for the app: ${tmp.reason}`);
  if (tmp.kind === 'made') log('info', `made TMPDIR ${tmp.dir}, mode 0700: ${tmp.reason}`);
  if (tmp.kind === 'failed') log('warn', `${tmp.reason}; Ruby's Dir.tmpdir may raise`);
  const childEnv = tmp.kind === 'private' ? { ...env, TMPDIR: tmp.dir } : env;

  supervisor = startSupervisor(cfg, childEnv, {
    log,
    attach,
    ...(liveness ? { slotEnv: liveness.slotEnv, slotStarted: liveness.slotStarted, slotExited: liveness.slotExited } : {}),
  });
  const code = await supervisor.done;
  // Let the children's last lines through (a partial last line included) before exiting.
  await supervisor.outputClosed(1000);
  supervisor.killAll();
  await liveness?.close();
  server?.close();
  server?.closeAllConnections?.();
  log(code === 0 ? 'info' : 'warn', `exiting with code ${code}`, { exit_code: code });
  await out.flush();
  for (const s of STOP_SIGNALS) process.off(s, onStop);
  for (const s of FORWARD_SIGNALS) process.off(s, onForward);
  return code;
}
