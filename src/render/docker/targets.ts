// The image targets the model asks for: one per Dockerfile target, each with
// the PROCESS_TARGET it sets, the ports it EXPOSEs and the runtime arguments of
// its CMD. The Dockerfile and the deploy workflow's build matrix both list them
// from here, so the two cannot disagree.
import type { App } from '../../config/schema.js';

export interface ImageTarget {
  /** Dockerfile stage name and image tag prefix (`<target>-<sha>`). */
  name: string;
  kind: 'web' | 'worker' | 'consumer';
  /** The image's default PROCESS_TARGET (the manifests set each Deployment's own). */
  processTarget: string;
  /** The web port, or the health ports of the workers/consumers built from it. */
  ports: number[];
  /** HEALTH_PORT default for workers and consumers (the first Deployment's). */
  healthPort?: number;
  /** `railyard run` arguments: the target, then `--` and the main command where there is one. */
  cmd: string[];
}

export class ImageTargetError extends Error {
  override name = 'ImageTargetError';
}

/**
 * Web first, then worker targets, then consumer targets, in model order.
 * Several workers may share a target (worker-primary and worker-secondary both
 * run the `worker` image); consumers sharing a target must run the same command,
 * since the command is baked into the image's CMD.
 */
export function imageTargets(app: App): ImageTarget[] {
  const targets: ImageTarget[] = [
    {
      name: app.web.target,
      kind: 'web',
      processTarget: app.web.processTarget,
      ports: [app.web.port],
      cmd: [app.web.processTarget, '--', ...app.web.command],
    },
  ];
  const byName = new Map(targets.map((t) => [t.name, t]));
  const claim = (t: ImageTarget, what: string): void => {
    const prior = byName.get(t.name);
    if (!prior) {
      targets.push(t);
      byName.set(t.name, t);
      return;
    }
    if (prior.kind !== t.kind || JSON.stringify(prior.cmd) !== JSON.stringify(t.cmd)) {
      throw new ImageTargetError(`${what} uses Dockerfile target "${t.name}", which already runs ${JSON.stringify(prior.cmd)}; give it a target of its own`);
    }
    for (const p of t.ports) if (!prior.ports.includes(p)) prior.ports.push(p);
  };
  for (const [key, w] of Object.entries(app.workers)) {
    // The worker CMD names the image's target only; the runtime reads the pools
    // and the per-slot command from the Deployment's env.
    claim({ name: w.target, kind: 'worker', processTarget: w.target, ports: [w.healthPort], healthPort: w.healthPort, cmd: [w.target] }, `workers.${key}`);
  }
  for (const [key, c] of Object.entries(app.consumers)) {
    const name = c.target ?? c.name;
    const processTarget = c.processTarget ?? c.name;
    claim({ name, kind: 'consumer', processTarget, ports: [c.healthPort], healthPort: c.healthPort, cmd: [processTarget, '--', ...c.command, c.consumerClass] }, `consumers.${key}`);
  }
  return targets;
}
