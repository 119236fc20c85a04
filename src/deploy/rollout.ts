// Is a rollout done, still going, or stuck? Pure functions over the object's
// status, following the rules `kubectl rollout status` uses, so the two agree.

export interface RolloutState {
  /** `Deployment/rails-server`. */
  name: string;
  done: boolean;
  failed: boolean;
  /** One line: `2/2 updated, 2 ready, 2 available` or why it failed. */
  message: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
}

interface DeploymentLike {
  kind: string;
  metadata: { name: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface DaemonSetLike {
  kind: string;
  metadata: { name: string; generation?: number };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
  };
}

export function deploymentState(d: DeploymentLike): RolloutState {
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const base = { name: `Deployment/${d.metadata.name}`, desired, updated, ready, available };
  const counts = `${updated}/${desired} updated, ${ready} ready, ${available} available`;

  // Until the controller has seen the new spec, the status describes the old one.
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
    return { ...base, done: false, failed: false, message: `waiting for the controller to observe generation ${d.metadata.generation}` };
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { ...base, done: false, failed: true, message: `ProgressDeadlineExceeded: ${progressing.message ?? 'no progress'} (${counts})` };
  }
  if (updated < desired) return { ...base, done: false, failed: false, message: counts };
  // Old pods still terminating or not yet replaced.
  if ((s.replicas ?? 0) > updated) return { ...base, done: false, failed: false, message: `${counts}, ${(s.replicas ?? 0) - updated} old pending termination` };
  if (available < updated) return { ...base, done: false, failed: false, message: counts };
  return { ...base, done: true, failed: false, message: counts };
}

export function daemonSetState(d: DaemonSetLike): RolloutState {
  const s = d.status ?? {};
  const desired = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const ready = s.numberReady ?? 0;
  const available = s.numberAvailable ?? 0;
  const base = { name: `DaemonSet/${d.metadata.name}`, desired, updated, ready, available };
  const counts = `${updated}/${desired} updated, ${ready} ready, ${available} available`;
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
    return { ...base, done: false, failed: false, message: `waiting for the controller to observe generation ${d.metadata.generation}` };
  }
  const done = updated >= desired && available >= desired;
  return { ...base, done, failed: false, message: counts };
}

export function rolloutState(o: DeploymentLike | DaemonSetLike): RolloutState {
  return o.kind === 'DaemonSet' ? daemonSetState(o as DaemonSetLike) : deploymentState(o as DeploymentLike);
}
