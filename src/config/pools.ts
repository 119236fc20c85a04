// delayed_job's worker-pool syntax, as a value and as text.
//
// `bin/delayed_job --pool=q1,q2:N` is how the design document describes its
// workers. We keep the syntax (operators know it, and DELAYED_JOB_POOLS strings
// are copied between runbooks) but never hand it to `bin/delayed_job run`:
// that command runs ONE process and works the pools one after another
// (delayed_job issues #1106 and #992). railyard's runtime parses the same
// string and starts one foreground `rake jobs:work` per slot instead.

/** One `--pool=`: the queues it works (`['*']` = every queue, as delayed_job writes it) and how many processes. */
export interface Pool {
  queues: string[];
  count: number;
}

/** A queue name that survives the round trip through `--pool=a,b:N` inside a whitespace-split env var. */
export const QUEUE_NAME = /^[A-Za-z0-9_.\-]+$/;
export const MAX_POOL_COUNT = 256;
/** delayed_job's spelling of "every queue". */
export const ALL_QUEUES = '*';

export class PoolSpecError extends Error {
  constructor(
    message: string,
    /** Index of the offending `--pool` token, when there is one. */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'PoolSpecError';
  }
}

/** Parses one pool body, `q1,q2:N` or `*:N` or `q1` (N defaults to 1, as delayed_job does). */
export function parsePool(body: string, index?: number): Pool {
  const where = index === undefined ? '' : `pool ${index}: `;
  const parts = body.split(':');
  if (parts.length > 2) throw new PoolSpecError(`${where}"${body}" has more than one ":"`, index);
  const [queuePart = '', countPart] = parts;
  let count = 1;
  if (countPart !== undefined) {
    if (!/^[0-9]+$/.test(countPart)) {
      throw new PoolSpecError(`${where}process count "${countPart}" is not a whole number`, index);
    }
    count = Number(countPart);
    if (count < 1 || count > MAX_POOL_COUNT) {
      throw new PoolSpecError(`${where}process count ${count} must be between 1 and ${MAX_POOL_COUNT}`, index);
    }
  }
  if (queuePart === '*') return { queues: [ALL_QUEUES], count };
  if (queuePart === '') throw new PoolSpecError(`${where}no queues before ":" (write "*" for all queues)`, index);
  const queues = queuePart.split(',');
  const seen = new Set<string>();
  for (const q of queues) {
    if (q === '') throw new PoolSpecError(`${where}empty queue name in "${queuePart}"`, index);
    if (q === '*') throw new PoolSpecError(`${where}"*" must stand alone, not in a queue list`, index);
    if (!QUEUE_NAME.test(q)) throw new PoolSpecError(`${where}queue "${q}" may only use letters, digits, "_", "." and "-"`, index);
    if (seen.has(q)) throw new PoolSpecError(`${where}queue "${q}" is listed twice`, index);
    seen.add(q);
  }
  return { queues, count };
}

/**
 * Parses a DELAYED_JOB_POOLS string: whitespace-separated `--pool=BODY` (or `--pool BODY`) tokens.
 * Anything else is an error rather than being passed through, because the runtime
 * has no `bin/delayed_job` to pass it to.
 */
export function parsePoolSpec(spec: string): Pool[] {
  const tokens = spec.trim().split(/\s+/).filter((t) => t !== '');
  const pools: Pool[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let body: string;
    if (token.startsWith('--pool=')) {
      body = token.slice('--pool='.length);
    } else if (token === '--pool') {
      const next = tokens[i + 1];
      if (next === undefined) throw new PoolSpecError(`pool ${pools.length}: "--pool" needs a value`, pools.length);
      body = next;
      i++;
    } else {
      throw new PoolSpecError(`unexpected "${token}": each pool is written --pool=QUEUES:COUNT`, pools.length);
    }
    pools.push(parsePool(body, pools.length));
  }
  if (pools.length === 0) throw new PoolSpecError('no pools: write at least one --pool=QUEUES:COUNT');
  return pools;
}

/** Renders pools in canonical form: `--pool=a,b:N`, `*` for all queues, the count always written. */
export function renderPoolSpec(pools: readonly Pool[]): string {
  return pools.map(renderPool).join(' ');
}

export function renderPool(pool: Pool): string {
  return `--pool=${pool.queues.join(',')}:${pool.count}`;
}

/** Total number of worker processes the pools start. */
export function countProcesses(pools: readonly Pool[]): number {
  return pools.reduce((n, p) => n + p.count, 0);
}

/** The `QUEUES` value a slot of this pool runs with; undefined means "all queues" (no QUEUES at all). */
export function queuesEnv(pool: Pool): string | undefined {
  return isAllQueues(pool) ? undefined : pool.queues.join(',');
}

export function isAllQueues(pool: Pool): boolean {
  return pool.queues.length === 1 && pool.queues[0] === ALL_QUEUES;
}
