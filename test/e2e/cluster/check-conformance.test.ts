// Differential test: `railyard check`'s apiserver rules against the real API
// server (server-side apply, dry run) on the same objects. For each field the
// rules validate, fast-check generates values (valid and broken), builds an
// otherwise valid object, and requires both to agree in both directions:
// every object the server rejects, check rejects, and the reverse. Fixed cases
// cover the structural rules. The verdicts are written to
// .cache/conformance/check-vs-apiserver.md (for docs/CHECKS.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkObjects, RULES, type K8sObject } from '../../../src/check/index.js';
import { apply, connect, KubeError, type Kube } from '../../../src/deploy/kube.js';
import type { KubeObject } from '../../../src/render/kubernetes/index.js';
import { kubectl, requireCluster, ROOT } from './support.js';

const NS = 'check-conformance';
const APISERVER_RULES = RULES.filter((r) => r.family === 'apiserver');
const RUNS = { numRuns: 100 };

let kube: Kube;
const rows: { field: string; cases: number; bothReject: number; bothAccept: number; disagreements: string[] }[] = [];

beforeAll(async () => {
  const kubeconfig = await requireCluster();
  kube = connect({ kubeconfig });
  await kubectl(kubeconfig, ['create', 'namespace', NS]); // may exist already
}, 60_000);

afterAll(() => {
  const dir = join(ROOT, '.cache/conformance');
  mkdirSync(dir, { recursive: true });
  const lines = ['| field | cases | both reject | both accept | disagreements (first 5) |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.field} | ${r.cases} | ${r.bothReject} | ${r.bothAccept} | ${r.disagreements.length ? r.disagreements.map((d) => `\`${d}\``).join('<br>') : 'none'} |`);
  lines.push('', 'Known disagreements:', ...KNOWN.map((k) => `- \`${k.id}\` (${k.field}): ${k.note}`));
  writeFileSync(join(dir, 'check-vs-apiserver.md'), lines.join('\n') + '\n');
});

/** The server's verdict: accepted, or refused as invalid (422/400). Anything else is a test error. */
async function serverRejects(obj: KubeObject): Promise<{ rejected: boolean; message: string }> {
  try {
    await apply(kube, obj, { dryRun: true });
    return { rejected: false, message: '' };
  } catch (err) {
    if (err instanceof KubeError && (err.code === 422 || err.code === 400)) return { rejected: true, message: err.message };
    // Server-side apply refuses some objects before validation, e.g. a list keyed by name holding a name twice.
    // Or before conversion, e.g. a quantity its parser cannot read.
    if (err instanceof KubeError && err.code === 500 && /failed to (create typed patch object|convert new object)/.test(err.message)) return { rejected: true, message: err.message };
    throw err;
  }
}

function checkRejects(obj: KubeObject): { rejected: boolean; message: string } {
  const errors = checkObjects([obj as unknown as K8sObject], { rules: APISERVER_RULES, options: { defaultNamespace: NS } }).filter((f) => f.severity === 'error');
  return { rejected: errors.length > 0, message: errors.map((f) => `${f.rule}: ${f.message}`).join('; ') };
}

function deployment(change: (d: any) => void = () => {}): KubeObject {
  const d: any = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'conf', namespace: NS, labels: { app: 'conf' } },
    spec: {
      selector: { matchLabels: { app: 'conf' } },
      template: {
        metadata: { labels: { app: 'conf' } },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'registry.example.com/x:1',
              ports: [{ name: 'http', containerPort: 3000 }],
              env: [{ name: 'A', value: '1' }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/', port: 'http' } },
            },
          ],
        },
      },
    },
  };
  change(d);
  return d;
}

function cronJob(change: (c: any) => void = () => {}): KubeObject {
  const c: any = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'conf-cron', namespace: NS },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.example.com/x:1' }] } } } } },
  };
  change(c);
  return c;
}

/**
 * Disagreements found by this test and reported against src/check (see the
 * final report / docs/CHECKS.md). Each is allowed only in its own narrow
 * class, and each must still occur: when check is fixed, its entry here fails
 * the test until it is removed.
 */
interface Known<T = any> {
  id: string;
  field: string;
  /** A value that shows it; run first on every test run. */
  example: T;
  applies(v: T, serverRejected: boolean): boolean;
  note: string;
}
const KNOWN: Known[] = [
  {
    id: 'number-less-quantity',
    field: 'resources.requests.cpu',
    example: 'Mi',
    applies: (v: string, srv) => !srv && v !== '' && !/^[+-]?[0-9.]/.test(v),
    note: 'deliberate: the server stores a Deployment request with no number, such as "Mi" or "E", as 0, but refuses the same value in the Pods the Deployment then creates; quantity-invalid rejects it up front',
  },
];
const seenKnown = new Set<string>();

function disagreementAllowed(field: string, v: unknown, serverRejected: boolean): Known | undefined {
  const k = KNOWN.find((x) => x.field === field && x.applies(v, serverRejected));
  if (k) seenKnown.add(k.id);
  return k;
}

/** Runs the property and records agreement; fails with the first (shrunk) disagreement that is not a known one. */
async function agree<T>(field: string, gen: fc.Arbitrary<T>, build: (v: T) => KubeObject): Promise<void> {
  const row = { field, cases: 0, bothReject: 0, bothAccept: 0, disagreements: [] as string[] };
  rows.push(row);
  const examples = KNOWN.filter((k) => k.field === field).map((k) => [k.example] as [T]);
  await fc.assert(
    fc.asyncProperty(gen, async (v) => {
      const obj = build(v);
      const [server, check] = [await serverRejects(obj), checkRejects(obj)];
      row.cases++;
      if (server.rejected !== check.rejected) {
        const known = disagreementAllowed(field, v, server.rejected);
        const d = `${known ? `[known: ${known.id}] ` : ''}${JSON.stringify(v)}: server ${server.rejected ? 'rejects' : 'accepts'}${server.message ? ` (${server.message})` : ''}, check ${check.rejected ? 'rejects' : 'accepts'}${check.message ? ` (${check.message})` : ''}`;
        if (row.disagreements.length < 5 && !row.disagreements.includes(d)) row.disagreements.push(d);
        if (known) return;
      } else if (server.rejected) row.bothReject++;
      else row.bothAccept++;
      expect(check.rejected, `${field} = ${JSON.stringify(v)}\nserver: ${server.rejected ? 'rejects' : 'accepts'} ${server.message}\ncheck: ${check.message || 'accepts'}`).toBe(server.rejected);
    }),
    { ...RUNS, examples },
  );
  // Each property must have seen both outcomes, or it tested only one side.
  expect(row.bothReject, `${field}: no rejected case generated`).toBeGreaterThan(0);
  expect(row.bothAccept, `${field}: no accepted case generated`).toBeGreaterThan(0);
}

// Strings near the boundaries: mostly valid characters, some invalid ones, lengths around the limits.
const chars = (valid: string, invalid: string) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid.split('')) }, { weight: 1, arbitrary: fc.constantFrom(...invalid.split('')) });
const word = (valid: string, invalid: string, maxLength: number) => fc.string({ unit: chars(valid, invalid), minLength: 0, maxLength });
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Names travel in the URL path: empty, ".", ".." and "/" would address a different resource, not test validation. */
const pathSafe = (s: string) => s !== '' && s !== '.' && s !== '..' && !s.includes('/');
/** The client's serializer copies keys with `obj[key] = value`, which turns "__proto__" into a prototype: the server never sees it. */
const serializable = (s: string) => s !== '__proto__';

describe('railyard check apiserver rules agree with kube-apiserver v1.33', () => {
  it('object names (Deployment: DNS-1123 subdomain)', async () => {
    await agree('Deployment metadata.name', fc.oneof(word(LOWER + '-.', 'A_ ', 20), fc.integer({ min: 240, max: 260 }).map((n) => 'a'.repeat(n))).filter(pathSafe), (name) => deployment((d) => (d.metadata.name = name)));
  }, 120_000);

  it('Service names (DNS-1035 label)', async () => {
    await agree(
      'Service metadata.name',
      fc.oneof(word(LOWER + '-', 'A.', 12), fc.integer({ min: 60, max: 66 }).map((n) => 's'.repeat(n))).filter(pathSafe),
      (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: 'conf' }, ports: [{ name: 'http', port: 80 }] } }) as KubeObject,
    );
  }, 120_000);

  it('CronJob name length (52)', async () => {
    await agree('CronJob metadata.name length', fc.integer({ min: 45, max: 60 }), (n) => cronJob((c) => (c.metadata.name = 'c'.repeat(n))));
  }, 120_000);

  it('label keys', async () => {
    const name = word(LOWER + 'ABC-_.', '/ ', 66);
    const prefix = fc.option(word(LOWER + '-.', 'A_', 12), { nil: undefined });
    await agree('metadata.labels key', fc.tuple(prefix, name).filter(([, n]) => serializable(n)), ([p, n]) => deployment((d) => (d.metadata.labels = { app: 'conf', [p === undefined ? n : `${p}/${n}`]: 'v' })));
  }, 120_000);

  it('label values', async () => {
    await agree('metadata.labels value', fc.oneof(word(LOWER + 'ABC-_.', '/ :', 12), fc.integer({ min: 60, max: 66 }).map((n) => 'v'.repeat(n))), (v) => deployment((d) => (d.metadata.labels = { app: 'conf', extra: v })));
  }, 120_000);

  it('container port names (IANA service names)', async () => {
    await agree('ports[].name', word('abcxyz019-', 'A_', 17), (n) =>
      deployment((d) => {
        const c = d.spec.template.spec.containers[0];
        c.ports = [{ name: n, containerPort: 3000 }];
        delete c.readinessProbe; // the probe names the port; this case is about the port name alone
      }),
    );
  }, 120_000);

  it('resource quantities', async () => {
    const num = fc.oneof(fc.integer({ min: 0, max: 5000 }).map(String), fc.constantFrom('0.5', '1.25', '.5', '1.', '1e3', '1E3', '-1', '+2', '1e', ''));
    const suffix = fc.constantFrom('', 'm', 'k', 'K', 'M', 'G', 'Ki', 'Mi', 'Gi', 'Ti', 'mi', 'KB', 'MB', 'gi', 'u', 'n', 'Ei', 'E', 'P', 'Pi');
    await agree('resources.requests.cpu', fc.tuple(num, suffix).map(([n, s]) => n + s), (q) =>
      deployment((d) => {
        const r = d.spec.template.spec.containers[0].resources;
        r.requests.cpu = q;
        delete r.limits.cpu; // a request above the limit is a different rule
      }),
    );
  }, 120_000);

  it('cron schedules', async () => {
    const field = fc.oneof(fc.constant('*'), fc.integer({ min: 0, max: 70 }).map(String), fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 40 })).map(([a, b]) => `${a}-${b}`), fc.integer({ min: 1, max: 15 }).map((n) => `*/${n}`), fc.constantFrom('MON', 'JAN', '?', 'L', 'mon-fri'));
    const schedule = fc.oneof({ weight: 5, arbitrary: fc.array(field, { minLength: 4, maxLength: 6 }).map((f) => f.join(' ')) }, { weight: 1, arbitrary: fc.constantFrom('@daily', '@hourly', '@weekly', '@every 5m', '@yearly', '@reboot', 'TZ=UTC 0 * * * *', 'CRON_TZ=UTC 0 * * * *') });
    await agree('spec.schedule', schedule, (s) => cronJob((c) => (c.spec.schedule = s)));
  }, 120_000);

  it('env var names', async () => {
    await agree('env[].name', word('AZaz09_.-', '= $', 10), (n) => deployment((d) => (d.spec.template.spec.containers[0].env = [{ name: n, value: 'x' }])));
  }, 120_000);

  it('structural rules: selector mismatch, duplicate containers, duplicate env, Job restartPolicy, unknown probe port', async () => {
    const cases: [string, KubeObject][] = [
      ['selector does not match template', deployment((d) => (d.spec.template.metadata.labels = { app: 'other' }))],
      ['duplicate container names', deployment((d) => d.spec.template.spec.containers.push({ ...d.spec.template.spec.containers[0], ports: [] }))],
      ['env name set twice', deployment((d) => (d.spec.template.spec.containers[0].env = [{ name: 'A', value: '1' }, { name: 'A', value: '2' }]))],
      ['CronJob pods with restartPolicy Always', cronJob((c) => (c.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'))],
      ['probe on an undeclared named port', deployment((d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.port = 'admin'))],
      ['the valid base Deployment', deployment()],
      ['the valid base CronJob', cronJob()],
    ];
    const row = { field: 'structural (fixed cases)', cases: 0, bothReject: 0, bothAccept: 0, disagreements: [] as string[] };
    rows.push(row);
    const unexpected: string[] = [];
    for (const [what, obj] of cases) {
      const [server, check] = [await serverRejects(obj), checkRejects(obj)];
      row.cases++;
      if (server.rejected !== check.rejected) {
        const known = disagreementAllowed(row.field, what, server.rejected);
        const d = `${known ? `[known: ${known.id}] ` : ''}${what}: server ${server.rejected ? 'rejects' : 'accepts'}, check ${check.rejected ? 'rejects' : 'accepts'}`;
        row.disagreements.push(d);
        if (!known) unexpected.push(d);
      } else if (server.rejected) row.bothReject++;
      else row.bothAccept++;
    }
    expect(unexpected).toEqual([]);
    expect(row.bothReject).toBeGreaterThan(0);
  }, 120_000);

  it('every known disagreement still occurs (remove an entry once check is fixed)', () => {
    expect([...seenKnown].sort()).toEqual(KNOWN.map((k) => k.id).sort());
  });
});
