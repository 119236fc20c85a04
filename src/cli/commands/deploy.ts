// `railyard deploy [CONFIG] --image-tag TAG`: deploy a release to the cluster
// and report whether it worked (exit 0), failed and was rolled back (exit 1).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { App } from '../../config/schema.js';
import { deploy, type DeployResult } from '../../deploy/index.js';
import { LockHeldError } from '../../deploy/lock.js';
import { createReporter } from '../../deploy/report.js';
import { DEFAULT_ROLLBAR_URL, type RollbarTarget } from '../../deploy/rollbar.js';
import { ImageTagError, validateImageTag } from '../../render/image.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';
import { addClusterOptions, connectOrExit, exitOnClusterError, type ClusterFlags } from '../cluster.js';

interface DeployFlags extends ClusterFlags {
  imageTag: string;
  allowLatest?: boolean;
  waitLock?: string;
  prune: boolean;
  timeout: string;
  rollbarUrl?: string;
}

export { addClusterOptions, connectOrExit, type ClusterFlags };

export function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`railyard: ${flag} must be a whole number of seconds, not "${value}"\n`);
    process.exit(exitCodes.usage);
  }
  return n;
}

/** Rollbar is on when the app configures it and its token is in the environment (never a flag: argv is visible to every process). */
export function rollbarTarget(app: App, url: string | undefined, warn: (m: string) => void): RollbarTarget | undefined {
  const envName = app.rollbar?.tokenSecret ?? 'ROLLBAR_ACCESS_TOKEN';
  const token = process.env[envName];
  if (!app.rollbar && !url && !process.env.RAILYARD_ROLLBAR_URL) return undefined;
  if (!token) {
    warn(`Rollbar deploy notice skipped: ${envName} is not set`);
    return undefined;
  }
  return { url: url ?? process.env.RAILYARD_ROLLBAR_URL ?? DEFAULT_ROLLBAR_URL, token, environment: app.rollbar?.environment ?? app.environment };
}

/**
 * SIGINT/SIGTERM (Ctrl-C, a cancelled CI job) abort the deploy cleanly: it
 * records the release as failed and releases the lock. A second signal kills
 * the process at once (the lock then expires on its own).
 */
export function interruptSignal(warn: (m: string) => void): AbortSignal {
  const ac = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      warn(`${sig}: stopping at the next step (send it again to kill at once)`);
      ac.abort(sig);
    });
  }
  return ac.signal;
}

export function printOutcome(result: DeployResult, what: { done: string; verb: string }, flags: ClusterFlags): void {
  const c = colours(process.stderr);
  if (flags.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  }
  const out = flags.json ? process.stderr : process.stdout;
  const secs = (result.durationMs / 1000).toFixed(1);
  if (result.ok) {
    out.write(`${colours(out as NodeJS.WriteStream).green(what.done)}: release ${result.revision} (${result.imageTag}) in ${secs}s` + (result.pruned.length ? `, pruned ${result.pruned.length}` : '') + '\n');
    return;
  }
  const f = result.failure!;
  process.stderr.write(`${c.red('error')}: ${what.verb} failed at ${f.step}: ${f.reason}\n`);
  for (const p of f.pods) {
    process.stderr.write(`  pod ${p.pod} (${p.phase ?? 'unknown'}): ${p.message}\n`);
    for (const e of p.events) process.stderr.write(`    event ${e}\n`);
  }
  if (result.rolledBack.length) process.stderr.write(`  rolled back: ${result.rolledBack.join(', ')}\n`);
}

export function register(program: Command): void {
  const cmd = program
    .command('deploy')
    .description('Deploy a release: lock, migrate, apply in order, watch rollouts, prune, record; roll back on failure')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .requiredOption('-t, --image-tag <tag>', 'image tag to deploy, normally the commit SHA')
    .option('--allow-latest', 'accept a mutable tag such as "latest"')
    .option('--wait-lock <seconds>', 'wait up to this long for another deploy to finish instead of failing at once')
    .option('--no-prune', 'keep objects railyard rendered before but no longer renders')
    .option('--timeout <seconds>', 'how long each rollout phase may take', '600')
    .option('--rollbar-url <url>', `Rollbar deploy API (default ${DEFAULT_ROLLBAR_URL}, or $RAILYARD_ROLLBAR_URL); the token comes from the env var rollbar.tokenSecret names`);
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
Exit status: 0 deployed, 1 failed (migration failed, rollout failed and rolled back, lock held), 2 invalid config or flags, cluster unreachable or kubeconfig unusable.

Example:
  railyard deploy examples/storecove --image-tag "$(git rev-parse HEAD)" --context ovh-production`,
    )
    .action(async (config: string, flags: DeployFlags) => {
      try {
        validateImageTag(flags.imageTag, { allowLatest: flags.allowLatest });
      } catch (err) {
        if (!(err instanceof ImageTagError)) throw err;
        process.stderr.write(`railyard: ${err.message}\n`);
        process.exit(exitCodes.usage);
      }
      const timeout = seconds(flags.timeout, '--timeout');
      const waitLock = flags.waitLock === undefined ? 0 : seconds(flags.waitLock, '--wait-lock');
      const { app } = await loadConfig(config).catch(exitOnConfigError);
      const kube = connectOrExit(flags);
      const progress = flags.json ? process.stderr : process.stdout;
      const reporter = createReporter(progress, { colours: colours(progress), quiet: flags.quiet });
      const rollbar = rollbarTarget(app, flags.rollbarUrl, reporter.warn);
      let result: DeployResult;
      try {
        result = await deploy({ app, kube, imageTag: flags.imageTag, reporter, waitLockSeconds: waitLock, prune: flags.prune, timeoutSeconds: timeout, rollbar, signal: interruptSignal(reporter.warn) });
      } catch (err) {
        if (err instanceof LockHeldError) {
          process.stderr.write(`${colours(process.stderr).red('error')}: ${err.message}\n`);
          process.exit(exitCodes.failure);
        }
        exitOnClusterError(err, kube);
      }
      printOutcome(result, { done: 'deployed', verb: 'deploy' }, flags);
      process.exit(result.ok ? exitCodes.ok : exitCodes.failure);
    });
}
