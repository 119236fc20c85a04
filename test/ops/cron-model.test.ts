import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cronRow, cronTable, jobFromCronJob, jobName, nextRun, relative } from '../../src/ops/cron-model.js';

describe('nextRun', () => {
  it('follows the schedule in its time zone, across a DST change', () => {
    // 02:30 every day in Amsterdam: 01:30Z in winter (CET), 00:30Z in summer (CEST).
    expect(nextRun('30 2 * * *', 'Europe/Amsterdam', new Date('2026-11-30T12:00:00Z'))?.toISOString()).toBe('2026-12-01T01:30:00.000Z');
    expect(nextRun('30 2 * * *', 'Europe/Amsterdam', new Date('2026-07-01T12:00:00Z'))?.toISOString()).toBe('2026-07-02T00:30:00.000Z');
    expect(nextRun('0 6 * * *', 'Asia/Singapore', new Date('2026-11-30T12:00:00Z'))?.toISOString()).toBe('2026-11-30T22:00:00.000Z');
    expect(nextRun('*/5 * * * *', undefined, new Date('2026-11-30T12:03:10Z'))?.toISOString()).toBe('2026-11-30T12:05:00.000Z');
    expect(nextRun('@hourly', 'Etc/UTC', new Date('2026-11-30T12:03:10Z'))?.toISOString()).toBe('2026-11-30T13:00:00.000Z');
  });

  it('reads day-of-month and day-of-week with OR, as the CronJob controller does', () => {
    // The 15th, or any Monday: from Tuesday 2026-12-01 the next is Monday the 7th, not the 15th.
    expect(nextRun('0 0 15 * 1', 'Etc/UTC', new Date('2026-12-01T00:00:00Z'))?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
  });

  it('has no next run for @every or a schedule it cannot read', () => {
    expect(nextRun('@every 1h', 'Etc/UTC', new Date())).toBeUndefined();
    expect(nextRun('nonsense', 'Etc/UTC', new Date())).toBeUndefined();
  });
});

const now = new Date('2026-11-30T12:00:00Z');
const cj: V1CronJob = {
  metadata: { name: 'customer-reports', namespace: 'shop', uid: 'cj-uid' },
  spec: { schedule: '0 6 * * *', timeZone: 'Europe/Amsterdam', jobTemplate: { metadata: { labels: { app: 'shop', component: 'cronjob' } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'rails', image: 'img:rails-abc', args: ['cronjob-customer-reports', '--', 'bundle', 'exec', 'rake', 'reports'] }] } } } } },
  status: { lastScheduleTime: new Date('2026-11-30T05:00:00Z'), lastSuccessfulTime: new Date('2026-11-29T05:01:00Z'), active: [{ name: 'x' }] },
};
const job = (name: string, start: string, failed: boolean): V1Job => ({ metadata: { name, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'customer-reports', uid: 'cj-uid' }] }, status: { startTime: new Date(start), conditions: failed ? [{ type: 'Failed', status: 'True' }] : [] } });

describe('cronRow', () => {
  it('reports last schedule, success, a newer failure, next run and active Jobs', () => {
    const row = cronRow(cj, [job('a', '2026-11-30T05:00:00Z', true), job('b', '2026-11-29T05:00:00Z', false)], now);
    expect(row).toEqual({ name: 'customer-reports', schedule: '0 6 * * *', timeZone: 'Europe/Amsterdam', suspended: false, lastSchedule: '2026-11-30T05:00:00.000Z', lastSuccess: '2026-11-29T05:01:00.000Z', lastFailure: '2026-11-30T05:00:00.000Z', nextRun: '2026-12-01T05:00:00.000Z', active: 1 });
    expect(cronTable([row, { ...row, name: 'paused', suspended: true, lastFailure: undefined }], now)).toEqual([
      'NAME              SCHEDULE   TIME ZONE         SUSPENDED  ACTIVE  LAST SCHEDULE  LAST SUCCESS  LAST FAILURE  NEXT RUN',
      'customer-reports  0 6 * * *  Europe/Amsterdam  no         1       7h ago         1d ago        7h ago        2026-12-01 05:00Z (in 17h)',
      'paused            0 6 * * *  Europe/Amsterdam  yes        1       7h ago         1d ago        -             (suspended)',
    ]);
  });

  it('an older failure followed by a success is not reported, and a suspended CronJob has no next run', () => {
    const row = cronRow({ ...cj, spec: { ...cj.spec!, suspend: true } }, [job('a', '2026-11-28T05:00:00Z', true)], now);
    expect(row.lastFailure).toBeUndefined();
    expect(row.nextRun).toBeUndefined();
    expect(row.suspended).toBe(true);
  });

  it('says ages both ways', () => {
    expect([relative('2026-11-30T11:59:30Z', now), relative('2026-11-30T12:05:00Z', now), relative('2026-11-28T12:00:00Z', now), relative(undefined, now)]).toEqual(['30s ago', 'in 5m', '2d ago', '-']);
  });
});

describe('jobFromCronJob', () => {
  it('is the jobTemplate, marked as run by hand and owned by the CronJob', () => {
    expect(jobFromCronJob(cj, { suffix: 'tk3x9a1b2', by: 'ann@laptop/42' })).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'customer-reports-tk3x9a1b2',
        namespace: 'shop',
        labels: { app: 'shop', component: 'cronjob', 'railyard.dev/cron-of': 'customer-reports' },
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', 'railyard.dev/run-by': 'ann@laptop/42' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'customer-reports', uid: 'cj-uid', controller: true, blockOwnerDeletion: false }],
      },
      spec: cj.spec!.jobTemplate.spec,
    });
  });

  it('keeps Job names within 63 characters', () => {
    expect(jobName('a'.repeat(70), 'tk3x9a1b2')).toBe(`${'a'.repeat(53)}-tk3x9a1b2`);
    expect(jobName(`${'a'.repeat(52)}-b`, 'tk3x9a1b2')).toBe(`${'a'.repeat(52)}-tk3x9a1b2`);
  });
});
