// Shared by the day-2 commands: who is running them, and how a one-off run ends.
import { defaultDeployer } from '../deploy/index.js';
import type { JobRun } from '../ops/job-run.js';
import { runSuffix } from '../ops/specs.js';
import { colours } from './output.js';

export const whoRuns = () => defaultDeployer();
export const newSuffix = () => runSuffix(new Date());

/** The command's own exit code is railyard's: `railyard task -- false` exits 1, a SIGKILLed command 137. */
export function exitWithRun(run: JobRun | { job: string; detached: true }, quiet: boolean | undefined): never {
  const c = colours(process.stderr);
  if ('detached' in run) {
    process.stderr.write(`Job/${run.job} runs on; follow it with: railyard logs --task ${run.job} -f\n`);
    process.exit(0);
  }
  if (!quiet || run.exitCode !== 0) process.stderr.write(`${run.exitCode === 0 ? c.green('done') : c.red('failed')}: Job/${run.job} ${run.reason}\n`);
  process.exit(run.exitCode);
}

/** Ctrl-C stops following; the Job runs on (it has its own deadline), and railyard says how to find it. */
export function stopSignal(): AbortSignal {
  const ac = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort(sig));
  return ac.signal;
}
