// `railyard console [--component web] [--attach] [-- CMD…]`: a Rails console
// (or any command) in a fresh pod from the live Deployment's template, so a
// heavy console cannot hurt a pod that serves traffic. A TTY when stdin is
// one; piped stdin works too (`railyard console -- bin/rails runner - < x.rb`).
// The pod goes when the client does, however it goes: railyard deletes its
// Job on exit; if railyard is killed, the API server closes the console's
// stdin (stdinOnce), the command ends, and the Job's TTL of 0 deletes it.
import * as k8s from '@kubernetes/client-node';
import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { sleep, type Kube } from '../../deploy/kube.js';
import { createJob, terminated, waitForPod } from '../../ops/job-run.js';
import { parseDuration } from '../../ops/log-lines.js';
import { NoSuchComponent, readComponent } from '../../ops/oneoff-source.js';
import { consoleJob } from '../../ops/specs.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';
import { newSuffix, whoRuns } from '../ops-common.js';
import { exitCodes, exitOnConfigError, exitUsage } from '../output.js';

interface ConsoleFlags {
  kubeconfig?: string;
  context?: string;
  config: string;
  component?: string;
  attach?: boolean;
  maxDuration: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('console')
    .description('Open a Rails console (or run CMD) in a fresh pod built from a component\'s live pod template; deleted on exit')
    .argument('[command...]', 'the command, after -- (default: bin/rails console)')
    .option('-c, --config <path>', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('--component <name>', 'the Deployment whose pod template to use (default: the web tier)')
    .option('--attach', 'exec into a running pod of the component instead of starting a fresh one')
    .option('--max-duration <duration>', 'the console pod is stopped after this long whatever happens (4h, 30m)', '4h');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      `
Exit status: the command's, 2 invalid config or flags, cluster unreachable.

Examples:
  railyard console
  railyard console -- bin/rails runner - < fix_orders.rb`,
    )
    .action(async (command: string[], flags: ConsoleFlags) => {
      const deadline = parseDuration(flags.maxDuration) ?? exitUsage(`--max-duration must be a duration like 4h or 30m, not "${flags.maxDuration}"`);
      const argv = command.length ? command : ['bin/rails', 'console'];
      const { app } = await loadConfig(flags.config).catch(exitOnConfigError);
      const known = [app.web.name, ...Object.values(app.workers).map((w) => w.name), ...Object.values(app.consumers).map((c) => c.name)];
      const component = flags.component ?? app.web.name;
      if (!known.includes(component)) exitUsage(`no component "${component}" in ${app.name} (there are: ${known.join(', ')})`);
      const kube = connectOrExit(flags);
      const tty = Boolean(process.stdin.isTTY);
      try {
        const d = await readComponent(kube, app.namespace, component, known);
        if (flags.attach) process.exit(await execInto(kube, d, argv, tty));
        const job = consoleJob(d, { suffix: newSuffix(), command: argv, by: whoRuns(), deadlineSeconds: deadline, tty });
        process.exit(await freshConsole(kube, job, tty));
      } catch (err) {
        if (err instanceof NoSuchComponent) exitUsage(err.message);
        exitOnClusterError(err, kube);
      }
    });
}

async function deleteJob(kube: Kube, job: V1Job): Promise<void> {
  await kube.batch.deleteNamespacedJob({ name: job.metadata!.name!, namespace: job.metadata!.namespace!, propagationPolicy: 'Background' }).catch(() => undefined);
}

async function freshConsole(kube: Kube, job: V1Job, tty: boolean): Promise<number> {
  const created = await createJob(kube, job);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await deleteJob(kube, created);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      void cleanup().then(() => process.exit(130));
    });
  }
  try {
    process.stderr.write(`railyard: starting Job/${created.metadata!.name} (deleted on exit)\n`);
    const pod = await waitForPod(kube, created, { timeoutMs: 300_000 });
    const name = pod.metadata!.name!;
    const container = pod.spec!.containers[0]!.name;
    await stream(tty, (stdout, stderr, stdin) => new k8s.Attach(kube.kc).attach(created.metadata!.namespace!, name, container, stdout, stderr, stdin, tty));
    // The command's exit code, once the kubelet has recorded it.
    for (let i = 0; i < 100; i++) {
      const cur = await kube.core.readNamespacedPod({ name, namespace: created.metadata!.namespace! }).catch(() => undefined);
      const t = terminated(cur);
      if (t) return t.exitCode;
      if (!cur) break;
      await sleep(200);
    }
    return exitCodes.failure;
  } finally {
    await cleanup();
  }
}

/** Execs into a ready pod of the Deployment, found by the Deployment's own selector (its name is not a pod label). */
async function execInto(kube: Kube, d: V1Deployment, argv: string[], tty: boolean): Promise<number> {
  const namespace = d.metadata!.namespace!;
  const component = d.metadata!.name!;
  const labelSelector = Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!labelSelector) throw new NoSuchComponent(`Deployment ${component} has no matchLabels selector to find its pods by`);
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector });
  const pod = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && !p.metadata?.labels?.['railyard.dev/console'] && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (!pod) throw new NoSuchComponent(`no ready pod of ${component} to attach to`);
  let code = 0;
  await stream(tty, (stdout, stderr, stdin) =>
    new k8s.Exec(kube.kc).exec(namespace, pod.metadata!.name!, pod.spec!.containers[0]!.name, argv, stdout, stderr, stdin, tty, (status) => {
      if (status.status !== 'Success') code = Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
    }),
  );
  return code;
}

/** Wires the terminal (raw mode on a TTY) to a websocket session and resolves when it closes. */
async function stream(tty: boolean, open: (stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, stdin: NodeJS.ReadStream) => Promise<{ on(ev: 'close', cb: () => void): void }>): Promise<void> {
  if (tty) process.stdin.setRawMode(true);
  try {
    const ws = await open(process.stdout, process.stderr, process.stdin);
    await new Promise<void>((resolve) => ws.on('close', () => resolve()));
  } finally {
    if (tty) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}
