import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, validateApp, findConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'railyard-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The smallest app the schema accepts; everything else has a default from the design tables. */
const minimal = () => ({
  name: 'shop',
  namespace: 'shop',
  image: { registry: 'registry.example.com', repository: 'shop/app' },
  web: {},
});

async function problems(raw: unknown): Promise<string[]> {
  try {
    validateApp(raw, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('validation', () => {
  it('fills defaults from the design document’s tables', () => {
    const app = validateApp(minimal());
    expect(app.web).toMatchObject({ name: 'rails-server', port: 3000, replicas: { min: 2, max: 10 }, terminationGracePeriodSeconds: 30, threads: { min: 5, max: 5 } });
    expect(app.web.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } });
    expect(app.web.probes.liveness.path).toBe('/health/liveness');
    expect(app.web.probes.readiness.path).toBe('/health/readiness');
    const w = validateApp({ ...minimal(), workers: { a: { name: 'worker-a', pools: '--pool=*:2' } } }).workers.a!;
    expect(w).toMatchObject({ healthPort: 3001, jobTimeoutSeconds: 280, terminationGracePeriodSeconds: 300, replicas: { min: 2, max: 5 } });
    expect(w.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '2Gi' } });
    expect(app.cron.defaults.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } });
  });

  it('reports every problem at once, each with its path', async () => {
    const raw = {
      ...minimal(),
      name: 'Shop_App',
      web: { port: 70000, resources: { requests: { cpu: 'lots', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
      workers: {
        secondary: {
          name: 'worker-secondary',
          pools: [{ queues: ['a'], count: 1 }, { queues: ['b'], count: 2 }, { queues: ['c'], count: 1 }, { queues: [], count: 1 }],
        },
      },
      cron: { tasks: [{ name: 'a-very-long-cronjob-name-that-is-longer-than-fifty-two-chars', schedule: 'every day', command: 'rake x' }] },
    };
    const found = await problems(raw);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: must be lower-case/),
        expect.stringMatching(/^web\.port: /),
        expect.stringMatching(/^web\.resources\.requests\.cpu: must be a Kubernetes quantity/),
        'workers.secondary.pools[3].queues: must not be empty (write ["*"] for every queue)',
        expect.stringMatching(/^cron\.tasks\[0\]\.name: must be at most 52 characters/),
        expect.stringMatching(/^cron\.tasks\[0\]\.schedule: must be a 5-field cron expression/),
      ]),
    );
    expect(found.length).toBeGreaterThanOrEqual(6);
  });

  it('reports a bad pool string at its path', async () => {
    expect(await problems({ ...minimal(), workers: { primary: { name: 'worker-primary', pools: '--pool=mail:1 --pool=a,,b:2' } } })).toEqual(['workers.primary.pools: pool 1: empty queue name in "a,,b"']);
  });

  it('names the node pool field at fault, and accepts a pool without a name', async () => {
    expect(await problems({ ...minimal(), nodePool: { nodes: 0, cpu: '4 cores', memory: '16Gi', size: 'b3-16' } })).toEqual([
      'nodePool.nodes: Too small: expected number to be >=1',
      'nodePool.cpu: must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi',
      'nodePool.size: unknown field (is it misspelled?)',
    ]);
    expect(await problems({ ...minimal(), nodePool: { nodes: 3, cpu: '3800m', memory: '14Gi' } })).toEqual([]);
  });

  it('names misspelled fields', async () => {
    expect(await problems({ ...minimal(), web: { imagePulPolicy: 'Always' } })).toEqual(['web.imagePulPolicy: unknown field (is it misspelled?)']);
  });

  it('checks references across sections', async () => {
    const found = await problems({
      ...minimal(),
      web: {},
      workers: { a: { name: 'rails-server', pools: '--pool=*:1' } },
      consumers: {
        c: { name: 'kafka-c', healthPort: 3002, consumerClass: 'C', credentials: { secret: 'kafka', groupIdKey: 'G', usernameKey: 'U', passwordKey: 'P' } },
      },
      secrets: [{ name: 'kafka', keys: ['G', 'U'], usedBy: ['consumers'] }, { name: 'logzio', keys: ['token'], usedBy: ['logging'] }],
      logging: { fluentBit: { logzio: { tokenSecret: { name: 'logzio', key: 'LOGZIO_TOKEN' } } } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'workers.a.name: Deployment name "rails-server" is also used by web.name',
        'consumers.c.credentials.passwordKey: secret "kafka" has no key "P"',
        'logging.fluentBit.logzio.tokenSecret.key: secret "logzio" has no key "LOGZIO_TOKEN"',
        expect.stringMatching(/^logging\.fluentBit\.logzio\.tokenSecret\.name: secret "logzio" must live in namespace "logging"/),
      ]),
    );
  });

  it('checks ephemeral storage where it is set, overrides resolved field by field, each problem at its path', async () => {
    expect(
      await problems({
        ...minimal(),
        ephemeralStorage: { request: '3Gi' },
        web: { ephemeralStorage: { limit: '1Gi' } },
        workers: { a: { name: 'worker-a', pools: '--pool=*:1', ephemeralStorage: { emptyDirs: { tmp: '1.5Gi' } } } },
        cron: { defaults: { ephemeralStorage: { limit: '4Gi' } }, tasks: [{ name: 'ok', schedule: '@daily', command: 'rake x', ephemeralStorage: { emptyDirs: { 'app-tmp': 'lots' } } }] },
      }),
    ).toEqual([
      'cron.tasks[0].ephemeralStorage.emptyDirs.app-tmp: must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi',
      'ephemeralStorage.request: request 3Gi exceeds limit 2Gi',
      'web.ephemeralStorage.request: request 3Gi exceeds limit 1Gi',
      'web.ephemeralStorage.limit: limit 1Gi must exceed the emptyDir sizeLimits it holds (tmp 256Mi + app-tmp 512Mi + app-log 256Mi), or the pod is evicted before any emptyDir is full',
      'workers.a.ephemeralStorage.request: request 3Gi exceeds limit 2Gi',
      'workers.a.ephemeralStorage.limit: limit 2Gi must exceed the emptyDir sizeLimits it holds (tmp 1.5Gi + app-tmp 512Mi + app-log 256Mi), or the pod is evicted before any emptyDir is full',
    ]);
    expect(
      await problems({
        ...minimal(),
        ephemeralStorage: { request: '3Gi' },
        web: { ephemeralStorage: { limit: '1Gi' } },
        workers: { a: { name: 'worker-a', pools: '--pool=*:1', ephemeralStorage: { request: '1Gi', emptyDirs: { tmp: '1.5Gi' } } } },
        cron: { defaults: { ephemeralStorage: { limit: '4Gi' } }, tasks: [{ name: 'ok', schedule: '@daily', command: 'rake x', ephemeralStorage: { request: '1Gi' } }] },
      }),
    ).toEqual([
      'ephemeralStorage.request: request 3Gi exceeds limit 2Gi',
      'web.ephemeralStorage.request: request 3Gi exceeds limit 1Gi',
      'web.ephemeralStorage.limit: limit 1Gi must exceed the emptyDir sizeLimits it holds (tmp 256Mi + app-tmp 512Mi + app-log 256Mi), or the pod is evicted before any emptyDir is full',
      'workers.a.ephemeralStorage.limit: limit 2Gi must exceed the emptyDir sizeLimits it holds (tmp 1.5Gi + app-tmp 512Mi + app-log 256Mi), or the pod is evicted before any emptyDir is full',
    ]);
  });

  it('refuses a Fluent Bit image without a pinned version', async () => {
    const found = await problems({
      ...minimal(),
      secrets: [{ name: 'logzio', keys: ['LOGZIO_TOKEN'], usedBy: ['logging'], namespace: 'logging' }],
      logging: { fluentBit: { image: 'fluent/fluent-bit:latest', logzio: { tokenSecret: { name: 'logzio', key: 'LOGZIO_TOKEN' } } } },
    });
    expect(found).toEqual(['logging.fluentBit.image: must be pinned to a version, not latest']);
  });

  it('takes a regional Logz.io listener host and a PEM CA, and names the field of a bad one', async () => {
    const logging = (logzio: object) => ({
      ...minimal(),
      secrets: [{ name: 'logzio', keys: ['LOGZIO_TOKEN'], usedBy: ['logging'], namespace: 'logging' }],
      logging: { fluentBit: { logzio: { tokenSecret: { name: 'logzio', key: 'LOGZIO_TOKEN' }, ...logzio } } },
    });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBAAAA\nQUFB==\n-----END CERTIFICATE-----\n';
    expect(await problems(logging({ listener: 'listener-eu.logz.io', port: 8071, ca: pem }))).toEqual([]);
    expect(await problems(logging({ ca: `${pem}${pem}` }))).toEqual([]);
    const app = validateApp(logging({}));
    expect(app.logging.fluentBit!.logzio).toMatchObject({ listener: 'listener.logz.io', port: 8071 });
    expect(app.logging.fluentBit!.logzio.ca).toBeUndefined();
    for (const bad of ['https://listener-eu.logz.io', 'listener-eu.logz.io:8071', 'listener.logz.io/', 'Listener EU']) {
      expect(await problems(logging({ listener: bad })), bad).toEqual([
        'logging.fluentBit.logzio.listener: must be a host name such as listener-eu.logz.io (no scheme, port or path; the port is logzio.port)',
      ]);
    }
    for (const bad of ['./certs/logzio-ca.pem', `${pem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`, '']) {
      expect(await problems(logging({ ca: bad })), bad).toEqual([
        'logging.fluentBit.logzio.ca: must be PEM certificate text (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), not a path or a key',
      ]);
    }
  });
});

describe('loaders', () => {
  it('loads YAML and JSON to the same app', async () => {
    await writeFile(join(dir, 'app.yaml'), stringify(minimal()));
    await writeFile(join(dir, 'app.json'), JSON.stringify(minimal()));
    const a = await loadConfig(join(dir, 'app.yaml'));
    const b = await loadConfig(join(dir, 'app.json'));
    expect(a.app).toEqual(b.app);
  });

  it('names the file, line and column of YAML syntax errors', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'name: shop\nweb:\n  port: [1, 2\n');
    await expect(loadConfig(join(dir, 'bad.yaml'))).rejects.toMatchObject({ file: join(dir, 'bad.yaml'), problems: [expect.objectContaining({ path: expect.stringMatching(/^line \d+, column \d+$/) })] });
  });

  it('rejects duplicate YAML keys instead of keeping the last', async () => {
    await writeFile(join(dir, 'dup.yaml'), 'name: shop\nname: other\n');
    await expect(loadConfig(join(dir, 'dup.yaml'))).rejects.toThrow(/unique|duplicate/i);
  });

  it('loads railyard.config.ts from a folder, with defineApp from "railyard"', async () => {
    const sub = join(dir, 'ts-app');
    await mkdir(sub, { recursive: true });
    await writeFile(
      join(sub, 'railyard.config.ts'),
      `import { defineApp, renderPoolSpec } from 'railyard';\nconst pools: string = renderPoolSpec([{ queues: ['mail'], count: 2 }]);\nexport default defineApp({ name: 'shop', namespace: 'shop', image: { registry: 'r.example', repository: 'shop/app' }, web: {}, workers: { a: { name: 'worker-a', pools } } });\n`,
    );
    expect(await findConfig(sub)).toBe(join(sub, 'railyard.config.ts'));
    const { app } = await loadConfig(sub);
    expect(app.workers.a!.pools).toEqual([{ queues: ['mail'], count: 2 }]);
  });

  it('reports a TypeScript syntax error with its position', async () => {
    await writeFile(join(dir, 'broken.config.ts'), 'export default {\n  name: "x",,\n};\n');
    await expect(loadConfig(join(dir, 'broken.config.ts'))).rejects.toMatchObject({ problems: [expect.objectContaining({ path: 'line 2, column 12' })] });
  });

  it('says which names it looked for in a folder without a config', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(loadConfig(empty)).rejects.toThrow(/no config found; expected one of railyard\.config\.ts/);
  });

  it('loads both Storecove examples', async () => {
    const base = await loadConfig('examples/storecove');
    const gw = await loadConfig('examples/storecove-gateway');
    expect(base.app.routing?.kind).toBe('ingress');
    expect(gw.app.routing?.kind).toBe('gateway');
    expect({ ...gw.app, routing: undefined, checks: undefined, workflow: undefined }).toEqual({ ...base.app, routing: undefined, checks: undefined, workflow: undefined });
    expect([base.app.workflow.pullRequestDiff, gw.app.workflow.pullRequestDiff]).toEqual([false, true]);
    expect(gw.app.checks.ignore.map((i) => i.rule)).not.toContain('ingress-nginx-retired');
  });
});
