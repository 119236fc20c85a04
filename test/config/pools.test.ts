import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePoolSpec, renderPoolSpec, countProcesses, queuesEnv, PoolSpecError, type Pool } from '../../src/config/pools.js';
import { DESIGN } from '../fixtures/design-tables.js';

const queueName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);
const pool: fc.Arbitrary<Pool> = fc.record({
  queues: fc.oneof({ weight: 1, arbitrary: fc.constant<string[]>(['*']) }, { weight: 5, arbitrary: fc.uniqueArray(queueName, { minLength: 1, maxLength: 6 }) }),
  count: fc.integer({ min: 1, max: 256 }),
});

describe('delayed_job pool syntax', () => {
  it('round-trips structured pools through --pool=a,b:N text', () => {
    fc.assert(
      fc.property(fc.array(pool, { minLength: 1, maxLength: 15 }), (pools) => {
        expect(parsePoolSpec(renderPoolSpec(pools))).toEqual(pools);
      }),
      { numRuns: 300 },
    );
  });

  it('reads canonical text back to the same text, whatever the whitespace', () => {
    fc.assert(
      fc.property(fc.array(pool, { minLength: 1, maxLength: 10 }), fc.constantFrom(' ', '  ', '\t', '\n '), (pools, sep) => {
        const text = renderPoolSpec(pools);
        expect(renderPoolSpec(parsePoolSpec(text.split(' ').join(sep)))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('reproduces both of the design document’s DELAYED_JOB_POOLS strings exactly', () => {
    for (const spec of [DESIGN.pools['worker-primary'], DESIGN.pools['worker-secondary']]) {
      expect(renderPoolSpec(parsePoolSpec(spec))).toBe(spec);
    }
    expect(countProcesses(parsePoolSpec(DESIGN.pools['worker-primary']))).toBe(11);
    expect(countProcesses(parsePoolSpec(DESIGN.pools['worker-secondary']))).toBe(44);
  });

  it('follows delayed_job: N defaults to 1, * means every queue, --pool VALUE works too', () => {
    expect(parsePoolSpec('--pool=mail')).toEqual([{ queues: ['mail'], count: 1 }]);
    expect(parsePoolSpec('--pool=*:3')).toEqual([{ queues: ['*'], count: 3 }]);
    expect(parsePoolSpec('--pool a,b:2')).toEqual([{ queues: ['a', 'b'], count: 2 }]);
    expect(renderPoolSpec([{ queues: ['*'], count: 2 }])).toBe('--pool=*:2');
    expect(queuesEnv({ queues: ['*'], count: 2 })).toBeUndefined();
    expect(queuesEnv({ queues: ['a', 'b'], count: 2 })).toBe('a,b');
  });

  it.each([
    ['', /no pools/],
    ['--pool=', /no queues/],
    ['--pool=a:0', /between 1 and 256/],
    ['--pool=a:x', /not a whole number/],
    ['--pool=a:1:2', /more than one ":"/],
    ['--pool=a,,b:1', /empty queue name/],
    ['--pool=a,*:1', /must stand alone/],
    ['--pool=a,a:1', /listed twice/],
    ['--pool=a b:1', /unexpected "b:1"/],
    ['--queue=a', /unexpected/],
    ['--pool', /needs a value/],
    ['--pool=ma"il:1', /may only use/],
  ])('rejects %j with a clear message', (spec, message) => {
    expect(() => parsePoolSpec(spec)).toThrowError(PoolSpecError);
    expect(() => parsePoolSpec(spec)).toThrowError(message);
  });

  it('names the pool index of a bad token', () => {
    try {
      parsePoolSpec('--pool=a:1 --pool=b:1 --pool=c:0');
      expect.unreachable();
    } catch (e) {
      expect((e as PoolSpecError).index).toBe(2);
      expect((e as Error).message).toMatch(/^pool 2: /);
    }
  });
});
