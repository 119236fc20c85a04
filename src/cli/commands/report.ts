// `railyard report [CONFIG] --out report.html`: capacity, the cron week and the
// findings on one self-contained HTML page (or the same data as JSON or Markdown).
import type { Command } from 'commander';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { buildReport } from '../../report/index.js';
import { renderHtml } from '../../report/html.js';
import { renderMarkdown } from '../../report/markdown.js';
import { mondayOf, ScheduleError } from '../../report/cron.js';
import { exitCodes, exitOnConfigError, exitUsage } from '../output.js';

interface ReportFlags {
  out?: string;
  format: string;
  week?: string;
}

/** Whole file or nothing: a temp file beside the target, renamed over it. */
function writeAtomically(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    exitUsage(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description('One HTML page of what an app asks of the cluster: capacity at min/max scale, the cron week, the check findings')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('-o, --out <file>', 'write here (atomically) instead of standard output')
    .option('-f, --format <format>', 'html, json or markdown', 'html')
    .option('--week <monday>', 'the week to draw, as its Monday (YYYY-MM-DD); default this week')
    .addHelpText(
      'after',
      `
Exit status: 0 written, 2 invalid config, flags or output path.
The HTML loads nothing from the network: attach it to a pull request as it is.

Examples:
  railyard report examples/storecove --out report.html
  railyard report --format markdown >> "$GITHUB_STEP_SUMMARY"`,
    )
    .action(async (config: string, flags: ReportFlags) => {
      if (!['html', 'json', 'markdown'].includes(flags.format)) exitUsage(`--format must be html, json or markdown, not "${flags.format}"`);
      const weekStart = flags.week ?? mondayOf(new Date());
      if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(weekStart) || Number.isNaN(Date.parse(`${weekStart}T00:00:00Z`)) || new Date(`${weekStart}T00:00:00Z`).getUTCDay() !== 1) exitUsage(`--week must be a Monday written YYYY-MM-DD, not "${weekStart}"`);
      const { app } = await loadConfig(config).catch(exitOnConfigError);
      let data;
      try {
        data = buildReport(app, { weekStart });
      } catch (e) {
        if (e instanceof ScheduleError) exitUsage(e.message);
        throw e;
      }
      const text = flags.format === 'json' ? JSON.stringify(data, null, 2) + '\n' : flags.format === 'markdown' ? renderMarkdown(data) : renderHtml(data);
      if (flags.out) writeAtomically(flags.out, text);
      else process.stdout.write(text);
      process.exitCode = exitCodes.ok;
    });
}
