// The report's data and its HTML. Capacity figures for the Storecove example are
// worked out by hand from examples/storecove/railyard.config.ts; the connection total
// is also the one check's db-connections-budget rule reports.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildReport } from '../../src/report/index.js';
import { cellTitle, esc, renderHtml, stackedBar } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { checkApp } from '../../src/check/app.js';
import type { CapacityRow } from '../../src/report/capacity.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const { app } = await loadConfig('examples/storecove');
const report = buildReport(app, { weekStart: '2026-11-30' });

describe('capacity of the Storecove example, by hand', () => {
  const c = report.capacity;
  const row = (name: string) => c.rows.find((r) => r.name === name)!;

  it('per component at minimum and maximum scale', () => {
    // web: 2-10 replicas × (500m, 1Gi) requests, 5 Puma threads = 5 connections a pod.
    expect(row('rails-server').min).toEqual({ pods: 2, cpuRequest: 1, cpuLimit: 4, memoryRequest: 2 * GiB, memoryLimit: 8 * GiB, processes: 2, connections: 10 });
    expect(row('rails-server').max).toEqual({ pods: 10, cpuRequest: 5, cpuLimit: 20, memoryRequest: 10 * GiB, memoryLimit: 40 * GiB, processes: 10, connections: 50 });
    // worker-primary: 11 processes (1+4+2+1+1+2), 12 connections a pod (+1 health check), 3584Mi.
    expect(row('worker-primary').max).toEqual({ pods: 5, cpuRequest: 1.25, cpuLimit: 5, memoryRequest: 5 * 3584 * MiB, memoryLimit: 5 * 3584 * MiB, processes: 55, connections: 60 });
    expect(row('worker-primary').perPod.railsMemory).toBe(11 * 300 * MiB);
    // worker-secondary: 44 processes, 45 connections, 13Gi.
    expect(row('worker-secondary').max).toEqual({ pods: 5, cpuRequest: 1.25, cpuLimit: 10, memoryRequest: 65 * GiB, memoryLimit: 65 * GiB, processes: 220, connections: 225 });
    expect(row('kafka-new-document').max).toMatchObject({ pods: 3, connections: 3, processes: 3 });
    // A Forbid CronJob: no pod at rest, one run at most.
    expect(row('email-worker').min).toMatchObject({ pods: 0, connections: 0 });
    expect(row('email-worker').max).toMatchObject({ pods: 1, connections: 1, cpuRequest: 0.1, memoryRequest: 256 * MiB });
    // Fluent Bit: one pod on each of the 3 nodes of the pool.
    expect(row('fluent-bit').max).toMatchObject({ pods: 3, memoryRequest: 3 * 64 * MiB, connections: 0 });
    expect(row('fluent-bit').max.cpuRequest).toBeCloseTo(0.15, 9);
  });

  it('totals against the pool and max_connections', () => {
    // 50 + 60 + 225 + 3 × 3 + 16 CronJobs = 360 at peak; 10 + 24 + 90 + 3 = 127 at rest.
    expect(c.total.max.connections).toBe(360);
    expect(c.total.min.connections).toBe(127);
    expect(c.total.max.processes).toBe(10 + 55 + 220 + 9 + 16);
    // CPU: 5 + 1.25 + 1.25 + 0.9 + 16 × 0.1 + 3 × 0.05 + the migration Job's 0.5 = 10.65 cores.
    expect(c.total.max.cpuRequest).toBeCloseTo(10.65, 9);
    // Memory: 10 + 17.5 + 65 + 2.25 + 4 + 0.1875 + 1 (migration) = 99.9375 GiB, over 3 × 14 GiB.
    expect(c.total.max.memoryRequest).toBe(99.9375 * GiB);
    expect(c.total.min.memoryRequest).toBe((2 + 7 + 26 + 0.75 + 0.1875) * GiB);
    expect(c.pool).toMatchObject({ name: 'b3-16', nodes: 3, memory: 14 * GiB });
    expect(c.pool!.cpu).toBeCloseTo(3.8, 9);
    expect(c.shortfalls.map((s) => s.message)).toEqual(['memory requests at the largest scale are 99.9 GiB, 57.9 GiB more than the 3 nodes offer (42 GiB)']);
  });

  it('has the connection total check reports when the server allows fewer', () => {
    const tight = { ...app, database: { ...app.database, maxConnections: 300 } };
    const rule = checkApp(tight).findings.find((f) => f.rule === 'db-connections-budget');
    const ours = buildReport(tight, { weekStart: '2026-11-30' }).capacity;
    expect(rule?.message).toMatch(new RegExp(`^at peak the app opens ${ours.total.max.connections} database connections, above max_connections 300`));
    expect(ours.shortfalls.find((s) => s.what === 'connections')?.message).toBe('360 database connections at the largest scale, 60 over max_connections 300');
  });
});

describe('the cron week of the Storecove example', () => {
  it('shows the :00 pile-up: seven jobs at once, and :00 the busiest minute of the hour', () => {
    const w = report.cron;
    expect(w.maxTogether).toBe(7);
    // 3 hourly + */5 twice + */10 = 6 starts at :00 every hour, plus the daily and weekly ones.
    expect(w.minuteOfHour[0]).toBe(6 * 168 + 7 + 7 + 1 + 1 + 1 + 0);
    expect(Math.max(...w.minuteOfHour)).toBe(w.minuteOfHour[0]);
    expect(w.collisions[0]).toEqual({ jobs: ['clean-delayed-jobs', 'corppass-mykyc-detect', 'customer-reports', 'email-worker', 'invoice-analyzer', 'kafka-new-docs-hourly', 'kafka-sending-clearing'], times: 7, examples: ['Mon 06:00', 'Tue 06:00', 'Wed 06:00'] });
  });
});

describe('HTML', () => {
  const html = renderHtml(report);

  it('is one file: no script, no external URL, three views', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) ?? []).toEqual([]);
    expect([...html.matchAll(/<section id="([a-z]+)">/g)].map((m) => m[1])).toEqual(['capacity', 'cron', 'findings']);
    expect(html.match(/<g class="cell/g)).toHaveLength(168);
  });

  it('escapes what it is given', () => {
    expect(esc(`<b a="1">&'`)).toBe('&lt;b a=&quot;1&quot;&gt;&amp;&#39;');
    const evil = renderHtml({ ...report, app: { name: '<script>x</script>', namespace: 'n' } });
    expect(evil).not.toContain('<script>');
  });

  it('gives each hour its minutes on hover', () => {
    expect(cellTitle(report.cron, 0, 6)).toBe(['Mon 06:00–06:59: 34 starts', ':00  7 jobs together', ':05  2 jobs together', ':10  3 jobs together', ':15  2 jobs together', ':20  3 jobs together', ':25  2 jobs together', ':30  3 jobs together', ':35  2 jobs together', ':40  3 jobs together', ':45  2 jobs together', ':50  3 jobs together', ':55  2 jobs together'].join('\n'));
  });

  it('draws a stacked bar with the limit and the overshoot', () => {
    const rows = [
      { name: 'a', role: 'web', max: { connections: 30 } },
      { name: 'b', role: 'worker', max: { connections: 20 } },
    ] as unknown as CapacityRow[];
    expect(stackedBar(rows, 'max', { label: 'DB', get: (a) => a.connections, show: String, limit: 40, limitLabel: 'max 40' }, 100)).toBe(
      '<div class="bar"><div><b>DB</b> at maximum scale: <span style="color:#c9302c;font-weight:700">50 of 40 (10 over)</span></div><svg width="110" height="42" viewBox="-2 -6 110 48" role="img" aria-label="DB: 50 of 40 (10 over)"><rect x="0" y="0" width="60" height="22" fill="#2f6fde" stroke="#fff" stroke-width="0.5"><title>a: 30</title></rect><rect x="60" y="0" width="40" height="22" fill="#d9822b" stroke="#fff" stroke-width="0.5"><title>b: 20</title></rect><line x1="80" x2="80" y1="-4" y2="26" stroke="#c9302c" stroke-width="2"/><text x="84" y="38" font-size="11" text-anchor="end" fill="#1d2330">max 40</text></svg></div>',
    );
  });
});

describe('Markdown', () => {
  it('is a compact table version', () => {
    const md = renderMarkdown(report, 2);
    expect(md.split('\n').slice(0, 9)).toEqual([
      '### railyard report: storecove',
      '',
      '| | minimum scale | maximum scale | available |',
      '| --- | ---: | ---: | ---: |',
      '| pods | 12 | 49 | |',
      '| CPU requests | 2.45 cores | 10.65 cores | 11.4 cores |',
      '| memory requests | 35.9 GiB | 99.9 GiB | 42 GiB |',
      '| Rails processes | 115 | 310 | |',
      '| DB connections | 127 | 360 | 600 |',
    ]);
    expect(md).toContain('| and 11 more groups | | |');
  });
});
