// How an app starts delayed_job, read into railyard's pools: `rake jobs:work`
// with QUEUES/QUEUE, or `bin/delayed_job run|start` with --pool, --queues and -n.
// railyard runs one `rake jobs:work` per pool slot (src/config/pools.ts says why),
// so each form becomes pools; options that change nothing the model says are named.
import { ALL_QUEUES, parsePool, PoolSpecError, type Pool } from '../config/pools.js';

export interface DelayedJobCommand {
  pools: Pool[];
  /** Options railyard does not carry over (priorities, sleep delay, …), as written. */
  dropped: string[];
}

const ENV_WORD = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const QUEUE_LIST = (s: string) => s.split(',').map((q) => q.trim()).filter((q) => q !== '');

/** Is this command line delayed_job? (words already split, env assignments included) */
export function isDelayedJob(words: readonly string[]): boolean {
  const i = words.findIndex((w) => !ENV_WORD.test(w));
  const rest = words.slice(i < 0 ? words.length : i);
  const body = rest[0] === 'bundle' && rest[1] === 'exec' ? rest.slice(2) : rest;
  if (/(^|\/)(rake|rails)$/.test(body[0] ?? '') && body.includes('jobs:work')) return true;
  return /(^|\/)delayed_job$/.test(body[0] ?? '');
}

/** Pools from a delayed_job command line; throws PoolSpecError when an option does not parse. */
export function delayedJobPools(words: readonly string[]): DelayedJobCommand {
  const env = new Map<string, string>();
  let i = 0;
  for (; i < words.length && ENV_WORD.test(words[i]!); i++) {
    const m = ENV_WORD.exec(words[i]!)!;
    env.set(m[1]!, m[2]!);
  }
  let body = words.slice(i);
  if (body[0] === 'bundle' && body[1] === 'exec') body = body.slice(2);
  const dropped: string[] = [];

  if (/(^|\/)(rake|rails)$/.test(body[0] ?? '')) {
    // rake jobs:work [QUEUES=a,b] [--silent] …: rake takes NAME=value arguments as env.
    for (const w of body.slice(1)) {
      const m = ENV_WORD.exec(w);
      if (m) env.set(m[1]!, m[2]!);
      else if (w !== 'jobs:work' && w !== '--silent' && w !== '-s') dropped.push(w);
    }
    for (const k of env.keys()) if (!['QUEUES', 'QUEUE'].includes(k)) dropped.push(`${k}=${env.get(k)}`);
    const queues = QUEUE_LIST(env.get('QUEUES') ?? env.get('QUEUE') ?? '');
    return { pools: [poolOf(queues.length ? queues : [ALL_QUEUES], 1)], dropped };
  }

  // bin/delayed_job [start|run|restart] --pool=… | --queues=… -n N
  const args = body.slice(1);
  const pools: Pool[] = [];
  let queues: string[] | undefined;
  let count = 1;
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    const value = (flag: string): string | undefined => {
      if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
      if (a === flag) return args[++k];
      return undefined;
    };
    if (['start', 'run', 'restart'].includes(a)) continue;
    let v: string | undefined;
    if ((v = value('--pool')) !== undefined) pools.push(parsePool(v.replace(/^(['"])(.*)\1$/, '$2'), pools.length));
    else if ((v = value('--queues') ?? value('--queue')) !== undefined) queues = [...(queues ?? []), ...QUEUE_LIST(v)];
    else if ((v = value('--number_of_workers') ?? value('-n')) !== undefined || /^-n\d+$/.test(a)) {
      const n = v ?? a.slice(2);
      if (!/^\d+$/.test(n)) throw new PoolSpecError(`-n "${n}" is not a whole number`);
      count = Number(n);
    } else dropped.push(a);
  }
  for (const k of env.keys()) if (!['QUEUES', 'QUEUE'].includes(k)) dropped.push(`${k}=${env.get(k)}`);
  if (pools.length > 0) {
    if (queues || count !== 1) dropped.push('--queues/-n (delayed_job ignores them when --pool is given)');
    return { pools, dropped };
  }
  const fromEnv = QUEUE_LIST(env.get('QUEUES') ?? env.get('QUEUE') ?? '');
  const q = queues ?? (fromEnv.length ? fromEnv : [ALL_QUEUES]);
  return { pools: [poolOf(q, count)], dropped };
}

function poolOf(queues: string[], count: number): Pool {
  // parsePool checks the names and the count as the model will.
  return parsePool(`${queues.join(',')}:${count}`);
}
