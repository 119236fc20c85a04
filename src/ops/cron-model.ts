// Pure parts of `railyard cron`: when a CronJob runs next, its row in
// `cron list`, and the Job `cron run` creates from it.
import { Cron } from 'croner';
import type { V1CronJob, V1Job } from '@kubernetes/client-node';

/**
 * The next time a schedule fires after `after`, in its time zone (the
 * CronJob's `timeZone`, else the controller's, which railyard renders as
 * Etc/UTC). Day-of-month and day-of-week combine with OR when both are set,
 * as in robfig/cron and Vixie cron. `@every` has no wall-clock anchor: undefined.
 */
export function nextRun(schedule: string, timeZone: string | undefined, after: Date): Date | undefined {
  const s = schedule.trim();
  if (s.startsWith('@every')) return undefined;
  try {
    return new Cron(s, { timezone: timeZone || 'Etc/UTC', domAndDow: false, paused: true }).nextRun(after) ?? undefined;
  } catch {
    return undefined;
  }
}

export interface CronRow {
  name: string;
  schedule: string;
  timeZone: string;
  suspended: boolean;
  lastSchedule?: string;
  lastSuccess?: string;
  /** Start of the newest Job that failed, when it is newer than the last success. */
  lastFailure?: string;
  nextRun?: string;
  active: number;
}

/** A CronJob and its Jobs (those it owns) as one row. */
export function cronRow(cj: V1CronJob, jobs: V1Job[], now: Date): CronRow {
  const uid = cj.metadata?.uid;
  const own = jobs.filter((j) => j.metadata?.ownerReferences?.some((o) => o.uid === uid) || j.metadata?.labels?.['railyard.dev/cron-of'] === cj.metadata?.name);
  const failed = own.filter((j) => j.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True'));
  const newestFailed = failed.map((j) => iso(j.status?.startTime ?? j.metadata?.creationTimestamp)).filter((x): x is string => !!x).sort().pop();
  const lastSuccess = iso(cj.status?.lastSuccessfulTime);
  const tz = cj.spec?.timeZone ?? 'Etc/UTC';
  const suspended = cj.spec?.suspend === true;
  const next = suspended ? undefined : nextRun(cj.spec?.schedule ?? '', tz, now);
  return {
    name: cj.metadata?.name ?? '',
    schedule: cj.spec?.schedule ?? '',
    timeZone: tz,
    suspended,
    ...(cj.status?.lastScheduleTime ? { lastSchedule: iso(cj.status.lastScheduleTime) } : {}),
    ...(lastSuccess ? { lastSuccess } : {}),
    ...(newestFailed && (!lastSuccess || newestFailed > lastSuccess) ? { lastFailure: newestFailed } : {}),
    ...(next ? { nextRun: next.toISOString() } : {}),
    active: cj.status?.active?.length ?? 0,
  };
}

/** Dates from the client are Date objects; from JSON, strings. Both become ISO text. */
export function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined || d === null) return undefined;
  const t = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** `3m ago`, `in 2h`, from a time and now (seconds under a minute, then m, h, d). */
export function relative(isoTime: string | undefined, now: Date): string {
  if (!isoTime) return '-';
  const ms = Date.parse(isoTime) - now.getTime();
  const a = Math.abs(ms) / 1000;
  const amount = a < 60 ? `${Math.round(a)}s` : a < 3600 ? `${Math.floor(a / 60)}m` : a < 86400 ? `${Math.floor(a / 3600)}h` : `${Math.floor(a / 86400)}d`;
  return ms < 0 ? `${amount} ago` : `in ${amount}`;
}

/** Text table: columns padded to the widest cell, the last column not padded. */
export function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]!))).join('  ').trimEnd());
}

export function cronTable(rows: CronRow[], now: Date): string[] {
  return table([
    ['NAME', 'SCHEDULE', 'TIME ZONE', 'SUSPENDED', 'ACTIVE', 'LAST SCHEDULE', 'LAST SUCCESS', 'LAST FAILURE', 'NEXT RUN'],
    ...rows.map((r) => [r.name, r.schedule, r.timeZone, r.suspended ? 'yes' : 'no', String(r.active), relative(r.lastSchedule, now), relative(r.lastSuccess, now), relative(r.lastFailure, now), r.suspended ? '(suspended)' : r.nextRun ? `${r.nextRun.slice(0, 16).replace('T', ' ')}Z (${relative(r.nextRun, now)})` : '-']),
  ]);
}

/** Kubernetes names: at most 63 characters for a Job (its pods add a suffix), lower case. */
export function jobName(base: string, suffix: string): string {
  return `${base.slice(0, 63 - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/**
 * The Job `cron run` creates: the CronJob's jobTemplate, as the controller
 * (and `kubectl create job --from=cronjob/…`) would, marked as started by
 * hand and owned by the CronJob so it goes with it.
 */
export function jobFromCronJob(cj: V1CronJob, opts: { suffix: string; by: string }): V1Job {
  const tpl = cj.spec!.jobTemplate;
  const name = jobName(cj.metadata!.name!, opts.suffix);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata!.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), 'railyard.dev/cron-of': cj.metadata!.name! },
      annotations: { ...(tpl.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual', 'railyard.dev/run-by': opts.by },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata!.name!, uid: cj.metadata!.uid!, controller: true, blockOwnerDeletion: false }],
    },
    spec: tpl.spec!,
  };
}
