// `railyard run <target> [-- command …]`: the in-container runtime, also offered
// by the main CLI. Images run the same code as dist/runtime.cjs (one file, no
// node_modules); see docs/RUNTIME.md.
import type { Command } from 'commander';
import { runRuntime } from '../../runtime/run.js';

export function register(program: Command): void {
  program
    .command('run')
    .description('run a target inside its container: health server, worker pools, signal forwarding and JSON logs')
    .argument('[target]', 'server/web, worker…, or kafka-… (default: $PROCESS_TARGET)')
    .argument('[command...]', 'after "--": the main process (web, consumers) or the per-slot worker command')
    .allowUnknownOption()
    .addHelpText(
      'after',
      '\nWorkers run one process per slot of DELAYED_JOB_POOLS with QUEUES set ($RAILYARD_WORKER_COMMAND, default "bundle exec rake jobs:work").\nExit codes: the child\'s code (or 128+signal); for pools 0 when every slot exited cleanly, else 1; 1 for bad env.',
    )
    .action(async () => {
      // The runtime parses its own argv (the same as dist/runtime.cjs gets), so
      // everything after "run" goes to it untouched.
      const at = process.argv.indexOf('run', 2);
      const code = await runRuntime(process.argv.slice(at + 1));
      process.exit(code);
    });
}
