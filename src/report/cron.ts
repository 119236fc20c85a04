// The cron week: when each CronJob starts over one week, in its own time zone, and
// which minutes pile several starts together. Pure: schedules and a week in, runs out.
//
// Semantics follow croner's (Vixie cron's) reading of a schedule, so the heat map
// agrees with croner's next-run computation (test/report/cron.test.ts checks that):
// day-of-month and day-of-week are OR-ed when both are restricted (neither is `*`/`?`),
// day-of-week 7 is Sunday, and around a DST change a fixed-time job (one minute and
// one hour, `30 2 * * *`) runs once in a repeated hour and right after a skipped one,
// while an interval job (`*/5`, ranges, lists) runs in both passes of a repeated
// hour and not at all in a skipped one.

export interface CronSchedule {
  minutes: Uint8Array; // 0-59
  hours: Uint8Array; // 0-23
  doms: Uint8Array; // 1-31
  months: Uint8Array; // 1-12
  dows: Uint8Array; // 0-6, Sunday 0
  domStar: boolean;
  dowStar: boolean;
  /** One minute and one hour: runs once per day whatever DST does. */
  fixed: boolean;
}

const SHORTCUTS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class ScheduleError extends Error {}

function field(text: string, min: number, max: number, names?: readonly string[], nameBase = 0): Uint8Array {
  const set = new Uint8Array(max + 1);
  const value = (tok: string): number => {
    if (/^[0-9]+$/.test(tok)) return Number(tok);
    const i = names ? names.indexOf(tok.toUpperCase()) : -1;
    if (i < 0) throw new ScheduleError(`"${tok}" is not a number${names ? ' or name' : ''}`);
    return i + nameBase;
  };
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new ScheduleError(`"${part}" is not a cron field item`);
    const step = stepText === undefined ? 1 : /^[0-9]+$/.test(stepText) && Number(stepText) > 0 ? Number(stepText) : NaN;
    if (Number.isNaN(step)) throw new ScheduleError(`step "${stepText}" must be a positive whole number`);
    if (step > max) throw new ScheduleError(`step ${step} is larger than the field's maximum ${max}`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const b = range.split('-');
      if (b.length !== 2) throw new ScheduleError(`"${range}" is not a range`);
      [lo, hi] = [value(b[0]!), value(b[1]!)];
    } else {
      // croner refuses `5/15`: a step needs `*` or a range before it.
      if (stepText !== undefined) throw new ScheduleError(`"${part}": a step needs "*" or a range before it`);
      lo = hi = value(range);
    }
    if (lo < min || hi > max || lo > hi) throw new ScheduleError(`"${range}" is outside ${min}-${max} or runs backwards`);
    for (let v = lo; v <= hi; v += step) set[v] = 1;
  }
  return set;
}

/** Parses a five-field schedule or an @ shortcut; throws ScheduleError for what the heat map cannot draw (@every, L, W, #). */
export function parseSchedule(schedule: string): CronSchedule {
  let s = schedule.trim();
  if (s.startsWith('@')) {
    const full = SHORTCUTS[s.toLowerCase()];
    if (!full) throw new ScheduleError(`"${s}" has no fixed times to draw`);
    s = full;
  }
  const f = s.split(/\s+/);
  if (f.length !== 5) throw new ScheduleError(`"${s}" has ${f.length} fields, not 5`);
  const dow7 = field(f[4]!, 0, 7, DAYS, 0);
  const dows = dow7.slice(0, 7);
  if (dow7[7]) dows[0] = 1;
  return {
    minutes: field(f[0]!, 0, 59),
    hours: field(f[1]!, 0, 23),
    doms: field(f[2]!, 1, 31),
    months: field(f[3]!, 1, 12, MONTHS, 1),
    dows,
    domStar: f[2] === '*' || f[2] === '?',
    dowStar: f[4] === '*' || f[4] === '?',
    fixed: /^[0-9]+$/.test(f[0]!) && /^[0-9]+$/.test(f[1]!),
  };
}

/** Every minute of one week in one time zone, as instants and local wall-clock fields. */
export interface WeekClock {
  timeZone: string;
  /** Epoch ms of each real minute from local midnight of the first day to local midnight seven days later. */
  instants: Float64Array;
  /** Local wall-clock minute since the epoch (local time read as UTC), per instant. */
  wall: Float64Array;
  /** Local minute (0-59), hour (0-23) and day number (days since 1970-01-01, local) per instant. */
  minute: Uint8Array;
  hour: Uint8Array;
  day: Int32Array;
  /** The first local day's number. */
  firstDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset from UTC at an instant, ms. */
export function zoneOffset(timeZone: string, t: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant of local midnight starting `date` (YYYY-MM-DD) in the zone (the first real minute, if midnight falls in a gap). */
function localMidnight(timeZone: string, date: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let t = wall - zoneOffset(timeZone, wall);
  t = wall - zoneOffset(timeZone, t);
  // In a gap the guess lands before midnight's wall time; step to the first minute at or after it.
  while (t + zoneOffset(timeZone, t) < wall) t += 60_000;
  return t;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

export function weekClock(timeZone: string, weekStart: string): WeekClock {
  const start = localMidnight(timeZone, weekStart);
  const endDate = new Date(Date.parse(`${weekStart}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
  const end = localMidnight(timeZone, endDate);
  const n = Math.round((end - start) / MINUTE);
  const instants = new Float64Array(n);
  const wall = new Float64Array(n);
  // One Intl call per hour: offsets only change at a transition, found by halving the hour.
  let i = 0;
  for (let h = start; h < end; h += HOUR) {
    const a = zoneOffset(timeZone, h);
    const b = zoneOffset(timeZone, Math.min(h + HOUR, end));
    let switchAt = Math.min(h + HOUR, end);
    if (a !== b) {
      let lo = h;
      let hi = Math.min(h + HOUR, end);
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (zoneOffset(timeZone, mid) === a) lo = mid;
        else hi = mid;
      }
      switchAt = hi;
    }
    for (let t = h; t < Math.min(h + HOUR, end); t += MINUTE) {
      instants[i] = t;
      wall[i] = (t + (t < switchAt ? a : b)) / MINUTE;
      i++;
    }
  }
  const minute = new Uint8Array(n);
  const hour = new Uint8Array(n);
  const day = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const w = wall[k]!;
    const d = Math.floor(w / 1440);
    const m = w - d * 1440;
    day[k] = d;
    hour[k] = Math.floor(m / 60);
    minute[k] = m % 60;
  }
  return { timeZone, instants, wall, minute, hour, day, firstDay: Math.floor(Date.parse(`${weekStart}T00:00:00Z`) / 86_400_000) };
}

const dayCache = new Map<number, { dom: number; month: number; dow: number }>();
function dayFields(day: number): { dom: number; month: number; dow: number } {
  let d = dayCache.get(day);
  if (!d) {
    const date = new Date(day * 86_400_000);
    d = { dom: date.getUTCDate(), month: date.getUTCMonth() + 1, dow: date.getUTCDay() };
    if (dayCache.size < 10_000) dayCache.set(day, d);
  }
  return d;
}

function dayMatches(s: CronSchedule, day: number): boolean {
  const { dom, month, dow } = dayFields(day);
  if (!s.months[month]) return false;
  if (s.domStar && s.dowStar) return true;
  if (s.domStar) return s.dows[dow] === 1;
  if (s.dowStar) return s.doms[dom] === 1;
  return s.doms[dom] === 1 || s.dows[dow] === 1;
}

function wallMatches(s: CronSchedule, wallMinute: number): boolean {
  const minuteOfDay = wallMinute - Math.floor(wallMinute / 1440) * 1440;
  return s.minutes[minuteOfDay % 60] === 1 && s.hours[Math.floor(minuteOfDay / 60)] === 1 && dayMatches(s, Math.floor(wallMinute / 1440));
}

/** Indexes into `clock.instants` at which the schedule starts a run. */
export function runsInWeek(s: CronSchedule, clock: WeekClock): number[] {
  const out: number[] = [];
  const { wall, minute, hour, day } = clock;
  // The week spans eight local days at most: decide each day once.
  const days = new Map<number, boolean>();
  const dayOk = (d: number) => {
    let ok = days.get(d);
    if (ok === undefined) days.set(d, (ok = dayMatches(s, d)));
    return ok;
  };
  const { minutes, hours } = s;
  let maxWall = wall.length ? wall[0]! - 1 : 0;
  for (let i = 0; i < wall.length; i++) {
    const w = wall[i]!;
    const prev = i === 0 ? w - 1 : wall[i - 1]!;
    const here = minutes[minute[i]!] === 1 && hours[hour[i]!] === 1 && dayOk(day[i]!);
    if (w <= maxWall) {
      // The second pass through a repeated hour: interval jobs run again, fixed-time jobs do not.
      if (!s.fixed && here) out.push(i);
      continue;
    }
    if (w > prev + 1 && s.fixed) {
      // Wall-clock minutes skipped by a spring-forward: a fixed-time job due in them runs now.
      let due = here;
      for (let g = Math.max(prev, maxWall) + 1; g < w && !due; g++) due = wallMatches(s, g);
      if (due) out.push(i);
    } else if (here) out.push(i);
    maxWall = w;
  }
  return out;
}

// ---------------------------------------------------------------- the week of every CronJob

export interface CronJobInput {
  name: string;
  schedule: string;
  timeZone: string;
}

export interface CronJobWeek extends CronJobInput {
  runs: number;
  /** Why the job is not drawn (a schedule with no fixed times, such as @every). */
  problem?: string;
}

/** Jobs that start in the same minute, and how often that happens in the week. */
export interface Collision {
  jobs: string[];
  times: number;
  /** The first few such minutes, `Mon 00:00` in the jobs' time zone (with the zone when the report mixes zones). */
  examples: string[];
}

export interface CronWeek {
  /** The Monday the week starts on, local to each job's zone. */
  weekStart: string;
  timeZones: string[];
  jobs: CronJobWeek[];
  /** Starts per [day 0 = Monday][hour], by each job's local time. */
  cells: number[][];
  /** Per cell, the minutes with starts: [minute, starts]; the hover text. */
  minutes: [number, number][][][];
  /** Per cell, the most jobs starting in one minute. */
  peak: number[][];
  /** Starts per minute of the hour over the whole week: where the :00 pile-up shows. */
  minuteOfHour: number[];
  /** The most jobs starting in one minute, anywhere in the week. */
  maxTogether: number;
  collisions: Collision[];
}

export const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `weekStart` must be a Monday (YYYY-MM-DD). */
export function cronWeek(inputs: readonly CronJobInput[], weekStart: string): CronWeek {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(weekStart) || new Date(`${weekStart}T00:00:00Z`).getUTCDay() !== 1) throw new ScheduleError(`week start "${weekStart}" must be a Monday written YYYY-MM-DD`);
  const zones = [...new Set(inputs.map((j) => j.timeZone))].sort();
  // Jobs with the same schedule and zone start together by definition: a generated
  // config repeats a few schedules many times, so each group is computed once.
  const groups = new Map<string, { schedule: string; timeZone: string; jobs: number[] }>();
  inputs.forEach((job, j) => {
    const key = `${job.schedule}\0${job.timeZone}`;
    const g = groups.get(key);
    if (g) g.jobs.push(j);
    else groups.set(key, { schedule: job.schedule, timeZone: job.timeZone, jobs: [j] });
  });
  const perMinute = new Int32Array(7 * 24 * 60);
  const clocks = new Map<string, WeekClock>();
  const byInstant = new Map<number, number[]>(); // instant -> group indexes
  const label = new Map<number, string>(); // instant -> local label of the first group there
  const runsOf = new Int32Array(inputs.length);
  const problems = new Map<number, string>();
  const groupList = [...groups.values()];
  groupList.forEach((g, gi) => {
    let clock = clocks.get(g.timeZone);
    if (!clock) clocks.set(g.timeZone, (clock = weekClock(g.timeZone, weekStart)));
    let s: CronSchedule;
    try {
      s = parseSchedule(g.schedule);
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      for (const j of g.jobs) problems.set(j, e.message);
      return;
    }
    const runs = runsInWeek(s, clock);
    const n = g.jobs.length;
    for (const j of g.jobs) runsOf[j] = runs.length;
    for (const i of runs) {
      const day = clock.day[i]! - clock.firstDay;
      if (day < 0 || day > 6) continue;
      const hour = clock.hour[i]!;
      const minute = clock.minute[i]!;
      perMinute[(day * 24 + hour) * 60 + minute]! += n;
      const t = clock.instants[i]!;
      const at = byInstant.get(t);
      if (at) at.push(gi);
      else {
        byInstant.set(t, [gi]);
        label.set(t, `${DAY_NAMES[day]} ${pad(hour)}:${pad(minute)}${zones.length > 1 ? ` ${g.timeZone}` : ''}`);
      }
    }
  });
  const jobs: CronJobWeek[] = inputs.map((job, j) => (problems.has(j) ? { ...job, runs: 0, problem: problems.get(j)! } : { ...job, runs: runsOf[j]! }));
  const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const peak = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const minuteOfHour = new Array<number>(60).fill(0);
  const minutes: [number, number][][][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => [] as [number, number][]));
  for (let k = 0; k < perMinute.length; k++) {
    const n = perMinute[k]!;
    if (n === 0) continue;
    const cell = Math.floor(k / 60);
    const d = Math.floor(cell / 24);
    const h = cell % 24;
    cells[d]![h]! += n;
    minuteOfHour[k % 60]! += n;
    minutes[d]![h]!.push([k % 60, n]);
    if (n > peak[d]![h]!) peak[d]![h] = n;
  }
  // Collisions by the set of jobs that meet: "these five start together 168 times".
  const found = new Map<string, Collision>();
  const namesOf = new Map<string, string[]>();
  let maxTogether = 0;
  for (const t of [...byInstant.keys()].sort((a, b) => a - b)) {
    const at = byInstant.get(t)!;
    const together = at.reduce((n, gi) => n + groupList[gi]!.jobs.length, 0);
    maxTogether = Math.max(maxTogether, together);
    if (together < 2) continue;
    const gkey = at.join(',');
    let names = namesOf.get(gkey);
    if (!names) namesOf.set(gkey, (names = [...new Set(at.flatMap((gi) => groupList[gi]!.jobs.map((j) => inputs[j]!.name)))].sort()));
    const key = names.join('\n');
    let c = found.get(key);
    if (!c) found.set(key, (c = { jobs: names, times: 0, examples: [] }));
    c.times++;
    if (c.examples.length < 3) c.examples.push(label.get(t)!);
  }
  const collisions = [...found.values()].sort((a, b) => b.jobs.length - a.jobs.length || b.times - a.times || (a.jobs.join() < b.jobs.join() ? -1 : 1));
  return { weekStart, timeZones: zones, jobs, cells, minutes, peak, minuteOfHour, maxTogether, collisions };
}

/** The Monday of the week holding `date` (UTC), as YYYY-MM-DD. */
export function mondayOf(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}
