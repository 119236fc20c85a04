// `railyard logs [COMPONENT…]`: every container of the app (or of the named
// components, or of one task's Job), in time order, readable on a terminal.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { formatRecord, parseDuration, recordFilter, type LogRecord } from '../../ops/log-lines.js';
import { followLogs } from '../../ops/logs.js';
import { instanceLabel } from '../../ops/status.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';
import { exitCodes, exitOnConfigError, exitUsage } from '../output.js';

interface LogsFlags {
  kubeconfig?: string;
  context?: string;
  config: string;
  follow?: boolean;
  since?: string;
  tail: string;
  grep?: string;
  level?: string;
  json?: boolean;
  task?: string;
  maxPods: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .description('Read the logs of every pod of the app (or of the named components), merged in time order; -f follows pods as rollouts add and remove them')
    .argument('[components...]', 'components to read (default: all): rails-server, worker-primary, …')
    .option('-c, --config <path>', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('-f, --follow', 'keep reading: new pods join, deleted pods leave, dropped streams resume; runs until interrupted')
    .option('--since <duration>', 'only lines newer than this (10m, 2h, 90s)')
    .option('--tail <lines>', 'lines per container of pods already running (without --since)', '50')
    .option('--grep <regexp>', 'only lines matching this regular expression')
    .option('--level <level>', 'only records at this level or above: debug, info, warn, error, fatal')
    .option('--json', "print each container's JSON records unchanged, one per line (plain lines become objects)")
    .option('--task <job>', "read one task's or cron run's Job (as printed by railyard task --detach)")
    .option('--max-pods <n>', 'pods read at once; past this, railyard samples them in turn and says so', '50');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      `
Each line: component, pod, time, level (coloured on a terminal), message, pool, slot and request id.

Exit status: 0 done (never, with -f, until interrupted), 2 invalid config or flags, cluster unreachable.

Examples:
  railyard logs worker-primary -f --level warn
  railyard logs --since 10m --grep 'order-[0-9]+' --json | jq .message`,
    )
    .action(async (components: string[], flags: LogsFlags) => {
      const since = flags.since === undefined ? undefined : (parseDuration(flags.since) ?? exitUsage(`--since must be a duration like 10m, 2h or 90s, not "${flags.since}"`));
      const tail = Number(flags.tail);
      if (!Number.isInteger(tail) || tail < 0) exitUsage(`--tail must be a whole number, not "${flags.tail}"`);
      const maxPods = Number(flags.maxPods);
      if (!Number.isInteger(maxPods) || maxPods < 1) exitUsage(`--max-pods must be a whole number above 0, not "${flags.maxPods}"`);
      let grep: RegExp | undefined;
      try {
        grep = flags.grep === undefined ? undefined : new RegExp(flags.grep);
      } catch (e) {
        exitUsage(`--grep: ${(e as Error).message}`);
      }
      let keep: (r: LogRecord) => boolean = () => true;
      try {
        keep = recordFilter({ level: flags.level, grep });
      } catch (e) {
        exitUsage((e as Error).message);
      }
      const { app } = await loadConfig(flags.config).catch(exitOnConfigError);
      for (const c of components) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c)) exitUsage(`"${c}" is not a component name`);
      const selector = flags.task ? `job-name=${flags.task}` : `${instanceLabel(app.name)}${components.length ? `,component in (${components.join(',')})` : ''}`;
      const kube = connectOrExit(flags);
      const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
      const ac = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort(sig));
      process.stdout.on('error', () => ac.abort('EPIPE'));
      try {
        await followLogs(kube, {
          namespace: app.namespace,
          selector,
          follow: Boolean(flags.follow),
          sinceSeconds: since,
          tail,
          maxStreams: maxPods,
          windowMs: 200,
          rotateMs: 10_000,
          signal: ac.signal,
          onNotice: (m) => process.stderr.write(`railyard: ${m}\n`),
          onRecords: (records) => {
            let out = '';
            for (const r of records) if (keep(r)) out += formatRecord(r, { colour, json: Boolean(flags.json) }) + '\n';
            if (out) process.stdout.write(out);
          },
        });
      } catch (err) {
        exitOnClusterError(err, kube);
      }
      process.exit(exitCodes.ok);
    });
}
