// The one-off pods of `railyard console` and `railyard task`: a Job built
// from the live Deployment's pod template, so the command sees exactly what
// a serving pod sees (image, env, envFrom, volumes, security context,
// scheduling) without being one: other labels (no Service selects it), no
// probes, a deadline, and an owner. Pure.
import type { V1Container, V1Deployment, V1Job, V1PodTemplateSpec } from '@kubernetes/client-node';
import { jobName } from './cron-model.js';

export const CONSOLE_LABEL = 'railyard.dev/console';
export const TASK_LABEL = 'railyard.dev/task-run';
export const RUN_BY_ANNOTATION = 'railyard.dev/run-by';

export interface OneOffOptions {
  /** Unique per run (time and randomness), kept short: Job names hold 63 characters. */
  suffix: string;
  command: string[];
  /** Who ran it (user@host/pid), recorded on the Job. */
  by: string;
  /** The pod is stopped after this long, whatever the client does. */
  deadlineSeconds: number;
}

/** The Deployment's pod labels minus its selector's, plus the one-off's own: a Service or ReplicaSet selecting the Deployment's pods does not select these. */
function oneOffLabels(d: V1Deployment, role: 'console' | 'task', extra: Record<string, string>): Record<string, string> {
  const tpl = d.spec?.template?.metadata?.labels ?? {};
  const selector = d.spec?.selector?.matchLabels ?? {};
  const kept = Object.fromEntries(Object.entries(tpl).filter(([k]) => !(k in selector) && k !== 'app.kubernetes.io/component'));
  const app = selector.app ?? tpl.app ?? tpl['app.kubernetes.io/instance'] ?? '';
  return { ...kept, app, component: role, 'app.kubernetes.io/component': role, ...extra };
}

/** The first container with its command replaced: tini stays PID 1 (the image's entrypoint does the same), no probes, no lifecycle hooks. */
function oneOffContainer(c: V1Container, command: string[], interactive: { tty: boolean } | undefined): V1Container {
  const { livenessProbe: _l, readinessProbe: _r, startupProbe: _s, lifecycle: _h, ports: _p, command: _c, args: _a, ...rest } = c;
  // The kubelet expands $(VAR) in command and turns $$ into $: escaped, the command runs as typed.
  return { ...rest, command: ['tini', '--', ...command.map(literalArg)], ...(interactive ? { stdin: true, stdinOnce: true, tty: interactive.tty } : {}) };
}

/** An argument as the kubelet will pass it: every `$` doubled, so neither `$(VAR)` nor `$$` is expanded. */
export function literalArg(a: string): string {
  return a.replace(/\$/g, '$$$$');
}

function ownerOf(d: V1Deployment) {
  // Not the controller: the Job controller owns the Job's pods. The Deployment
  // as owner means deleting or pruning it deletes its leftover one-offs.
  return [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata!.name!, uid: d.metadata!.uid!, controller: false, blockOwnerDeletion: false }];
}

function oneOffJob(d: V1Deployment, role: 'console' | 'task', o: OneOffOptions, pod: { container: V1Container; ttl: number }): V1Job {
  const tpl = d.spec!.template as V1PodTemplateSpec;
  const spec = tpl.spec!;
  const component = d.metadata!.name!;
  const roleLabel = role === 'console' ? CONSOLE_LABEL : TASK_LABEL;
  const labels = oneOffLabels(d, role, { [roleLabel]: component });
  const name = jobName(`${component}-${role}`, o.suffix);
  const { containers: _containers, initContainers: _init, ...podRest } = spec;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: d.metadata!.namespace, labels, annotations: { [RUN_BY_ANNOTATION]: o.by }, ownerReferences: ownerOf(d) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.deadlineSeconds,
      ttlSecondsAfterFinished: pod.ttl,
      template: {
        metadata: { labels, annotations: { [RUN_BY_ANNOTATION]: o.by } },
        spec: { ...podRest, ...(_init ? { initContainers: _init } : {}), containers: [pod.container], restartPolicy: 'Never' },
      },
    },
  };
}

/**
 * `railyard task`: runs once (backoffLimit 0: a failed command is a result,
 * not something to retry), kept an hour after it finishes so its logs and
 * exit code can be read, then deleted by the TTL controller.
 */
export function taskJob(d: V1Deployment, o: OneOffOptions & { ttlSeconds?: number }): V1Job {
  const c = d.spec!.template.spec!.containers[0]!;
  return oneOffJob(d, 'task', o, { container: oneOffContainer(c, o.command, undefined), ttl: o.ttlSeconds ?? 3600 });
}

/**
 * `railyard console`: stdin held open for one attach (stdinOnce), so a client
 * that goes away, however it goes, closes the console's input and it exits;
 * the TTL controller then deletes the Job at once, and its pod with it.
 */
export function consoleJob(d: V1Deployment, o: OneOffOptions & { tty: boolean }): V1Job {
  const c = d.spec!.template.spec!.containers[0]!;
  return oneOffJob(d, 'console', o, { container: oneOffContainer(c, o.command, { tty: o.tty }), ttl: 0 });
}

/** Short, sortable and unique enough for one app: base-36 time plus 4 random characters. */
export function runSuffix(now: Date, random: () => number = Math.random): string {
  const r = Math.floor(random() * 36 ** 4).toString(36).padStart(4, '0');
  return `${Math.floor(now.getTime() / 1000).toString(36)}${r}`;
}
