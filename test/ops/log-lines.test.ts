import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTs, formatRecord, parseDuration, recordFilter, Reorder, ResumePoint, sinceTimeOf, splitTimestamp, Watermark, type LogRecord } from '../../src/ops/log-lines.js';

const rec = (text: string, ts = '2026-11-30T16:00:01.123456789Z'): LogRecord => ({ ts, ms: Date.parse(ts), text, component: 'worker-primary', pod: 'worker-primary-7d9-abcde', container: 'worker' });

describe('formatRecord', () => {
  const runtime = '{"timestamp":"2026-11-30T16:00:01.120Z","level":"warn","process_target":"worker-primary","pod_name":"worker-primary-7d9-abcde","namespace":"shop","stream":"stdout","pool":"mail","slot":2,"pid":41,"message":"job failed","request_id":"r-9"}';

  it('prints a runtime record as component, pod, time, level, message and the fields that matter', () => {
    expect(formatRecord(rec(runtime), { colour: false, json: false })).toBe('worker-primary worker-primary-7d9-abcde 16:00:01.120 WARN  job failed pool=mail slot=2 request_id=r-9');
  });

  it('colours the level only when asked (a TTY without NO_COLOR)', () => {
    expect(formatRecord(rec(runtime), { colour: true, json: false })).toBe('worker-primary worker-primary-7d9-abcde 16:00:01.120 \u001b[33mWARN \u001b[0m job failed pool=mail slot=2 request_id=r-9');
    expect(formatRecord(rec('{"level":"error","message":"boom"}'), { colour: true, json: false })).toBe('worker-primary worker-primary-7d9-abcde 16:00:01.123 \u001b[31mERROR\u001b[0m boom');
  });

  it('prints a plain line with the kubelet time', () => {
    expect(formatRecord(rec('Puma starting in single mode...'), { colour: true, json: false })).toBe('worker-primary worker-primary-7d9-abcde 16:00:01.123 Puma starting in single mode...');
  });

  it('--json passes the container\'s JSON line through byte for byte; a plain line becomes an object', () => {
    const odd = '{"b":1,  "a":"x\\u00e9"}';
    expect(formatRecord(rec(odd), { colour: false, json: true })).toBe(odd);
    expect(formatRecord(rec(runtime), { colour: true, json: true })).toBe(runtime);
    expect(JSON.parse(formatRecord(rec('plain'), { colour: false, json: true }))).toEqual({ timestamp: '2026-11-30T16:00:01.123456789Z', component: 'worker-primary', pod: 'worker-primary-7d9-abcde', message: 'plain' });
    expect(formatRecord(rec('{not json'), { colour: false, json: true })).toBe('{"timestamp":"2026-11-30T16:00:01.123456789Z","component":"worker-primary","pod":"worker-primary-7d9-abcde","message":"{not json"}');
  });
});

describe('recordFilter', () => {
  it('--level keeps that level and above (no level counts as info); --grep matches the raw line', () => {
    const f = recordFilter({ level: 'warn' });
    expect(['{"level":"debug"}', '{"level":"info"}', 'plain', '{"level":"warn"}', '{"severity":"ERROR"}', '{"level":"fatal"}'].map((t) => f(rec(t)))).toEqual([false, false, false, true, true, true]);
    const g = recordFilter({ grep: /order-\d+/ });
    expect([g(rec('saved order-12')), g(rec('saved order'))]).toEqual([true, false]);
    expect(() => recordFilter({ level: 'loud' })).toThrow('--level must be one of debug, info, warn, error, fatal, not "loud"');
  });

  it('parses --since durations', () => {
    expect(['10m', '90s', '90', '2h', '1d', 'x', '5w', ''].map(parseDuration)).toEqual([600, 90, 90, 7200, 86400, undefined, undefined, undefined]);
  });
});

describe('timestamps', () => {
  it('splits the kubelet timestamp off a line', () => {
    expect(splitTimestamp('2026-11-30T16:00:01.5Z hello world')).toEqual({ ts: '2026-11-30T16:00:01.5Z', text: 'hello world' });
    expect(splitTimestamp('hello world')).toEqual({ ts: '', text: 'hello world' });
  });

  it('orders RFC 3339 timestamps with trimmed fractions exactly', () => {
    expect(compareTs('2026-11-30T16:00:01.1Z', '2026-11-30T16:00:01.12Z')).toBe(-1);
    expect(compareTs('2026-11-30T16:00:01Z', '2026-11-30T16:00:01.000000001Z')).toBe(-1);
    expect(compareTs('2026-11-30T16:00:02Z', '2026-11-30T16:00:01.9Z')).toBe(1);
    expect(compareTs('2026-11-30T16:00:01.10Z', '2026-11-30T16:00:01.1Z')).toBe(0);
    expect(sinceTimeOf('2026-11-30T16:00:01.123456789Z')).toBe('2026-11-30T16:00:01Z');
  });
});

describe('Reorder', () => {
  it('holds records for the window and releases them in timestamp order across pods', () => {
    const r = new Reorder<{ ts: string; id: string }>(100);
    r.push({ ts: '2026-11-30T16:00:01.3Z', id: 'a3' }, 0);
    r.push({ ts: '2026-11-30T16:00:01.1Z', id: 'b1' }, 10);
    r.push({ ts: '2026-11-30T16:00:01.2Z', id: 'a2' }, 20);
    expect(r.drain(50)).toEqual([]);
    // a3 arrived first and is due: everything older goes with it, in order.
    expect(r.drain(100).map((x) => x.id)).toEqual(['b1', 'a2', 'a3']);
    r.push({ ts: '2026-11-30T16:00:01.5Z', id: 'c5' }, 200);
    r.push({ ts: '2026-11-30T16:00:01.4Z', id: 'c4' }, 250);
    expect(r.drain(300).map((x) => x.id)).toEqual(['c4', 'c5']);
    r.push({ ts: '2026-11-30T16:00:02Z', id: 'd' }, 400);
    expect(r.drain(401)).toEqual([]);
    expect(r.drain(401, true).map((x) => x.id)).toEqual(['d']);
    expect(r.size).toBe(0);
  });

  it('never loses or repeats a record, and output is sorted whenever arrivals are within the window', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (items) => {
        const r = new Reorder<{ ts: string; i: number }>(50);
        const out: { ts: string; i: number }[] = [];
        // Arrival time = event time + a delay under the window.
        const arrivals = items.map(([t, delay], i) => ({ at: t + delay, ts: new Date(Date.UTC(2026, 0, 1) + t).toISOString(), i })).sort((a, b) => a.at - b.at);
        for (const a of arrivals) {
          out.push(...r.drain(a.at));
          r.push({ ts: a.ts, i: a.i }, a.at);
        }
        out.push(...r.drain(Infinity, true));
        expect(out.map((x) => x.i).sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
        for (let k = 1; k < out.length; k++) expect(compareTs(out[k - 1]!.ts, out[k]!.ts)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Watermark', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

  it('is undefined while an open stream has said nothing, then the oldest latest line; a closed stream stops counting', () => {
    const w = new Watermark();
    expect(w.value()).toBeUndefined();
    w.open('a');
    w.open('b');
    w.seen('a', at(300));
    expect(w.value()).toBeUndefined();
    w.seen('b', at(100));
    expect(w.value()).toBe(at(100));
    w.seen('b', at(500));
    expect(w.value()).toBe(at(300));
    w.open('a'); // opening a known stream again keeps what it said
    expect(w.value()).toBe(at(300));
    w.close('a');
    expect(w.value()).toBe(at(500));
  });

  it('one busy stream: each line goes out on the drain right after it arrives, not a window later', () => {
    const r = new Reorder<{ ts: string }>(200);
    const w = new Watermark();
    w.open('p/main');
    for (let i = 0; i < 10; i++) {
      const ts = at(i * 100);
      r.push({ ts }, i * 100);
      w.seen('p/main', ts);
      expect(r.drain(i * 100, false, w.value())).toEqual([{ ts }]);
    }
    // Without the watermark the same line waits for the window.
    r.push({ ts: at(2000) }, 2000);
    expect(r.drain(2000)).toEqual([]);
  });

  it('streams each in time order, delivered in any interleaving with any delay: output sorted, complete, nothing early', () => {
    let emittedEarly = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (gaps, picks) => {
          // Stream k's timestamps: running sums of its gaps (in time order, ties allowed).
          const streams = gaps.map((g) => {
            let t = 0;
            return g.map((d) => at((t += d)));
          });
          const next = streams.map(() => 0);
          // A window no drain reaches: only the watermark (or the final flush) lets a line out.
          const r = new Reorder<{ ts: string; s: number }>(Number.MAX_SAFE_INTEGER);
          const w = new Watermark();
          streams.forEach((_, k) => w.open(String(k)));
          const out: { ts: string; s: number }[] = [];
          let pick = 0;
          for (;;) {
            const live = streams.map((st, k) => k).filter((k) => next[k]! < streams[k]!.length);
            if (live.length === 0) break;
            const k = live[(picks[pick++] ?? 0) % live.length]!;
            const ts = streams[k]![next[k]!++]!;
            r.push({ ts, s: k }, 0);
            w.seen(String(k), ts);
            out.push(...r.drain(0, false, w.value()));
          }
          emittedEarly += out.length;
          out.push(...r.drain(0, true));
          expect(out.length).toBe(streams.flat().length);
          for (let i = 1; i < out.length; i++) expect(compareTs(out[i - 1]!.ts, out[i]!.ts)).toBeLessThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
    // The property is not met vacuously by holding everything to the end.
    expect(emittedEarly).toBeGreaterThan(1000);
  });
});

describe('ResumePoint', () => {
  /**
   * A container's log: lines with non-decreasing nanosecond timestamps, many
   * sharing a second and some sharing a timestamp. The API server with
   * sinceTime=S returns every line whose timestamp is at or after second S.
   */
  const stream = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 120 })
    .map((steps) => {
      let sec = 0;
      let frac = 0;
      return steps.map(([ds, df], i) => {
        if (ds > 0) {
          sec += ds;
          frac = df;
        } else frac += df;
        // Trailing zeros trimmed as RFC3339Nano does.
        const f = String(frac * 1000).padStart(9, '0').replace(/0+$/, '');
        return { ts: `2026-11-30T16:00:${String(sec).padStart(2, '0')}${f ? `.${f}` : ''}Z`, line: `line ${i}` };
      });
    });

  const replayFrom = (log: { ts: string; line: string }[], since: string | undefined) => (since === undefined ? log : log.filter((l) => compareTs(l.ts, since) >= 0));

  it('any split of a stream into dropped and resumed segments yields every line once, in order', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), (log, drops) => {
        const point = new ResumePoint();
        const got: string[] = [];
        // Each connection delivers some lines of what it is sent, then drops (the last one reads to the end).
        const cuts = [...drops.map((d) => d % (log.length + 1)), Infinity];
        for (const cut of cuts) {
          point.resume();
          const sent = replayFrom(log, point.sinceTime);
          let delivered = 0;
          for (const l of sent) {
            if (delivered++ >= cut) break;
            if (point.accept(l.ts)) got.push(l.line);
          }
        }
        expect(got).toEqual(log.map((l) => l.line));
      }),
      { numRuns: 500 },
    );
  });

  it('asks for the second of the last line it delivered', () => {
    const p = new ResumePoint();
    expect(p.sinceTime).toBeUndefined();
    p.accept('2026-11-30T16:00:05.25Z');
    expect(p.sinceTime).toBe('2026-11-30T16:00:05Z');
  });
});
