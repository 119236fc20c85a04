// What the API server accepts in a CronJob's schedule and timeZone. The check
// rules (src/check/rules/apiserver.ts) and `railyard init` (src/import) both use
// these; the controller's parser is robfig/cron's standard one, not Vixie cron's
// (no day-of-week 7, no L/W/#), so a crontab line is not automatically valid here.

const CRON_SHORTCUTS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, nameBase: 0 },
] as const;

/**
 * A CronJob schedule as the controller's standard parser reads it: five fields
 * (minute hour day-of-month month day-of-week) or an @ shortcut (@every DURATION too).
 * `TZ=`/`CRON_TZ=` prefixes are refused: the API server wants `timeZone` instead.
 * Undefined when valid.
 */
export function validateCronSchedule(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s === '') return 'must not be empty';
  if (/^(CRON_)?TZ=/.test(s)) return 'TZ= and CRON_TZ= are not allowed in schedule; set spec.timeZone';
  if (s.startsWith('@')) {
    if (CRON_SHORTCUTS.has(s)) return undefined;
    const every = /^@every\s+(.+)$/.exec(s);
    if (every && /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(every[1]!)) return undefined;
    return `"${s}" is not a known shortcut (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>)`;
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `"${s}" has ${fields.length} fields; a schedule has 5 (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const problem = validateCronField(fields[i]!, CRON_FIELDS[i]!);
    if (problem) return `${CRON_FIELDS[i]!.name} field "${fields[i]}": ${problem}`;
  }
  return undefined;
}

function validateCronField(field: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  const value = (tok: string): number | undefined => {
    if (/^[0-9]+$/.test(tok)) return Number(tok);
    if ('names' in spec) {
      const i = (spec.names as readonly string[]).indexOf(tok.toUpperCase());
      if (i >= 0) return i + spec.nameBase;
    }
    return undefined;
  };
  for (const part of field.split(',')) {
    if (part === '') return 'empty list item';
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one "/"`;
    if (step !== undefined && (!/^[0-9]+$/.test(step) || Number(step) === 0)) return `step "${step}" must be a positive whole number`;
    // The controller's parser reads "?" as "*" in every field, not only the day fields.
    if (range === '*' || range === '?') continue;
    const bounds = range!.split('-');
    if (bounds.length > 2) return `"${range}" is not a range`;
    const nums = bounds.map(value);
    if (nums.some((n) => n === undefined)) return `"${range}" is not a number${'names' in spec ? ' or name' : ''}`;
    for (const n of nums as number[]) if (n < spec.min || n > spec.max) return `${n} is outside ${spec.min}-${spec.max}`;
    if (nums.length === 2 && nums[0]! > nums[1]!) return `range "${range}" runs backwards`;
  }
  return undefined;
}

/** An IANA time zone name the controller can load (`Etc/UTC`, `Europe/Paris`): undefined when valid. */
const zoneCache = new Map<string, string | undefined>();

export function validateTimeZone(tz: string): string | undefined {
  if (zoneCache.has(tz)) return zoneCache.get(tz);
  const problem = checkTimeZone(tz);
  if (zoneCache.size < 1000) zoneCache.set(tz, problem);
  return problem;
}

/** Verdicts by zone name: building an Intl.DateTimeFormat costs ~0.1 ms, and a config of 2,000 CronJobs asks for the same few zones thousands of times (170 ms of `railyard report`). */
const zoneVerdicts = new Map<string, string | undefined>();

function checkTimeZone(tz: string): string | undefined {
  if (zoneVerdicts.has(tz)) return zoneVerdicts.get(tz);
  const verdict = zoneVerdict(tz);
  zoneVerdicts.set(tz, verdict);
  return verdict;
}

function zoneVerdict(tz: string): string | undefined {
  // The controller loads tzdata names; Intl knows the same database. Intl also
  // accepts odd spellings ("utc", "+01:00") that the API server refuses, so those are checked first.
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(tz)) return `"${tz}" is not a time zone name such as Etc/UTC or Europe/Amsterdam`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return `"${tz}" is not a known IANA time zone`;
  }
  return undefined;
}

