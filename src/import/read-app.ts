// The edge of `railyard init`: reads the app's files and runs its whenever.
// Everything else in src/import is pure and takes what this returns.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { AppSources, CrontabInput } from './index.js';
import { wheneverError } from './index.js';
import { parseGemfileLock } from './gemfile-lock.js';
import { parseWheneverReport, WHENEVER_HOOK_RB, type WheneverReport } from './whenever.js';
import { ImportError, importError } from './types.js';

/** Files read whole, when present. */
const TOP_FILES = ['Gemfile.lock', '.ruby-version', 'config/application.rb', 'config/database.yml', 'config/puma.rb', 'config/deploy.rb', 'package.json'];
/** Files whose presence is enough. */
const PRESENCE = ['yarn.lock', 'package-lock.json', 'pnpm-lock.yaml', 'bun.lockb', 'config/credentials.yml.enc', 'config/credentials/production.yml.enc', 'config/schedule.rb', 'Gemfile'];
/** config/ files scanned for ENV names; larger ones are not config. */
const MAX_SCAN_BYTES = 1 << 20;

export const SCHEDULE_FILE = 'config/schedule.rb';

export interface ReadOptions {
  /** --crontab FILE, or '-' with its text in `stdin`. */
  crontab?: string;
  stdin?: () => string;
  /** Called before each slow step (a TTY shows it). */
  progress?: (what: string) => void;
}

export interface ReadApp extends AppSources {
  /** How whenever ran, and how long it took (bench/init.sh reports it). */
  whenever?: { command: string; ms: number };
  /** Things to tell the user about how the app was read. */
  readNotes: string[];
}

export function readApp(dir: string, opts: ReadOptions = {}): ReadApp {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw importError(dir, undefined, 'no such folder');
  }
  if (!st.isDirectory()) throw importError(dir, undefined, 'is not a folder (give the Rails app’s root)');
  opts.progress?.('reading the app');
  const files = new Map<string, string>();
  const present = new Set<string>();
  const readNotes: string[] = [];
  const read = (rel: string) => {
    try {
      files.set(rel, readFileSync(join(dir, rel), 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'EISDIR') throw importError(rel, undefined, 'is a folder, not a file');
      throw importError(rel, undefined, `cannot be read (${code ?? (e as Error).message})`);
    }
  };
  const exists = (rel: string) => {
    try {
      statSync(join(dir, rel));
      return true;
    } catch {
      return false;
    }
  };
  for (const f of TOP_FILES) read(f);
  for (const f of PRESENCE) if (exists(f)) present.add(f);
  for (const name of list(dir, '.')) if (name === 'Procfile' || name.startsWith('Procfile.')) read(name);
  for (const name of list(dir, 'config/deploy')) if (name.endsWith('.rb')) read(`config/deploy/${name}`);
  for (const rel of walk(dir, 'app/consumers')) if (rel.endsWith('.rb')) read(rel);
  for (const rel of walk(dir, 'config')) {
    if (files.has(rel) || !/\.(rb|yml|yaml|erb)$/.test(rel) || rel.startsWith('config/locales/')) continue;
    try {
      if (statSync(join(dir, rel)).size > MAX_SCAN_BYTES) continue;
    } catch {
      continue;
    }
    read(rel);
  }

  const out: ReadApp = { dirName: dir.split(sep).filter(Boolean).pop() ?? 'app', files, present, readNotes };
  if (opts.crontab !== undefined) {
    const text = opts.crontab === '-' ? (opts.stdin?.() ?? '') : readCrontab(opts.crontab);
    out.crontab = { text, file: opts.crontab === '-' ? '<stdin>' : opts.crontab, runner: opts.crontab === '-' ? 'the crontab on stdin' : `the crontab ${opts.crontab}` };
    if (present.has(SCHEDULE_FILE)) readNotes.push(`${SCHEDULE_FILE} was not run: --crontab was given`);
  } else if (present.has(SCHEDULE_FILE)) {
    opts.progress?.('running whenever on config/schedule.rb');
    const r = runWhenever(dir, files.get('Gemfile.lock'));
    out.crontab = r.crontab;
    out.whenever = { command: r.command, ms: r.ms };
    readNotes.push(...r.notes);
  }
  return out;
}

function readCrontab(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw importError(path, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function list(dir: string, rel: string): string[] {
  try {
    return readdirSync(join(dir, rel)).sort();
  } catch {
    return [];
  }
}

function walk(dir: string, rel: string): string[] {
  const out: string[] = [];
  const visit = (r: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(join(dir, r), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${r}/${e.name}`;
      if (e.isDirectory()) {
        if (depth < 8 && !e.name.startsWith('.') && e.name !== 'node_modules') visit(p, depth + 1);
      } else if (e.isFile()) out.push(p);
    }
  };
  visit(rel, 0);
  return out.sort();
}

interface WheneverRun {
  crontab: CrontabInput;
  command: string;
  /** Wall time of the run that printed the crontab. */
  ms: number;
  notes: string[];
}

/**
 * `bundle exec whenever` when the lockfile has whenever, else `whenever` on PATH;
 * the first one that starts decides. A failure of the schedule itself is bad input
 * (exit 2, the schedule.rb line named); no whenever at all is too, with the fix.
 */
export function runWhenever(dir: string, gemfileLock: string | undefined): WheneverRun {
  let locked = false;
  try {
    locked = gemfileLock !== undefined && parseGemfileLock(gemfileLock).gems.has('whenever');
  } catch {
    // an unreadable lockfile is reported by the importer
  }
  const candidates: string[][] = [...(locked ? [['bundle', 'exec', 'whenever']] : []), ['whenever']];
  const tmp = mkdtempSync(join(tmpdir(), 'railyard-whenever-'));
  const hook = join(tmp, 'railyard_whenever_hook.rb');
  writeFileSync(hook, WHENEVER_HOOK_RB);
  const notes: string[] = [];
  const tried: string[] = [];
  try {
    for (const argv of candidates) {
      const report = join(tmp, `report-${tried.length}.jsonl`);
      const started = performance.now();
      const r = spawnSync(argv[0]!, argv.slice(1), {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
        // BUNDLE_FROZEN: bundler must not rewrite the app's Gemfile.lock to start whenever.
        env: { ...process.env, BUNDLE_FROZEN: 'true', RUBYOPT: `-r${hook}${process.env.RUBYOPT ? ` ${process.env.RUBYOPT}` : ''}`, RAILYARD_WHENEVER_JOBS: report },
      });
      const ms = performance.now() - started;
      const command = argv.join(' ');
      if (r.error) {
        tried.push(`${command}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`);
        continue;
      }
      let parsed: WheneverReport | undefined;
      try {
        parsed = parseWheneverReport(readFileSync(report, 'utf8'));
      } catch {
        parsed = undefined;
      }
      if (r.status === 0) {
        if (!parsed?.loaded) notes.push(`${command} ran without railyard's hook, so CronJobs name whenever's output lines, not schedule.rb lines`);
        if (tried.length) notes.push(`used ${command} (${tried.join('; ')})`);
        return { crontab: { text: r.stdout, file: `${command} (${SCHEDULE_FILE})`, scheduleFile: SCHEDULE_FILE, report: parsed, runner: command }, command, ms, notes };
      }
      // The hook loads inside whenever: without it, whenever never started (bundler could not set up the app's gems).
      if (!parsed?.loaded && argv[0] === 'bundle') {
        tried.push(`${command} did not start: ${firstLine(r.stderr) || `exit ${r.status}`}`);
        continue;
      }
      throw wheneverError(SCHEDULE_FILE, r.stderr, parsed);
    }
    throw new ImportError([{ source: { file: SCHEDULE_FILE }, message: `whenever is needed to translate it and none ran (${tried.join('; ')}); install whenever (bundle install, or apt-get install ruby-whenever), or pass --crontab FILE` }]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The first line of an error, without Ruby's "file:line:in `method': " prefix. */
function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '' && !/^\s+from /.test(l)) ?? '';
  return line.replace(/^\S+:\d+:in `[^']*': /, '').trim().slice(0, 200);
}

