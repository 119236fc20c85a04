// `railyard status [CONFIG]`: the state of the whole app on one screen.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { readStatus } from '../../ops/status.js';
import { renderStatus } from '../../ops/status-model.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';

interface StatusFlags {
  kubeconfig?: string;
  context?: string;
  format: string;
  watch?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('Show the state of the whole app: release and lock, components, worker slots, CronJobs and recent warnings')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('--format <format>', 'text or json', 'text')
    .option('--json', 'same as --format json')
    .option('-w, --watch', 'redraw every 2 seconds (on a terminal)');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      `
Exit status: 0 healthy, 1 degraded (each reason printed), 2 invalid config, cluster unreachable or kubeconfig unusable.

Example:
  railyard status examples/storecove --context ovh-production`,
    )
    .action(async (config: string, flags: StatusFlags & { json?: boolean }) => {
      const format = flags.json ? 'json' : flags.format;
      if (format !== 'text' && format !== 'json') {
        process.stderr.write(`railyard: --format must be text or json, not "${format}"\n`);
        process.exit(exitCodes.usage);
      }
      const { app } = await loadConfig(config).catch(exitOnConfigError);
      const kube = connectOrExit(flags);
      const once = async () => {
        try {
          return await readStatus(kube, app);
        } catch (err) {
          return exitOnClusterError(err, kube);
        }
      };
      if (flags.watch && process.stdout.isTTY && format === 'text') {
        for (;;) {
          const s = await once();
          process.stdout.write(`\u001b[H\u001b[2J${renderStatus(s, colours(process.stdout))}`);
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      const s = await once();
      process.stdout.write(format === 'json' ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s, colours(process.stdout)));
      process.exit(s.healthy ? exitCodes.ok : exitCodes.failure);
    });
}
