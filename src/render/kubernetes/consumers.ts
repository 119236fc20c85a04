// racecar consumer Deployments. Credentials come from the kafka secret through
// RACECAR_* env (racecar's king_konf config reads RACECAR_<KEY>), never argv.
import { resolveEphemeral, type App, type Consumer } from '../../config/schema.js';
import { imageRef } from '../image.js';
import { appContainer, envLiteral, stopTimeoutEnv } from './pod.js';
import { healthServerPorts, renderBackend } from './backend.js';

/** Where racecar's liveness probe touches its file; the runtime reports its age. */
export const RACECAR_LIVENESS_FILE = '/tmp/racecar-liveness';

export function consumerTarget(c: Consumer): string {
  return c.target ?? c.name;
}
export function consumerProcessTarget(c: Consumer): string {
  return c.processTarget ?? c.name;
}

export function renderConsumer(app: App, consumer: Consumer, tag: string) {
  const processTarget = consumerProcessTarget(consumer);
  const ephemeral = resolveEphemeral(app.ephemeralStorage, consumer.ephemeralStorage);
  const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: consumer.credentials.secret, key } } });
  const container = appContainer(app, {
    name: consumer.containerName,
    image: imageRef(app, consumerTarget(consumer), tag),
    args: [processTarget, '--', ...consumer.command, consumer.consumerClass],
    processTarget,
    role: 'consumers',
    specificEnv: [
      envLiteral('HEALTH_PORT', consumer.healthPort),
      fromSecret('RACECAR_GROUP_ID', consumer.credentials.groupIdKey),
      fromSecret('RACECAR_SASL_USERNAME', consumer.credentials.usernameKey),
      fromSecret('RACECAR_SASL_PASSWORD', consumer.credentials.passwordKey),
      envLiteral('RACECAR_OFFSET_COMMIT_INTERVAL', consumer.offsetCommitIntervalSeconds),
      envLiteral('RACECAR_LIVENESS_PROBE_FILE_PATH', RACECAR_LIVENESS_FILE),
      stopTimeoutEnv(consumer.terminationGracePeriodSeconds),
    ],
    componentEnv: consumer.env,
    resources: consumer.resources,
    ephemeral,
    ...healthServerPorts(consumer.healthPort, consumer.probe),
  });
  return renderBackend(app, {
    name: consumer.name,
    component: consumer.name,
    tag,
    replicas: consumer.replicas,
    // Never two consumers of one group while rolling: a surge pod would trigger
    // a rebalance and then another when the old pod leaves (racecar's advice).
    strategy: { maxSurge: 0, maxUnavailable: 1 },
    container,
    ephemeral,
    terminationGracePeriodSeconds: consumer.terminationGracePeriodSeconds,
  });
}
