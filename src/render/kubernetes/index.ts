// model → Kubernetes objects, grouped into the files `railyard synth` writes.
import type { App } from '../../config/schema.js';
import { renderWebTier } from './web.js';
import { renderWorker } from './workers.js';
import { renderConsumer } from './consumers.js';
import { renderCronJob, renderMigrationJob } from './jobs.js';
import { renderGatewayRoutes, renderIngresses } from './routing.js';
import { renderFluentBit } from './logging.js';
import { renderNamespaces } from './namespaces.js';
import { renderNetworkPolicies } from './network.js';

/** A plain, JSON-able Kubernetes object. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: unknown };

export interface ManifestFile {
  /** Relative to the output folder: `k8s/rails-server.yaml`. */
  path: string;
  objects: KubeObject[];
}

export interface RenderOptions {
  /** The image tag (the commit SHA); every image is `<target>-<tag>`. */
  imageTag: string;
}

/** Folder of manifests applied as a whole; the migration Job lives outside it on purpose. */
export const MANIFEST_DIR = 'k8s';
export const MIGRATION_JOB_PATH = 'migrate/job.yaml';

export function renderManifests(app: App, opts: RenderOptions): ManifestFile[] {
  const tag = opts.imageTag;
  const file = (path: string, objects: object[]): ManifestFile => ({ path, objects: objects as KubeObject[] });
  const files: ManifestFile[] = [
    file(`${MANIFEST_DIR}/namespaces.yaml`, renderNamespaces(app, tag)),
    file(`${MANIFEST_DIR}/${app.web.name}.yaml`, renderWebTier(app, tag)),
  ];
  for (const w of Object.values(app.workers)) files.push(file(`${MANIFEST_DIR}/${w.name}.yaml`, renderWorker(app, w, tag)));
  for (const c of Object.values(app.consumers)) files.push(file(`${MANIFEST_DIR}/${c.name}.yaml`, renderConsumer(app, c, tag)));
  for (const t of app.cron.tasks) files.push(file(`${MANIFEST_DIR}/cronjobs/${t.name}.yaml`, [renderCronJob(app, t, tag)]));
  if (app.routing?.kind === 'ingress') files.push(file(`${MANIFEST_DIR}/ingress.yaml`, renderIngresses(app, app.routing, tag)));
  if (app.routing?.kind === 'gateway') files.push(file(`${MANIFEST_DIR}/gateway.yaml`, renderGatewayRoutes(app, app.routing, tag)));
  const policies = renderNetworkPolicies(app, tag);
  if (policies.length) files.push(file(`${MANIFEST_DIR}/network-policy.yaml`, policies));
  if (app.logging.fluentBit) files.push(file(`${MANIFEST_DIR}/logging/fluent-bit.yaml`, renderFluentBit(app, app.logging.fluentBit, tag)));
  files.push(file(MIGRATION_JOB_PATH, [renderMigrationJob(app, tag)]));
  return files;
}

export { renderWebTier, renderWorker, renderConsumer, renderCronJob, renderMigrationJob, renderIngresses, renderGatewayRoutes, renderFluentBit, renderNamespaces, renderNetworkPolicies };
