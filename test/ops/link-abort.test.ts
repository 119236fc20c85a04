// linkAbort (src/ops/logs.ts): an abort that happened before the link is still passed on.
import { describe, expect, it } from 'vitest';
import { linkAbort } from '../../src/ops/logs.js';

describe('linkAbort', () => {
  it('passes on an abort that happened before the link, at once', () => {
    const ac = new AbortController();
    ac.abort();
    let aborted = 0;
    linkAbort(ac.signal, { abort: () => aborted++ });
    expect(aborted).toBe(1);
  });

  it('passes on a later abort once', () => {
    const ac = new AbortController();
    let aborted = 0;
    linkAbort(ac.signal, { abort: () => aborted++ });
    expect(aborted).toBe(0);
    ac.abort();
    ac.abort();
    expect(aborted).toBe(1);
  });
});
