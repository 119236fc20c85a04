// A deploy killed mid-way (SIGKILL: no cleanup runs) leaves its Lease behind.
// The next deploy with --wait-lock waits for that Lease to expire (it is no
// longer renewed), takes it over, and records the killed release as failed.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { kubectl, kubectlJson, kwokOnlyLogging, plantSecrets, railyard, requireCluster, ROOT, tempDir } from './support.js';

const NS = 'e2e-crash';
let kubeconfig: string;
let cfg: string;

beforeAll(async () => {
  kubeconfig = await requireCluster();
  await kubectl(kubeconfig, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s', '--ignore-not-found']);
  cfg = join(tempDir('crash'), 'cfg');
  mkdirSync(cfg, { recursive: true });
  writeFileSync(join(cfg, 'railyard.config.ts'), `import { defineApp } from 'railyard';\nimport base from ${JSON.stringify(join(ROOT, 'examples/storecove/railyard.config.ts'))};\nexport default defineApp({ ...base, namespace: ${JSON.stringify(NS)}, ${kwokOnlyLogging('base')} });\n`);
  // The Secrets the model references, so the deploy's secrets preflight lets it through.
  await plantSecrets(kubeconfig, (await loadConfig(cfg)).app);
}, 90_000);

describe('a crashed deploy', () => {
  it('leaves a lock that expires; the next deploy takes it over and marks the release interrupted', async () => {
    // Kill the first deploy as soon as it has the lock and has started the migration.
    const child = spawn(process.execPath, [join(ROOT, 'bin/railyard.js'), 'deploy', cfg, '--image-tag', 'crash0001', '--kubeconfig', kubeconfig], { env: { ...process.env, NO_COLOR: '1' } });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('== migrate')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`deploy exited before the migration started:\n${out}`)));
    });
    const held = await kubectlJson(kubeconfig, ['get', 'lease', 'railyard-deploy-storecove', '-n', NS]);
    expect(held.spec.holderIdentity).toMatch(/@/);

    // Without waiting: refused, naming the dead holder.
    const refused = await railyard(['deploy', cfg, '--image-tag', 'crash0002', '--kubeconfig', kubeconfig]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`another deploy holds the lock: ${held.spec.holderIdentity}`);

    // Waiting: the lease runs out (60 s after its last renewal) and the deploy proceeds.
    const t0 = Date.now();
    const next = await railyard(['deploy', cfg, '--image-tag', 'crash0003', '--kubeconfig', kubeconfig, '--wait-lock', '120', '--timeout', '90']);
    expect(next.code, next.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(20_000);
    expect(next.stdout).toContain(`waiting for the lock held by ${held.spec.holderIdentity}`);
    expect(next.stdout).toMatch(/release 1 \(crash0001\) was interrupted; recorded as failed/);

    const h = JSON.parse((await railyard(['history', cfg, '--kubeconfig', kubeconfig, '--json'])).stdout);
    expect(h.map((x: { revision: number; status: string }) => [x.revision, x.status])).toEqual([
      [1, 'failed'],
      [2, 'deployed'],
    ]);
    expect(h[0].reason).toMatch(/interrupted/);
  }, 200_000);

  it('stops cleanly on SIGINT: the release is recorded as failed and the lock is released at once', async () => {
    // A rollout that never finishes, interrupted while railyard waits for it.
    const child = spawn(process.execPath, [join(ROOT, 'bin/railyard.js'), 'deploy', cfg, '--image-tag', 'never-ready-int', '--kubeconfig', kubeconfig, '--timeout', '300'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('== rollout web')) resolve();
      }),
    );
    const t0 = Date.now();
    child.kill('SIGINT');
    expect(await exit).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(out).toMatch(/warning: SIGINT: stopping at the next step/);
    expect(err).toMatch(/failed at interrupt: interrupted by SIGINT/);

    const lease = await kubectlJson(kubeconfig, ['get', 'lease', 'railyard-deploy-storecove', '-n', NS]);
    expect(lease.spec.holderIdentity ?? '').toBe('');
    const h = JSON.parse((await railyard(['history', cfg, '--kubeconfig', kubeconfig, '--json'])).stdout);
    expect(h.at(-1)).toMatchObject({ imageTag: 'never-ready-int', status: 'failed', reason: expect.stringMatching(/interrupted by SIGINT/) });
  }, 120_000);
});
