// The capacity view's numbers: every workload at its smallest and largest scale,
// summed and set against the node pool and the database's max_connections. The
// per-workload figures are check's (src/check/capacity.ts), the same ones the
// budget rules judge.
import type { App } from '../config/schema.js';
import { workloadBudgets, railsMemory, type PodResources } from '../check/capacity.js';
import { parseQuantity } from '../check/rules/apiserver.js';
import type { CheckContext } from '../check/types.js';

export interface Amounts {
  /** Cores. */
  cpuRequest: number;
  cpuLimit: number;
  /** Bytes. */
  memoryRequest: number;
  memoryLimit: number;
  processes: number;
  connections: number;
  pods: number;
}

export interface CapacityRow {
  kind: string;
  name: string;
  namespace: string;
  role: 'web' | 'worker' | 'consumer' | 'cron' | 'other';
  perPod: PodResources & { processes: number; connections: number; railsMemory?: number };
  min: Amounts;
  max: Amounts;
}

export interface NodePool {
  name?: string;
  nodes: number;
  /** Per node: cores and bytes. */
  cpu: number;
  memory: number;
}

/** Something that does not fit, with the numbers. */
export interface Shortfall {
  what: 'cpu' | 'memory' | 'connections' | 'pod' | 'rails-memory';
  at: 'min' | 'max' | 'pod';
  subject: string;
  need: number;
  have: number;
  message: string;
}

export interface Capacity {
  rows: CapacityRow[];
  total: { min: Amounts; max: Amounts };
  pool?: NodePool;
  maxConnections: number;
  processRssMiB: number;
  shortfalls: Shortfall[];
}

const GiB = 2 ** 30;
export const gib = (bytes: number) => `${(bytes / GiB).toFixed(bytes % GiB === 0 ? 0 : 1)} GiB`;
export const cores = (n: number) => `${Number(n.toFixed(2))} cores`;

function zero(): Amounts {
  return { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0, processes: 0, connections: 0, pods: 0 };
}

export function capacity(app: App, ctx: CheckContext): Capacity {
  const pool: NodePool | undefined = app.nodePool ? { ...(app.nodePool.name ? { name: app.nodePool.name } : {}), nodes: app.nodePool.nodes, cpu: parseQuantity(app.nodePool.cpu)!, memory: parseQuantity(app.nodePool.memory)! } : undefined;
  const rows: CapacityRow[] = workloadBudgets(ctx, pool ? { nodes: pool.nodes } : {}).map((b) => {
    const at = (pods: number): Amounts => ({
      pods,
      cpuRequest: pods * b.perPod.cpuRequest,
      cpuLimit: pods * b.perPod.cpuLimit,
      memoryRequest: pods * b.perPod.memoryRequest,
      memoryLimit: pods * b.perPod.memoryLimit,
      processes: pods * b.processes,
      connections: pods * b.connectionsPerPod,
    });
    const role = b.role.kind;
    return {
      kind: b.kind,
      name: b.name,
      namespace: b.namespace,
      role,
      perPod: { ...b.perPod, processes: b.processes, connections: b.connectionsPerPod, ...(role === 'worker' ? { railsMemory: railsMemory(b.processes, ctx.options.processRssMiB) } : {}) },
      min: at(b.pods.min),
      max: at(b.pods.max),
    };
  });
  const total = { min: zero(), max: zero() };
  for (const r of rows) {
    for (const k of Object.keys(total.min) as (keyof Amounts)[]) {
      total.min[k] += r.min[k];
      total.max[k] += r.max[k];
    }
  }
  const shortfalls: Shortfall[] = [];
  const maxConnections = ctx.options.maxConnections;
  for (const at of ['min', 'max'] as const) {
    const scale = at === 'min' ? 'the smallest scale' : 'the largest scale';
    if (total[at].connections > maxConnections) {
      shortfalls.push({ what: 'connections', at, subject: 'database', need: total[at].connections, have: maxConnections, message: `${total[at].connections} database connections at ${scale}, ${total[at].connections - maxConnections} over max_connections ${maxConnections}` });
    }
    if (!pool) continue;
    const cpu = pool.nodes * pool.cpu;
    const mem = pool.nodes * pool.memory;
    if (total[at].cpuRequest > cpu + 1e-9) shortfalls.push({ what: 'cpu', at, subject: 'node pool', need: total[at].cpuRequest, have: cpu, message: `CPU requests at ${scale} are ${cores(total[at].cpuRequest)}, ${cores(total[at].cpuRequest - cpu)} more than the ${pool.nodes} nodes offer (${cores(cpu)})` });
    if (total[at].memoryRequest > mem) shortfalls.push({ what: 'memory', at, subject: 'node pool', need: total[at].memoryRequest, have: mem, message: `memory requests at ${scale} are ${gib(total[at].memoryRequest)}, ${gib(total[at].memoryRequest - mem)} more than the ${pool.nodes} nodes offer (${gib(mem)})` });
  }
  for (const r of rows) {
    if (pool && r.max.pods > 0 && (r.perPod.cpuRequest > pool.cpu + 1e-9 || r.perPod.memoryRequest > pool.memory)) {
      const cpuOver = r.perPod.cpuRequest > pool.cpu + 1e-9;
      shortfalls.push({
        what: 'pod',
        at: 'pod',
        subject: `${r.kind}/${r.name}`,
        need: cpuOver ? r.perPod.cpuRequest : r.perPod.memoryRequest,
        have: cpuOver ? pool.cpu : pool.memory,
        message: cpuOver ? `one ${r.name} pod requests ${cores(r.perPod.cpuRequest)}; a node offers ${cores(pool.cpu)}, so it can never be scheduled` : `one ${r.name} pod requests ${gib(r.perPod.memoryRequest)}; a node offers ${gib(pool.memory)}, so it can never be scheduled`,
      });
    }
    if (r.perPod.railsMemory !== undefined && r.perPod.railsMemory > r.perPod.memoryLimit && r.perPod.memoryLimit > 0) {
      shortfalls.push({ what: 'rails-memory', at: 'pod', subject: `${r.kind}/${r.name}`, need: r.perPod.railsMemory, have: r.perPod.memoryLimit, message: `${r.perPod.processes} Rails processes × ${ctx.options.processRssMiB} MiB = ${gib(r.perPod.railsMemory)}, above the ${gib(r.perPod.memoryLimit)} limit of one ${r.name} pod` });
    }
  }
  return { rows, total, ...(pool ? { pool } : {}), maxConnections, processRssMiB: ctx.options.processRssMiB, shortfalls };
}
