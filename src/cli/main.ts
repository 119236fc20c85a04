// The railyard CLI: a thin layer over src/config, src/render, src/check and src/deploy.
// Each command lives in src/cli/commands/<name>.ts and exports `register(program)`.
//
// Only the command being run is loaded (each is its own esbuild chunk): `check`
// pulls in kubernetes-models' schemas and `deploy` the Kubernetes client, and a
// cold `synth` must not pay for either. `--help` with no command loads them all.
import { Command } from 'commander';
import { exitCodes } from './output.js';

type CommandModule = { register(program: Command): void };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  synth: () => import('./commands/synth.js'),
  check: () => import('./commands/check.js'),
  run: () => import('./commands/run.js'),
  schema: () => import('./commands/schema.js'),
  deploy: () => import('./commands/deploy.js'),
  history: () => import('./commands/history.js'),
  rollback: () => import('./commands/rollback.js'),
};

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

const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const versionOnly = first === undefined && (args.includes('--version') || args.includes('-V'));
const names = versionOnly ? [] : first !== undefined && first in COMMANDS ? [first] : Object.keys(COMMANDS);
for (const mod of await Promise.all(names.map((n) => COMMANDS[n]!()))) mod.register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`railyard: ${(err as Error).message ?? String(err)}\n`);
  process.exit(exitCodes.failure);
});
