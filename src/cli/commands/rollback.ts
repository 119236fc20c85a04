// `railyard rollback [CONFIG] [REVISION]`: re-apply a recorded release.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { listReleases } from '../../deploy/history.js';
import type { Kube } from '../../deploy/kube.js';
import { parsePick, releasePicker } from '../../ops/release-picker.js';
import { loadConfig } from '../../config/load.js';
import { DeployFailed, rollback, type DeployResult } from '../../deploy/index.js';
import { LockHeldError } from '../../deploy/lock.js';
import { createReporter } from '../../deploy/report.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';
import { interruptSignal, printOutcome, rollbarTarget, seconds } from './deploy.js';
import { addClusterOptions, connectOrExit, exitOnClusterError, type ClusterFlags } from '../cluster.js';

interface RollbackFlags extends ClusterFlags {
  waitLock?: string;
  prune: boolean;
  timeout: string;
  rollbarUrl?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('rollback')
    .description('Re-apply a recorded release (default: the last successful one before the current); migrations are not reversed')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .argument('[revision]', 'release to return to (see railyard history); on a terminal without one, a picker of the recorded releases')
    .option('--wait-lock <seconds>', 'wait up to this long for another deploy to finish instead of failing at once')
    .option('--no-prune', 'keep objects the target release does not have')
    .option('--timeout <seconds>', 'how long each rollout phase may take', '600')
    .option('--rollbar-url <url>', 'Rollbar deploy API (default: as for deploy)');
  addClusterOptions(cmd).action(async (config: string, revision: string | undefined, flags: RollbackFlags) => {
    let rev = revision === undefined ? undefined : seconds(revision, 'REVISION');
    const timeout = seconds(flags.timeout, '--timeout');
    const waitLock = flags.waitLock === undefined ? 0 : seconds(flags.waitLock, '--wait-lock');
    const { app } = await loadConfig(config).catch(exitOnConfigError);
    const kube = connectOrExit(flags);
    if (rev === undefined && process.stdin.isTTY && process.stdout.isTTY && !flags.json) rev = await pick(kube, app.name, app.namespace);
    const progress = flags.json ? process.stderr : process.stdout;
    const reporter = createReporter(progress, { colours: colours(progress), quiet: flags.quiet });
    let result: DeployResult;
    try {
      result = await rollback({ app, kube, revision: rev, reporter, waitLockSeconds: waitLock, prune: flags.prune, timeoutSeconds: timeout, rollbar: rollbarTarget(app, flags.rollbarUrl, reporter.warn), signal: interruptSignal(reporter.warn) });
    } catch (err) {
      if (err instanceof LockHeldError || err instanceof DeployFailed) {
        process.stderr.write(`${colours(process.stderr).red('error')}: ${err.message}\n`);
        process.exit(exitCodes.failure);
      }
      exitOnClusterError(err, kube);
    }
    printOutcome(result, { done: 'rolled back', verb: 'rollback' }, flags);
    process.exit(result.ok ? exitCodes.ok : exitCodes.failure);
  });
}

/** On a terminal: the releases, newest first; Enter takes the marked one (the last good release before the current). */
async function pick(kube: Kube, app: string, namespace: string): Promise<number> {
  const releases = await listReleases(kube, app, namespace).catch((err) => exitOnClusterError(err, kube));
  const p = releasePicker(releases, new Date());
  if (p.choices.length === 0) {
    process.stderr.write(`railyard: no releases of ${app} in namespace ${namespace}\n`);
    process.exit(exitCodes.failure);
  }
  const c = colours(process.stdout);
  process.stdout.write(`${c.bold(p.lines[0]!)}\n${p.lines.slice(1).join('\n')}\n('>' is what Enter picks, '*' the current release)\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (;;) {
      const answer = await rl.question(`roll back to revision${p.defaultRevision !== undefined ? ` [${p.defaultRevision}]` : ''}: `);
      const r = parsePick(answer, p);
      if (typeof r === 'number') return r;
      process.stdout.write(`${r.error}\n`);
    }
  } finally {
    rl.close();
  }
}
