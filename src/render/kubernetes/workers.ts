// delayed_job worker Deployments. DELAYED_JOB_POOLS keeps delayed_job's syntax,
// but railyard's runtime reads it and runs one `rake jobs:work` per slot:
// `bin/delayed_job run` with several pools would run one process (#1106, #992).
import { resolveEphemeral, type App, type Worker } from '../../config/schema.js';
import { renderPoolSpec } from '../../config/pools.js';
import { imageRef } from '../image.js';
import { appContainer, envLiteral } from './pod.js';
import { healthServerPorts, renderBackend } from './backend.js';

export function workerProcessTarget(worker: Worker): string {
  return worker.processTarget ?? worker.name;
}

export function renderWorker(app: App, worker: Worker, tag: string) {
  const processTarget = workerProcessTarget(worker);
  const ephemeral = resolveEphemeral(app.ephemeralStorage, worker.ephemeralStorage);
  const container = appContainer(app, {
    name: worker.containerName,
    image: imageRef(app, worker.target, tag),
    args: [processTarget],
    processTarget,
    role: 'workers',
    specificEnv: [
      envLiteral('DELAYED_JOB_POOLS', renderPoolSpec(worker.pools)),
      envLiteral('DELAYED_JOB_TIMEOUT', worker.jobTimeoutSeconds),
      envLiteral('HEALTH_PORT', worker.healthPort),
      envLiteral('RAILYARD_WORKER_COMMAND', worker.command.join(' ')),
    ],
    componentEnv: worker.env,
    resources: worker.resources,
    ephemeral,
    ...healthServerPorts(worker.healthPort, worker.probe),
  });
  return renderBackend(app, {
    name: worker.name,
    component: worker.name,
    tag,
    replicas: worker.replicas,
    // Overlapping workers are safe (delayed_job locks each job row); never drop below the count.
    strategy: { maxSurge: 1, maxUnavailable: 0 },
    container,
    ephemeral,
    terminationGracePeriodSeconds: worker.terminationGracePeriodSeconds,
  });
}
