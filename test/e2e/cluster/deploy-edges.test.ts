// `railyard deploy` edge cases on the local control plane, each in its own namespace:
// a kind the cluster does not serve stops the deploy before anything runs, and a
// rollout failure is rolled back even when no release record exists yet
// (objects first applied by plain kubectl).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { goModuleDir, kubectl, kubectlJson, kwokOnlyLogging, pinnedVersion, plantSecrets, railyard, requireCluster, ROOT, tempDir } from './support.js';

let kubeconfig: string;

function configDir(example: string, namespace: string): string {
  const dir = join(tempDir('edge'), namespace);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'railyard.config.ts'),
    `import { defineApp } from 'railyard';\nimport base from ${JSON.stringify(join(ROOT, `examples/${example}/railyard.config.ts`))};\nexport default defineApp({ ...base, namespace: ${JSON.stringify(namespace)}, ${kwokOnlyLogging('base')} });\n`,
  );
  return dir;
}

beforeAll(async () => {
  kubeconfig = await requireCluster();
  const crds = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard-e2e', '-f', join(await goModuleDir('sigs.k8s.io/gateway-api', pinnedVersion('GATEWAY_API_VERSION')), 'config/crd/standard')]);
  expect(crds.code, crds.stderr).toBe(0);
  const est = await kubectl(kubeconfig, ['wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/gateways.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io']);
  expect(est.code, est.stderr).toBe(0);
}, 180_000);

describe('railyard deploy edge cases', () => {
  it('refuses at preflight, before the migration, when the cluster lacks a CRD (the gateway variant without NGINX Gateway Fabric)', async () => {
    const ns = 'e2e-preflight';
    await kubectl(kubeconfig, ['delete', 'namespace', ns, '--wait=true', '--timeout=60s', '--ignore-not-found']);
    const gw = configDir('storecove-gateway', ns);
    // Every Secret is there, so it is the API server's dry run that refuses.
    await plantSecrets(kubeconfig, (await loadConfig(gw)).app);
    const r = await railyard(['deploy', gw, '--image-tag', 'pre0001', '--kubeconfig', kubeconfig, '--timeout', '60']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at preflight: the API server refuses 2 objects; nothing was applied/);
    expect(r.stderr).toContain('the cluster does not serve gateway.nginx.org/v1alpha1 ClientSettingsPolicy');
    // The Gateway API objects themselves passed (their CRDs are installed).
    expect(r.stderr).not.toMatch(/HTTPRoute\/|Gateway\//);
    expect(r.stdout).not.toMatch(/== (migrate|apply)/);
    const left = await kubectlJson(kubeconfig, ['get', 'deployments,cronjobs,jobs', '-n', ns]);
    expect(left.items).toEqual([]);
  }, 120_000);

  it('rolls a failed rollout back from the previous ReplicaSet when no release record exists', async () => {
    const ns = 'e2e-norecord';
    await kubectl(kubeconfig, ['delete', 'namespace', ns, '--wait=true', '--timeout=60s', '--ignore-not-found']);
    const cfg = configDir('storecove', ns);
    await plantSecrets(kubeconfig, (await loadConfig(cfg)).app);
    // Release A deployed without railyard: synth + kubectl, as the design document's workflow did.
    const out = tempDir('norecord-out');
    const s = await railyard(['synth', cfg, '--out', out, '--image-tag', 'plain0001', '--quiet']);
    expect(s.code, s.stderr).toBe(0);
    for (const args of [['-f', join(out, 'k8s/namespaces.yaml')], ['-R', '-f', join(out, 'k8s')]]) {
      const a = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard', '--force-conflicts', ...args]);
      expect(a.code, a.stderr).toBe(0);
    }
    const st = await kubectl(kubeconfig, ['rollout', 'status', '-n', ns, 'deployment/rails-server', '--timeout=60s']);
    expect(st.code, st.stderr).toBe(0);

    const r = await railyard(['deploy', cfg, '--image-tag', 'never-ready-nr', '--kubeconfig', kubeconfig, '--timeout', '10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at rollout/);
    expect(r.stderr).toContain(`rolled back: Deployment/${ns}/rails-server`);
    const web = await kubectlJson(kubeconfig, ['get', 'deployment', 'rails-server', '-n', ns]);
    expect(web.spec.template.spec.containers[0].image).toMatch(/:rails-plain0001$/);
    expect(web.status.updatedReplicas).toBe(web.spec.replicas);
    expect(web.status.unavailableReplicas ?? 0).toBe(0);
  }, 180_000);
});
