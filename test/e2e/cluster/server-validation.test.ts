// Every object `railyard synth` renders for both Storecove variants passes the
// real API server's validation (`kubectl apply --server-side --dry-run=server`),
// including admission (Pod Security `restricted` on the app namespace).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { goModuleDir, kubectl, pinnedVersion, railyard, requireCluster, tempDir } from './support.js';

/** The NGINX Gateway Fabric CRDs are not published where this machine can fetch them (see docs/CLUSTER.md). */
const NO_CRD_AVAILABLE = new Set(['ClientSettingsPolicy']);

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : p.endsWith('.yaml') ? [p] : [];
  });
}

async function synth(variant: string): Promise<{ dir: string; objects: { file: string; obj: Obj }[] }> {
  const dir = tempDir(`synth-${variant}`);
  const r = await railyard(['synth', `examples/${variant}`, '--out', dir, '--image-tag', 'e2e0validate', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  const objects = ['k8s', 'migrate'].flatMap((sub) =>
    yamlFiles(join(dir, sub)).flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => ({ file: relative(dir, file), obj: d.toJS() as Obj })).filter((x) => x.obj)),
  );
  return { dir, objects };
}

let kubeconfig: string;

beforeAll(async () => {
  kubeconfig = await requireCluster();
  const crdDir = join(await goModuleDir('sigs.k8s.io/gateway-api', pinnedVersion('GATEWAY_API_VERSION')), 'config/crd/standard');
  const crds = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard-e2e', '-f', crdDir]);
  expect(crds.code, crds.stderr).toBe(0);
  const est = await kubectl(kubeconfig, ['wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/gateways.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io']);
  expect(est.code, est.stderr).toBe(0);
}, 180_000);

describe.each(['storecove', 'storecove-gateway'])('server-side dry run of %s', (variant) => {
  it('accepts every rendered object', async () => {
    const { objects } = await synth(variant);
    expect(objects.length).toBeGreaterThan(30);

    // Namespaces for real first: a dry run into a namespace that does not exist is refused.
    const nsFile = join(tempDir('ns'), 'ns.yaml');
    writeFileSync(nsFile, objects.filter((o) => o.obj.kind === 'Namespace').map((o) => JSON.stringify(o.obj)).join('\n---\n'));
    const ns = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard', '-f', nsFile]);
    expect(ns.code, ns.stderr).toBe(0);

    const checkable = objects.filter((o) => !NO_CRD_AVAILABLE.has(o.obj.kind));
    const unchecked = objects.filter((o) => NO_CRD_AVAILABLE.has(o.obj.kind));
    // The only gap is the one documented: the gateway variant's ClientSettingsPolicies.
    expect(unchecked.map((o) => o.obj.kind)).toEqual(variant === 'storecove-gateway' ? ['ClientSettingsPolicy', 'ClientSettingsPolicy'] : []);

    const dir = tempDir(`dry-${variant}`);
    mkdirSync(join(dir, 'all'));
    checkable.forEach((o, i) => writeFileSync(join(dir, 'all', `${String(i).padStart(3, '0')}.json`), JSON.stringify(o.obj)));
    const r = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--field-manager', 'railyard', '-f', join(dir, 'all'), '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const accepted = r.stdout.trim().split('\n');
    expect(accepted).toHaveLength(checkable.length);
    // Every rendered kind reached the server (nothing silently filtered).
    const kinds = new Set(checkable.map((o) => o.obj.kind.toLowerCase()));
    for (const k of kinds) expect(accepted.some((line) => line.split('/')[0]!.split('.')[0] === k)).toBe(true);
  }, 180_000);
});

describe('the API server really validates', () => {
  it('rejects a Pod the restricted Pod Security level forbids, and a malformed CronJob schedule', async () => {
    // Guards against a dry run that accepts anything (wrong endpoint, admission off).
    const bad = [
      // Pod Security admission enforces on Pods (it only warns on Deployments).
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'privileged', namespace: 'storecove' }, spec: { containers: [{ name: 'c', image: 'x:1', securityContext: { privileged: true } }] } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'bad-schedule', namespace: 'storecove' }, spec: { schedule: '61 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x:1' }] } } } } } },
    ];
    for (const o of bad) {
      const r = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(o));
      expect(r.code, `${o.kind}/${o.metadata.name} was accepted`).not.toBe(0);
    }
  }, 60_000);
});
