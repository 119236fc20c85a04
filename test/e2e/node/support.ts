// The real node (scripts/cluster/node.sh): a kubelet with containerd beside the
// kwok nodes. Its pods tolerate the node's taint and select it by label; images
// reach its containerd by `podman save` + `ctr import`, no registry involved.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, kubectl, kubectlJson, tempDir } from '../cluster/support.js';
import { podmanEnv } from '../containers/podman.js';

const exec = promisify(execFile);

/** A variable of scripts/cluster/node.sh, the one place the node's settings live. */
function nodeSetting(name: string): string {
  const m = readFileSync(join(ROOT, 'scripts/cluster/node.sh'), 'utf8').match(new RegExp(`^${name}=(?:\\$\\{[A-Z_]+:-)?([^}\\s]+)\\}?$`, 'm'));
  if (!m) throw new Error(`${name} is not set in scripts/cluster/node.sh`);
  return m[1]!;
}

export const NODE_NAME = nodeSetting('NODE_NAME');
/** The node's address, on its bridge: the pods' gateway, where they reach host services. */
export const NODE_IP = nodeSetting('NODE_IP');
export const NODE_TAINT = nodeSetting('NODE_TAINT');
const [labelKey, labelValue] = nodeSetting('NODE_LABEL').split('=') as [string, string];
const CTR_SOCK = nodeSetting('CTR_SOCK').replace('$NODE_RUN', nodeSetting('NODE_RUN'));

/** The model's `scheduling` that puts app pods on the real node and nowhere else. */
export const REAL_NODE_SCHEDULING = {
  nodeSelector: { [labelKey]: labelValue },
  tolerations: [{ key: NODE_TAINT, operator: 'Exists' as const, effect: 'NoSchedule' as const }],
};

/** The restricted Pod Security profile, for the pods a node suite makes by hand. */
export const RESTRICTED = {
  pod: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  container: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

/** Throws, naming the fix, unless the real node is registered and Ready. */
export async function requireRealNode(kubeconfig: string): Promise<void> {
  const r = await kubectl(kubeconfig, ['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  if (r.code !== 0 || r.stdout.trim() !== 'True') {
    throw new Error(`the real node ${NODE_NAME} is not Ready (${r.stderr.trim() || r.stdout.trim()}); make cluster-up starts it (scripts/cluster/node.sh)`);
  }
}

export function ctr(args: string[], timeoutMs = 600_000): Promise<{ stdout: string; stderr: string }> {
  return exec('ctr', ['--address', CTR_SOCK, '-n', 'k8s.io', ...args], { maxBuffer: 64 << 20, timeout: timeoutMs });
}

/**
 * Copies podman images into the node's containerd under the same references:
 * one `podman save` of all of them (shared layers written once), one import.
 */
export async function importImages(refs: string[]): Promise<void> {
  const dir = tempDir('images');
  const tar = join(dir, 'images.tar');
  try {
    await exec('podman', ['save', '--format', 'docker-archive', '-m', '-o', tar, ...refs], { env: podmanEnv, maxBuffer: 64 << 20, timeout: 600_000 });
    await ctr(['images', 'import', '--no-unpack', tar]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { stdout } = await ctr(['images', 'ls', '-q']);
  const have = new Set(stdout.split('\n').map((l) => l.trim()));
  const missing = refs.filter((r) => !have.has(r));
  if (missing.length) throw new Error(`not in the node's containerd after import: ${missing.join(', ')}`);
}

export interface PodInfo {
  name: string;
  component: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  node: string;
  ip: string;
  image: string;
  restarts: number;
  /** How long its first container has been running; undefined when it is not running. */
  runningSinceMs: number | undefined;
}

export async function pods(kubeconfig: string, namespace: string, selector = 'app.kubernetes.io/managed-by=railyard'): Promise<PodInfo[]> {
  const list = await kubectlJson<{ items: any[] }>(kubeconfig, ['get', 'pods', '-n', namespace, '-l', selector]);
  return list.items.map((p) => ({
    name: p.metadata.name,
    component: p.metadata.labels?.['app.kubernetes.io/component'] ?? '',
    phase: p.status?.phase ?? '',
    ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
    deleting: Boolean(p.metadata.deletionTimestamp),
    node: p.spec.nodeName ?? '',
    ip: p.status?.podIP ?? '',
    image: p.spec.containers[0].image,
    restarts: (p.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0),
    runningSinceMs: p.status?.containerStatuses?.[0]?.state?.running ? Date.now() - Date.parse(p.status.containerStatuses[0].state.running.startedAt) : undefined,
  }));
}

/** `kubectl exec` into a pod's first container; never throws on a non-zero exit. */
export function execIn(kubeconfig: string, namespace: string, pod: string, cmd: string[]) {
  return kubectl(kubeconfig, ['exec', '-n', namespace, pod, '--', ...cmd]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined. */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
