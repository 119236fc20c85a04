// `railyard status` as data: what the API server returned in, one model of
// the app's state out, and that model as text. Pure, so the verdict (healthy
// or degraded, and why) is tested by exact output.
import type { CoreV1Event, V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Release } from '../deploy/history.js';
import { deploymentState } from '../deploy/rollout.js';
import { cronRow, iso, relative, table, type CronRow } from './cron-model.js';

/** A worker pod's /health body, or why it could not be read. */
export type SlotHealth = { children: { pool: string; slot: number; state: string; restarts: number }[] } | { error: string };

export interface StatusInput {
  app: string;
  namespace: string;
  now: Date;
  releases: Release[];
  lock?: { holder: string; renewTime?: string; durationSeconds?: number };
  deployments: V1Deployment[];
  pods: V1Pod[];
  cronJobs: V1CronJob[];
  jobs: V1Job[];
  events: CoreV1Event[];
  /** By pod name, for pods that serve the runtime's /health. */
  health: Record<string, SlotHealth>;
}

export interface PodNote {
  pod: string;
  message: string;
}

export interface ComponentStatus {
  name: string;
  kind: 'Deployment';
  desired: number;
  updated: number;
  ready: number;
  available: number;
  restarts: number;
  oomKillsLastHour: number;
  notReady: PodNote[];
  drift: PodNote[];
  slots?: { up: number; restarting: number; crashLooping: PodNote[]; unreadable: PodNote[] };
}

export interface AppStatus {
  app: string;
  namespace: string;
  at: string;
  healthy: boolean;
  /** Why it is degraded, one line each; empty when healthy. */
  problems: string[];
  /** Worth knowing, not a fault. */
  notes: string[];
  release?: { revision: number; imageTag: string; deployer: string; startedAt: string; status: string };
  lock?: { holder: string; expiresAt?: string };
  components: ComponentStatus[];
  cronJobs: CronRow[];
  events: { object: string; reason: string; message: string; count: number; last?: string }[];
}

const HOUR = 3600_000;

export function buildStatus(i: StatusInput): AppStatus {
  const problems: string[] = [];
  const notes: string[] = [];
  const sorted = [...i.releases].sort((a, b) => a.revision - b.revision);
  const current = [...sorted].reverse().find((r) => r.status === 'deployed');
  const newest = sorted[sorted.length - 1];
  if (newest && newest !== current && (newest.status === 'failed' || newest.status === 'pending')) {
    notes.push(`release ${newest.revision} (${newest.imageTag}) ${newest.status === 'failed' ? `failed${newest.reason ? `: ${firstLine(newest.reason)}` : ''}` : 'is being deployed'}`);
  }
  const releaseImages = new Map<string, Set<string>>();
  for (const o of current?.objects ?? []) {
    if (o.kind !== 'Deployment') continue;
    const spec = (o as unknown as V1Deployment).spec;
    releaseImages.set(o.metadata.name, new Set((spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '')));
  }

  const components: ComponentStatus[] = [];
  for (const d of [...i.deployments].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = d.metadata?.name ?? '';
    const selector = d.spec?.selector?.matchLabels ?? {};
    const pods = i.pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    const state = deploymentState({ kind: 'Deployment', metadata: { name, generation: d.metadata?.generation }, spec: d.spec, status: d.status as never });
    let restarts = 0;
    let oom = 0;
    const notReady: PodNote[] = [];
    const drift: PodNote[] = [];
    for (const p of pods) {
      const pod = p.metadata?.name ?? '';
      for (const cs of p.status?.containerStatuses ?? []) {
        restarts += cs.restartCount ?? 0;
        const t = cs.lastState?.terminated ?? cs.state?.terminated;
        const finished = iso(t?.finishedAt);
        if (t?.reason === 'OOMKilled' && finished && i.now.getTime() - Date.parse(finished) <= HOUR) oom++;
      }
      if (p.metadata?.deletionTimestamp) continue;
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (!ready) notReady.push({ pod, message: whyNotReady(p, i.events) });
      const want = releaseImages.get(name);
      if (want) {
        const off = (p.spec?.containers ?? []).map((c) => c.image ?? '').filter((img) => !want.has(img));
        if (off.length) drift.push({ pod, message: `runs ${off.join(', ')}, not release ${current!.revision}'s ${[...want].join(', ')}` });
      }
    }
    const c: ComponentStatus = { name, kind: 'Deployment', desired: state.desired, updated: state.updated, ready: state.ready, available: state.available, restarts, oomKillsLastHour: oom, notReady, drift };

    const withHealth = pods.filter((p) => i.health[p.metadata?.name ?? ''] !== undefined);
    if (withHealth.length > 0) {
      const slots = { up: 0, restarting: 0, crashLooping: [] as PodNote[], unreadable: [] as PodNote[] };
      for (const p of withHealth) {
        const pod = p.metadata!.name!;
        const h = i.health[pod]!;
        if ('error' in h) {
          slots.unreadable.push({ pod, message: h.error });
          continue;
        }
        for (const ch of h.children) {
          if (ch.state === 'crash-loop') slots.crashLooping.push({ pod, message: `pool ${ch.pool} slot ${ch.slot} crash-looping (${ch.restarts} restarts)` });
          else if (ch.state === 'running' || ch.state === 'stopping') slots.up++;
          else slots.restarting++;
        }
      }
      c.slots = slots;
      for (const s of slots.crashLooping) problems.push(`Deployment/${name}: pod ${s.pod} ${s.message}`);
    }

    if (state.failed) problems.push(`Deployment/${name}: ${state.message}`);
    else if (c.desired > 0 && (c.ready < c.desired || c.available < c.desired)) problems.push(`Deployment/${name}: ${c.ready}/${c.desired} ready, ${c.available} available`);
    if (oom > 0) problems.push(`Deployment/${name}: ${oom} OOM kill${oom === 1 ? '' : 's'} in the last hour`);
    if (drift.length > 0) notes.push(`Deployment/${name}: ${drift.length} pod${drift.length === 1 ? '' : 's'} not on release ${current!.revision}'s image`);
    components.push(c);
  }

  const cronJobs = [...i.cronJobs].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')).map((cj) => cronRow(cj, i.jobs, i.now));
  for (const r of cronJobs) if (r.lastFailure) problems.push(`CronJob/${r.name}: its last run (${r.lastFailure}) failed`);

  const events = i.events
    .filter((e) => e.type === 'Warning')
    .map((e) => ({ object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`, reason: e.reason ?? '', message: firstLine(e.message ?? ''), count: e.count ?? 1, last: iso(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp) }))
    .filter((e) => !e.last || i.now.getTime() - Date.parse(e.last) <= HOUR)
    .sort((a, b) => (b.last ?? '').localeCompare(a.last ?? ''))
    .slice(0, 10);

  let lock: AppStatus['lock'];
  if (i.lock?.holder) {
    const expires = i.lock.renewTime ? new Date(Date.parse(i.lock.renewTime) + (i.lock.durationSeconds ?? 60) * 1000) : undefined;
    if (!expires || expires > i.now) lock = { holder: i.lock.holder, ...(expires ? { expiresAt: expires.toISOString() } : {}) };
  }
  if (!current) problems.push(`no deployed release of ${i.app} is recorded in namespace ${i.namespace}`);

  return {
    app: i.app,
    namespace: i.namespace,
    at: i.now.toISOString(),
    healthy: problems.length === 0,
    problems,
    notes,
    ...(current ? { release: { revision: current.revision, imageTag: current.imageTag, deployer: current.deployer, startedAt: current.startedAt, status: current.status } } : {}),
    ...(lock ? { lock } : {}),
    components,
    cronJobs,
    events,
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/** The newest probe failure of the pod, else its containers' waiting or terminated reason, else its phase. */
function whyNotReady(p: V1Pod, events: CoreV1Event[]): string {
  const name = p.metadata?.name;
  const probe = events
    .filter((e) => e.involvedObject?.name === name && e.involvedObject?.kind === 'Pod' && e.reason === 'Unhealthy')
    .sort((a, b) => (iso(a.lastTimestamp ?? a.eventTime) ?? '').localeCompare(iso(b.lastTimestamp ?? b.eventTime) ?? ''))
    .pop();
  if (probe?.message) return firstLine(probe.message);
  for (const cs of p.status?.containerStatuses ?? []) {
    const w = cs.state?.waiting;
    if (w?.reason) return `${cs.name} ${w.reason}${w.message ? `: ${firstLine(w.message)}` : ''}`;
    const t = cs.state?.terminated;
    if (t) return `${cs.name} exited ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`;
  }
  const cond = p.status?.conditions?.find((c) => c.status === 'False' && c.message);
  return cond ? `${cond.type}: ${firstLine(cond.message!)}` : (p.status?.phase ?? 'unknown');
}

export interface TextColours {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain: TextColours = { red: (s) => s, yellow: (s) => s, green: (s) => s, bold: (s) => s, dim: (s) => s };

export function renderStatus(s: AppStatus, c: TextColours = plain): string {
  const now = new Date(s.at);
  const out: string[] = [];
  out.push(`${c.bold(s.app)} in namespace ${s.namespace}: ${s.healthy ? c.green('healthy') : c.red('degraded')}`);
  out.push(s.release ? `release ${s.release.revision} (${s.release.imageTag}) by ${s.release.deployer}, ${relative(s.release.startedAt, now)}` : 'no deployed release recorded');
  out.push(s.lock ? `lock held by ${s.lock.holder}${s.lock.expiresAt ? ` (expires ${relative(s.lock.expiresAt, now)})` : ''}` : 'lock free');
  out.push('');
  const rows = [['COMPONENT', 'DESIRED', 'UPDATED', 'READY', 'AVAILABLE', 'RESTARTS', 'OOM 1H', 'SLOTS']];
  for (const x of s.components) {
    const slots = x.slots ? `${x.slots.up} up, ${x.slots.restarting} restarting, ${x.slots.crashLooping.length} crash-looping` : '';
    rows.push([x.name, String(x.desired), String(x.updated), String(x.ready), String(x.available), String(x.restarts), String(x.oomKillsLastHour), slots]);
  }
  const lines = table(rows);
  out.push(c.bold(lines[0]!));
  for (const [n, x] of s.components.entries()) {
    out.push(lines[n + 1]!);
    for (const p of x.notReady) out.push(`  ${c.yellow('not ready')} ${p.pod}: ${p.message}`);
    for (const p of x.drift) out.push(`  ${c.yellow('drift')} ${p.pod}: ${p.message}`);
    for (const p of x.slots?.crashLooping ?? []) out.push(`  ${c.red('crash loop')} ${p.pod}: ${p.message}`);
    for (const p of x.slots?.unreadable ?? []) out.push(`  ${c.dim('no /health')} ${p.pod}: ${p.message}`);
  }
  if (s.cronJobs.length > 0) {
    out.push('');
    const cron = table([
      ['CRONJOB', 'SCHEDULE', 'TIME ZONE', 'LAST SCHEDULE', 'LAST SUCCESS', 'LAST FAILURE', 'NEXT RUN', 'ACTIVE'],
      ...s.cronJobs.map((r) => [r.name, r.schedule, r.timeZone, relative(r.lastSchedule, now), relative(r.lastSuccess, now), relative(r.lastFailure, now), r.suspended ? 'suspended' : relative(r.nextRun, now), String(r.active)]),
    ]);
    out.push(c.bold(cron[0]!), ...cron.slice(1));
  }
  if (s.events.length > 0) {
    out.push('', c.bold('Warning events (last hour)'));
    for (const e of s.events) out.push(`  ${relative(e.last, now)} ${e.object} ${e.reason}${e.count > 1 ? ` (x${e.count})` : ''}: ${e.message}`);
  }
  if (s.notes.length > 0) {
    out.push('');
    for (const n of s.notes) out.push(`${c.yellow('note')}: ${n}`);
  }
  out.push('');
  if (s.healthy) out.push(c.green('healthy'));
  else for (const p of s.problems) out.push(`${c.red('degraded')}: ${p}`);
  return out.join('\n') + '\n';
}
