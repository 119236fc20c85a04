// Logs shipped for real: the Fluent Bit DaemonSet railyard renders, running
// Fluent Bit 5.1.1 built from ../shared/vendor (mk/fluentbit.mk) on the real
// node, tailing the kubelet's CRI log files and posting json_lines over
// verified TLS to a stand-in Logz.io listener on the host (10.245.0.1).
//
// Writers are bare Pods (restartPolicy Never) from the debootstrap base image
// that print sequence-numbered JSON lines: a Pod writes each line exactly once,
// so "lost" and "duplicated" are exact counts. The tests run in order on one
// DaemonSet, like the outages they stand for.
//
// What the test adds to the rendered objects, and why: the cluster has no DNS
// and its API server listens on 127.0.0.1 only (docs/CLUSTER.md), so the
// DaemonSet gets `hostAliases` naming the listener's regional host name and
// kubernetes.default.svc, both at the node's bridge address, where this test
// serves the listener and a TCP relay to the API server. Names, ports, TLS
// verification and the config are the rendered ones.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { App } from '../../../src/config/schema.js';
import { renderManifests } from '../../../src/render/kubernetes/index.js';
import { startLogzioListener, type LogzioListener } from '../../support/logzio-listener.js';
import { kubectl, kubectlJson, requireCluster, ROOT, tempDir } from '../cluster/support.js';
import { requirePodman } from '../containers/podman.js';
import { buildFluentBitImage } from './fluent-bit.js';
import { percentile } from './load.js';
import { ctr, importImages, NODE_IP, NODE_NAME, REAL_NODE_SCHEDULING, requireRealNode, sleep, waitUntil } from './support.js';

const NS = 'e2e-logs';
const LOG_NS = 'e2e-logs-logging';
const OTHER_NS = 'e2e-logs-other';
/** A regional listener: the model's `logzio.listener`, resolved to the host by the pod's hostAliases. */
const LISTENER_HOST = 'listener-eu.logz.io';
const LOG_TYPE = 'railyard-e2e';
/** Where the rendered DaemonSet keeps tail offsets and chunks (a hostPath on this machine). */
const STATE_DIR = '/var/fluent-bit/state';
const RESULTS = join(ROOT, '.cache/logship-results.json');

let kubeconfig: string;
let listener: LogzioListener;
let relay: Server;
let baseImage: string;
let fbImage: string;
let app: App;
const token = randomBytes(18).toString('hex');
const appSecret = randomBytes(18).toString('hex');
const results: Record<string, unknown> = {};
const relaySockets = new Set<Socket>();

// ---------------------------------------------------------------- helpers

async function must(args: string[], input?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const apply = (objects: object[]) => must(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

/** The API server's port, from the admin kubeconfig (it listens on 127.0.0.1 only). */
function apiServerPort(): number {
  const m = /server:\s*https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(kubeconfig, 'utf8'));
  if (!m) throw new Error(`no https://127.0.0.1:PORT server in ${kubeconfig}`);
  return Number(m[1]);
}

/** kubernetes.default.svc:443 for the pod: a TCP relay on the bridge address to the API server (TLS passes through). */
function startApiRelay(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port });
      for (const sock of [client, upstream]) {
        relaySockets.add(sock);
        sock.on('close', () => relaySockets.delete(sock));
        sock.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    s.once('error', reject);
    s.listen(443, NODE_IP, () => resolve(s));
  });
}

interface Writer {
  name: string;
  namespace?: string;
  run: string;
  count: number;
  /** Sleep 0.1 s after every `batch` lines (0: as fast as bash prints). */
  batch?: number;
  /** Characters of padding per line (rotation needs volume). */
  pad?: number;
}

/** A Pod that prints `count` JSON lines `{"run", "seq", …}` once and exits. */
function writerPod(w: Writer): object {
  const script = [
    'pad=$(printf "%*s" "$PAD" "" | tr " " x)',
    'for ((i=1; i<=COUNT; i++)); do',
    '  printf \'{"run":"%s","seq":%d,"level":"info","msg":"line %d of %d","pad":"%s"}\\n\' "$RUN" "$i" "$i" "$COUNT" "$pad"',
    '  if ((BATCH > 0 && i % BATCH == 0)); then sleep 0.1; fi',
    'done',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: w.name, namespace: w.namespace ?? NS, labels: { 'app.kubernetes.io/name': 'log-writer', run: w.run } },
    spec: {
      restartPolicy: 'Never',
      ...REAL_NODE_SCHEDULING,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'writer',
          image: baseImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['bash', '-c', script],
          env: [
            { name: 'RUN', value: w.run },
            { name: 'COUNT', value: String(w.count) },
            { name: 'BATCH', value: String(w.batch ?? 0) },
            { name: 'PAD', value: String(w.pad ?? 0) },
            // A secret the app has but never prints: it must never reach the listener.
            { name: 'APP_SECRET', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'APP_SECRET' } } },
          ],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '1000m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

async function startWriter(w: Writer): Promise<void> {
  await apply([writerPod(w)]);
}

async function writerDone(w: Writer, timeoutMs = 180_000): Promise<void> {
  await waitUntil(`writer ${w.name} to finish`, timeoutMs, async () => {
    const p = await kubectlJson<any>(kubeconfig, ['get', 'pod', w.name, '-n', w.namespace ?? NS]);
    if (p.status?.phase === 'Failed') throw new Error(`writer ${w.name} failed: ${JSON.stringify(p.status.containerStatuses)}`);
    return p.status?.phase === 'Succeeded' ? true : undefined;
  });
}

function linesOf(run: string): Record<string, any>[] {
  return listener.lines.filter((l) => l.run === run);
}

interface Tally {
  received: number;
  distinct: number;
  lost: number;
  duplicated: number;
  maxCopies: number;
}

function tally(run: string, count: number): Tally {
  const copies = new Map<number, number>();
  for (const l of linesOf(run)) copies.set(l.seq, (copies.get(l.seq) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  let maxCopies = 0;
  for (let i = 1; i <= count; i++) {
    const c = copies.get(i) ?? 0;
    if (c === 0) lost++;
    duplicated += Math.max(0, c - 1);
    maxCopies = Math.max(maxCopies, c);
  }
  return { received: linesOf(run).length, distinct: copies.size, lost, duplicated, maxCopies };
}

/** Waits until every line of `run` has arrived, then a settle time for late duplicates. */
async function delivered(run: string, count: number, timeoutMs: number, settleMs = 5_000): Promise<Tally> {
  await waitUntil(`${count} lines of ${run} at the listener`, timeoutMs, async () => (tally(run, count).lost === 0 ? true : undefined), 500).catch((e) => {
    throw new Error(`${(e as Error).message}; ${JSON.stringify(tally(run, count))}; refused: ${JSON.stringify(listener.refused.slice(-5))}`);
  });
  await sleep(settleMs);
  return tally(run, count);
}

async function fluentBitPod(): Promise<{ name: string; uid: string; ready: boolean; containerId: string }> {
  const list = await kubectlJson<{ items: any[] }>(kubeconfig, ['get', 'pods', '-n', LOG_NS, '-l', 'app=fluent-bit']);
  const live = list.items.filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName === NODE_NAME);
  if (live.length !== 1) throw new Error(`expected one fluent-bit pod on ${NODE_NAME}, found ${live.length}`);
  const p = live[0];
  return {
    name: p.metadata.name,
    uid: p.metadata.uid,
    ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
    containerId: (p.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, ''),
  };
}

function fluentBitReady(timeoutMs = 180_000) {
  return waitUntil('a Ready fluent-bit pod on the real node', timeoutMs, async () => {
    const p = await fluentBitPod();
    return p.ready && p.containerId ? p : undefined;
  });
}

/** The host PID of a container (its task in the node's containerd). */
async function taskPid(containerId: string): Promise<number> {
  const { stdout } = await ctr(['tasks', 'ls']);
  const line = stdout.split('\n').find((l) => l.startsWith(containerId));
  if (!line) throw new Error(`no containerd task ${containerId}`);
  return Number(line.trim().split(/\s+/)[1]);
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** User + system CPU seconds a process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function recordResult(key: string, value: unknown): void {
  results[key] = value;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(), ...results }, null, 2));
  console.log(`[logship] ${key}: ${JSON.stringify(value)}`);
}

async function deleteNamespaces(): Promise<void> {
  await kubectl(kubeconfig, ['delete', 'namespace', NS, LOG_NS, OTHER_NS, '--ignore-not-found', '--wait=true', '--timeout=120s']);
  await kubectl(kubeconfig, ['delete', 'clusterrole,clusterrolebinding', 'fluent-bit', '--ignore-not-found']);
}

// ---------------------------------------------------------------- setup

beforeAll(async () => {
  kubeconfig = await requireCluster();
  await requireRealNode(kubeconfig);
  baseImage = requirePodman();
  await deleteNamespaces();
  // Offsets and chunks of an earlier run would make this one skip or resend lines.
  rmSync(STATE_DIR, { recursive: true, force: true });

  listener = await startLogzioListener({ hostName: LISTENER_HOST, bindAddress: NODE_IP, token, dir: join(tempDir('logzio'), 'tls') });
  relay = await startApiRelay(apiServerPort());

  const { app: storecove } = await loadConfig(join(ROOT, 'examples/storecove'));
  const fb = storecove.logging.fluentBit!;
  app = App.parse({
    ...storecove,
    namespace: NS,
    secrets: storecove.secrets.map((s) => (s.name === fb.logzio.tokenSecret.name ? { ...s, namespace: LOG_NS } : s)),
    logging: {
      fluentBit: {
        ...fb,
        namespace: LOG_NS,
        scheduling: REAL_NODE_SCHEDULING,
        logzio: { ...fb.logzio, listener: LISTENER_HOST, port: listener.port, type: LOG_TYPE, ca: listener.caPem },
      },
    },
  });
  const files = renderManifests(app, { imageTag: 'logship0000000' });
  const objects = (path: string) => files.find((f) => f.path === path)!.objects as any[];
  const logging = objects('k8s/logging/fluent-bit.yaml');
  const ds = logging.find((o) => o.kind === 'DaemonSet');
  fbImage = ds.spec.template.spec.containers[0].image;
  expect(fbImage).toBe('cr.fluentbit.io/fluent/fluent-bit:5.1.1');
  ds.spec.template.spec.hostAliases = [{ ip: NODE_IP, hostnames: [LISTENER_HOST, 'kubernetes.default.svc'] }];

  const { buildMs, libraries } = await buildFluentBitImage(fbImage, baseImage);
  recordResult('imageBuild', { ms: Math.round(buildMs), libraries });
  const t0 = performance.now();
  await importImages([fbImage, baseImage]);
  recordResult('imageImport', { ms: Math.round(performance.now() - t0) });

  await apply(objects('k8s/namespaces.yaml'));
  await apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: OTHER_NS } }]);
  // Secrets through stdin, never argv.
  const secret = (namespace: string, name: string, key: string, value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { [key]: value } });
  await apply([
    secret(LOG_NS, fb.logzio.tokenSecret.name, fb.logzio.tokenSecret.key, token),
    secret(NS, 'app-secret', 'APP_SECRET', appSecret),
    secret(OTHER_NS, 'app-secret', 'APP_SECRET', appSecret),
  ]);
  await apply(logging);
  await fluentBitReady();
}, 1_200_000);

afterAll(async () => {
  if (kubeconfig) await deleteNamespaces();
  await listener?.close();
  for (const s of relaySockets) s.destroy();
  await new Promise<void>((r) => (relay ? relay.close(() => r()) : r()));
  rmSync(STATE_DIR, { recursive: true, force: true });
  if (existsSync('/var/fluent-bit') && readdirSync('/var/fluent-bit').length === 0) rmSync('/var/fluent-bit', { recursive: true, force: true });
}, 300_000);

// ---------------------------------------------------------------- tests

describe('log shipping: rendered Fluent Bit DaemonSet on the real node to a stand-in Logz.io', () => {
  it('1. delivers every line exactly once, with kubernetes metadata, merged JSON fields and @timestamp (N = 10,000)', async () => {
    const w: Writer = { name: 'writer-delivery', run: 'delivery', count: 10_000 };
    const t0 = Date.now();
    await startWriter(w);
    const t = await delivered(w.run, w.count, 180_000);
    const elapsed = Date.now() - t0;
    expect(t).toEqual({ received: w.count, distinct: w.count, lost: 0, duplicated: 0, maxCopies: 1 });
    for (const l of linesOf(w.run)) {
      expect(l.kubernetes?.namespace_name).toBe(NS);
      expect(l.kubernetes?.pod_name).toBe(w.name);
      expect(l.kubernetes?.container_name).toBe('writer');
      // Merge_Log lifted the app's JSON to the top level; Keep_Log Off dropped the string.
      expect(typeof l.seq).toBe('number');
      expect(l.level).toBe('info');
      expect(l.log).toBeUndefined();
      expect(l['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    // The timestamp is when the line was written (the CRI time), not when it was shipped.
    const stamps = linesOf(w.run).map((l) => Date.parse(l['@timestamp']));
    expect(Math.min(...stamps)).toBeGreaterThanOrEqual(t0 - 5_000);
    expect(Math.max(...stamps)).toBeLessThanOrEqual(Date.now());
    expect([...listener.types]).toEqual([LOG_TYPE]);
    await writerDone(w);
    recordResult('delivery', { lines: w.count, ...t, msFromPodCreateToLastLine: elapsed - 5_000 });
  }, 300_000);

  it("6. ships only the app's namespace: another namespace's lines never arrive", async () => {
    const other: Writer = { name: 'writer-other', namespace: OTHER_NS, run: 'other', count: 2_000 };
    const mine: Writer = { name: 'writer-beside-other', run: 'beside-other', count: 2_000 };
    await Promise.all([startWriter(other), startWriter(mine)]);
    await writerDone(other);
    // The app-namespace writer's lines arriving proves Fluent Bit was reading
    // while the other one wrote; a further refresh interval (5 s) and flush pass.
    const t = await delivered(mine.run, mine.count, 120_000, 12_000);
    expect(t.lost).toBe(0);
    expect(linesOf(other.run)).toEqual([]);
    expect(listener.lines.filter((l) => l.kubernetes?.namespace_name !== NS)).toEqual([]);
    // Fluent Bit's own lines (its namespace) are not shipped either.
    expect(listener.lines.filter((l) => l.kubernetes?.namespace_name === LOG_NS)).toEqual([]);
  }, 300_000);

  it('3. listener down for 60 s: lines written meanwhile arrive after it returns (filesystem buffer + retry), 0 lost', async () => {
    const w: Writer = { name: 'writer-outage', run: 'outage', count: 6_000, batch: 10 };
    await listener.stop();
    const down = Date.now();
    await startWriter(w);
    await sleep(60_000);
    const sentWhileDown = linesOf(w.run).length;
    await listener.start();
    const back = Date.now();
    const t = await delivered(w.run, w.count, 300_000);
    const recovered = Date.now() - 5_000 - back;
    expect(sentWhileDown).toBe(0);
    expect(t.lost).toBe(0);
    // scheduler.cap 30 bounds each retry wait: everything is in within a minute
    // of the listener's return (Fluent Bit's default cap, 2000 s, took 131 s here).
    expect(recovered).toBeLessThan(60_000);
    await writerDone(w);
    recordResult('outage', { lines: w.count, downMs: back - down, ...t, msFromListenerBackToLastLine: recovered });
  }, 600_000);

  it('4. Fluent Bit pod deleted and recreated mid-stream: tail offsets hold, 0 lost, duplicates within at-least-once', async () => {
    const w: Writer = { name: 'writer-restart', run: 'restart', count: 20_000, batch: 100 };
    const before = await fluentBitPod();
    await startWriter(w);
    await waitUntil('the restart writer to be half-way', 120_000, async () => (linesOf(w.run).length >= w.count / 4 ? true : undefined), 200);
    const atDelete = linesOf(w.run).length;
    await must(['delete', 'pod', before.name, '-n', LOG_NS, '--wait=false']);
    const after = await fluentBitReady();
    expect(after.uid).not.toBe(before.uid);
    const t = await delivered(w.run, w.count, 300_000, 10_000);
    await writerDone(w);
    // At-least-once: Fluent Bit records a tail offset once the lines are in a
    // chunk, and deletes a chunk only after the listener's 2xx. A restart can
    // resend chunks that were in flight, never skip lines. One restart: a line
    // arrives at most twice.
    expect(t.lost).toBe(0);
    expect(t.maxCopies).toBeLessThanOrEqual(2);
    recordResult('restart', { lines: w.count, receivedAtDelete: atDelete, ...t });
  }, 600_000);

  it('5. kubelet log rotation (1Mi, checked every 3 s): 0 lost across rotations', async () => {
    const w: Writer = { name: 'writer-rotation', run: 'rotation', count: 40_000, batch: 200, pad: 160 };
    await startWriter(w);
    const pod = await kubectlJson<any>(kubeconfig, ['get', 'pod', w.name, '-n', NS]);
    const dir = `/var/log/pods/${NS}_${w.name}_${pod.metadata.uid}/writer`;
    const rotated = new Set<string>();
    const watch = setInterval(() => {
      try {
        for (const f of readdirSync(dir)) if (/^0\.log\.\d/.test(f)) rotated.add(f.replace(/\.gz$/, ''));
      } catch {
        // not created yet
      }
    }, 250);
    try {
      await writerDone(w, 300_000);
      const t = await delivered(w.run, w.count, 300_000);
      expect(rotated.size, `rotated files seen in ${dir}`).toBeGreaterThanOrEqual(3);
      expect(t.lost).toBe(0);
      expect(t.duplicated).toBe(0);
      recordResult('rotation', { lines: w.count, rotations: rotated.size, ...t });
    } finally {
      clearInterval(watch);
    }
  }, 600_000);

  it('7. throughput: lines per second end to end at one node, with Fluent Bit CPU and RSS in the same run', async () => {
    // Offered at up to 3,000 lines/s (300 lines, then 0.1 s), about 330 KB/s: the
    // kubelet rotates every 3-4 s. Unbounded (bash alone printed about 10,000
    // lines/s, 1.4 MB/s), Fluent Bit at its 500m CPU limit fell behind by more
    // than a rotation and whole rotated files were never read (docs/PERFORMANCE.md).
    const w: Writer = { name: 'writer-throughput', run: 'throughput', count: 60_000, batch: 300 };
    const fb = await fluentBitPod();
    const pid = await taskPid(fb.containerId);
    const cpu0 = cpuSeconds(pid);
    const rss: number[] = [];
    const sample = setInterval(() => rss.push(rssKiB(pid, 'VmRSS')), 250);
    const t0 = Date.now();
    try {
      await startWriter(w);
      await delivered(w.run, w.count, 300_000, 0);
    } finally {
      clearInterval(sample);
    }
    const tEnd = Date.now();
    const cpu = cpuSeconds(pid) - cpu0;
    const hwm = rssKiB(pid, 'VmHWM');
    await sleep(5_000);
    const t = tally(w.run, w.count);
    expect(t.lost).toBe(0);
    expect(t.duplicated).toBe(0);
    const stamps = linesOf(w.run).map((l) => Date.parse(l['@timestamp']));
    const firstWritten = Math.min(...stamps);
    const lastWritten = Math.max(...stamps);
    const lastArrived = Math.max(...listener.arrivals.filter((_, i) => listener.lines[i]!.run === w.run));
    const seconds = (lastArrived - firstWritten) / 1000;
    const figure = {
      lines: w.count,
      linesPerSecond: Math.round(w.count / seconds),
      endToEndSeconds: Number(seconds.toFixed(2)),
      writeSeconds: Number(((lastWritten - firstWritten) / 1000).toFixed(2)),
      lagAfterLastWriteSeconds: Number(((lastArrived - lastWritten) / 1000).toFixed(2)),
      fluentBitCpuSeconds: Number(cpu.toFixed(2)),
      fluentBitCpuCores: Number((cpu / ((tEnd - t0) / 1000)).toFixed(2)),
      fluentBitRssMiBMedian: Number((percentile(rss, 50) / 1024).toFixed(1)),
      fluentBitRssMiBMax: Number((Math.max(...rss) / 1024).toFixed(1)),
      fluentBitRssHighWaterMiB: Number((hwm / 1024).toFixed(1)),
      cpuLimit: app.logging.fluentBit!.resources.limits.cpu,
      ...t,
    };
    // Fluent Bit kept up with the writer: the last line was in soon after it was written.
    expect(lastArrived - lastWritten).toBeLessThan(15_000);
    expect(figure.linesPerSecond).toBeGreaterThan(0);
    recordResult('throughput', figure);
  }, 600_000);

  it('2. no secret value in anything the listener received (token, the app secret), outages and restarts included', () => {
    expect(listener.bodies.length).toBeGreaterThan(0);
    const all = listener.bodies.join('\n');
    expect(all.includes(token), 'the Logz.io token reached the listener in a body').toBe(false);
    expect(all.includes(appSecret), 'the app secret reached the listener').toBe(false);
    // The token only ever travels as the query parameter, and a wrong one is refused.
    expect(listener.refused.filter((r) => r.reason === 'token')).toEqual([]);
  });
});
