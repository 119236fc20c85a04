// `railyard deploy`: lock → migration barrier → ordered server-side apply with
// rollout waits → prune → release record, rolling back what it changed when a
// rollout fails. Rollbar hears `started` and then `succeeded` or `failed`.
import { hostname, userInfo } from 'node:os';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { App } from '../config/schema.js';
import { renderManifests, type KubeObject, type ManifestFile } from '../render/kubernetes/index.js';
import { lastGood, listReleases, nextRevision, trimHistory, writeRelease, type Release, type ReleaseStatus } from './history.js';
import { apply, describe, KubeError, list, read, remove, sleep, toKubeError, type Kube } from './kube.js';
import { acquireLock, type Lock } from './lock.js';
import { podProblems, runMigration, type PodProblem } from './migrate.js';
import { instanceSelector, objectKey, planDeploy, PRUNABLE, pruneCandidates, ROLLOUT_KINDS, type DeployPlan } from './plan.js';
import { rollbarFinish, rollbarStart, type RollbarTarget } from './rollbar.js';
import { rolloutState, type RolloutState } from './rollout.js';
import { describeMissing, secretsOfObjects, secretsPreflight, type MissingSecret } from './secrets.js';

export { planDeploy } from './plan.js';
export { listReleases } from './history.js';

export interface Reporter {
  step(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Migration output, line by line. */
  log(line: string): void;
  /** Called on every poll with the current state of each watched rollout. */
  rollouts(states: RolloutState[]): void;
}

export interface DeployOptions {
  app: App;
  kube: Kube;
  imageTag: string;
  reporter: Reporter;
  /** Who is deploying (Lease holder, release record, Rollbar). */
  deployer?: string;
  waitLockSeconds?: number;
  prune?: boolean;
  /** Per rollout phase. */
  timeoutSeconds?: number;
  rollbar?: RollbarTarget;
  /** Release records kept in the cluster. */
  historyLimit?: number;
  /**
   * Aborted on SIGINT/SIGTERM: the deploy stops at the next step or poll,
   * records the release as failed, tells Rollbar and releases the lock. It
   * does not roll back (run `railyard rollback` or deploy again).
   */
  signal?: AbortSignal;
}

export interface DeployResult {
  ok: boolean;
  revision?: number;
  imageTag: string;
  applied: string[];
  pruned: string[];
  rolledBack: string[];
  rollouts: RolloutState[];
  failure?: { step: string; reason: string; pods: PodProblem[] };
  /** Set when the secrets preflight stopped the deploy: what the cluster lacks (names only). */
  missingSecrets?: MissingSecret[];
  durationMs: number;
  phaseMs: Record<string, number>;
}

export class DeployFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly pods: PodProblem[] = [],
  ) {
    super(message);
    this.name = 'DeployFailed';
  }
}

/** Throws DeployFailed('interrupt') once the signal has fired. */
export function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DeployFailed('interrupt', `interrupted by ${String(signal.reason ?? 'a signal')}; the release is recorded as failed and nothing was rolled back`);
}

/** Status polls: short enough to add little to a rollout, cheap for the API server (one GET per watched object). */
export const POLL_MS = 250;

export function defaultDeployer(): string {
  const who = process.env.GITHUB_ACTOR ?? safeUser();
  return `${who}@${hostname()}/${process.pid}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const t0 = Date.now();
  const files = renderManifests(opts.app, { imageTag: opts.imageTag });
  // Secrets first, before the namespace, the lock or a release record: a deploy
  // that cannot start its pods must leave the cluster exactly as it found it.
  opts.reporter.step(`preflight: secrets of ${opts.app.namespace}/${opts.app.name}`);
  const missing = await secretsPreflight(opts.kube, opts.app);
  if (missing.length > 0) return secretsRefused(opts.imageTag, missing, t0);
  const result = await runRelease(opts, planDeploy(opts.app, files), { imageTag: opts.imageTag });
  result.phaseMs = { secrets: result.durationMs === 0 ? 0 : Date.now() - t0 - result.durationMs, ...result.phaseMs };
  result.durationMs = Date.now() - t0;
  return result;
}

function secretsRefused(imageTag: string, missing: MissingSecret[], t0: number): DeployResult {
  const lines = missing.map(describeMissing);
  return {
    ok: false,
    imageTag,
    applied: [],
    pruned: [],
    rolledBack: [],
    rollouts: [],
    failure: { step: 'secrets', reason: `${lines.length} missing secret${lines.length === 1 ? '' : 's'} or key${lines.length === 1 ? '' : 's'}; nothing was applied:\n  ${lines.join('\n  ')}`, pods: [] },
    missingSecrets: missing,
    durationMs: Date.now() - t0,
    phaseMs: { secrets: Date.now() - t0 },
  };
}

/** `railyard rollback`: re-apply a recorded release's objects (no migration: migrations only move forward). */
export async function rollback(opts: Omit<DeployOptions, 'imageTag'> & { revision?: number }): Promise<DeployResult> {
  const releases = await listReleases(opts.kube, opts.app.name, opts.app.namespace);
  const current = [...releases].reverse().find((r) => r.status === 'deployed');
  const target = opts.revision !== undefined ? releases.find((r) => r.revision === opts.revision) : lastGood(releases, current?.revision);
  if (!target) {
    throw new DeployFailed('rollback', opts.revision !== undefined ? `release ${opts.revision} is not in the history of ${opts.app.name}` : `no earlier successful release of ${opts.app.name} to roll back to`);
  }
  // The same preflight as a deploy, over what the recorded release's pods read:
  // a rollback is most often run in a hurry, and one whose pods cannot start
  // would leave the app worse off than it found it.
  const t0 = Date.now();
  opts.reporter.step(`preflight: secrets release ${target.revision}'s pods read`);
  const missing = await secretsPreflight(opts.kube, opts.app, secretsOfObjects(target.objects, opts.app));
  if (missing.length > 0) return secretsRefused(target.imageTag, missing, t0);
  const files: ManifestFile[] = [{ path: 'k8s/release.yaml', objects: target.objects }];
  const plan = planDeploy(opts.app, files);
  return runRelease({ ...opts, imageTag: target.imageTag }, { ...plan, migration: undefined }, { imageTag: target.imageTag, rollbackOf: target.revision });
}

async function runRelease(opts: DeployOptions, plan: DeployPlan, meta: { imageTag: string; rollbackOf?: number }): Promise<DeployResult> {
  const t0 = Date.now();
  const { app, kube, reporter: r } = opts;
  const deployer = opts.deployer ?? defaultDeployer();
  const timeout = opts.timeoutSeconds ?? 600;
  const result: DeployResult = { ok: false, imageTag: meta.imageTag, applied: [], pruned: [], rolledBack: [], rollouts: [], durationMs: 0, phaseMs: {} };
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const s = Date.now();
    try {
      return await fn();
    } finally {
      result.phaseMs[name] = (result.phaseMs[name] ?? 0) + (Date.now() - s);
    }
  };

  // The Lease and the migration Job live in the app namespace, so it must exist
  // before anything else; an existing namespace is left untouched here.
  await timed('namespace', () => ensureNamespace(kube, plan, app.namespace));

  r.step(`lock ${app.namespace}/${app.name}`);
  const lock: Lock = await timed('lock', () =>
    acquireLock(kube, { app: app.name, namespace: app.namespace, holder: deployer, waitSeconds: opts.waitLockSeconds, signal: opts.signal, onWait: (v) => r.info(`waiting for the lock held by ${v.holder} (expires ${v.expiresAt.toISOString()})`) }),
  );
  let releases: Release[] = [];
  let release: Release | undefined;
  let rollbarId: string | undefined;
  const warn = (m: string) => r.warn(m);
  try {
    releases = await listReleases(kube, app.name, app.namespace);
    // We hold the lock, so a release still `pending` belongs to a deploy that
    // died (killed, crashed, cancelled) before recording its outcome.
    for (const stale of releases.filter((x) => x.status === 'pending')) {
      const interrupted: Release = { ...stale, status: 'failed', reason: 'interrupted: the deploy stopped before recording a result' };
      await writeRelease(kube, interrupted, app.namespace);
      Object.assign(stale, interrupted);
      r.warn(`release ${stale.revision} (${stale.imageTag}) was interrupted; recorded as failed`);
    }
    release = { app: app.name, revision: nextRevision(releases), imageTag: meta.imageTag, status: 'pending', startedAt: new Date().toISOString(), deployer, objects: plan.objects, ...(meta.rollbackOf !== undefined ? { rollbackOf: meta.rollbackOf } : {}) };
    result.revision = release.revision;
    await writeRelease(kube, release, app.namespace);
    if (opts.rollbar) {
      rollbarId = await rollbarStart(opts.rollbar, { revision: meta.imageTag, localUsername: deployer, comment: meta.rollbackOf !== undefined ? `railyard rollback to release ${meta.rollbackOf}` : `railyard deploy release ${release.revision}` }, warn);
    }

    // Everything the release applies goes through the server's validation and
    // admission first (a dry run), so a missing CRD, an invalid object or a
    // permission the deployer lacks stops the deploy before the migration runs.
    checkpoint(opts.signal);
    // A migration Job of the same name that already exists is replaced by
    // runMigration, not applied over (a Job's pod template is immutable), so
    // only a new Job is dry-run.
    const newJob = plan.migration && !(await read(kube, plan.migration)) ? [plan.migration] : [];
    const checked = [...plan.objects, ...newJob];
    r.step(`preflight: server-side dry run of ${checked.length} objects`);
    const refused = await timed('preflight', () => preflight(kube, checked));
    if (refused.length > 0) throw new DeployFailed('preflight', `the API server refuses ${refused.length} object${refused.length === 1 ? '' : 's'}; nothing was applied:\n  ${refused.join('\n  ')}`);

    if (plan.migration) {
      r.step(`migrate: Job ${plan.migration.metadata.name}`);
      const out = await timed('migrate', () =>
        runMigration(kube, plan.migration!, {
          timeoutSeconds: (plan.migration as { spec?: { activeDeadlineSeconds?: number } }).spec?.activeDeadlineSeconds ?? app.migrate.timeoutSeconds,
          events: { onStart: (n) => r.info(`started Job/${n}`), onLog: (l) => r.log(l), onNotice: (m) => r.info(m) },
          signal: opts.signal,
        }),
      );
      if (!out.ok) throw new DeployFailed('migrate', `${out.reason}; nothing was applied`, out.pods);
      r.info('migration complete');
    }

    const before = await snapshotRollouts(kube, plan);
    const changed: KubeObject[] = [];
    try {
      for (const phase of plan.phases) {
        if (phase.objects.length === 0) continue;
        checkpoint(opts.signal);
        r.step(`apply ${phase.name}: ${phase.objects.length} object${phase.objects.length === 1 ? '' : 's'}`);
        const applied = await timed(`apply:${phase.name}`, () => applyAll(kube, phase.objects));
        result.applied.push(...phase.objects.map(describe));
        for (const a of applied) {
          if (!ROLLOUT_KINDS.has(a.kind)) continue;
          const prior = before.get(objectKey(a));
          if (!prior || generation(prior) !== generation(a)) changed.push(a);
        }
        if (phase.waitFor.length > 0) {
          r.step(`rollout ${phase.name}: waiting for ${phase.waitFor.map(describe).join(', ')}`);
          const states = await timed(`rollout:${phase.name}`, () => watchRollouts(kube, phase.waitFor, timeout, r, opts.signal));
          result.rollouts.push(...states);
        }
      }
    } catch (err) {
      if (!(err instanceof DeployFailed) || err.step !== 'rollout') throw err;
      r.warn(err.message);
      r.step(`roll back ${changed.length} changed rollout${changed.length === 1 ? '' : 's'}`);
      result.rolledBack = await timed('rollback', () => rollBackChanged(kube, changed, plan.objects, releases, timeout, r));
      throw err;
    }

    checkpoint(opts.signal);
    if (opts.prune !== false) {
      const pruned = await timed('prune', () => prune(kube, app, plan));
      for (const p of pruned) r.info(`pruned ${p}`);
      result.pruned = pruned;
    }

    for (const prev of releases.filter((x) => x.status === 'deployed')) await writeRelease(kube, { ...prev, status: 'superseded' }, app.namespace);
    release = { ...release, status: 'deployed', finishedAt: new Date().toISOString() };
    await writeRelease(kube, release, app.namespace);
    await trimHistory(kube, app.name, app.namespace, [...releases, release], opts.historyLimit ?? 10);
    if (opts.rollbar) await rollbarFinish(opts.rollbar, rollbarId, 'succeeded', `release ${release.revision} deployed`, warn);
    result.ok = true;
    return result;
  } catch (err) {
    const failure = err instanceof DeployFailed ? err : new DeployFailed('deploy', (err instanceof KubeError ? err : toKubeError(err, 'deploy')).message);
    result.failure = { step: failure.step, reason: failure.message, pods: failure.pods };
    if (release) {
      const status: ReleaseStatus = 'failed';
      await writeRelease(kube, { ...release, status, reason: failure.message, finishedAt: new Date().toISOString() }, app.namespace).catch((e) => r.warn(`could not record the failed release: ${(e as Error).message}`));
    }
    if (opts.rollbar) await rollbarFinish(opts.rollbar, rollbarId, 'failed', failure.message, warn);
    return result;
  } finally {
    await lock.release().catch((e) => r.warn(`could not release the lock (it expires on its own): ${(e as Error).message}`));
    result.durationMs = Date.now() - t0;
  }
}

const generation = (o: KubeObject) => (o.metadata as { generation?: number }).generation ?? 0;

async function ensureNamespace(kube: Kube, plan: DeployPlan, namespace: string): Promise<void> {
  const ns = plan.phases.find((p) => p.name === 'namespaces')?.objects.find((o) => o.metadata.name === namespace) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  if (!(await read(kube, ns))) await apply(kube, ns);
}

/**
 * Server-side dry run of every object, a few at a time; returns one line per
 * refusal. An object whose namespace does not exist yet (a first deploy's
 * logging namespace) cannot be dry-run and is left to the real apply.
 */
export async function preflight(kube: Kube, objects: KubeObject[]): Promise<string[]> {
  const refused: string[] = [];
  const queue = [...objects];
  const worker = async () => {
    for (let o = queue.shift(); o; o = queue.shift()) {
      try {
        await apply(kube, o, { dryRun: true });
      } catch (err) {
        const e = err instanceof KubeError ? err : toKubeError(err, `dry run ${describe(o)}`);
        if (e.code === 404 && /namespaces? "[^"]+" not found/.test(e.message)) continue;
        // A bare 404 comes from discovery: the cluster does not serve this kind at all.
        const bare = e.code === 404 && / HTTP 404$/.test(e.message);
        refused.push(bare ? `${describe(o)}: the cluster does not serve ${o.apiVersion} ${o.kind} (is its CRD installed?)` : e.message.replace(/^apply /, ''));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return refused.sort();
}

/** Applies a phase's objects a few at a time (the API server handles small bursts well; the order within a phase does not matter). */
async function applyAll(kube: Kube, objects: KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const queue = [...objects];
  const worker = async () => {
    for (let o = queue.shift(); o; o = queue.shift()) out.push(await apply(kube, o));
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return out;
}

async function snapshotRollouts(kube: Kube, plan: DeployPlan): Promise<Map<string, KubeObject>> {
  const m = new Map<string, KubeObject>();
  for (const o of plan.objects.filter((x) => ROLLOUT_KINDS.has(x.kind))) {
    const live = await read<KubeObject>(kube, o);
    if (live) m.set(objectKey(o), live);
  }
  return m;
}

/** Polls until every rollout is done; throws DeployFailed('rollout') on ProgressDeadlineExceeded or timeout, with the failing pods. */
export async function watchRollouts(kube: Kube, targets: KubeObject[], timeoutSeconds: number, r: Reporter, signal?: AbortSignal): Promise<RolloutState[]> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    checkpoint(signal);
    const live = await Promise.all(targets.map(async (t) => (await read<KubeObject>(kube, t)) ?? t));
    const states = live.map((o) => rolloutState(o as never));
    r.rollouts(states);
    const failed = states.filter((s) => s.failed);
    const timedOut = Date.now() > deadline;
    if (failed.length > 0 || (timedOut && !states.every((s) => s.done))) {
      const bad = live.filter((_, i) => !states[i]!.done);
      const reason = failed.length > 0 ? failed.map((s) => `${s.name}: ${s.message}`).join('; ') : `timed out after ${timeoutSeconds}s: ${states.filter((s) => !s.done).map((s) => `${s.name} ${s.message}`).join('; ')}`;
      throw new DeployFailed('rollout', `rollout failed: ${reason}`, await unreadyPods(kube, bad));
    }
    if (states.every((s) => s.done)) return states;
    await sleep(POLL_MS);
  }
}

async function unreadyPods(kube: Kube, workloads: KubeObject[]): Promise<PodProblem[]> {
  const out: PodProblem[] = [];
  for (const w of workloads) {
    const match = (w as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec?.selector?.matchLabels ?? {};
    const selector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',');
    if (!selector) continue;
    try {
      const pods = await kube.core.listNamespacedPod({ namespace: w.metadata.namespace!, labelSelector: selector });
      const unready = pods.items.filter((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).slice(0, 5);
      out.push(...(await podProblems(kube, unready)));
    } catch {
      /* the failure message stands on its own without pod detail */
    }
  }
  return out;
}

/**
 * Returns each rollout this deploy changed to what ran before: the object from
 * the last good release record when there is one, otherwise (a Deployment only)
 * the rendered object with the previous ReplicaSet's pod template, which is
 * what `kubectl rollout undo` restores. Objects this deploy created have no
 * previous revision and are left for the operator.
 */
async function rollBackChanged(kube: Kube, changed: KubeObject[], rendered: KubeObject[], releases: Release[], timeoutSeconds: number, r: Reporter): Promise<string[]> {
  const good = lastGood(releases);
  const targets: KubeObject[] = [];
  for (const o of changed) {
    const recorded = good?.objects.find((x) => objectKey(x) === objectKey(o));
    // `o` is the live object (status, managedFields); what is re-applied starts from the rendered one.
    const mine = rendered.find((x) => objectKey(x) === objectKey(o)) ?? o;
    const previous = recorded ?? (o.kind === 'Deployment' ? await previousFromReplicaSet(kube, mine) : undefined);
    if (!previous) {
      r.warn(`${describe(o)} has no previous revision to roll back to`);
      continue;
    }
    await apply(kube, previous);
    targets.push(previous);
  }
  if (targets.length === 0) return [];
  try {
    await watchRollouts(kube, targets, timeoutSeconds, r);
  } catch (err) {
    r.warn(`rollback did not complete: ${(err as Error).message}`);
  }
  return targets.map(describe);
}

async function previousFromReplicaSet(kube: Kube, d: KubeObject): Promise<KubeObject | undefined> {
  const live = await read<KubeObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(kube, d);
  const uid = (live?.metadata as { uid?: string } | undefined)?.uid;
  if (!live || !uid) return undefined;
  const selector = Object.entries(live.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const rs = (await list<KubeObject & V1ReplicaSet>(kube, 'apps/v1', 'ReplicaSet', d.metadata.namespace, selector)).filter((x) => x.metadata?.ownerReferences?.some((ref) => ref.uid === uid));
  const rev = (x: V1ReplicaSet) => Number(x.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const current = Number((live.metadata.annotations ?? {})['deployment.kubernetes.io/revision'] ?? 0);
  const prev = rs.filter((x) => rev(x) < current).sort((a, b) => rev(b) - rev(a))[0];
  if (!prev?.spec?.template) return undefined;
  const template = structuredClone(prev.spec.template);
  delete template.metadata?.labels?.['pod-template-hash'];
  return { ...d, spec: { ...(d as { spec?: object }).spec, template } } as KubeObject;
}

/** Deletes objects labelled as this app's by railyard that the release no longer renders (a removed CronJob, worker or route). */
export async function prune(kube: Kube, app: App, plan: DeployPlan): Promise<string[]> {
  const namespaces = [...new Set([app.namespace, ...plan.objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n)])];
  // One list per kind and namespace, all at once: they are independent reads.
  const queries = PRUNABLE.flatMap((k) => (k.namespaced ? namespaces : [undefined]).map((ns) => list<KubeObject>(kube, k.apiVersion, k.kind, ns, instanceSelector(app))));
  const live = (await Promise.all(queries)).flat();
  const gone = pruneCandidates(plan.objects, live);
  await Promise.all(gone.map((o) => remove(kube, o)));
  return gone.map(describe);
}

export { sleep };
