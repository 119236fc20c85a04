// `railyard task [--component web] -- CMD…`: a one-off Job from the live
// Deployment's pod template; streams its output and exits with its exit code.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { parseDuration } from '../../ops/log-lines.js';
import { runOneOff } from '../../ops/oneoff.js';
import { NoSuchComponent, readComponent } from '../../ops/oneoff-source.js';
import { taskJob } from '../../ops/specs.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';
import { exitWithRun, newSuffix, stopSignal, whoRuns } from '../ops-common.js';
import { exitOnConfigError, exitUsage } from '../output.js';

interface TaskFlags {
  kubeconfig?: string;
  context?: string;
  config: string;
  component?: string;
  detach?: boolean;
  timeout: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('task')
    .description("Run a command once in a fresh pod of a component's current release (a Job: its env, secrets and volumes), stream its output and exit with its exit code")
    .argument('<command...>', 'the command, after --')
    .option('-c, --config <path>', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('--component <name>', 'the Deployment whose pod template to use (default: the web tier)')
    .option('--detach', 'start it and print how to follow it')
    .option('--timeout <duration>', 'the Job is stopped after this long (1h, 30m, 90s)', '1h')
    .option('-q, --quiet', 'print only the command\'s output');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      `
Exit status: the command's (0, 3, 137 for a SIGKILL…), 124 when the timeout stopped it,
2 invalid config or flags, cluster unreachable. Each run is recorded with the release history.

Examples:
  railyard task -- bin/rails db:migrate:status
  railyard task --component worker-primary --timeout 2h -- bundle exec rake reports:rebuild`,
    )
    .action(async (command: string[], flags: TaskFlags) => {
      const deadline = parseDuration(flags.timeout) ?? exitUsage(`--timeout must be a duration like 1h, 30m or 90s, not "${flags.timeout}"`);
      if (deadline < 1) exitUsage('--timeout must be at least 1s');
      const { app } = await loadConfig(flags.config).catch(exitOnConfigError);
      const known = [app.web.name, ...Object.values(app.workers).map((w) => w.name), ...Object.values(app.consumers).map((c) => c.name)];
      const component = flags.component ?? app.web.name;
      if (!known.includes(component)) exitUsage(`no component "${component}" in ${app.name} (there are: ${known.join(', ')})`);
      const kube = connectOrExit(flags);
      try {
        const d = await readComponent(kube, app.namespace, component, known);
        const by = whoRuns();
        const job = taskJob(d, { suffix: newSuffix(), command, by, deadlineSeconds: deadline });
        const run = await runOneOff(kube, { app: app.name, namespace: app.namespace, kind: 'task', from: `Deployment/${component}`, command, by, job, detach: flags.detach, onLine: (l) => process.stdout.write(l + '\n'), onNotice: (m) => !flags.quiet && process.stderr.write(`   ${m}\n`), signal: stopSignal() });
        exitWithRun(run, flags.quiet);
      } catch (err) {
        if (err instanceof NoSuchComponent) exitUsage(err.message);
        exitOnClusterError(err, kube);
      }
    });
}
