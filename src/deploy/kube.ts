// The edge to the Kubernetes API: a kubeconfig in, small typed helpers out.
// Everything else in src/deploy works on plain objects and this interface,
// so the orchestration reads as the deploy steps and not as client plumbing.
import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import { homedir } from 'node:os';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import type { KubeObject } from '../render/kubernetes/index.js';

export const FIELD_MANAGER = 'railyard';

export interface Kube {
  kc: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
  coordination: k8s.CoordinationV1Api;
  /** Server URL, for messages (never credentials). */
  server: string;
  /** Where the kubeconfig came from and the context used, for messages. */
  kubeconfig: string;
  context: string;
}

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
}

/** Which kubeconfig a connection reads, the way loadFromDefault picks it (named in every cluster error). */
export function kubeconfigSource(opts: KubeOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.kubeconfig) return opts.kubeconfig;
  if (env.KUBECONFIG) return env.KUBECONFIG;
  return join(env.HOME ?? homedir(), '.kube', 'config');
}

export function connect(opts: KubeOptions): Kube {
  const kc = new k8s.KubeConfig();
  const source = kubeconfigSource(opts);
  const where = (ctx?: string) => ({ server: undefined, kubeconfig: source, context: ctx ?? opts.context });
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new KubeError(e.code === 'ENOENT' ? 'the kubeconfig does not exist' : `the kubeconfig cannot be read: ${e.message.split('\n')[0]}`, 0, 'InvalidKubeconfig', where());
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new KubeError(`context "${opts.context}" is not in the kubeconfig`, 0, 'InvalidKubeconfig', where());
    kc.setCurrentContext(opts.context);
  }
  shareAgents(kc);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeError('the kubeconfig has no current cluster (pass --kubeconfig or --context)', 0, 'InvalidKubeconfig', where(kc.getCurrentContext()));
  return {
    kubeconfig: source,
    context: kc.getCurrentContext(),
    kc,
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    server: cluster.server,
  };
}

/**
 * client-node builds a new https.Agent for every request, so every call paid a TCP and TLS
 * handshake and parsed the client key again: `railyard diff` spent 0.6 s of its 3.4 s CPU there,
 * over ~90 requests. This keeps one keep-alive agent per distinct set of agent options, so
 * requests reuse connections and TLS sessions. Options come from the kubeconfig (and an exec
 * plugin's certificate, which may change: then the key changes and a new agent is made). Idle
 * keep-alive sockets are unref'd by Node, so they never hold a command open; a WebSocket upgrade
 * (exec, attach) takes its socket out of the pool.
 */
export function shareAgents(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createAgent: (cluster: k8s.Cluster | null, options: Record<string, unknown>) => Agent };
  const make = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = agentKey(cluster, options);
    let agent = agents.get(key);
    if (!agent) {
      agent = make(cluster, { ...options, ...secureContextOf(cluster, options), keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}

/**
 * One TLS context for all of an agent's connections. Without it every new socket parses the
 * CA bundle, certificate and key again (tls.connect builds a context from them): 16 parallel
 * connections spent ~90 ms of CPU there. Not for a proxy, whose agent makes its own connections.
 */
function secureContextOf(cluster: k8s.Cluster | null, options: Record<string, unknown>): { secureContext?: ReturnType<typeof createSecureContext> } {
  if (cluster?.proxyUrl || options.secureContext) return {};
  const tls = Object.fromEntries(['ca', 'cert', 'key', 'pfx', 'passphrase'].filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  return Object.keys(tls).length ? { secureContext: createSecureContext(tls) } : {};
}

/** A digest of the options, not the options: they hold the client key, which must not sit in a map key. */
export function agentKey(cluster: k8s.Cluster | null, options: Record<string, unknown>): string {
  // Each value is digested on its own with its type, so no two different sets of options can
  // concatenate to the same bytes (a Buffer holding a quoted string, a value holding a separator).
  const digest = (v: unknown): string => {
    const h = createHash('sha256');
    if (Buffer.isBuffer(v)) h.update('buffer:').update(v);
    else if (Array.isArray(v)) h.update('array:' + v.map(digest).join(','));
    else h.update('json:' + JSON.stringify(v));
    return h.digest('hex');
  };
  const entries = Object.keys(options)
    .sort()
    .filter((k) => options[k] !== undefined)
    .map((k) => [k, digest(options[k])]);
  return digest([cluster?.server ?? null, cluster?.proxyUrl ?? null, entries]);
}

/** An API failure reduced to the status code and the server's own message: no request or response bodies, which may hold object data. */
export class KubeError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason?: string,
    /** Set for a kubeconfig that cannot be used: it names the file and context, as cluster errors do. */
    readonly where?: { server?: string; kubeconfig: string; context?: string },
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof k8s.ApiException) {
    const status = parseStatus(err.body);
    return new KubeError(`${what}: ${status?.message ?? `HTTP ${err.code}`}`, err.code, status?.reason);
  }
  const e = err as { code?: string; message?: string };
  return new KubeError(`${what}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.replace(/\s+/g, ' ').trim(), 0);
}

function parseStatus(body: unknown): { message?: string; reason?: string } | undefined {
  try {
    const s = typeof body === 'string' ? JSON.parse(body) : body;
    if (s && typeof s === 'object') return { message: (s as { message?: string }).message, reason: (s as { reason?: string }).reason };
  } catch {
    /* not JSON: fall back to the status code */
  }
  return undefined;
}

/** Network-level failures: the request never got an answer from an API server. */
const UNREACHABLE = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE|UND_ERR_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+|ERR_TLS_\w+|socket hang up|fetch failed)\b/;

/**
 * Whether an error means railyard could not talk to the cluster at all (no
 * answer, TLS refused, kubeconfig unusable) rather than an answer it did not
 * like. The CLI exits 2 for these, like any other input it cannot use.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof KubeError) return err.reason === 'InvalidKubeconfig' || (err.code === 0 && UNREACHABLE.test(err.message));
  const e = err as { code?: unknown; message?: string; cause?: { code?: string; message?: string } };
  return typeof e?.code === 'string' ? UNREACHABLE.test(e.code) : UNREACHABLE.test(`${e?.message ?? ''} ${e?.cause?.code ?? ''}`);
}

/**
 * The one line every cluster command prints for a cluster it cannot use:
 * what failed, the server, the kubeconfig and the context. Never a body or a
 * token: the message is the KubeError's (status text or errno), no more.
 */
export function clusterErrorLine(err: unknown, conn: { server?: string; kubeconfig: string; context?: string } | undefined): string {
  const e = err instanceof KubeError ? err : toKubeError(err, 'request');
  const where = e.where ?? conn;
  const ctx = where ? `(kubeconfig ${where.kubeconfig}, context ${where.context ?? '(none)'})` : '';
  const reason = e.message.replace(/\s+/g, ' ').trim();
  if (e.reason === 'InvalidKubeconfig') return `cannot use the cluster: ${reason} ${ctx}`.trim();
  if (isUnreachable(e)) return `cannot reach the cluster at ${where?.server ?? '(unknown server)'} ${ctx}: ${reason}`.trim();
  return `the cluster at ${where?.server ?? '(unknown server)'} ${ctx} answered: ${reason}`.trim();
}

export const isNotFound = (e: unknown) => (e instanceof KubeError ? e.code : (e as { code?: number })?.code) === 404;
export const isConflict = (e: unknown) => (e instanceof KubeError ? e.code : (e as { code?: number })?.code) === 409;

export function describe(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/**
 * client-node's KubernetesObjectApi passes every object of a kind it knows
 * through its generated models, which name the JSON field `from` of a
 * NetworkPolicy ingress rule `_from` (a reserved word in their generator).
 * Sent as plain JSON, `from` is silently dropped, and the API server then
 * stores a rule that admits every source: the web port's allow rule became
 * "from anywhere" until the real-node suite enforced it
 * (test/e2e/node/hardening.test.ts). These two map between the API's JSON
 * and the models' names, on the way out and on the way back.
 */
export const toClientModel = <T>(obj: T): T => renameIngressFrom(obj, 'from', '_from');
export const fromClientModel = <T>(obj: T): T => renameIngressFrom(obj, '_from', 'from');

function renameIngressFrom<T>(obj: T, name: string, to: string): T {
  const o = obj as { kind?: string; spec?: { ingress?: Record<string, unknown>[] } };
  if (o?.kind !== 'NetworkPolicy' || !o.spec?.ingress) return obj;
  const ingress = o.spec.ingress.map(({ [name]: peers, ...rule }) => (peers === undefined ? rule : { ...rule, [to]: peers }));
  return { ...o, spec: { ...o.spec, ingress } } as T;
}

/** Server-side apply as field manager `railyard`. Force: railyard owns every field it renders, as Helm and Kamal do. */
export async function apply<T extends KubeObject>(kube: Kube, obj: T, opts: { dryRun?: boolean } = {}): Promise<T> {
  try {
    return fromClientModel((await kube.objects.patch(toClientModel(obj), undefined, opts.dryRun ? 'All' : undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply)) as T);
  } catch (err) {
    throw toKubeError(err, `apply ${describe(obj)}`);
  }
}

export async function read<T extends KubeObject>(kube: Kube, ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<T | undefined> {
  try {
    return fromClientModel((await kube.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.metadata.name, namespace: ref.metadata.namespace } })) as unknown as T);
  } catch (err) {
    const e = toKubeError(err, `read ${describe(ref)}`);
    if (e.code === 404) return undefined;
    throw e;
  }
}

export async function list<T extends KubeObject>(kube: Kube, apiVersion: string, kind: string, namespace: string | undefined, labelSelector: string): Promise<T[]> {
  try {
    const res = await kube.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
    return (res.items ?? []).map((o) => fromClientModel({ ...o, apiVersion, kind }) as unknown as T);
  } catch (err) {
    const e = toKubeError(err, `list ${kind}`);
    // A kind whose CRD is not installed has nothing to list.
    if (e.code === 404) return [];
    throw e;
  }
}

export async function remove(kube: Kube, ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void> {
  try {
    await kube.objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.metadata.name, namespace: ref.metadata.namespace } }, undefined, undefined, undefined, undefined, 'Background');
  } catch (err) {
    const e = toKubeError(err, `delete ${describe(ref)}`);
    if (e.code !== 404) throw e;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
