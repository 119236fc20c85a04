// The Kubernetes client's connections (src/deploy/kube.ts, shareAgents): client-node
// builds a new https.Agent per request, so each call paid a TCP and TLS handshake.
// Against a real HTTPS server on loopback (openssl certificates, a client
// certificate in the kubeconfig as the local cluster's admin has), count the TLS
// connections the calls open, and check a command still exits by itself with
// idle keep-alive sockets left.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentKey, connect } from '../../src/deploy/kube.js';

const execFileAsync = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'railyard-kube-agent-'));
let server: Server;
let connections = 0;
let requests = 0;
let kubeconfig: string;
let key: string;

beforeAll(async () => {
  const f = (n: string) => join(dir, n);
  // One self-signed certificate for 127.0.0.1: the server's, trusted as the kubeconfig's CA, and used as the client's.
  await execFileAsync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=railyard test api', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', f('key.pem'), '-out', f('cert.pem')], { timeout: 60_000 });
  const cert = readFileSync(f('cert.pem'), 'utf8');
  key = readFileSync(f('key.pem'), 'utf8');
  server = createServer({ cert, key }, (req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  kubeconfig = f('kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': b64(cert) } }],
      users: [{ name: 'u', user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('one keep-alive agent per set of TLS options', () => {
  it('20 calls one after another open one TLS connection (client-node alone opened 20)', async () => {
    const kube = connect({ kubeconfig });
    const c0 = connections;
    const r0 = requests;
    for (let i = 0; i < 20; i++) await kube.core.listNamespace();
    expect(requests - r0).toBe(20);
    expect(connections - c0).toBe(1);
  });

  it('16 calls at once open at most 16 connections, and 16 more reuse them', async () => {
    const kube = connect({ kubeconfig });
    const c0 = connections;
    await Promise.all(Array.from({ length: 16 }, () => kube.core.listNamespace()));
    const opened = connections - c0;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(16);
    await Promise.all(Array.from({ length: 16 }, () => kube.core.listNamespace()));
    expect(connections - c0).toBe(opened);
  });

  it('a command exits by itself with idle keep-alive sockets open', async () => {
    const entry = join(dir, 'calls.ts');
    writeFileSync(entry, `import { connect } from ${JSON.stringify(join(process.cwd(), 'src/deploy/kube.ts'))};\nconst kube = connect({ kubeconfig: process.argv[2] });\nfor (let i = 0; i < 5; i++) await kube.core.listNamespace();\nconsole.log('done');\n`);
    const out = join(dir, 'calls.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }, nodePaths: [join(process.cwd(), 'node_modules')] });
    const t0 = Date.now();
    const r = await new Promise<{ code: number | null; out: string }>((res) => {
      const p = spawn(process.execPath, [out, kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      p.stdout.on('data', (d) => (s += d));
      const kill = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('close', (code) => {
        clearTimeout(kill);
        res({ code, out: s });
      });
    });
    expect(r).toEqual({ code: 0, out: 'done\n' });
    // Node's default keep-alive timeout on the server side is 5 s: exiting well before it shows the client did not wait for it.
    expect(Date.now() - t0).toBeLessThan(4000);
  }, 60_000);
});

describe('agentKey', () => {
  const options = fc.record(
    {
      ca: fc.oneof(fc.string(), fc.uint8Array().map((a) => Buffer.from(a))),
      cert: fc.string(),
      key: fc.uint8Array({ minLength: 1 }).map((a) => Buffer.from(a)),
      rejectUnauthorized: fc.boolean(),
      servername: fc.string(),
    },
    { requiredKeys: [] },
  );
  const cluster = fc.option(fc.record({ name: fc.constant('c'), server: fc.webUrl(), skipTLSVerify: fc.constant(false) }), { nil: null });

  it('equal options give one key, and any change gives another', () => {
    let distinct = 0;
    fc.assert(
      fc.property(cluster, options, options, (c, a, b) => {
        const same = JSON.stringify(a, (_k, v) => (v?.type === 'Buffer' ? { b: v.data } : v)) === JSON.stringify(b, (_k, v) => (v?.type === 'Buffer' ? { b: v.data } : v));
        if (!same) distinct++;
        expect(agentKey(c, a) === agentKey(c, b)).toBe(same);
        expect(agentKey(c, a)).toBe(agentKey(c, { ...a, passphrase: undefined }));
      }),
      { numRuns: 200 },
    );
    expect(distinct).toBeGreaterThan(100);
  });

  it('is a digest: the client key never appears in it', () => {
    const k = agentKey(null, { key, cert: 'c' });
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(k).not.toContain(key.slice(40, 60));
  });
});
