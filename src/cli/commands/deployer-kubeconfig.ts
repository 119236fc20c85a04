// `railyard deployer-kubeconfig [CONFIG]`: print a kubeconfig for the
// railyard-deployer ServiceAccount with a short-lived token, for CI.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { KubeError } from '../../deploy/kube.js';
import { deployerKubeconfig, MAX_TOKEN_SECONDS, MIN_TOKEN_SECONDS, requestDeployerToken } from '../../deploy/identity.js';
import { exitCodes, exitOnConfigError } from '../output.js';
import { connectOrExit } from './deploy.js';

interface Flags {
  kubeconfig?: string;
  context?: string;
  duration: string;
}

export function register(program: Command): void {
  program
    .command('deployer-kubeconfig')
    .description('Print a kubeconfig for the railyard-deployer ServiceAccount (deploy/rbac.yaml) with a TokenRequest token that expires')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('--kubeconfig <file>', 'an admin kubeconfig, to request the token with (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: its current context)')
    .option('--duration <seconds>', `token lifetime, ${MIN_TOKEN_SECONDS} to ${MAX_TOKEN_SECONDS} seconds`, '3600')
    .addHelpText(
      'after',
      `
The kubeconfig goes to stdout and nowhere else; the expiry goes to stderr.
Store it as the CI secret the deploy workflow reads, without it touching disk:
  railyard deployer-kubeconfig . --duration 86400 | gh secret set KUBECONFIG

Exit status: 0 printed, 2 bad flags, an unreachable cluster or no ServiceAccount (apply deploy/rbac.yaml first).`,
    )
    .action(async (config: string, flags: Flags) => {
      const seconds = Number(flags.duration);
      if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS || seconds > MAX_TOKEN_SECONDS) {
        process.stderr.write(`railyard: --duration must be a whole number of seconds from ${MIN_TOKEN_SECONDS} to ${MAX_TOKEN_SECONDS}, not "${flags.duration}"\n`);
        process.exit(exitCodes.usage);
      }
      const { app } = await loadConfig(config).catch(exitOnConfigError);
      const kube = connectOrExit(flags);
      try {
        const t = await requestDeployerToken(kube, app, seconds);
        process.stdout.write(deployerKubeconfig(kube, app, t.token));
        process.stderr.write(`railyard: token for ${app.namespace}/railyard-deployer expires at ${t.expiresAt}\n`);
      } catch (err) {
        if (!(err instanceof KubeError) && !(err instanceof Error)) throw err;
        process.stderr.write(`railyard: ${(err as Error).message}\n`);
        process.exit(exitCodes.usage);
      }
    });
}
