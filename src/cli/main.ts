// The railyard CLI: a thin layer over src/config, src/render, src/check and src/deploy.
// Each command lives in src/cli/commands/<name>.ts and exports `register(program)`.
import { Command } from 'commander';
import { register as registerSynth } from './commands/synth.js';
import { register as registerSchema } from './commands/schema.js';
import { register as registerRun } from './commands/run.js';
import { register as registerCheck } from './commands/check.js';
import { exitCodes } from './output.js';

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

registerSynth(program);
registerSchema(program);
registerRun(program);
registerCheck(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`railyard: ${(err as Error).message ?? String(err)}\n`);
  process.exit(exitCodes.failure);
});
