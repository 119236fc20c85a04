// `railyard cron list|run|suspend|resume [CONFIG]`: the app's CronJobs.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { cronJobFor, listCron, NoSuchCronJob, readCron, setSuspended } from '../../ops/cron.js';
import { cronTable } from '../../ops/cron-model.js';
import { runOneOff } from '../../ops/oneoff.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';
import { exitWithRun, newSuffix, stopSignal, whoRuns } from '../ops-common.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';

interface Flags {
  kubeconfig?: string;
  context?: string;
  config: string;
  json?: boolean;
  detach?: boolean;
  quiet?: boolean;
}

const configOption = (cmd: Command) => addConnectionOptions(cmd.option('-c, --config <path>', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.'));

async function setup(flags: Flags) {
  const { app } = await loadConfig(flags.config).catch(exitOnConfigError);
  return { app, kube: connectOrExit(flags) };
}

export function register(program: Command): void {
  const cron = program.command('cron').description("List, trigger, suspend and resume the app's CronJobs");

  configOption(cron.command('list').description('Every CronJob: schedule, time zone, suspended, active, last schedule, success and failure, next run').option('--json', 'print the rows as JSON')).action(async (flags: Flags) => {
    const { app, kube } = await setup(flags);
    const now = new Date();
    const rows = await listCron(kube, app, now).catch((err) => exitOnClusterError(err, kube));
    if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else if (rows.length === 0) process.stdout.write(`no CronJobs of ${app.name} in namespace ${app.namespace}\n`);
    else {
      const lines = cronTable(rows, now);
      process.stdout.write([colours(process.stdout).bold(lines[0]!), ...lines.slice(1)].join('\n') + '\n');
    }
  });

  configOption(
    cron
      .command('run')
      .description("Run a CronJob now, as a Job from its jobTemplate; streams its output and exits with the command's exit code")
      .argument('<name>', 'the CronJob (see railyard cron list)')
      .option('--detach', 'start it and print how to follow it')
      .option('-q, --quiet', 'print only the output'),
  ).action(async (name: string, flags: Flags) => {
    const { app, kube } = await setup(flags);
    try {
      const cj = await readCron(kube, app, name);
      const job = cronJobFor(cj, newSuffix(), whoRuns());
      const command = [...(job.spec?.template.spec?.containers[0]?.command ?? []), ...(job.spec?.template.spec?.containers[0]?.args ?? [])];
      const run = await runOneOff(kube, { app: app.name, namespace: app.namespace, kind: 'cron', from: `CronJob/${name}`, command, by: whoRuns(), job, detach: flags.detach, onLine: (l) => process.stdout.write(l + '\n'), onNotice: (m) => !flags.quiet && process.stderr.write(`   ${m}\n`), signal: stopSignal() });
      exitWithRun(run, flags.quiet);
    } catch (err) {
      if (err instanceof NoSuchCronJob) {
        process.stderr.write(`railyard: ${err.message}\n`);
        process.exit(exitCodes.usage);
      }
      exitOnClusterError(err, kube);
    }
  });

  for (const [verb, suspend] of [['suspend', true], ['resume', false]] as const) {
    configOption(cron.command(verb).description(suspend ? 'Stop a CronJob from being scheduled (running Jobs go on)' : 'Let a suspended CronJob be scheduled again').argument('<name>', 'the CronJob')).action(async (name: string, flags: Flags) => {
      const { app, kube } = await setup(flags);
      try {
        const cj = await readCron(kube, app, name);
        await setSuspended(kube, cj, suspend);
        process.stdout.write(`CronJob/${name} ${suspend ? 'suspended' : 'resumed'}\n`);
      } catch (err) {
        if (err instanceof NoSuchCronJob) {
          process.stderr.write(`railyard: ${err.message}\n`);
          process.exit(exitCodes.usage);
        }
        exitOnClusterError(err, kube);
      }
    });
  }
}
