// The summary `railyard synth` prints: one row per thing that runs.
import type { App } from '../config/schema.js';
import { countProcesses } from '../config/pools.js';
import { workerProcessTarget } from './kubernetes/workers.js';

export interface SummaryRow {
  component: string;
  kind: string;
  replicas: string;
  cpu: string;
  memory: string;
  port: string;
  processes: string;
  schedule: string;
}

const range = (r: { min: number; max: number }) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`);
const pair = (req: string, lim: string) => `${req}/${lim}`;

export function summarize(app: App): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const w = app.web;
  rows.push({
    component: w.name,
    kind: 'Deployment+HPA',
    replicas: range(w.replicas),
    cpu: pair(w.resources.requests.cpu, w.resources.limits.cpu),
    memory: pair(w.resources.requests.memory, w.resources.limits.memory),
    port: String(w.port),
    processes: `1 (puma, ${w.threads.max} threads)`,
    schedule: '',
  });
  for (const wk of Object.values(app.workers)) {
    rows.push({
      component: wk.name,
      kind: 'Deployment',
      replicas: range(wk.replicas),
      cpu: pair(wk.resources.requests.cpu, wk.resources.limits.cpu),
      memory: pair(wk.resources.requests.memory, wk.resources.limits.memory),
      port: String(wk.healthPort),
      processes: `${countProcesses(wk.pools)} (${wk.pools.length} pools, ${workerProcessTarget(wk)})`,
      schedule: '',
    });
  }
  for (const c of Object.values(app.consumers)) {
    rows.push({
      component: c.name,
      kind: 'Deployment',
      replicas: range(c.replicas),
      cpu: pair(c.resources.requests.cpu, c.resources.limits.cpu),
      memory: pair(c.resources.requests.memory, c.resources.limits.memory),
      port: String(c.healthPort),
      processes: '1 (racecar)',
      schedule: '',
    });
  }
  for (const t of app.cron.tasks) {
    const r = t.resources ?? app.cron.defaults.resources;
    rows.push({ component: t.name, kind: 'CronJob', replicas: '', cpu: pair(r.requests.cpu, r.limits.cpu), memory: pair(r.requests.memory, r.limits.memory), port: '', processes: '1', schedule: t.schedule });
  }
  const fb = app.logging.fluentBit;
  if (fb) rows.push({ component: 'fluent-bit', kind: 'DaemonSet', replicas: 'per node', cpu: pair(fb.resources.requests.cpu, fb.resources.limits.cpu), memory: pair(fb.resources.requests.memory, fb.resources.limits.memory), port: '2020', processes: '1', schedule: '' });
  return rows;
}

export const SUMMARY_HEADERS: Record<keyof SummaryRow, string> = {
  component: 'COMPONENT',
  kind: 'KIND',
  replicas: 'REPLICAS',
  cpu: 'CPU req/lim',
  memory: 'MEMORY req/lim',
  port: 'PORT',
  processes: 'PROCESSES/POD',
  schedule: 'SCHEDULE',
};

export function formatTable(rows: readonly SummaryRow[]): string {
  const keys = Object.keys(SUMMARY_HEADERS) as (keyof SummaryRow)[];
  const widths = keys.map((k) => Math.max(SUMMARY_HEADERS[k].length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(keys.map((k) => SUMMARY_HEADERS[k])), ...rows.map((r) => line(keys.map((k) => r[k])))].join('\n') + '\n';
}
