// The Rails fixture app (test/fixtures/rails-app) as the integration tests
// use it: a private copy per test file, with THE FILES renderRailsFiles()
// renders for the Storecove example copied in, bundled offline from Debian's
// gems, migrated against the test file's MariaDB. Plus the child-process and
// HTTP helpers those tests share.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import type { App } from '../../src/config/schema.ts';
import { renderRailsFiles } from '../../src/render/rails/index.ts';
import type { MariaDb } from '../support/mariadb.ts';

const execFileAsync = promisify(execFile);

export const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const FIXTURE = join(REPO, 'test/fixtures/rails-app');
export const RUNTIME = join(REPO, 'dist/runtime.cjs');

/** What every JSON log line must carry (design properties 4 and 5). */
export const REQUIRED_LOG_FIELDS = ['timestamp', 'level', 'process_target', 'pod_name', 'namespace', 'message'] as const;

export interface RailsApp {
  dir: string;
  /** The model the Rails files were rendered from. */
  app: App;
  /** Env for a process of this app: production, the DB as the db secret gives it, pod identity. */
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  /** `bundle exec rake …`; rejects with its output on failure. */
  rake(args: string[], extra?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  cleanup(): void;
}

/** Copies the renderer's output for `app` into `dir`, as a user would copy rails/ into their app. */
export function installRenderedFiles(app: App, dir: string): string[] {
  const written: string[] = [];
  for (const f of renderRailsFiles(app)) {
    const rel = f.path.replace(/^rails\//, '');
    const target = join(dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    written.push(rel);
  }
  return written;
}

export interface RailsAppOptions {
  /**
   * The unpacked racecar gems (test/support/kafka.ts racecarGemsDir()): the
   * app then bundles racecar and loads its consumers (app/racecar).
   */
  racecarGems?: string;
}

export async function prepareRailsApp(db: MariaDb, identity: { processTarget: string; podName: string }, opts: RailsAppOptions = {}): Promise<RailsApp> {
  const app = (await loadConfig(join(REPO, 'examples/storecove'))).app;
  const dir = mkdtempSync(join(tmpdir(), 'railyard-rails-app-'));
  cpSync(FIXTURE, dir, {
    recursive: true,
    // A developer's local run may have left these in the fixture.
    filter: (src) => !/\/(tmp|log|\.bundle)(\/|$)|Gemfile\.lock$/.test(src.slice(FIXTURE.length)),
  });
  installRenderedFiles(app, dir);
  const dirDog = watchdog({ dir });
  const secretKeyBase = randomBytes(32).toString('hex');
  const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      RAILS_ENV: 'production',
      SECRET_KEY_BASE: secretKeyBase,
      RAILS_LOG_TO_STDOUT: 'true',
      BUNDLE_GEMFILE: join(dir, 'Gemfile'),
      ...(opts.racecarGems ? { RAILYARD_RACECAR_GEMS: opts.racecarGems } : {}),
      ...db.env,
      PROCESS_TARGET: identity.processTarget,
      POD_NAME: identity.podName,
      POD_NAMESPACE: 'ns-test',
      ...extra,
    };
    for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
    return e;
  };
  try {
    // Offline: only the gems Debian installed (mk/rails.mk).
    await execFileAsync('bundle', ['install', '--local', '--quiet'], { cwd: dir, env: env(), timeout: 120_000 });
  } catch (e) {
    dirDog.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bundle install --local failed in the fixture app: ${(e as Error).message}`);
  }
  return {
    dir,
    app,
    env,
    rake: async (args, extra = {}) => {
      try {
        return await execFileAsync('bundle', ['exec', 'rake', ...args], { cwd: dir, env: env(extra), timeout: 120_000 });
      } catch (e) {
        const err = e as Error & { stdout?: string; stderr?: string };
        throw new Error(`rake ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
      }
    },
    cleanup: () => {
      dirDog.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ processes

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** stdout, line by line, as it arrives. */
  lines: string[];
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): boolean;
  /** Resolves with the first stdout line matching `pred` (already seen or to come). */
  waitForLine(pred: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** SIGKILL to the process group, if still running. */
  killHard(): Promise<void>;
}

/** Starts a command in its own process group, so killHard() takes its children too. */
export function startProc(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  const watchers: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...watchers]) {
      if (w.pred(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      done = true;
      res({ code, signal });
    }),
  );
  live.add(child);
  const dog = watchdog({ pgid: child.pid! });
  void exit.then(() => {
    live.delete(child);
    dog.kill();
  });
  return {
    child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    exit,
    exited: () => done,
    waitForLine: (pred, timeoutMs) => {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no matching line within ${timeoutMs} ms; stdout:\n${lines.slice(-30).join('\n')}\nstderr:\n${err.slice(-3000)}`)), timeoutMs);
        watchers.push({ pred, resolve: (l) => (clearTimeout(timer), res(l)) });
      });
    },
    killHard: async () => {
      if (done) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exit;
    },
  };
}

/**
 * When the test process dies by a signal its exit hook does not run: a
 * detached shell then SIGKILLs the process group `pgid` and removes `dir`.
 * It ends on its own once the group is gone.
 */
function watchdog(opts: { pgid?: number; dir?: string }): ChildProcess {
  const script = [
    'while kill -0 "$1" 2>/dev/null && { [ -z "$2" ] || kill -0 "-$2" 2>/dev/null; }; do sleep 1; done',
    'if ! kill -0 "$1" 2>/dev/null; then [ -n "$2" ] && kill -9 "-$2" 2>/dev/null; [ -n "$3" ] && rm -rf "$3"; fi',
  ].join('\n');
  const dog = spawn('sh', ['-c', script, 'rails-test-watchdog', String(process.pid), opts.pgid ? String(opts.pgid) : '', opts.dir ?? ''], { detached: true, stdio: 'ignore' });
  dog.unref();
  return dog;
}

// Whatever a failed test leaves running goes with the test process.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** pids whose parent is `pid`, with their command lines. */
export function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) comes after the parenthesised command, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

// ------------------------------------------------------------------ HTTP and waiting

export interface HttpResult {
  status: number;
  body: string;
  json: Record<string, unknown>;
  ms: number;
}

export async function httpGet(url: string, timeoutMs = 10_000): Promise<HttpResult> {
  const started = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    /* not JSON: the assertions on json will say so */
  }
  return { status: res.status, body, json, ms: Date.now() - started };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Parses every line as a JSON object that has the required fields; returns them. */
export function parseJsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((line, i) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 300)}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`stdout line ${i + 1} is not a JSON object: ${line.slice(0, 300)}`);
    const o = v as Record<string, unknown>;
    for (const f of REQUIRED_LOG_FIELDS) {
      if (typeof o[f] !== 'string') throw new Error(`stdout line ${i + 1} lacks string field "${f}": ${line.slice(0, 300)}`);
    }
    if (Number.isNaN(Date.parse(o.timestamp as string)) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(o.timestamp as string)) {
      throw new Error(`stdout line ${i + 1} has a timestamp that is not ISO 8601 UTC with ms: ${o.timestamp}`);
    }
    return o;
  });
}
