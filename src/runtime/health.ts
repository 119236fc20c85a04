// The health server for workers and consumers (the web tier's health is the
// Rails controller). It listens before any child is spawned (property 3) and
// answers every request within 1 s (property 8 asks for 5), whatever the database does.
import { createServer, type Server } from 'node:http';
import { stat } from 'node:fs/promises';
import type { Kind } from './config.js';
import type { DbResult } from './db.js';

export type ChildStatus = 'waiting' | 'running' | 'backoff' | 'stopping' | 'exited';

export interface ChildState {
  pool: string;
  slot: number;
  pid: number | undefined;
  status: ChildStatus;
  restarts: number;
  /** Set once a slot has crashed quickly too many times in a row. */
  crashLoop: boolean;
}

export interface HealthInput {
  kind: Kind;
  children: readonly ChildState[];
  /** The database check (workers): a result, or 'timeout' when it did not answer in time. */
  db?: DbResult | 'timeout';
  /** racecar's liveness file (consumers), when configured. */
  liveness?: { ok: boolean; ageMs?: number; error?: string };
}

export interface Identity {
  process_target: string;
  pod_name: string;
  namespace: string;
}

/** /health's status code and body for a state of the world. Pure: the server gathers the inputs. */
export function healthResponse(id: Identity, input: HealthInput, now: Date): { code: number; body: Record<string, unknown> } {
  const errors: string[] = [];
  const pools = new Map<string, ChildState[]>();
  for (const c of input.children) pools.set(c.pool, [...(pools.get(c.pool) ?? []), c]);
  for (const [, slots] of pools) {
    // A stopping process is still there, finishing its job: not "not found".
    if (slots.every((c) => c.status !== 'running' && c.status !== 'stopping')) {
      errors.push('process not found');
      break;
    }
  }
  for (const c of input.children) if (c.crashLoop) errors.push(`crash loop: pool ${c.pool} slot ${c.slot} restarted ${c.restarts} times`);
  if (input.db === 'timeout') errors.push('database: no answer within the health deadline');
  else if (input.db && !input.db.ok) errors.push(`database: ${input.db.error ?? 'unreachable'}`);
  if (input.liveness && !input.liveness.ok) errors.push(`racecar liveness: ${input.liveness.error ?? 'stale'}`);

  const body: Record<string, unknown> = {
    status: errors.length === 0 ? 'healthy' : 'unhealthy',
    ...id,
    timestamp: now.toISOString(),
    children: input.children.map((c) => ({ pool: c.pool, slot: c.slot, pid: c.pid ?? null, state: c.crashLoop ? 'crash-loop' : c.status, restarts: c.restarts })),
  };
  if (errors.length > 0) body.error = errors.join('; ');
  if (input.db !== undefined) body.database = input.db === 'timeout' ? { ok: false } : { ok: input.db.ok, checked_at: new Date(input.db.at).toISOString() };
  if (input.liveness) body.liveness = input.liveness.ageMs === undefined ? { ok: input.liveness.ok } : { ok: input.liveness.ok, age_ms: input.liveness.ageMs };
  return { code: errors.length === 0 ? 200 : 503, body };
}

/** /ready: 200 until SIGTERM, 503 from then on, so the pod leaves its Service first. */
export function readyResponse(id: Identity, terminating: boolean, now: Date): { code: number; body: Record<string, unknown> } {
  return terminating
    ? { code: 503, body: { status: 'not_ready', ...id, error: 'shutting down', timestamp: now.toISOString() } }
    : { code: 200, body: { status: 'ready', ...id, timestamp: now.toISOString() } };
}

/** Age of racecar's liveness file against its max interval. */
export async function livenessOf(path: string, maxAgeMs: number, now = Date.now()): Promise<{ ok: boolean; ageMs?: number; error?: string }> {
  try {
    const s = await stat(path);
    const ageMs = Math.max(0, Math.round(now - s.mtimeMs));
    return ageMs <= maxAgeMs ? { ok: true, ageMs } : { ok: false, ageMs, error: `liveness file not touched for ${ageMs} ms` };
  } catch (e) {
    return { ok: false, error: `liveness file missing (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  identity: Identity;
  kind: Kind;
  children: () => readonly ChildState[];
  terminating: () => boolean;
  dbCheck?: () => Promise<DbResult>;
  livenessFile?: string;
  livenessMaxAgeMs?: number;
  /** How long /health waits for a DB check before answering without it. */
  deadlineMs?: number;
  onError: (message: string, err: NodeJS.ErrnoException) => void;
}

/**
 * Starts listening and resolves once the port accepts connections, or once
 * binding failed (then it logs and resolves undefined: the error table says
 * carry on, the main process may still work).
 */
export function startHealthServer(opts: HealthServerOptions): Promise<Server | undefined> {
  // 700 ms leaves room within the 1 s promise for scheduling on a busy node.
  const deadlineMs = opts.deadlineMs ?? 700;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (r: { code: number; body: Record<string, unknown> }) => {
      const text = JSON.stringify(r.body);
      res.writeHead(r.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send({ code: 405, body: { status: 'error', error: 'method not allowed' } });
    if (path === '/ready') return send(readyResponse(opts.identity, opts.terminating(), new Date()));
    if (path !== '/health') return send({ code: 404, body: { status: 'error', error: 'not found' } });
    void answerHealth().then(send, (e: Error) => send({ code: 503, body: { status: 'unhealthy', ...opts.identity, error: e.message } }));
  });

  const answerHealth = async () => {
    const input: HealthInput = { kind: opts.kind, children: opts.children() };
    const waits: Promise<void>[] = [];
    if (opts.dbCheck) {
      const dbCheck = opts.dbCheck;
      waits.push(withDeadline(dbCheck(), deadlineMs).then((r) => void (input.db = r ?? 'timeout')));
    }
    if (opts.livenessFile) {
      waits.push(withDeadline(livenessOf(opts.livenessFile, opts.livenessMaxAgeMs ?? 5000), deadlineMs).then((r) => void (input.liveness = r ?? { ok: false, error: 'stat timed out' })));
    }
    await Promise.all(waits);
    // Children are read after the waits: their state may have changed meanwhile.
    return healthResponse(opts.identity, { ...input, children: opts.children() }, new Date());
  };

  // Probes must not pile up on a stuck socket.
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.keepAliveTimeout = 5000;

  return new Promise((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      opts.onError(`health server cannot listen on port ${opts.port}: ${e.code ?? e.message}; carrying on without it`, e);
      resolve(undefined);
    });
    server.listen({ port: opts.port, host: opts.host }, () => {
      server.removeAllListeners('error');
      server.on('error', (e: NodeJS.ErrnoException) => opts.onError(`health server error: ${e.message}`, e));
      resolve(server);
    });
  });
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(undefined);
      },
    );
  });
}
