// The commander program and the table of commands. src/cli/main.ts builds it for
// the command being run; test/cli/help.test.ts builds it with every command, so a
// command added to COMMANDS gets its --help tested without touching the test.
//
// Only the command being run is loaded (each is its own esbuild chunk): `check`
// pulls in kubernetes-models' schemas and `deploy` the Kubernetes client, and a
// cold `synth` must not pay for either.
import { Command } from 'commander';
import { exitCodes } from './output.js';

export type CommandModule = { register(program: Command): void };

/** Every top-level command: its name and its module, loaded on demand. */
export const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  synth: () => import('./commands/synth.js'),
  check: () => import('./commands/check.js'),
  run: () => import('./commands/run.js'),
  schema: () => import('./commands/schema.js'),
  deploy: () => import('./commands/deploy.js'),
  history: () => import('./commands/history.js'),
  rollback: () => import('./commands/rollback.js'),
  init: () => import('./commands/init.js'),
  status: () => import('./commands/status.js'),
  cron: () => import('./commands/cron.js'),
  logs: () => import('./commands/logs.js'),
  report: () => import('./commands/report.js'),
  diff: () => import('./commands/diff.js'),
  'deployer-kubeconfig': () => import('./commands/deployer-kubeconfig.js'),
  task: () => import('./commands/task.js'),
  console: () => import('./commands/console.js'),
};

/** The program with the named commands registered (all of them by default). */
export async function createProgram(names: readonly string[] = Object.keys(COMMANDS)): Promise<Command> {
  const program = new Command()
    .name('railyard')
    .description('Run a multi-process Rails monolith on Kubernetes: model, render, check, run and deploy.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    // Set before any command is added: subcommands copy these settings when created.
    // commander's own usage errors (unknown option, missing argument) exit 2, like other CLIs.
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      process.exit(exitCodes.usage);
    });
  for (const mod of await Promise.all(names.map((n) => COMMANDS[n]!()))) mod.register(program);
  return program;
}
