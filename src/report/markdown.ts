// The report as compact Markdown tables, for a GitHub step summary or PR comment.
import type { ReportData } from './index.js';
import { plural } from '../check/report.js';
import { cores, gib } from './capacity.js';

const cell = (s: string | number) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: ReportData, limit = 10): string {
  const c = r.capacity;
  const pool = c.pool;
  const lines = [`### railyard report: ${cell(r.app.name)}`, '', '| | minimum scale | maximum scale | available |', '| --- | ---: | ---: | ---: |'];
  lines.push(`| pods | ${c.total.min.pods} | ${c.total.max.pods} | |`);
  lines.push(`| CPU requests | ${cores(c.total.min.cpuRequest)} | ${cores(c.total.max.cpuRequest)} | ${pool ? cores(pool.nodes * pool.cpu) : 'no nodePool'} |`);
  lines.push(`| memory requests | ${gib(c.total.min.memoryRequest)} | ${gib(c.total.max.memoryRequest)} | ${pool ? gib(pool.nodes * pool.memory) : 'no nodePool'} |`);
  lines.push(`| Rails processes | ${c.total.min.processes} | ${c.total.max.processes} | |`);
  lines.push(`| DB connections | ${c.total.min.connections} | ${c.total.max.connections} | ${c.maxConnections} |`);
  lines.push('');
  if (c.shortfalls.length) lines.push(...c.shortfalls.map((s) => `- :x: ${cell(s.message)}`), '');
  const w = r.cron;
  lines.push(`**Cron week** (${w.jobs.length} CronJobs, week of ${w.weekStart}): at most ${w.maxTogether} start in the same minute.`, '');
  if (w.collisions.length) {
    lines.push('| jobs starting together | times a week | e.g. |', '| --- | ---: | --- |');
    for (const g of w.collisions.slice(0, limit)) lines.push(`| ${cell(g.jobs.join(', '))} | ${g.times} | ${cell(g.examples.join(', '))} |`);
    if (w.collisions.length > limit) lines.push(`| and ${w.collisions.length - limit} more groups | | |`);
    lines.push('');
  }
  const f = r.findings;
  lines.push(`**Findings:** ${plural(f.counts.error, 'error')}, ${plural(f.counts.warning, 'warning')}, ${f.counts.info} info, ${f.counts.silenced} silenced.`, '');
  if (f.groups.length) {
    lines.push('| family | rule | object | message |', '| --- | --- | --- | --- |');
    for (const g of f.groups) for (const x of g.findings) lines.push(`| ${g.family} | ${x.severity} \`${x.rule}\` | ${cell(`${x.object.kind}/${x.object.name}`)} | ${cell(x.message)} |`);
    lines.push('');
  }
  return lines.join('\n') + '\n';
}
