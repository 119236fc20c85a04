// Capistrano's delayed_job settings (capistrano3-delayed_job and the like), read
// as text, never executed: `set :delayed_job_pools, {…}`, `:delayed_job_workers`,
// `:delayed_job_queues` and `:delayed_job_args`, in config/deploy.rb and each
// stage's config/deploy/<stage>.rb (the stage's value wins, as Capistrano loads it last).
import { ALL_QUEUES, parsePool, PoolSpecError, type Pool } from '../config/pools.js';
import { delayedJobPools } from './delayed-job.js';
import { NotLiteral, readRubyLiteral, rubyToString, type RubyValue } from './ruby-literal.js';
import { splitWords } from './shell.js';
import { assertText, lineAt, type Source, type Todo } from './types.js';

export interface CapistranoSetting {
  source: Source;
  /** Undefined when the value is not a literal (then `problem` says what it is). */
  value?: RubyValue;
  problem?: string;
}

export type CapistranoSettings = Map<string, CapistranoSetting>;

const SET = /^[ \t]*set[ \t]*\(?[ \t]*:(delayed_job_[a-z_]+)[ \t]*,/gm;

export function parseCapistrano(text: string, file: string): CapistranoSettings {
  assertText(file, text);
  const out: CapistranoSettings = new Map();
  for (const m of text.matchAll(SET)) {
    const at = m.index! + m[0].length;
    const source = { file, line: lineAt(text, m.index! + m[0].indexOf('set')) };
    try {
      const { value } = readRubyLiteral(text, at);
      out.set(m[1]!, { source, value });
    } catch (e) {
      if (!(e instanceof NotLiteral)) throw e;
      out.set(m[1]!, { source, problem: `${e.message} (railyard reads Capistrano files as text and runs nothing)` });
    }
  }
  return out;
}

export interface CapistranoWorkers {
  pools?: Pool[];
  /** The settings the pools came from. */
  sources: Source[];
  todos: Todo[];
  notes: string[];
}

/** The pools a stage runs: its own settings over config/deploy.rb's. */
export function capistranoPools(layers: readonly CapistranoSettings[]): CapistranoWorkers {
  const s: CapistranoSettings = new Map();
  for (const layer of layers) for (const [k, v] of layer) s.set(k, v);
  const out: CapistranoWorkers = { sources: [], todos: [], notes: [] };
  for (const [k, v] of s) if (v.problem) out.todos.push({ source: v.source, message: `:${k} is not a literal: ${v.problem}; set the pools by hand` });
  const perServer = s.get('delayed_job_pools_per_server');
  if (perServer) out.todos.push({ source: perServer.source, message: ':delayed_job_pools_per_server gives each server its own pools; railyard makes one worker Deployment per pool set: add a worker for each server group' });

  const pools = s.get('delayed_job_pools');
  const args = s.get('delayed_job_args');
  const workers = s.get('delayed_job_workers');
  const queues = s.get('delayed_job_queues');
  try {
    if (pools?.value !== undefined && pools.value !== null) {
      const v = pools.value;
      if (typeof v !== 'object' || !('hash' in v)) {
        out.todos.push({ source: pools.source, message: ':delayed_job_pools is not a hash of queues => processes' });
        return out;
      }
      out.pools = v.hash.map(([key, count], i) => {
        const q = key === null ? ALL_QUEUES : rubyToString(key);
        if (q === undefined || typeof count !== 'number') throw new PoolSpecError(`entry ${i + 1} is not "queues" => count`);
        return parsePool(`${q === '' ? ALL_QUEUES : q}:${count}`, i);
      });
      out.sources.push(pools.source);
      for (const other of [args, workers, queues]) if (other) out.notes.push(`${other.source.file}:${other.source.line}: ignored, delayed_job_pools is set`);
      return out;
    }
    if (args?.value !== undefined && args.value !== null) {
      if (typeof args.value !== 'string') {
        out.todos.push({ source: args.source, message: ':delayed_job_args is not a string' });
        return out;
      }
      const words = splitWords(args.value);
      if (!words) {
        out.todos.push({ source: args.source, message: `:delayed_job_args "${args.value}" is not a plain list of options` });
        return out;
      }
      const dj = delayedJobPools(['bin/delayed_job', ...words.map((w) => w.value)]);
      out.pools = dj.pools;
      out.sources.push(args.source);
      if (dj.dropped.length) out.notes.push(`not carried over from :delayed_job_args: ${dj.dropped.join(' ')}`);
      return out;
    }
    if ((workers?.value !== undefined && workers.value !== null) || (queues?.value !== undefined && queues.value !== null)) {
      const n = workers?.value ?? 1;
      if (typeof n !== 'number') {
        out.todos.push({ source: workers!.source, message: ':delayed_job_workers is not a number' });
        return out;
      }
      const qv = queues?.value;
      const list = qv === undefined || qv === null ? [ALL_QUEUES] : Array.isArray(qv) ? qv.map((q) => rubyToString(q)) : [rubyToString(qv)];
      if (list.some((q) => q === undefined)) {
        out.todos.push({ source: queues!.source, message: ':delayed_job_queues is not a list of queue names' });
        return out;
      }
      out.pools = [parsePool(`${(list as string[]).join(',')}:${n}`)];
      for (const x of [workers, queues]) if (x?.value !== undefined) out.sources.push(x.source);
    }
  } catch (e) {
    if (!(e instanceof PoolSpecError)) throw e;
    const src = (pools ?? args ?? workers ?? queues)!.source;
    out.todos.push({ source: src, message: `the delayed_job settings do not make pools: ${e.message}` });
    out.pools = undefined;
  }
  return out;
}
