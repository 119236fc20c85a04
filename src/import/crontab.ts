// A crontab, as whenever prints it or as a server has it, read into CronJob
// candidates. whenever's rules decide the schedule: the fields are taken as
// they are and only checked against what the API server's parser accepts.
// What a CronJob cannot express becomes a TODO, with the reason; nothing is guessed.
//
// From whenever's line
//   0 4 * * * /bin/bash -l -c 'cd /srv/app && RAILS_ENV=production bundle exec rake x --silent >> log/cron.log 2>&1'
// the command is `bundle exec rake x`: the job template (bash -l -c), the `cd`,
// RAILS_ENV (it moves into the model), --silent and the redirection are whenever's
// wrapping, not the task. Runner and script jobs likewise; command jobs are the task.
import { validateCronSchedule } from '../config/cron.js';
import type { WheneverJob } from './whenever.js';
import { readWord } from './shell.js';
import { importError, type Source } from './types.js';

export type TaskKind = 'rake' | 'runner' | 'script' | 'command';

export interface CronLine {
  /** The schedule.rb line (from whenever's hook) or the crontab's own line. */
  source: Source;
  /** Line in the crontab text. */
  crontabLine: number;
  /** The five fields, single-spaced, or the @shortcut: exactly what cron would read. */
  schedule: string;
  /** The command part of the crontab line, as written. */
  raw: string;
  kind?: TaskKind;
  /** The task as the schedule wrote it (`rake "x"` → x); names come from it. */
  task?: string;
  /** What the CronJob runs (`bundle exec bash -c` around it, see render/kubernetes/jobs.ts). */
  command?: string;
  /** RAILS_ENV (or `-e`) the line ran with; it moves into the model. */
  environment?: string;
  /** What was left behind on the way, for the config's comment. */
  notes: string[];
  /** Why this line is not a CronJob. `command` is then the draft, when one could be made. */
  todo?: string;
}

export interface CrontabImport {
  lines: CronLine[];
  /** Variables set for the jobs below them (PATH=…, MAILTO=…), in order. */
  env: { name: string; value: string; line: number }[];
  /** CRON_TZ= or TZ=, which cron implementations that know it apply to the times. */
  timeZone?: { value: string; line: number };
}

export interface CrontabOptions {
  /** The crontab's name in messages: `--crontab FILE`, or `whenever` output. */
  file: string;
  /** The schedule.rb the hook's line numbers refer to. */
  scheduleFile?: string;
  /** whenever's report of its jobs (whenever.ts), when it ran with the hook. */
  jobs?: readonly WheneverJob[];
}

/** whenever's own templates (setup.rb), which railyard translates. */
export const WHENEVER_TEMPLATES: Record<string, TaskKind> = {
  'cd :path && :environment_variable=:environment :bundle_command rake :task --silent :output': 'rake',
  'cd :path && :environment_variable=:environment :bundle_command script/:task :output': 'script',
  "cd :path && :bundle_command :runner_command -e :environment ':task' :output": 'runner',
  ':task :output': 'command',
};

/** Job templates that only wrap the job in a shell: whenever's default and its usual variants. */
const WRAPPER_TEMPLATE = /^(?:\/usr\/bin\/env\s+)?(?:\/usr)?(?:\/bin\/)?(?:bash|sh)\s+(?:-l\s+-c|-lc|-c|--login\s+-c)\s+':job'$/;
const WRAPPER_COMMAND = /^(?:\/usr\/bin\/env\s+)?(?:\/usr)?(?:\/bin\/)?(?:bash|sh)\s+(?:-l\s+-c|-lc|-c|--login\s+-c)\s+/;

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const FIELD = String.raw`(\S+)`;
const JOB_LINE = new RegExp(`^${FIELD}\\s+${FIELD}\\s+${FIELD}\\s+${FIELD}\\s+${FIELD}\\s+(.*\\S)\\s*$`);
const SHORTCUT_LINE = /^(@[A-Za-z]+)\s+(.*\S)\s*$/;

const PATH = String.raw`(?:\\.|[^\s\\])+`;
const RAKE = new RegExp(String.raw`^cd ${PATH} && ([A-Za-z_][A-Za-z0-9_]*)=(\S*) (?:(.+?) )?rake (.+) --silent$`);
const SCRIPT = new RegExp(String.raw`^cd ${PATH} && ([A-Za-z_][A-Za-z0-9_]*)=(\S*) (?:(.+?) )?script/(.+)$`);
const RUNNER = new RegExp(String.raw`^cd ${PATH} && (?:(.+?) )?(bin/rails runner|script/rails runner|script/runner) -e (\S+) ('(?:[^']|'\\'')*')$`);
const CD = new RegExp(String.raw`^cd (${PATH}) && (.+)$`);
/** Redirections whenever's :output writes (output_redirection.rb), when no hook says which one. */
const REDIRECT = /\s+(?:>>?\s*[^\s&|;<>]+(?:\s+2>>?\s*[^\s&|;<>]+|\s+2>&1)?|2>>?\s*[^\s&|;<>]+)$/;

const ENVIRONMENT_VARIABLES = new Set(['RAILS_ENV', 'RACK_ENV']);

export function parseCrontab(text: string, opts: CrontabOptions): CrontabImport {
  const out: CrontabImport = { lines: [], env: [] };
  let mailto = '';
  // One hook record per job. A job with several times prints several lines with
  // the same command; jobs that share a command are taken in order, the last one
  // for any further lines.
  const byOutput = new Map<string, WheneverJob[]>();
  for (const j of opts.jobs ?? []) byOutput.set(j.output, [...(byOutput.get(j.output) ?? []), j]);
  const used = new Map<string, number>();

  text.split('\n').forEach((rawLine, i) => {
    const n = i + 1;
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const env = /^[A-Za-z_]/.test(trimmed) ? ENV_LINE.exec(trimmed) : null;
    if (env) {
      const value = unquote(env[2]!.trim());
      out.env.push({ name: env[1]!, value, line: n });
      if (env[1] === 'MAILTO') mailto = value;
      if (env[1] === 'CRON_TZ' || env[1] === 'TZ') out.timeZone = { value, line: n };
      return;
    }
    const m = SHORTCUT_LINE.exec(trimmed) ?? JOB_LINE.exec(trimmed);
    if (!m) throw importError(opts.file, n, `not a crontab line: "${trimmed.slice(0, 80)}" (expected five time fields and a command, @shortcut and a command, or NAME=value)`);
    const fields = m.slice(1, -1);
    const raw = m[m.length - 1]!;
    const schedule = fields.join(' ');
    if (fields.length === 5 && !/^[0-9*]/.test(schedule)) throw importError(opts.file, n, `not a crontab line: "${trimmed.slice(0, 80)}" (the minute field "${fields[0]}" is not a number, list, range or *)`);

    const seen = used.get(raw) ?? 0;
    const candidates = byOutput.get(raw);
    const job = candidates?.[Math.min(seen, candidates.length - 1)];
    used.set(raw, seen + 1);
    const jobLine = job?.line ?? job?.everyLine ?? null;
    const source: Source = job && opts.scheduleFile ? { file: opts.scheduleFile, line: jobLine ?? undefined } : { file: opts.file, line: n };
    const entry: CronLine = { source, crontabLine: n, schedule, raw, notes: [] };
    out.lines.push(entry);

    translate(entry, job);
    const mail = job ? job.mailto ?? (mailto || null) : mailto || null;

    // Why the line cannot be a CronJob as it stands, most basic reason first.
    if (schedule === '@reboot') entry.todo = 'runs at boot (@reboot); a CronJob has no boot to run at: make it an init step of a Deployment, or drop it';
    else {
      const problem = validateCronSchedule(schedule);
      if (problem) entry.todo = `the API server refuses the schedule "${schedule}": ${problem}${/day of week field .*\b7\b/.test(problem) ? ' (Vixie cron reads 7 as Sunday; write 0)' : ''}`;
    }
    if (!entry.todo && mail && mail !== '""') entry.todo = `cron mails this job's output to ${mail}; a CronJob mails nothing (its output goes to the pod log): decide how failures reach ${mail}, then uncomment`;
  });
  return out;
}

/** Fills kind, task, command and environment, or a TODO when the line is not one railyard knows. */
function translate(entry: CronLine, job: WheneverJob | undefined): void {
  let cmd = entry.raw;
  // cron turns an unescaped % into a newline and feeds the rest to stdin; whenever escapes every %.
  if (/(^|[^\\])%/.test(cmd)) {
    entry.todo = 'the command has an unescaped "%", which cron turns into a newline (the rest becomes stdin); a CronJob runs it as written';
    return;
  }
  cmd = cmd.replace(/\\%/g, '%');

  if (job) {
    const jt = job.jobTemplate ?? ':job';
    if (jt !== ':job') {
      if (!WRAPPER_TEMPLATE.test(jt)) {
        entry.todo = `its job_template "${jt}" is not one railyard knows (only a plain bash/sh -c ':job' wrapper is unwrapped); write the command it should run`;
        return;
      }
      const inner = unwrap(cmd);
      if (inner === undefined) {
        entry.todo = `whenever's line does not unwrap as its job_template "${jt}" says`;
        return;
      }
      cmd = inner;
    }
    if (job.redirect && cmd.endsWith(' ' + job.redirect)) {
      cmd = cmd.slice(0, -job.redirect.length - 1);
      entry.notes.push(`output redirection "${job.redirect}" dropped: the pod log has the output`);
    } else if (job.redirect && cmd === job.redirect) {
      cmd = '';
    }
    const kind = WHENEVER_TEMPLATES[job.template];
    if (kind === 'command') {
      setCommand(entry, 'command', cmd, cmd);
      return;
    }
    if (!matchTemplates(entry, cmd)) {
      entry.todo = `its job type's template "${job.template}" is not one railyard knows (rake, runner, script, command); write the command it should run`;
      entry.command = undefined;
    }
    return;
  }

  // No hook: a crontab from --crontab, or a whenever that the hook could not join.
  const inner = unwrap(cmd);
  if (inner !== undefined) cmd = inner;
  const redirect = REDIRECT.exec(cmd);
  if (redirect && cmd.length > redirect[0].length) {
    cmd = cmd.slice(0, -redirect[0].length);
    entry.notes.push(`output redirection "${redirect[0].trim()}" dropped: the pod log has the output`);
  }
  if (matchTemplates(entry, cmd)) return;
  const cd = CD.exec(cmd);
  if (cd) {
    entry.notes.push(`"cd ${cd[1]}" dropped: the image's working directory is the app`);
    cmd = cd[2]!;
  }
  // A leading RAILS_ENV=… moves into the model, as whenever's own templates do.
  const env = /^(RAILS_ENV|RACK_ENV)=([A-Za-z0-9_.-]+) (.+)$/.exec(cmd);
  if (env) {
    entry.environment = env[2];
    cmd = env[3]!;
  }
  setCommand(entry, 'command', cmd, cmd);
}

/** whenever's rake, runner and script templates (also under an app's own bundle_command). */
function matchTemplates(entry: CronLine, cmd: string): boolean {
  const bundle = (b: string | undefined) => (b ? `${b} ` : '');
  let m = RAKE.exec(cmd);
  if (m) {
    const [, variable, env, bin, task] = m;
    const keep = ENVIRONMENT_VARIABLES.has(variable!) ? '' : `${variable}=${env} `;
    if (!keep) entry.environment = env;
    setCommand(entry, 'rake', `${keep}${bundle(bin)}rake ${task}`, task!);
    return true;
  }
  m = SCRIPT.exec(cmd);
  if (m) {
    const [, variable, env, bin, task] = m;
    const keep = ENVIRONMENT_VARIABLES.has(variable!) ? '' : `${variable}=${env} `;
    if (!keep) entry.environment = env;
    setCommand(entry, 'script', `${keep}${bundle(bin)}script/${task}`, task!);
    return true;
  }
  m = RUNNER.exec(cmd);
  if (m) {
    const [, bin, runner, env, quoted] = m;
    entry.environment = env;
    const task = readWord(quoted!, 0)?.value ?? quoted!;
    setCommand(entry, 'runner', `${bundle(bin)}${runner} ${quoted}`, task);
    return true;
  }
  return false;
}

function setCommand(entry: CronLine, kind: TaskKind, command: string, task: string): void {
  entry.kind = kind;
  entry.task = task;
  if (command.trim() === '') {
    entry.todo = 'the command is empty';
    return;
  }
  entry.command = command;
}

/** The job inside `/bin/bash -l -c '…'` (one quoted word, nothing after it), or undefined. */
function unwrap(cmd: string): string | undefined {
  const w = WRAPPER_COMMAND.exec(cmd);
  if (!w) return undefined;
  const word = readWord(cmd, w[0].length);
  if (!word || cmd.slice(word.end).trim() !== '' || !/^['"]/.test(word.raw)) return undefined;
  return word.value;
}

function unquote(v: string): string {
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v === '""' || v === "''" ? '""' : v.slice(1, -1);
  return v;
}
