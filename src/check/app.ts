// `railyard check CONFIG`: the model's rendered objects and Dockerfile through the
// rules. The check command and `railyard report` both call this, so the report's
// findings are check's findings.
import type { App } from '../config/schema.js';
import { renderManifests } from '../render/kubernetes/index.js';
import { renderDocker } from '../render/docker/index.js';
import { parseDockerfile } from './dockerfile.js';
import { checkContext, runRules, type IgnoreSpec } from './run.js';
import type { CheckContext, CheckOptions, Finding, K8sObject } from './types.js';

export interface CheckedApp {
  objects: K8sObject[];
  findings: Finding[];
  /** What the rules saw; `railyard report` draws its capacity view from the same one. */
  ctx: CheckContext;
}

export function checkApp(app: App, input: { options?: Partial<CheckOptions>; ignore?: IgnoreSpec[] } = {}): CheckedApp {
  const sources = new Map<K8sObject, { file: string }>();
  const objects: K8sObject[] = [];
  for (const f of renderManifests(app, { imageTag: 'check' })) {
    for (const o of f.objects) {
      objects.push(o);
      sources.set(o, { file: f.path });
    }
  }
  // The rendered Dockerfile: its FROM lines and the CMD each target runs.
  const docker = renderDocker(app)
    .filter((f) => f.path.split('/').pop() === 'Dockerfile')
    .flatMap((f) => parseDockerfile(f.content, f.path));
  const ctx = checkContext(objects, { app, docker, ...(input.options ? { options: input.options } : {}) });
  return { objects, ctx, findings: runRules(ctx, { app, sourceOf: (o) => sources.get(o), ...(input.ignore ? { ignore: input.ignore } : {}) }) };
}
