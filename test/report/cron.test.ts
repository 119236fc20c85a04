// The cron week against croner: the same runs, instant for instant, over whole weeks
// that include DST changes. A disagreement prints the schedule, zone and week.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cron } from 'croner';
import { parseSchedule, runsInWeek, weekClock, ScheduleError } from '../../src/report/cron.js';
import { loadConfig } from '../../src/config/load.js';
import { renderManifests } from '../../src/render/kubernetes/index.js';

/** Weeks (Mondays) holding a DST change in the zones below, and one without. */
const WEEKS = ['2026-03-23', '2026-10-19', '2026-03-02', '2026-10-26', '2026-09-28', '2026-03-30', '2026-11-30'];
const ZONES = ['Etc/UTC', 'Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];

function ours(schedule: string, tz: string, week: string): string[] {
  const clock = weekClock(tz, week);
  return runsInWeek(parseSchedule(schedule), clock).map((i) => new Date(clock.instants[i]!).toISOString());
}

function croners(schedule: string, tz: string, week: string): string[] {
  const clock = weekClock(tz, week);
  const start = clock.instants[0]!;
  const end = clock.instants[clock.instants.length - 1]! + 60_000;
  const job = new Cron(schedule, { timezone: tz, paused: true });
  const out: string[] = [];
  let d: Date | null = new Date(start - 1);
  while ((d = job.nextRun(d)) && d.getTime() < end) out.push(d.toISOString());
  return out;
}

describe('the cron week agrees with croner', () => {
  it('covers each week from local midnight to local midnight, with the DST change in it', () => {
    const spring = weekClock('Europe/Amsterdam', '2026-03-23');
    expect(spring.instants.length).toBe(7 * 1440 - 60);
    expect(new Date(spring.instants[0]!).toISOString()).toBe('2026-03-22T23:00:00.000Z');
    const fall = weekClock('Europe/Amsterdam', '2026-10-19');
    expect(fall.instants.length).toBe(7 * 1440 + 60);
    expect(weekClock('Australia/Lord_Howe', '2026-09-28').instants.length).toBe(7 * 1440 - 30);
  });

  it('for every CronJob of the examples, in every test week', async () => {
    let jobs = 0;
    const seen = new Set<string>();
    for (const example of ['examples/storecove', 'examples/storecove-gateway']) {
      const { app } = await loadConfig(example);
      for (const f of renderManifests(app, { imageTag: 'x' })) {
        for (const o of f.objects) {
          if (o.kind !== 'CronJob') continue;
          jobs++;
          const spec = (o as unknown as { spec: { schedule: string; timeZone?: string } }).spec;
          const name = String(o.metadata?.name);
          // croner takes about 1 ms a run in a time zone: the job's own zone over a plain
          // week, and Amsterdam over its spring-forward week.
          for (const [week, tz] of [['2026-11-30', spec.timeZone ?? 'Etc/UTC'], ['2026-03-23', 'Europe/Amsterdam']] as const) {
            const key = `${spec.schedule}\0${tz}\0${week}`;
            if (seen.has(key)) continue;
            seen.add(key);
            {
              expect(ours(spec.schedule, tz, week), `${name} "${spec.schedule}" ${tz} week of ${week}`).toEqual(croners(spec.schedule, tz, week));
            }
          }
        }
      }
    }
    expect(jobs).toBeGreaterThanOrEqual(16);
  }, 120_000);

  it('for 200 generated schedules: */n, ranges, lists, names, day-of-week 7, DST weeks', () => {
    const num = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map(String);
    const range = (lo: number, hi: number) =>
      fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }), fc.option(fc.integer({ min: 1, max: hi }), { nil: undefined })).map(([a, b, s]) => `${Math.min(a, b)}-${Math.max(a, b)}${s ? `/${s}` : ''}`);
    const step = (hi: number, least: number) => fc.integer({ min: least, max: hi }).map((n) => `*/${n}`);
    const item = (lo: number, hi: number, extra: fc.Arbitrary<string>[] = []) => fc.oneof(num(lo, hi), range(lo, hi), step(hi, 1), ...extra);
    const fieldOf = (lo: number, hi: number, extra: fc.Arbitrary<string>[] = []) =>
      fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, { weight: 4, arbitrary: item(lo, hi, extra) }, { weight: 2, arbitrary: fc.array(item(lo, hi, extra), { minLength: 2, maxLength: 4 }).map((a) => a.join(',')) });
    // croner takes about 1 ms a run in a time zone, so minutes stay sparse (a few runs an hour at most).
    const sparseMinute = fc.oneof(num(0, 59), fc.array(num(0, 59), { minLength: 2, maxLength: 3 }).map((a) => a.join(',')), step(59, 15), fc.integer({ min: 0, max: 55 }).map((a) => `${a}-${a + 3}`));
    const schedule = fc.oneof(
      { weight: 12, arbitrary: fc.tuple(sparseMinute, fieldOf(0, 23), fieldOf(1, 31), fieldOf(1, 12, [fc.constantFrom('JAN', 'mar', 'Oct', 'NOV')]), fieldOf(0, 7, [fc.constant('7'), fc.constantFrom('SUN', 'mon', 'Fri', '5-7')])).map((f) => f.join(' ')) },
      // Fixed-time jobs in and around the hours DST moves.
      { weight: 4, arbitrary: fc.tuple(num(0, 59), fc.constantFrom('0', '1', '2', '3', '23'), fc.constantFrom('*', '1', '25-31'), fc.constant('*'), fc.constantFrom('*', '0', '7', '1-5')).map((f) => f.join(' ')) },
      { weight: 1, arbitrary: fc.constantFrom('@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@midnight') },
    );
    fc.assert(
      fc.property(schedule, fc.constantFrom(...ZONES), fc.constantFrom(...WEEKS), (s, tz, week) => {
        expect(ours(s, tz, week), `"${s}" ${tz} week of ${week}`).toEqual(croners(s, tz, week));
      }),
      { numRuns: 200 },
    );
  }, 180_000);

  it('refuses what it cannot draw, by name', () => {
    expect(() => parseSchedule('@every 5m')).toThrow(ScheduleError);
    expect(() => parseSchedule('0 0 L * *')).toThrow(/"L" is not a number/);
    expect(() => parseSchedule('5/15 * * * *')).toThrow(/a step needs/);
  });
});
