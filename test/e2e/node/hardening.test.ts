// Hardening on the real node (issue 13): the rendered NetworkPolicies
// enforced. The policy
// engine is kube-router's network policy controller alone (iptables and
// ipset, as k3s embeds it), built from the Go module proxy by `make
// cluster-build` and run as a process on the node for this suite only
// (docs/CLUSTER.md says why this engine and this version). Every verdict
// below is checked without the engine first, so a denial is the policy's
// doing and not a broken network.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuantity } from '../../../src/config/quantity.js';
import { imageRef } from '../../../src/render/image.js';
import { kubectl, kubectlJson, railyard, ROOT, run, tempDir, type RunResult } from '../cluster/support.js';
import { startFixtureApp, type FixtureApp } from './fixture-app.js';
import { NODE_IP, NODE_NAME, pods, REAL_NODE_SCHEDULING, RESTRICTED as restricted, sleep, waitUntil } from './support.js';

const NS = 'e2e-netpol';
/** The stand-in ingress controller's namespace; its pods carry ROLE. */
const INGRESS_NS = 'e2e-netpol-ingress';
const OTHER_NS = 'e2e-netpol-other';
const TARGET_NS = 'e2e-netpol-target';
const ROLE = { 'railyard.dev/e2e-role': 'ingress' };
const TAG = 'netpol1';
/** A declared egress port on the target pod, and one the model does not declare. */
const DECLARED_PORT = 7001;
const UNDECLARED_PORT = 7002;

let fx: FixtureApp;
let kubeconfig: string;
let webIp: string;
let workerIp: string;
let targetIp: string;
const outputs: RunResult[] = [];
const results: Record<string, number> = {};

/** A pod on the real node running `script` with node, in the fixture's worker image. */
function nodePod(name: string, namespace: string, labels: Record<string, string>, script: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      ...REAL_NODE_SCHEDULING,
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      securityContext: restricted.pod,
      containers: [{ name: 'main', image: imageRef(fx.app, 'worker', TAG), imagePullPolicy: 'Never', command: ['node', '-e', script], securityContext: restricted.container, resources: { requests: { cpu: '5m', memory: '16Mi' }, limits: { memory: '64Mi' } } }],
    },
  };
}

/**
 * From inside `pod`: opens a TCP connection to ip:port within 3 s, sends an
 * HTTP request and prints the first line of the answer. `blocked` when no
 * connection is made: kube-router rejects a denied SYN (ICMP port
 * unreachable, so ECONNREFUSED), other engines drop it (a timeout). Every
 * port is first shown to answer with no engine running, so a refusal after
 * the engine starts is the policy's.
 */
async function reach(namespace: string, pod: string, ip: string, port: number, path = '/'): Promise<string> {
  const script = `const s=require('net').connect({host:${JSON.stringify(ip)},port:${port}});const t=setTimeout(()=>{console.log('blocked');process.exit(0)},3000);s.on('connect',()=>s.write('GET ${path} HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n'));let b='';s.on('data',d=>b+=d);s.on('end',()=>{clearTimeout(t);console.log(b.split('\\r\\n')[0]||'connected');process.exit(0)});s.on('error',e=>{clearTimeout(t);console.log(['ECONNREFUSED','EHOSTUNREACH'].includes(e.code)?'blocked':'error '+e.code);process.exit(0)})`;
  const r = await kubectl(kubeconfig, ['exec', '-n', namespace, pod, '--', 'node', '-e', script]);
  if (r.code !== 0) throw new Error(`exec in ${namespace}/${pod}: ${r.stderr}`);
  return r.stdout.trim();
}

async function apply(obj: object): Promise<void> {
  const r = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(obj));
  expect(r.code, r.stderr).toBe(0);
}

/** kube-router's firewall state on this machine: its iptables chains and ipsets. */
async function engineState(): Promise<{ chains: string[]; ipsets: string[] }> {
  const rules = await run('iptables-save', ['-t', 'filter']);
  const chains = [...new Set(rules.stdout.split('\n').filter((l) => /^:KUBE-(ROUTER|NWPLCY|POD-FW)/.test(l)).map((l) => l.slice(1).split(' ')[0]!))];
  const sets = await run('ipset', ['list', '-n']);
  return { chains, ipsets: sets.stdout.split('\n').filter((l) => /^(KUBE-(SRC|DST)-|kube-router-)/.test(l)) };
}

let engine: ChildProcess | undefined;
const ENGINE_BIN = join(process.env.RAILYARD_CLUSTER_CACHE ?? join(ROOT, '.cache/cluster'), 'bin/kube-router');
const ENGINE_LOG = join(tempDir('kube-router'), 'kube-router.log');

/** kube-router with only its network policy controller, as a process on the node (as k3s embeds it). */
async function startEngine(): Promise<void> {
  const log = openSync(ENGINE_LOG, 'a');
  engine = spawn(
    ENGINE_BIN,
    [
      '--run-firewall=true',
      '--run-router=false',
      '--run-service-proxy=false',
      '--enable-cni=false',
      `--kubeconfig=${kubeconfig}`,
      `--hostname-override=${NODE_NAME}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--health-port=0',
      '--metrics-port=0',
      '--v=1',
    ],
    { stdio: ['ignore', log, log] },
  );
  await waitUntil('kube-router running, its policy chains in place', 90_000, async () => {
    if (engine!.exitCode !== null) throw new Error(`kube-router exited ${engine!.exitCode}: ${readFileSync(ENGINE_LOG, 'utf8').slice(-2000)}`);
    return (await engineState()).chains.some((c) => c.startsWith('KUBE-NWPLCY-')) ? true : undefined;
  });
}

/** Stops kube-router, then removes its chains and ipsets (scripts/cluster/kube-router-clean.sh). */
async function stopEngine(): Promise<void> {
  if (engine && engine.exitCode === null) {
    const exited = new Promise((r) => engine!.once('exit', r));
    engine.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (engine.exitCode === null) engine.kill('SIGKILL');
  }
  engine = undefined;
  const c = await run('bash', [join(ROOT, 'scripts/cluster/kube-router-clean.sh')], { timeoutMs: 120_000 });
  if (c.code !== 0) throw new Error(`kube-router-clean.sh exited ${c.code}: ${c.stderr.slice(-2000)}`);
}

beforeAll(async () => {
  fx = await startFixtureApp({ namespace: NS, database: 'netpol_node', tags: [TAG], otherNamespaces: [INGRESS_NS, OTHER_NS, TARGET_NS] });
  kubeconfig = fx.kubeconfig;
  const pre = await engineState();
  if (pre.chains.length || pre.ipsets.length) throw new Error(`kube-router state exists before the suite started it: ${JSON.stringify(pre)}`);
  for (const ns of [INGRESS_NS, OTHER_NS, TARGET_NS]) expect((await kubectl(kubeconfig, ['create', 'namespace', ns])).code).toBe(0);

  // The ingress controller's pods are ROLE-labelled pods in INGRESS_NS; egress
  // is declared: the database and the target's DECLARED_PORT, nothing else.
  const cfg = fx.writeConfig(
    'netpol',
    `networkPolicy: { enabled: true, ingressFrom: { namespace: ${JSON.stringify(INGRESS_NS)}, podLabels: ${JSON.stringify(ROLE)} }, egress: { database: { cidrs: ['${NODE_IP}/32'], ports: [${fx.db.port}] }, allow: [{ name: 'target', cidrs: ['10.245.0.0/24'], ports: [${DECLARED_PORT}] }] } }`,
  );
  const r = await railyard(['deploy', cfg, '--image-tag', TAG, '--timeout', '300', '--kubeconfig', kubeconfig], {}, 600_000);
  outputs.push(r);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const policies = await kubectlJson(kubeconfig, ['get', 'networkpolicies', '-n', NS]);
  expect(policies.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(['rails-server-allow-ingress', 'storecove-default-deny-ingress', 'storecove-egress']);

  const sleeper = 'setInterval(()=>{},1<<30)';
  const server = `for(const p of [${DECLARED_PORT},${UNDECLARED_PORT}])require('http').createServer((q,s)=>s.end('port '+p)).listen(p)`;
  await apply(nodePod('client-in', INGRESS_NS, ROLE, sleeper));
  await apply(nodePod('client-unlabelled', INGRESS_NS, {}, sleeper));
  await apply(nodePod('client-other', OTHER_NS, ROLE, sleeper));
  await apply(nodePod('target', TARGET_NS, {}, server));
  for (const [ns, pod] of [[INGRESS_NS, 'client-in'], [INGRESS_NS, 'client-unlabelled'], [OTHER_NS, 'client-other'], [TARGET_NS, 'target']] as const) {
    expect((await kubectl(kubeconfig, ['wait', '--for=condition=Ready', `pod/${pod}`, '-n', ns, '--timeout=120s'])).code).toBe(0);
  }
  targetIp = (await kubectlJson(kubeconfig, ['get', 'pod', 'target', '-n', TARGET_NS])).status.podIP;
  const app = await pods(kubeconfig, NS);
  webIp = app.find((p) => p.component === 'server' && p.ready)!.ip;
  workerIp = app.find((p) => p.component === 'worker-primary' && p.ready)!.ip;
}, 1_800_000);

afterAll(async () => {
  if (kubeconfig) await stopEngine();
  console.log(`kube-router log: ${ENGINE_LOG}`);
  await fx?.destroy();
  for (const o of outputs) for (const v of fx?.secretValues ?? []) expect(o.stdout + o.stderr).not.toContain(v);
  console.log(`netpol figures: ${JSON.stringify(results)}`);
}, 300_000);

const webPod = async () => (await pods(kubeconfig, NS)).find((p) => p.component === 'server' && p.ready)!.name;

describe.sequential('NetworkPolicies on the real node', () => {
  it('without an engine, nothing is enforced: every client reaches the web port and a worker health port, and the web pod reaches both target ports', async () => {
    expect(await reach(INGRESS_NS, 'client-in', webIp, fx.app.web.port, '/health/liveness')).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await reach(OTHER_NS, 'client-other', webIp, fx.app.web.port, '/health/liveness')).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await reach(INGRESS_NS, 'client-unlabelled', webIp, fx.app.web.port, '/health/liveness')).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await reach(INGRESS_NS, 'client-in', workerIp, fx.app.workers.primary!.healthPort, '/health')).toMatch(/^HTTP\/1\.[01] (200|503)/);
    const web = await webPod();
    expect(await reach(NS, web, targetIp, DECLARED_PORT)).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await reach(NS, web, targetIp, UNDECLARED_PORT)).toMatch(/^HTTP\/1\.[01] 200/);
  }, 120_000);

  it('with the engine running, the policies take effect within seconds', async () => {
    const t0 = Date.now();
    await startEngine();
    await waitUntil('a pod of another namespace denied the web port', 60_000, async () => ((await reach(OTHER_NS, 'client-other', webIp, fx.app.web.port)) === 'blocked' ? true : undefined), 500);
    results.enforcedAfterMs = Date.now() - t0;
  }, 180_000);

  it('a pod of the ingress namespace with the controller labels reaches the web port', async () => {
    expect(await reach(INGRESS_NS, 'client-in', webIp, fx.app.web.port, '/health/liveness')).toMatch(/^HTTP\/1\.[01] 200/);
  }, 60_000);

  it('a pod with those labels in another namespace cannot, nor one in the ingress namespace without them', async () => {
    expect(await reach(OTHER_NS, 'client-other', webIp, fx.app.web.port)).toBe('blocked');
    expect(await reach(INGRESS_NS, 'client-unlabelled', webIp, fx.app.web.port)).toBe('blocked');
  }, 60_000);

  it("nothing reaches a worker's pods, the ingress controller and the app's own web pod included; the kubelet's probes still pass", async () => {
    const port = fx.app.workers.primary!.healthPort;
    expect(await reach(INGRESS_NS, 'client-in', workerIp, port, '/health')).toBe('blocked');
    expect(await reach(NS, await webPod(), workerIp, port, '/health')).toBe('blocked');
    // Liveness every 10 s with 3 failures allowed, readiness the same: 35 s of
    // blocked probes would show as a restart or an unready pod.
    const before = await pods(kubeconfig, NS);
    await sleep(35_000);
    const after = await pods(kubeconfig, NS);
    for (const p of after.filter((x) => !x.deleting && x.component !== 'cronjob' && x.component !== 'migrate')) {
      expect({ pod: p.name, ready: p.ready }).toEqual({ pod: p.name, ready: true });
      expect({ pod: p.name, restarts: p.restarts }).toEqual({ pod: p.name, restarts: before.find((b) => b.name === p.name)?.restarts ?? 0 });
    }
  }, 120_000);

  it('egress as declared: the target port the model allows answers, another port of the same pod does not', async () => {
    const web = await webPod();
    expect(await reach(NS, web, targetIp, DECLARED_PORT)).toMatch(/^HTTP\/1\.[01] 200/);
    expect(await reach(NS, web, targetIp, UNDECLARED_PORT)).toBe('blocked');
    // The database (declared) still serves the app: readiness checks it.
    expect(await reach(INGRESS_NS, 'client-in', webIp, fx.app.web.port, '/health/readiness')).toMatch(/^HTTP\/1\.[01] 200/);
  }, 60_000);

  it('stopped and cleaned up, no chain or ipset of the engine is left and traffic flows as before', async () => {
    await stopEngine();
    expect(await engineState()).toEqual({ chains: [], ipsets: [] });
    expect(await reach(OTHER_NS, 'client-other', webIp, fx.app.web.port, '/health/liveness')).toMatch(/^HTTP\/1\.[01] 200/);
  }, 120_000);
});


/** A quantity the renderer wrote, in bytes (the project's own parser). */
function quantityBytes(q: string): number {
  const n = parseQuantity(q);
  if (n === undefined) throw new Error(`unexpected quantity ${q}`);
  return n;
}

describe('ephemeral storage on the real node', () => {
  it("a pod that writes past its rendered emptyDir sizeLimit is evicted, and the event says which volume and limit", async () => {
    // The web pod's template as railyard rendered and deployed it: its emptyDirs with their
    // sizeLimits, its container's ephemeral-storage request and limit, its security context.
    const dep = await kubectlJson(kubeconfig, ['get', 'deployment', 'rails-server', '-n', NS]);
    const spec = dep.spec.template.spec;
    const app = spec.containers[0];
    const tmpMount = app.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
    const tmpVolume = spec.volumes.find((v: { name: string }) => v.name === tmpMount.name);
    expect(tmpVolume.emptyDir.sizeLimit, 'the rendered /tmp emptyDir has a sizeLimit').toBeDefined();
    const limit = quantityBytes(tmpVolume.emptyDir.sizeLimit);
    expect(quantityBytes(app.resources.limits['ephemeral-storage'])).toBeGreaterThan(limit + (32 << 20));
    const emptyDirs = spec.volumes.filter((v: { emptyDir?: unknown }) => v.emptyDir);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'fills-tmp', namespace: NS, labels: { 'railyard.dev/e2e-role': 'fills-tmp' } },
      spec: {
        ...REAL_NODE_SCHEDULING,
        terminationGracePeriodSeconds: 1,
        automountServiceAccountToken: false,
        securityContext: spec.securityContext,
        volumes: emptyDirs,
        containers: [
          {
            name: 'app',
            image: app.image,
            imagePullPolicy: 'Never',
            // 32 MiB past the limit, then wait to be evicted.
            command: ['sh', '-c', `head -c ${limit + (32 << 20)} /dev/zero > /tmp/fill && echo written && sleep 600`],
            resources: app.resources,
            securityContext: app.securityContext,
            volumeMounts: app.volumeMounts.filter((m: { name: string }) => emptyDirs.some((v: { name: string }) => v.name === m.name)),
          },
        ],
      },
    };
    expect((await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(pod))).code).toBe(0);
    const t0 = Date.now();
    // The kubelet measures emptyDir usage every volumeStatsAggPeriod (1 min by default), then evicts.
    const evicted = await waitUntil('the pod to be evicted', 300_000, async () => {
      const p = await kubectlJson(kubeconfig, ['get', 'pod', 'fills-tmp', '-n', NS]);
      return p.status?.reason === 'Evicted' ? p : undefined;
    }, 2000);
    results.evictedAfterMs = Date.now() - t0;
    expect(evicted.status.phase).toBe('Failed');
    expect(evicted.status.message).toMatch(new RegExp(`^Usage of EmptyDir volume "${tmpVolume.name}" exceeds the limit "${tmpVolume.emptyDir.sizeLimit}"\\.\\s*$`));
    const events = await kubectlJson(kubeconfig, ['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=fills-tmp,reason=Evicted']);
    expect(events.items.map((e: { message: string }) => e.message)).toContain(evicted.status.message);
    console.log(`evicted ${results.evictedAfterMs} ms after creation: ${evicted.status.message}`);
    await kubectl(kubeconfig, ['delete', 'pod', 'fills-tmp', '-n', NS, '--wait=false']);
  }, 360_000);
});
