// CronJobs (the whenever schedule) and the migration Job. Both run the web
// image with the web tier's env, secrets and CA volume: rake tasks and
// migrations load the same Rails app with the same initializers.
import { createHash } from 'node:crypto';
import { resolveEphemeral, type App, type CronTask } from '../../config/schema.js';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { imageRef } from '../image.js';
import { appContainer, appPodSpec, metadata, objectLabels, stopTimeoutEnv } from './pod.js';

export const CRON_COMPONENT = 'cronjob';
export const MIGRATE_COMPONENT = 'migrate';
export const TASK_ANNOTATION = 'railyard.dev/description';

/**
 * `rake a && rake b` as the document writes it. `bundle exec bash -c` puts the
 * whole line inside the bundle, so each plain `rake`/`rails` resolves the app's gems.
 */
export function cronCommand(task: CronTask): string[] {
  return ['bundle', 'exec', 'bash', '-c', task.command];
}

export function renderCronJob(app: App, task: CronTask, tag: string): ICronJob {
  const d = app.cron.defaults;
  const processTarget = `cronjob-${task.name}`;
  const ephemeral = resolveEphemeral(app.ephemeralStorage, d.ephemeralStorage, task.ephemeralStorage);
  const container = appContainer(app, {
    name: app.web.containerName,
    image: imageRef(app, app.web.target, tag),
    args: [processTarget, '--', ...cronCommand(task)],
    processTarget,
    role: 'cron',
    specificEnv: [stopTimeoutEnv(app.web.terminationGracePeriodSeconds)],
    componentEnv: app.web.env,
    resources: task.resources ?? d.resources,
    ephemeral,
  });
  const labels = { ...objectLabels(app, CRON_COMPONENT, tag), 'railyard.dev/task': task.name };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { ...metadata(app, task.name, CRON_COMPONENT, tag, task.description ? { annotations: { [TASK_ANNOTATION]: task.description } } : {}), labels },
    spec: {
      schedule: task.schedule,
      timeZone: d.timeZone,
      concurrencyPolicy: d.concurrencyPolicy,
      startingDeadlineSeconds: d.startingDeadlineSeconds,
      successfulJobsHistoryLimit: d.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: d.failedJobsHistoryLimit,
      jobTemplate: {
        metadata: { labels },
        spec: {
          activeDeadlineSeconds: task.activeDeadlineSeconds ?? d.activeDeadlineSeconds,
          backoffLimit: d.backoffLimit,
          ttlSecondsAfterFinished: d.ttlSecondsAfterFinished,
          template: {
            metadata: { labels },
            spec: appPodSpec(app, container, { terminationGracePeriodSeconds: app.web.terminationGracePeriodSeconds, restartPolicy: 'OnFailure', ephemeral }),
          },
        },
      },
    },
  };
}

/**
 * Each release's migration is its own Job (a Job's template is immutable). The
 * name shows the start of the tag and ends in a hash of all of it, so two tags
 * that share a prefix never share a Job.
 */
export function migrationJobName(app: App, tag: string): string {
  const readable = tag.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 12).replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(tag).digest('hex').slice(0, 8);
  const suffix = `${readable ? `${readable}-` : ''}${hash}`;
  return `${app.name.slice(0, 63 - 'migrate-'.length - suffix.length - 1).replace(/-+$/, '')}-migrate-${suffix}`;
}

/**
 * The migration barrier. Unlike the document's `kubectl run --rm --wait` (which
 * fails at once without --attach, and had no secrets), this Job has the web
 * tier's env, secrets and CA, never retries a half-applied migration, and is
 * cleaned up a day after it finishes.
 */
export function renderMigrationJob(app: App, tag: string): IJob {
  // The migration runs the web image and command set: it gets the web tier's storage.
  const ephemeral = resolveEphemeral(app.ephemeralStorage, app.web.ephemeralStorage);
  const container = appContainer(app, {
    name: app.web.containerName,
    image: imageRef(app, app.web.target, tag),
    args: [MIGRATE_COMPONENT, '--', ...app.migrate.command],
    processTarget: MIGRATE_COMPONENT,
    role: 'web',
    specificEnv: [stopTimeoutEnv(app.web.terminationGracePeriodSeconds)],
    componentEnv: app.web.env,
    resources: app.web.resources,
    ephemeral,
  });
  const labels = objectLabels(app, MIGRATE_COMPONENT, tag);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...metadata(app, migrationJobName(app, tag), MIGRATE_COMPONENT, tag) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: app.migrate.timeoutSeconds,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels },
        spec: appPodSpec(app, container, { terminationGracePeriodSeconds: app.web.terminationGracePeriodSeconds, restartPolicy: 'Never', ephemeral }),
      },
    },
  };
}
