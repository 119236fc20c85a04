// Everything `railyard synth` writes, as files in memory. Pure: model in, files out.
import type { App } from '../config/schema.js';
import type { RenderedFile } from './files.js';
import { renderManifests, type ManifestFile } from './kubernetes/index.js';
import { RBAC_PATH, renderDeployerRbac } from './kubernetes/rbac.js';
import { GENERATED_HEADER, stringifyManifests } from './yaml.js';
import { validateImageTag } from './image.js';
import { renderRailsFiles } from './rails/index.js';
import { renderDocker } from './docker/index.js';
import { renderWorkflow } from './workflow/index.js';

export interface SynthOptions {
  imageTag: string;
  allowLatest?: boolean;
  /** The config's path relative to the output folder (the app's repository root), for headers and the workflow. */
  source: string;
}

export interface Synthesis {
  manifests: ManifestFile[];
  files: RenderedFile[];
}

export function synthesize(app: App, opts: SynthOptions): Synthesis {
  validateImageTag(opts.imageTag, { allowLatest: opts.allowLatest });
  const manifests = renderManifests(app, { imageTag: opts.imageTag });
  const header = GENERATED_HEADER(opts.source);
  const files: RenderedFile[] = [
    ...manifests.map((m) => ({ path: m.path, content: stringifyManifests(m.objects, header) })),
    // Applied once by an admin, not by the deploy: it is the deploy's identity.
    { path: RBAC_PATH, content: stringifyManifests(renderDeployerRbac(app, manifests, opts.imageTag), header) },
    ...renderRailsFiles(app),
    ...renderDocker(app),
    ...renderWorkflow(app, { configPath: opts.source }),
  ];
  return { manifests, files: sortFiles(files) };
}

function sortFiles(files: RenderedFile[]): RenderedFile[] {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two renderers wrote ${f.path}`);
    seen.add(f.path);
  }
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
