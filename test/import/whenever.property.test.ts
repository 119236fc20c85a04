// railyard init against the real whenever (Debian's ruby-whenever), as a property.
//
// Generated schedule.rb programs (schedule-programs.ts) go through whenever and
// railyard init's importer, the way `railyard init` runs them (readApp runs the
// app's whenever with railyard's hook; importApp maps the crontab it printed).
// Many programs share one schedule.rb and one whenever run; each job's task
// carries a marker, so whenever's lines map back to their job. Required, per job:
// - every CronJob's schedule is whenever's line, field for field, and the rendered
//   CronJob (synthesize) carries it;
// - the command is the task (rake/runner: whenever's command without its wrapping;
//   command jobs: the task itself, `%` included);
// - the config names the job's schedule.rb line;
// - @reboot, mailto, a schedule the API server refuses and a job type railyard
//   does not know become TODOs, never CronJobs.
// The API server's own verdict on the schedules is test/e2e/cluster/init-schedules.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { importApp } from '../../src/import/index.js';
import { readApp } from '../../src/import/read-app.js';
import { readWord } from '../../src/import/shell.js';
import { validateApp } from '../../src/config/load.js';
import { validateCronSchedule } from '../../src/config/cron.js';
import { renderCronJob } from '../../src/render/kubernetes/jobs.js';
import { allJobs, batch, scheduleRb, type GenBatch, type GenJob } from './schedule-programs.js';
import { requireWhenever } from './support.js';

let root: string;
let programs = 0;
let jobs = 0;
let cronJobs = 0;
let todos = 0;
const forms = new Set<string>();

beforeAll(() => {
  requireWhenever();
  root = mkdtempSync(join(tmpdir(), 'railyard-whenever-prop-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let run = 0;
function appFor(b: GenBatch): { dir: string; jobLine: Map<string, number> } {
  const dir = join(root, `app-${run++}`);
  mkdirSync(join(dir, 'config'), { recursive: true });
  const { text, jobLine } = scheduleRb(b);
  writeFileSync(join(dir, 'config/schedule.rb'), text);
  writeFileSync(join(dir, 'config/application.rb'), 'module PropApp\n  class Application; end\nend\n');
  if (b.gemfile) writeFileSync(join(dir, 'Gemfile'), 'source "https://rubygems.org"\n');
  if (b.binRails) {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin/rails'), '#!/usr/bin/env ruby\n');
  }
  return { dir, jobLine };
}

/** whenever's lines for each marker: the five fields (or @shortcut) of every line holding it. */
function linesByMarker(crontab: string, markers: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(markers.map((m) => [m, []]));
  for (const line of crontab.split('\n')) {
    if (line.startsWith('#') || line.trim() === '' || /^[A-Z_]+=/.test(line)) continue;
    const fields = line.trim().split(/\s+/);
    const schedule = fields[0]!.startsWith('@') ? fields[0]! : fields.slice(0, 5).join(' ');
    // The longest marker first: m1x is not inside m11x (markers end in x), but be exact anyway.
    const hits = markers.filter((m) => new RegExp(`(^|[^0-9a-z])${m}($|[^0-9a-z])`, 'i').test(line));
    expect(hits.length, `line holds ${hits.length} markers: ${line}`).toBe(1);
    out.get(hits[0]!)!.push(schedule);
  }
  return out;
}

function expectedCommand(j: GenJob, b: GenBatch): string {
  const bundle = b.gemfile ? 'bundle exec ' : '';
  if (j.type === 'rake') return `${bundle}rake ${j.task}`;
  if (j.type === 'runner') return `${bundle}${b.binRails ? 'bin/rails runner' : 'script/runner'} '${j.task.replace(/'/g, `'\\''`)}'`;
  return j.task;
}

describe('railyard init translates whenever schedules as whenever does', () => {
  it('over 1,000 generated schedule.rb programs, batched into whenever runs', async () => {
    await fc.assert(
      fc.asyncProperty(batch({ min: 45, max: 55 }, { custom: true }), async (b) => {
        const { dir, jobLine } = appFor(b);
        const read = readApp(dir);
        expect(read.crontab, 'whenever printed no crontab').toBeDefined();
        expect(read.crontab!.report?.loaded, 'railyard’s hook did not load into whenever').toBe(true);
        const result = importApp(read, { format: 'yaml' });
        const app = validateApp(result.config);
        const rendered = new Map(app.cron.tasks.map((t) => [t.name, renderCronJob(app, t, 'prop0001')]));

        const gen = allJobs(b);
        const blocks = scheduleRb(b).block;
        const truth = linesByMarker(read.crontab!.text, gen.map((j) => j.marker));
        if (b.environment) expect(app.environment).toBe(b.environment);
        for (const j of gen) {
          const lines = truth.get(j.marker)!;
          expect(lines.length, `${j.marker}: whenever printed no line`).toBeGreaterThan(0);
          const block = blocks.get(j.marker)!;
          forms.add(block.every.replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'"));
          const mine = app.cron.tasks.filter((t) => new RegExp(`(^|[^0-9a-z])${j.marker}($|[^0-9a-z])`, 'i').test(t.command));
          const todoLines = result.todos.filter((t) => t.source.file === 'config/schedule.rb' && t.source.line === jobLine.get(j.marker));
          if (block.expect !== 'cronjob' || j.type === 'custom') {
            // Not a CronJob: one TODO per whenever line, naming the job's line.
            expect(mine, `${j.marker} (${block.expect}, ${j.type}) became a CronJob`).toEqual([]);
            expect(todoLines.length, `${j.marker}: TODOs for ${lines.join(' | ')}`).toBe(lines.length);
            // The first reason wins: the schedule, then the job type, then the mail.
            const why = block.expect === 'reboot' ? /@reboot/ : block.expect === 'refused' ? /API server refuses/ : j.type === 'custom' ? /template .* is not one railyard knows/ : /mails/;
            for (const t of todoLines) expect(t.message).toMatch(why);
            todos += lines.length;
            continue;
          }
          // A CronJob per line, each with whenever's schedule, and the task as its command.
          expect(mine.map((t) => t.schedule).sort(), `${j.marker} in ${block.every}${block.at ? ` at ${block.at}` : ''}`).toEqual([...lines].sort());
          for (const t of mine) {
            expect(validateCronSchedule(t.schedule)).toBeUndefined();
            expect(t.command).toBe(expectedCommand(j, b));
            if (j.type === 'runner') expect(readWord(t.command, t.command.lastIndexOf(" '"))?.value).toBe(j.task);
            expect(t.name.length).toBeLessThanOrEqual(52);
            expect(result.text).toMatch(new RegExp(`name: ${t.name},.*# config/schedule\\.rb:${jobLine.get(j.marker)}$`, 'm'));
            expect(rendered.get(t.name)!.spec!.schedule).toBe(t.schedule);
            expect(rendered.get(t.name)!.spec!.timeZone).toBe('Etc/UTC');
          }
          cronJobs += mine.length;
        }
        expect(new Set(app.cron.tasks.map((t) => t.name)).size).toBe(app.cron.tasks.length);
        programs += b.programs.length;
        jobs += gen.length;
      }),
      { numRuns: 22, endOnFailure: true },
    );
    // Not vacuous: the runs covered what the issue asks for.
    expect(programs).toBeGreaterThanOrEqual(1000);
    console.log(`whenever property: ${programs} programs, ${jobs} jobs, ${cronJobs} CronJobs, ${todos} TODO lines, ${forms.size} every forms`);
  }, 240_000);
});
