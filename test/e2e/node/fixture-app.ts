// The fixture Rails app, ready to deploy on the real node: its config (the
// Storecove example scaled to two cores), its five images built once and
// imported into the node's containerd under every tag a suite will deploy,
// MariaDB on the node's bridge over verified TLS, and the namespace with its
// Secrets. Shared by every suite under test/e2e/node, so each one deploys the
// same app the same way and only says what it needs (namespace, tags, extras).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { App } from '../../../src/config/index.js';
import { imageTargets } from '../../../src/render/docker/index.js';
import { imageRef } from '../../../src/render/image.js';
import { startMariaDb, type MariaDb } from '../../support/mariadb.js';
import { kubectl, requireCluster, ROOT, tempDir } from '../cluster/support.js';
import { assembleContext, RACECAR_GEMS_IN_APP } from '../containers/context.js';
import { buildTargets, podman, requirePodman } from '../containers/podman.js';
import { importImages, NODE_IP, REAL_NODE_SCHEDULING, requireRealNode } from './support.js';

/** How long a cron tick takes: longer than its one-minute schedule, so Forbid has something to forbid. */
export const TICK_SECONDS = 70;

export interface FixtureAppOptions {
  namespace: string;
  /** The MariaDB database the app's migration creates its tables in. */
  database: string;
  /** Every image tag the suite will deploy; the first is built, the rest are tags of it. */
  tags: string[];
  /** TypeScript spread into the config object, e.g. `web: { ...base.web, … }`. */
  configExtra?: string;
  /** Namespaces the suite also uses, deleted before and after with its own. */
  otherNamespaces?: string[];
  /**
   * A broker the consumer pods use (SASL_PLAINTEXT/PLAIN), with the kafka
   * secret's values. Without it they run racecar against a closed port on
   * the node, which it survives (the suite is then not about Kafka).
   */
  kafka?: { bootstrap: string; groupId: string; username: string; password: string };
}

export interface FixtureApp {
  kubeconfig: string;
  namespace: string;
  app: App;
  /** The folder of the suite's railyard.config.ts. */
  cfgDir: string;
  db: MariaDb;
  /** Every secret value the suite created: none may appear in any output. */
  secretValues: string[];
  /** The base image the targets were built on (already imported by podman). */
  baseImage: string;
  /** Wall time of the import into the node's containerd. */
  imageImportMs: number;
  /** Writes another config of the same app (same namespace and database), with extras. */
  writeConfig(name: string, extra?: string): string;
  /** Deletes the namespaces (without waiting) and the database server. */
  destroy(): Promise<void>;
}

/** The node suites' config: Storecove's shape, scaled to two cores. */
export function configSource(opts: { namespace: string; baseImage: string; brokers: string }, extra = ''): string {
  const example = JSON.stringify(join(ROOT, 'examples/storecove/railyard.config.ts'));
  return `import { defineApp } from 'railyard';
import storecove from ${example};
const ALL = ['web', 'cron', 'workers', 'consumers'] as const;
const small = (memory: string, cpu = '1000m') => ({ requests: { cpu: '50m', memory }, limits: { cpu, memory } });
const base = {
  ...storecove,
  namespace: ${JSON.stringify(opts.namespace)},
  image: { registry: 'localhost', repository: 'railyard-node/storecove', pullPolicy: 'IfNotPresent' as const, base: ${JSON.stringify(opts.baseImage)}, pathGems: [${JSON.stringify(RACECAR_GEMS_IN_APP)}] },
  env: { RAILS_LOG_TO_STDOUT: 'true', TICK_SECONDS: '${TICK_SECONDS}' },
  database: { ...storecove.database, maxConnections: 200 },
  scheduling: ${JSON.stringify(REAL_NODE_SCHEDULING)},
  budgets: { processRssMiB: 150 },
  web: {
    ...storecove.web,
    threads: { min: 4, max: 4 },
    replicas: { min: 2, max: 2 },
    resources: small('512Mi', '2000m'),
    probes: {
      liveness: { path: '/health/liveness', initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readiness: { path: '/health/readiness', initialDelaySeconds: 3, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 2 },
    },
  },
  workers: {
    primary: { ...storecove.workers.primary, replicas: { min: 1, max: 1 }, pools: '--pool=mail:1 --pool=inbound_a,inbound_b:2', resources: small('768Mi'), terminationGracePeriodSeconds: 60, jobTimeoutSeconds: 45, probe: { path: '/health', initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 } },
    secondary: { ...storecove.workers.secondary, replicas: { min: 1, max: 1 }, pools: '--pool=webhooks,webhooks_sandbox:1 --pool=reports:1', resources: small('512Mi'), terminationGracePeriodSeconds: 60, jobTimeoutSeconds: 45, probe: { path: '/health', initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 } },
  },
  consumers: {
    'sending-status': {
      ...storecove.consumers['sending-status'],
      env: { ...storecove.consumers['sending-status'].env, RACECAR_BROKERS: ${JSON.stringify(opts.brokers)}, RACECAR_SECURITY_PROTOCOL: 'sasl_plaintext', RACECAR_SASL_MECHANISM: 'PLAIN' },
      credentials: { secret: 'fixture-kafka', groupIdKey: 'KAFKA_GROUP_ID', usernameKey: 'KAFKA_USERNAME', passwordKey: 'KAFKA_PASSWORD' },
      replicas: { min: 1, max: 1 },
      resources: small('384Mi'),
      probe: { path: '/health', initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    },
  },
  cron: {
    defaults: { ...storecove.cron.defaults, resources: small('384Mi'), activeDeadlineSeconds: 600, backoffLimit: 0, ttlSecondsAfterFinished: 900 },
    tasks: [{ name: 'tick', description: 'Fixture tick', schedule: '* * * * *', command: 'rake fixture:tick' }],
  },
  secrets: [
    { name: 'fixture-db', keys: ['DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'DATABASE_NAME'], usedBy: [...ALL] },
    { name: 'fixture-rails', keys: ['SECRET_KEY_BASE'], usedBy: [...ALL] },
    { name: 'fixture-kafka', keys: ['KAFKA_GROUP_ID', 'KAFKA_USERNAME', 'KAFKA_PASSWORD'], usedBy: ['consumers'] },
    { name: 'mysql-ca-cert', keys: ['ca-cert.pem'], usedBy: [...ALL], mount: 'volume' as const },
  ],
  routing: undefined,
  logging: {},
  rollbar: undefined,
  checks: { ignore: [] },
};
export default defineApp(${extra ? `{ ...base, ${extra} }` : 'base'});
`;
}

/**
 * Everything a node suite needs before its first `railyard deploy`. Call it in
 * beforeAll (it takes minutes: five image targets on two cores) and call
 * destroy() in afterAll.
 */
export async function startFixtureApp(opts: FixtureAppOptions): Promise<FixtureApp> {
  if (opts.tags.length === 0) throw new Error('startFixtureApp: at least one image tag');
  const kubeconfig = await requireCluster();
  await requireRealNode(kubeconfig);
  const baseImage = requirePodman();
  const namespaces = [opts.namespace, ...(opts.otherNamespaces ?? [])];
  const cfgRoot = tempDir('node-cfg');
  const writeConfig = (name: string, extra = ''): string => {
    const dir = join(cfgRoot, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'railyard.config.ts'), configSource({ namespace: opts.namespace, baseImage, brokers: opts.kafka?.bootstrap ?? `${NODE_IP}:9` }, extra));
    return dir;
  };
  const cfgDir = writeConfig('good', opts.configExtra);
  const { app } = await loadConfig(cfgDir);
  const secretValues: string[] = [];

  const db = await startMariaDb({ tls: true, bindAddress: NODE_IP, database: opts.database });
  secretValues.push(db.password);
  try {
    // Images: every target built once, tagged for each release, copied into the node's containerd.
    const context = join(tempDir('node-context'), 'app');
    await assembleContext(app, context, baseImage);
    const targets = imageTargets(app).map((t) => t.name);
    const [first, ...rest] = opts.tags as [string, ...string[]];
    await buildTargets(context, baseImage, `localhost/railyard-node/storecove:{}-${first}`, targets);
    const refs: string[] = [];
    for (const t of targets) {
      refs.push(imageRef(app, t, first));
      for (const tag of rest) {
        await podman(['tag', imageRef(app, t, first), imageRef(app, t, tag)]);
        refs.push(imageRef(app, t, tag));
      }
    }
    const t0 = Date.now();
    await importImages(refs);
    const imageImportMs = Date.now() - t0;

    // The namespace and its Secrets exist before the first deploy: pods cannot
    // start without them, and a preflight may demand them.
    await kubectl(kubeconfig, ['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=true', '--timeout=180s']);
    expect((await kubectl(kubeconfig, ['create', 'namespace', opts.namespace])).code).toBe(0);
    const secretKeyBase = randomBytes(48).toString('hex');
    const kafkaPassword = opts.kafka?.password ?? `kafka-${randomBytes(12).toString('hex')}`;
    secretValues.push(secretKeyBase, kafkaPassword);
    // Values reach the API server on stdin, never in argv.
    const literal = (name: string, data: Record<string, string>) =>
      kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: opts.namespace }, type: 'Opaque', stringData: data }));
    for (const r of [
      await literal('fixture-db', { DATABASE_HOST: NODE_IP, DATABASE_PORT: String(db.port), DATABASE_USERNAME: db.user, DATABASE_PASSWORD: db.password, DATABASE_NAME: db.database }),
      await literal('fixture-rails', { SECRET_KEY_BASE: secretKeyBase }),
      await literal('fixture-kafka', { KAFKA_GROUP_ID: opts.kafka?.groupId ?? `${opts.namespace}-e2e`, KAFKA_USERNAME: opts.kafka?.username ?? `${opts.namespace}-e2e`, KAFKA_PASSWORD: kafkaPassword }),
      await literal('mysql-ca-cert', { 'ca-cert.pem': readFileSync(db.tls!.caFile, 'utf8') }),
    ]) expect(r.code, r.stderr).toBe(0);

    return {
      kubeconfig,
      namespace: opts.namespace,
      app,
      cfgDir,
      db,
      secretValues,
      baseImage,
      imageImportMs,
      writeConfig,
      async destroy() {
        await kubectl(kubeconfig, ['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=false']);
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
