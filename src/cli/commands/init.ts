// `railyard init [APP_DIR]`: write a railyard config from an existing Rails app.
// Reading the app and running whenever is src/import/read-app.ts; the mapping is
// src/import (pure). This file is flags, the summary and the one atomic write.
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { validateTimeZone } from '../../config/cron.js';
import { ConfigError } from '../../config/errors.js';
import { validateApp } from '../../config/load.js';
import { importApp, ImportError, type ImportResult } from '../../import/index.js';
import { readApp } from '../../import/read-app.js';
import { where } from '../../import/types.js';
import { colours, exitCodes } from '../output.js';
import { writeFileAtomically } from '../write-output.js';

interface InitFlags {
  out?: string;
  format?: string;
  timeZone?: string;
  crontab?: string;
  force?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('Write a railyard config from an existing Rails app: its whenever schedule, Procfile, Capistrano delayed_job settings, database.yml, puma.rb and racecar consumers')
    .argument('[app-dir]', 'the Rails app’s root folder', '.')
    .option('-o, --out <file>', 'where to write the config (default: APP_DIR/railyard.config.ts, or .yaml with --format yaml)')
    .option('--format <format>', 'ts or yaml (default: from --out’s extension, else ts)')
    .option('--time-zone <zone>', 'IANA time zone the schedule’s times are in (whenever writes the server’s local time); default: taken as UTC')
    .option('--crontab <file>', 'read this crontab ("-" for stdin) instead of running whenever on config/schedule.rb')
    .option('--force', 'overwrite an existing config')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Schedules are translated by the app's own whenever (bundle exec whenever, else
whenever on PATH); the crontab it prints becomes one CronJob per line. Every value
in the config names its source (file:line); what cannot be mapped is a TODO comment
with the reason, listed again at the end. Capistrano files are read as text, never run.

Exit status: 0 written, 2 bad input (the file and line named) or an existing config
without --force; nothing is written unless the exit status is 0.

Examples:
  railyard init ~/src/shop
  railyard init . --format yaml --time-zone Europe/Amsterdam
  crontab -l | railyard init . --crontab -`,
    )
    .action((appDir: string, flags: InitFlags) => {
      const c = colours(process.stderr);
      const fail = (lines: string[]): never => {
        for (const l of lines) process.stderr.write(`${c.red('error')}: ${l}\n`);
        process.stderr.write('nothing was written\n');
        process.exit(exitCodes.usage);
      };
      if (flags.format !== undefined && flags.format !== 'ts' && flags.format !== 'yaml') fail([`--format must be ts or yaml, not "${flags.format}"`]);
      const outExt = flags.out ? extname(flags.out) : '';
      const format: 'ts' | 'yaml' = (flags.format as 'ts' | 'yaml' | undefined) ?? (outExt === '.yaml' || outExt === '.yml' ? 'yaml' : 'ts');
      const defaultName = format === 'ts' ? 'railyard.config.ts' : 'railyard.config.yaml';
      let out = resolve(flags.out ?? join(appDir, defaultName));
      // --out DIR means DIR/railyard.config.ts (or .yaml).
      if (flags.out && (flags.out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory()))) out = join(out, defaultName);
      if (flags.out && format === 'ts' && /\.ya?ml$/.test(outExt)) fail([`--out ${flags.out} is YAML, but --format is ts`]);
      if (flags.timeZone !== undefined) {
        const problem = validateTimeZone(flags.timeZone);
        if (problem) fail([`--time-zone: ${problem}`]);
      }
      if (existsSync(out) && !flags.force) fail([`${relative(process.cwd(), out) || out} exists; pass --force to overwrite it`]);

      const progress = progressLine();
      let result: ImportResult;
      let read;
      try {
        read = readApp(resolve(appDir), { crontab: flags.crontab, stdin: () => readFileSync(0, 'utf8'), progress: progress.show });
        progress.show('mapping');
        result = importApp(read, { format, timeZone: flags.timeZone });
      } catch (e) {
        progress.clear();
        if (e instanceof ImportError) fail(e.problems.map((p) => `${where(p.source)}: ${p.message}`));
        throw e;
      }
      try {
        validateApp(result.config, out);
      } catch (e) {
        progress.clear();
        if (e instanceof ConfigError) fail(['the config read from the app does not validate (please report this with the lines below):', ...e.problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`)]);
        throw e;
      }
      writeFileAtomically(out, result.text);
      progress.clear();
      if (flags.quiet) return;
      process.stdout.write(summary(result, read.readNotes, relative(process.cwd(), out) || out, read.whenever, colours(process.stdout)));
    });
}

/** One status line on stderr, rewritten in place: only on a terminal. */
function progressLine() {
  const on = Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
  let shown = false;
  return {
    show: (what: string) => {
      if (!on) return;
      process.stderr.write(`\r\u001b[2K${what}…`);
      shown = true;
    },
    clear: () => {
      if (on && shown) process.stderr.write('\r\u001b[2K');
      shown = false;
    },
  };
}

function summary(r: ImportResult, readNotes: string[], out: string, whenever: { command: string; ms: number } | undefined, c: ReturnType<typeof colours>): string {
  const n = r.counts;
  const lines: string[] = [];
  const plural = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  lines.push(`${c.green('wrote')} ${out}: ${plural(n.cronJobs, 'CronJob')}, ${plural(n.workers, 'worker')}, ${plural(n.consumers, 'consumer')}, ${plural(n.secrets, 'secret')}`);
  if (whenever) lines.push(`  schedules from ${whenever.command} (${Math.round(whenever.ms)} ms)`);
  for (const note of [...readNotes, ...r.notes.map((x) => `${where(x.source)}: ${x.message}`)]) lines.push(`  ${c.dim('note')} ${note}`);
  if (r.todos.length) {
    lines.push('', `${c.yellow(plural(r.todos.length, 'TODO'))} (also in the file, where each belongs):`);
    for (const t of r.todos) lines.push(`  ${where(t.source)}: ${t.message}`);
  }
  lines.push('', `next: fix the TODOs, then railyard check ${out} and railyard synth ${out} --out DIR --image-tag SHA`);
  return lines.join('\n') + '\n';
}
