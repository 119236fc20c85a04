// Helpers for the runtime tests: the real bundle (dist/runtime.cjs), run as a child
// process of the test, read its JSON lines, probe its health server.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const PROGRAMS = join(ROOT, 'test/fixtures/programs');
export const program = (name: string) => join(PROGRAMS, name);
export const NODE = process.execPath;

/**
 * dist/runtime.cjs, the artifact `npm run build` (build.mjs) produces and the
 * image ships. vitest's globalSetup (test/support/build.ts) runs build.mjs before
 * any test, so these tests exercise the real build, not a copy built their way.
 */
export function runtimeBundle(): Promise<string> {
  const file = join(ROOT, 'dist/runtime.cjs');
  if (!existsSync(file)) return Promise.reject(new Error(`${file} is missing: run \`npm run build\` (vitest's globalSetup does)`));
  return Promise.resolve(file);
}

/** The env a worker needs to pass validation, with short timings for tests. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    RAILS_ENV: 'test',
    DATABASE_URL: 'mysql2://app:pw-not-used@127.0.0.1:1/app',
    POD_NAME: 'pod-1',
    POD_NAMESPACE: 'ns-test',
    RAILYARD_STAGGER_MS: '0',
    RAILYARD_BACKOFF_BASE_MS: '50',
    RAILYARD_BACKOFF_MAX_MS: '400',
    // The database here is a closed port, and a worker's slots start only
    // once its liveness lock is taken; test/runtime/reclaim-db.test.ts and
    // test/rails/reclaim.test.ts turn it on against a real MariaDB.
    RAILYARD_RECLAIM: 'off',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

export interface Running {
  proc: ChildProcess;
  /** Parsed stdout lines, in order. */
  lines: Record<string, unknown>[];
  /** stdout lines as text (to check they all parse). */
  raw: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  kill(sig?: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();

/** pids whose parent is `pid` (the runtime's children: each leads its own process group). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Whatever a test left running goes at the end of its file: a failed assertion
 * must not leave a runtime (and its children, in their own process groups)
 * behind to load the machine. SIGKILL to the runtime alone would orphan them.
 */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...live].map(async (p) => {
      const kids = childPids(p.pid!);
      const gone = new Promise((r) => p.once('close', r));
      for (const k of kids) {
        try {
          process.kill(-k, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      p.kill('SIGKILL');
      await Promise.race([gone, sleep(2000)]);
    }),
  );
}
afterAll(stopAll);
process.on('exit', () => {
  for (const p of live) {
    for (const k of childPids(p.pid!)) {
      try {
        process.kill(-k, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Starts the runtime bundle with `args` and exactly `env` (nothing inherited). */
export async function startRuntime(args: string[], env: Record<string, string>, opts: { stdout?: 'pipe' | 'ignore' } = {}): Promise<Running> {
  const file = await runtimeBundle();
  const proc = spawn(NODE, [file, ...args], { env, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  live.add(proc);
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  let err = '';
  let waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      raw.push(text);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(text);
      } catch {
        rec = { unparseable: text };
      }
      lines.push(rec);
      waiters = waiters.filter((w) => (w.pred(rec) ? (w.resolve(rec), false) : true));
    }
  });
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('close', (code, signal) => {
      live.delete(proc);
      if (buf !== '') raw.push(buf), lines.push({ unterminated: buf });
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    lines,
    raw,
    stderr: () => err,
    exited,
    waitFor(pred, ms = 10_000) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching line within ${ms} ms; got:\n${raw.slice(-20).join('\n')}\nstderr: ${err}`)), ms);
        waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
    kill(sig = 'SIGTERM') {
      proc.kill(sig);
    },
  };
}

/** GET on 127.0.0.1; resolves with status, parsed body and elapsed ms. */
export function httpGet(port: number, path: string, timeoutMs = 5000): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), ms: performance.now() - t0 });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a pid is alive (signal 0). Zombies count as dead: they cannot run. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export const REQUIRED_FIELDS = ['timestamp', 'level', 'process_target', 'pod_name', 'namespace', 'message'] as const;

/** Every stdout line is one JSON object with the required fields (properties 4 and 5). */
export function assertLogLines(raw: string[]): void {
  for (const text of raw) {
    const rec = JSON.parse(text) as Record<string, unknown>;
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new Error(`not an object: ${text.slice(0, 200)}`);
    for (const f of REQUIRED_FIELDS) if (typeof rec[f] !== 'string') throw new Error(`missing ${f}: ${text.slice(0, 200)}`);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(rec.timestamp as string)) throw new Error(`timestamp not ISO UTC ms: ${text.slice(0, 200)}`);
  }
}
