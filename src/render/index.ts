// Everything `railyard synth` writes, as files in memory. Pure: model in, files out.
import type { App } from '../config/schema.js';
import type { RenderedFile } from './files.js';
import { renderManifests, type ManifestFile } from './kubernetes/index.js';
import { GENERATED_HEADER, stringifyManifests } from './yaml.js';
import { validateImageTag } from './image.js';

export interface SynthOptions {
  imageTag: string;
  allowLatest?: boolean;
  /** How the config is named in generated headers, relative to the output folder's repo. */
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
  const files: RenderedFile[] = manifests.map((m) => ({ path: m.path, content: stringifyManifests(m.objects, header) }));
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
