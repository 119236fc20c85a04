// A bounded request loop for the rolling-deploy tests. It only ever targets
// loopback, the local cluster's Service range or the real node's pod subnet
// (network namespaces this machine's kubelet made), and stops by itself after
// maxRequests or maxMs, whichever comes first.
import { request } from 'node:http';

const ALLOWED = [
  { net: [127, 0, 0, 0], bits: 8 }, // loopback
  { net: [10, 96, 0, 0], bits: 16 }, // the cluster's Service range (kube-apiserver --service-cluster-ip-range)
  { net: [10, 245, 0, 0], bits: 24 }, // the real node's bridge and pods (scripts/cluster/node.sh)
];

export function isLocalClusterAddress(host: string): boolean {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const ip = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  return ALLOWED.some(({ net, bits }) => {
    const n = ((net[0]! << 24) | (net[1]! << 16) | (net[2]! << 8) | net[3]!) >>> 0;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (ip & mask) === (n & mask);
  });
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** Failure reasons (status code or error code) and their counts. */
  errors: Record<string, number>;
  /** Milliseconds, one per answered request, in send order. */
  latencies: number[];
  durationMs: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Sends GET requests at `ratePerSecond`, each on a new connection (so each one
 * goes through the Service's current endpoints), until stop() or a bound.
 */
export function startLoad(url: string, opts: { ratePerSecond: number; maxRequests: number; maxMs: number; timeoutMs?: number }) {
  const u = new URL(url);
  if (u.protocol !== 'http:' || !isLocalClusterAddress(u.hostname)) throw new Error(`refusing to send load to ${url}: only loopback and the local cluster's own addresses`);
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: {}, latencies: [], durationMs: 0 };
  const started = Date.now();
  const inflight = new Set<Promise<void>>();
  const fail = (why: string) => {
    result.failed++;
    result.errors[why] = (result.errors[why] ?? 0) + 1;
  };
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(url, { agent: false, timeout: opts.timeoutMs ?? 10_000, headers: { connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            result.ok++;
            result.latencies.push(performance.now() - t0);
          } else fail(`HTTP ${res.statusCode}`);
          resolve();
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          fail(e.code ?? e.message);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        fail(e.code ?? e.message);
        resolve();
      });
      req.end();
    });
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || result.sent >= opts.maxRequests || Date.now() - started >= opts.maxMs) {
      clearInterval(timer);
      stopped = true;
      return;
    }
    result.sent++;
    const p = one().finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / opts.ratePerSecond);
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inflight]);
      result.durationMs = Date.now() - started;
      return result;
    },
  };
}
