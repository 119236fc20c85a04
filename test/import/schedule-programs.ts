// fast-check generators of whenever schedule.rb programs, and the batching that
// runs many of them through one whenever process.
//
// A program is a few `every` blocks with rake, runner and command jobs, in every
// form whenever documents: N.minutes … N.years, symbols (:day, :hour, :reboot,
// :daily…), day names, :weekday/:weekend, arrays of days and raw cron strings;
// `at:` as integers, strings ('4:30 am', '12pm', '16:45', 'noon') and arrays.
// Every job's task carries a marker unique in its batch, so the crontab lines
// whenever prints map back to the job whatever order whenever chose (it groups
// jobs by their time, not by program order).
//
// A batch is many programs in one schedule.rb, plus settings that are global in
// whenever (set :output, :environment, :job_template; a Gemfile; bin/rails).
// Within a batch every job's lines are what whenever would print for that
// program alone: jobs only share a line when their tasks are equal, and markers
// make them differ.
import fc from 'fast-check';

export type JobType = 'rake' | 'runner' | 'command' | 'custom';

export interface GenJob {
  type: JobType;
  /** The task as written in schedule.rb (no newlines, no double spaces: whenever collapses whitespace). */
  task: string;
  marker: string;
}

export interface GenBlock {
  /** Ruby source of every's first argument. */
  every: string;
  /** Ruby source of at:, when given. */
  at?: string;
  mailto?: string;
  jobs: GenJob[];
  /** What railyard must make of this block's lines. */
  expect: 'cronjob' | 'reboot' | 'mailto' | 'refused';
}

export interface GenProgram {
  blocks: GenBlock[];
}

export interface GenBatch {
  programs: GenProgram[];
  output: 'none' | 'string' | 'nil' | 'hash';
  environment?: string;
  jobTemplate: 'default' | 'nil' | 'bash-lc';
  gemfile: boolean;
  binRails: boolean;
}

const int = (min: number, max: number) => fc.integer({ min, max });
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** A time of day in the styles whenever's README and Chronic take. */
const timeString = fc.oneof(
  fc.tuple(int(1, 12), int(0, 59), fc.constantFrom('am', 'pm', ' am', ' pm')).map(([h, m, ap]) => `${h}:${String(m).padStart(2, '0')}${ap}`),
  fc.tuple(int(1, 12), fc.constantFrom('am', 'pm')).map(([h, ap]) => `${h}${ap}`),
  fc.tuple(int(0, 23), int(0, 59)).map(([h, m]) => `${h}:${String(m).padStart(2, '0')}`),
  fc.constantFrom('noon', 'midnight', '12pm', '12am', '12:30pm'),
);
const quoted = (s: string) => `'${s}'`;
const atStrings = fc.oneof(
  timeString.map(quoted),
  fc.array(timeString, { minLength: 2, maxLength: 3 }).map((ts) => `[${ts.map(quoted).join(', ')}]`),
);
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** With a month name or d/m, whenever takes the day (and month) from `at` too. */
const atWithDay = fc.tuple(fc.constantFrom(...MONTH_NAMES), int(1, 28), timeString).map(([m, d, t]) => `'${m} ${d} ${t}'`);

type Branch = 'minute' | 'hour' | 'day' | 'month' | 'year';
const branchOf = (seconds: number): Branch => (seconds < 3600 ? 'minute' : seconds < 86400 ? 'hour' : seconds < 2592000 ? 'day' : seconds < 31557600 ? 'month' : 'year');

/** `at:` values whenever accepts for a frequency of this size (cron.rb's parse_time). */
function atFor(branch: Branch): fc.Arbitrary<string | undefined> {
  const none = fc.constant(undefined);
  switch (branch) {
    case 'minute':
      return fc.oneof(none, int(0, 59).map(String));
    case 'hour':
      return fc.oneof(none, int(0, 59).map(String), atStrings);
    case 'day':
      return fc.oneof(none, int(0, 23).map(String), atStrings);
    case 'month':
      return fc.oneof(none, int(1, 28).map(String), atStrings, atWithDay);
    case 'year':
      return fc.oneof(none, int(1, 12).map(String), atStrings, atWithDay);
  }
}

const UNIT_SECONDS = { minutes: 60, hours: 3600, days: 86400, weeks: 604800, months: 2592000 } as const;
const numeric = fc
  .oneof(
    fc.tuple(fc.constant('minutes' as const), int(1, 120)),
    fc.tuple(fc.constant('hours' as const), int(1, 48)),
    fc.tuple(fc.constant('days' as const), int(1, 40)),
    fc.tuple(fc.constant('weeks' as const), int(1, 6)),
    fc.tuple(fc.constant('months' as const), int(1, 12)),
  )
  .chain(([unit, n]) => atFor(branchOf(n * UNIT_SECONDS[unit])).map((at) => ({ every: `${n}.${n === 1 ? unit.slice(0, -1) : unit}`, at })));
// whenever's year branch matches exactly one year: 2.years does not parse (see the bad-input tests).
const yearly = fc.oneof(fc.constant('1.year'), fc.constant(':year')).chain((every) => atFor('year').map((at) => ({ every, at })));
const symbols = fc.constantFrom(':minute', ':hour', ':day', ':week', ':month').chain((every) => {
  const seconds = { ':minute': 60, ':hour': 3600, ':day': 86400, ':week': 604800, ':month': 2592000 }[every]!;
  return atFor(branchOf(seconds)).map((at) => ({ every, at }));
});
const dayNames = fc
  .oneof(
    fc.constantFrom(...DAYS).map((d) => `:${d}`),
    fc.constantFrom(...DAYS).map((d) => `'${d[0]!.toUpperCase()}${d.slice(1)}'`),
    fc.constantFrom(':weekday', ':weekend', "'weekday'"),
    fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 2, maxLength: 4 }).map((ds) => `[${ds.map((d) => `:${d}`).join(', ')}]`),
  )
  .chain((every) => fc.oneof(fc.constant(undefined), atStrings).map((at) => ({ every, at })));

/** A field of a raw cron string within [min, max], in the forms cron and whenever's REGEX take. */
function cronField(min: number, max: number, names?: readonly string[]): fc.Arbitrary<string> {
  const n = int(min, max);
  const forms: fc.Arbitrary<string>[] = [
    fc.constant('*'),
    int(2, Math.max(2, Math.floor((max - min) / 2))).map((k) => `*/${k}`),
    n.map(String),
    fc.tuple(n, n).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.uniqueArray(n, { minLength: 2, maxLength: 4 }).map((xs) => xs.sort((a, b) => a - b).join(',')),
    fc.tuple(n, n, int(2, 5)).map(([a, b, k]) => `${Math.min(a, b)}-${Math.max(a, b)}/${k}`),
  ];
  if (names) forms.push(fc.constantFrom(...names), fc.tuple(int(0, names.length - 2), int(1, 3)).map(([i, d]) => `${names[i]}-${names[Math.min(names.length - 1, i + d)]}`));
  return fc.oneof(...forms);
}
const MON = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const rawCron = fc
  .tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12, MON), cronField(0, 6, DOW))
  .map((fs) => ({ every: `'${fs.join(' ')}'`, at: undefined, refused: false }));
/** Vixie cron reads day-of-week 7 as Sunday; the API server refuses it. */
const rawCronSunday7 = fc.tuple(int(0, 59), int(0, 23), fc.constantFrom('7', '5-7', '1,7')).map(([m, h, d]) => ({ every: `'${m} ${h} * * ${d}'`, at: undefined, refused: true }));
const shortcuts = fc.constantFrom(':hourly', ':daily', ':midnight', ':weekly', ':monthly', ':yearly', ':annually').map((every) => ({ every, at: undefined }));

const taskWord = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);
const className = fc.stringMatching(/^[A-Z][a-z]{1,8}(::[A-Z][a-z]{1,8}){0,2}$/);

function job(type: JobType, marker: string): fc.Arbitrary<GenJob> {
  switch (type) {
    case 'rake':
      return fc
        .tuple(taskWord, fc.constantFrom('', '[7]', ' LIMIT=5', ' --trace'))
        .map(([ns, extra]) => ({ type, marker, task: `${ns}:${marker}${extra}` }));
    case 'runner':
      return fc
        .tuple(className, fc.constantFrom('.perform', '.new.call', ".run('x')", '.deliver_later(wait: 5)', '.where(name: "it\'s").count'))
        .map(([k, call]) => ({ type, marker, task: `${k}::${marker[0]!.toUpperCase()}${marker.slice(1)}${call}` }));
    case 'command':
      return fc
        .constantFrom('echo %s', "echo '%s done'", 'date +%Y-%m-%d_%s', 'cd /tmp && ls %s', 'test -e %s || true', 'bin/notify "%s"')
        .map((tpl) => ({ type, marker, task: tpl.replace('%s', marker) }));
    case 'custom':
      return fc.constant({ type, marker, task: marker });
  }
}

const blockTimes = fc.oneof(
  { weight: 5, arbitrary: numeric.map((x) => ({ ...x, expect: 'cronjob' as const })) },
  { weight: 1, arbitrary: yearly.map((x) => ({ ...x, expect: 'cronjob' as const })) },
  { weight: 2, arbitrary: symbols.map((x) => ({ ...x, expect: 'cronjob' as const })) },
  { weight: 3, arbitrary: dayNames.map((x) => ({ ...x, expect: 'cronjob' as const })) },
  { weight: 3, arbitrary: rawCron.map((x) => ({ every: x.every, at: x.at, expect: 'cronjob' as const })) },
  { weight: 1, arbitrary: rawCronSunday7.map((x) => ({ every: x.every, at: x.at, expect: 'refused' as const })) },
  { weight: 1, arbitrary: shortcuts.map((x) => ({ ...x, expect: 'cronjob' as const })) },
  { weight: 1, arbitrary: fc.constant({ every: ':reboot', at: undefined, expect: 'reboot' as const }) },
);

/** A batch of `size` programs; markers are unique across the batch. */
export function batch(size: { min: number; max: number }, opts: { custom?: boolean } = {}): fc.Arbitrary<GenBatch> {
  const types: JobType[] = opts.custom ? ['rake', 'runner', 'command', 'custom'] : ['rake', 'runner', 'command'];
  const shape = fc.array(
    fc.array(fc.record({ times: blockTimes, mailto: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('ops@example.com') }), types: fc.array(fc.constantFrom(...types), { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
    { minLength: size.min, maxLength: size.max },
  );
  return fc
    .record({
      shape,
      output: fc.constantFrom('none' as const, 'string' as const, 'nil' as const, 'hash' as const),
      environment: fc.constantFrom(undefined, undefined, 'staging'),
      jobTemplate: fc.constantFrom('default' as const, 'default' as const, 'nil' as const, 'bash-lc' as const),
      gemfile: fc.boolean(),
      binRails: fc.boolean(),
    })
    .chain((b) => {
      let k = 0;
      const programs = b.shape.map((blocks) =>
        fc.tuple(
          ...blocks.map((bl) =>
            fc.tuple(...bl.types.map((t) => job(t, `m${k++}x`))).map((jobs): GenBlock => ({
              every: bl.times.every,
              ...(bl.times.at !== undefined ? { at: bl.times.at } : {}),
              ...(bl.mailto ? { mailto: bl.mailto } : {}),
              jobs,
              expect: bl.times.expect === 'cronjob' && bl.mailto ? 'mailto' : bl.times.expect,
            })),
          ),
        ),
      );
      return fc.tuple(...programs).map((ps): GenBatch => ({ programs: ps.map((blocks) => ({ blocks })), output: b.output, environment: b.environment, jobTemplate: b.jobTemplate, gemfile: b.gemfile, binRails: b.binRails }));
    });
}

/** Ruby string literal (double-quoted) for a task. */
const rubyString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/#/g, '\\#')}"`;

/** The schedule.rb of a batch, and the line of each job (by marker) and of each block. */
export function scheduleRb(b: GenBatch): { text: string; jobLine: Map<string, number>; block: Map<string, GenBlock> } {
  const lines: string[] = ['# generated by test/import/schedule-programs.ts'];
  if (b.output === 'string') lines.push('set :output, "log/cron.log"');
  if (b.output === 'nil') lines.push('set :output, nil');
  if (b.output === 'hash') lines.push("set :output, { standard: 'log/out.log', error: 'log/err.log' }");
  if (b.environment) lines.push(`set :environment, ${rubyString(b.environment)}`);
  if (b.jobTemplate === 'nil') lines.push('set :job_template, nil');
  if (b.jobTemplate === 'bash-lc') lines.push(`set :job_template, "bash -lc ':job'"`);
  lines.push("job_type :custom_tool, '/usr/local/bin/tool --task :task'");
  const jobLine = new Map<string, number>();
  const block = new Map<string, GenBlock>();
  b.programs.forEach((p, i) => {
    lines.push(`# program ${i}`);
    for (const bl of p.blocks) {
      const opts = [bl.at !== undefined ? `at: ${bl.at}` : '', bl.mailto ? `mailto: ${rubyString(bl.mailto)}` : ''].filter(Boolean);
      lines.push(`every ${bl.every}${opts.length ? `, ${opts.join(', ')}` : ''} do`);
      for (const j of bl.jobs) {
        lines.push(`  ${j.type === 'custom' ? 'custom_tool' : j.type} ${rubyString(j.task)}`);
        jobLine.set(j.marker, lines.length);
        block.set(j.marker, bl);
      }
      lines.push('end');
    }
  });
  return { text: lines.join('\n') + '\n', jobLine, block };
}

export function allJobs(b: GenBatch): GenJob[] {
  return b.programs.flatMap((p) => p.blocks.flatMap((bl) => bl.jobs));
}
