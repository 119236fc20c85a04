// One voice for a cluster railyard cannot use (issue 11): every cluster
// command says it in one line naming the server, the kubeconfig and the
// context, and exits 2; before, `deploy` printed `error: read Namespace/…:
// ECONNREFUSED` and exited 1, and `history` another wording. Run against a
// real closed port and real files, through the built CLI.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = resolve('bin/railyard.js');
const dir = mkdtempSync(join(tmpdir(), 'railyard-cluster-errors-'));
let port = 0;
let kubeconfig = '';

function railyard(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  // A port that was just free and nobody listens on: connections are refused.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: gone-ctx, context: {cluster: gone, user: u}}]
current-context: gone-ctx
`,
  );
  writeFileSync(join(dir, 'garbage'), 'clusters: [this is: not: a kubeconfig\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EX = 'examples/storecove';

describe('a cluster that cannot be reached', () => {
  it.each([
    ['deploy', ['deploy', EX, '--image-tag', 'abc1234']],
    ['rollback', ['rollback', EX]],
    ['history', ['history', EX]],
    ['status', ['status', EX]],
    ['cron list', ['cron', 'list', '-c', EX]],
    ['check --cluster', ['check', EX, '--cluster']],
  ])('%s: one line naming the server, kubeconfig and context; exit 2', async (_, args) => {
    const r = await railyard([...args, '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('== ') && !l.startsWith('   '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: cannot reach the cluster at https://127\\.0\\.0\\.1:${port} \\(kubeconfig ${kubeconfig.replace(/[.]/g, '\\.')}, context gone-ctx\\): .*ECONNREFUSED`));
    expect(r.stderr).not.toContain('not-a-real-token');
  });
});

describe('a kubeconfig that cannot be used', () => {
  it('missing: exit 2 naming the file', async () => {
    const r = await railyard(['history', EX, '--kubeconfig', join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: cannot use the cluster: the kubeconfig does not exist (kubeconfig ${join(dir, 'nope')}, context (none))\n`);
  });

  it('not a kubeconfig: exit 2 naming the file', async () => {
    const r = await railyard(['status', EX, '--kubeconfig', join(dir, 'garbage')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot use the cluster: the kubeconfig cannot be read: .* \\(kubeconfig ${join(dir, 'garbage')}, context \\(none\\)\\)\\n$`));
  });

  it('a context it does not have: exit 2 naming it', async () => {
    const r = await railyard(['deploy', EX, '--image-tag', 'abc1234', '--kubeconfig', kubeconfig, '--context', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: cannot use the cluster: context "prod" is not in the kubeconfig (kubeconfig ${kubeconfig}, context prod)\n`);
  });
});
