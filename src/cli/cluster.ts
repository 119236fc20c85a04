// What every command that talks to a cluster shares: the flags that choose
// it, the connection, and one voice for a cluster it cannot use (exit 2,
// naming the server, the kubeconfig and the context). A command that reached
// the cluster and then failed (a deploy that ran and failed) exits 1.
import type { Command } from 'commander';
import { clusterErrorLine, connect, isUnreachable, KubeError, type Kube } from '../deploy/kube.js';
import { colours, exitCodes } from './output.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  json?: boolean;
  quiet?: boolean;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: its current context)');
}

export function addClusterOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option('--json', 'print a JSON summary on stdout; progress goes to stderr')
    .option('-q, --quiet', 'print only warnings, errors and the result');
}

export function connectOrExit(flags: Pick<ClusterFlags, 'kubeconfig' | 'context'>): Kube {
  try {
    return connect({ kubeconfig: flags.kubeconfig, context: flags.context });
  } catch (err) {
    return exitOnClusterError(err, undefined);
  }
}

/**
 * Prints a cluster failure in one line and exits: 2 when the cluster could
 * not be used at all (unreachable, TLS refused, kubeconfig missing or
 * invalid), else `otherwise` (1: the command ran against it and failed).
 * Anything that is not a cluster failure is rethrown.
 */
export function exitOnClusterError(err: unknown, kube: Kube | undefined, otherwise: number = exitCodes.failure): never {
  if (!(err instanceof KubeError) && !isUnreachable(err)) throw err;
  const c = colours(process.stderr);
  process.stderr.write(`${c.red('error')}: ${clusterErrorLine(err, kube)}\n`);
  process.exit(isUnreachable(err) ? exitCodes.usage : otherwise);
}
