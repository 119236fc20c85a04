// The report as one self-contained HTML page: inline CSS and SVG, no script, no
// external URL, so it reads offline and can be attached to a pull request. Three
// views switch with links (#capacity, #cron, #findings) and CSS :target. Pure: data
// in, a string out.
import type { ReportData } from './index.js';
import { plural } from '../check/report.js';
import { cores, gib, type Amounts, type Capacity, type CapacityRow } from './capacity.js';
import { DAY_NAMES, type CronWeek } from './cron.js';
import type { Finding } from '../check/types.js';

export function esc(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const ROLE_COLOUR: Record<CapacityRow['role'], string> = { web: '#2f6fde', worker: '#d9822b', consumer: '#7a4fd0', cron: '#2a9d6f', other: '#8a8f98' };
const pad = (n: number) => String(n).padStart(2, '0');
const fmt = (n: number) => String(Number(n.toFixed(2)));

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f6f7f9}
header{display:flex;align-items:baseline;gap:24px;padding:14px 28px;background:#1d2330;color:#fff}
header h1{margin:0;font-size:20px}
header nav a{color:#c8d3ff;margin-right:18px;text-decoration:none;font-weight:600}
header .sub{color:#9aa3b5;font-size:13px}
main{padding:18px 28px}
main>section{display:none}
main>section:target{display:block}
main:not(:has(section:target))>#capacity{display:block}
h2{margin:4px 0 12px;font-size:18px}
h3{margin:18px 0 8px;font-size:15px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e3e6ec;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.l,th.l{text-align:left}
th{background:#eef1f5;font-weight:600}
tr.total td{font-weight:700;border-top:2px solid #1d2330}
.bad{background:#fdecec;border-left:4px solid #c9302c;padding:8px 12px;margin:10px 0}
.ok{background:#e9f6ef;border-left:4px solid #2a9d6f;padding:8px 12px;margin:10px 0}
.note{color:#5b6475;font-size:12.5px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
.sev{display:inline-block;min-width:60px;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:3px;color:#fff;text-align:center}
.sev.error{background:#c9302c}.sev.warning{background:#d9822b}.sev.info{background:#2f6fde}.sev.silenced{background:#8a8f98}
ul.f{list-style:none;padding:0;margin:0;background:#fff}
ul.f li{padding:6px 10px;border-bottom:1px solid #e3e6ec}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef1f5;padding:0 3px;border-radius:3px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
`;

// ---------------------------------------------------------------- capacity

type Metric = { label: string; get: (a: Amounts) => number; show: (n: number) => string; limit?: number; limitLabel?: string };

/** One stacked bar: each component's share, and a line where the pool or the server ends. */
export function stackedBar(rows: readonly CapacityRow[], at: 'min' | 'max', m: Metric, width = 900): string {
  const total = rows.reduce((n, r) => n + m.get(r[at]), 0);
  const scale = Math.max(total, m.limit ?? 0) || 1;
  const w = (n: number) => (n / scale) * width;
  let x = 0;
  const parts: string[] = [];
  for (const r of rows) {
    const v = m.get(r[at]);
    if (v <= 0) continue;
    parts.push(`<rect x="${fmt(x)}" y="0" width="${fmt(w(v))}" height="22" fill="${ROLE_COLOUR[r.role]}" stroke="#fff" stroke-width="0.5"><title>${esc(`${r.name}: ${m.show(v)}`)}</title></rect>`);
    x += w(v);
  }
  const over = m.limit !== undefined && total > m.limit;
  const limit = m.limit === undefined ? '' : `<line x1="${fmt(w(m.limit))}" x2="${fmt(w(m.limit))}" y1="-4" y2="26" stroke="${over ? '#c9302c' : '#1d2330'}" stroke-width="2"/><text x="${fmt(Math.min(w(m.limit) + 4, width - 4))}" y="38" font-size="11" text-anchor="${w(m.limit) > width - 160 ? 'end' : 'start'}" fill="#1d2330">${esc(m.limitLabel ?? '')}</text>`;
  const label = `${m.show(total)}${m.limit !== undefined ? ` of ${m.show(m.limit)}${over ? ` (${m.show(total - m.limit)} over)` : ''}` : ''}`;
  return `<div class="bar"><div><b>${esc(m.label)}</b> at ${at === 'min' ? 'minimum' : 'maximum'} scale: <span${over ? ' style="color:#c9302c;font-weight:700"' : ''}>${esc(label)}</span></div><svg width="${width + 10}" height="42" viewBox="-2 -6 ${width + 10} 48" role="img" aria-label="${esc(`${m.label}: ${label}`)}">${parts.join('')}${limit}</svg></div>`;
}

function capacityView(c: Capacity): string {
  const pool = c.pool;
  const metrics: Metric[] = [
    { label: 'CPU requests', get: (a) => a.cpuRequest, show: cores, ...(pool ? { limit: pool.nodes * pool.cpu, limitLabel: `${pool.nodes} nodes × ${cores(pool.cpu)}` } : {}) },
    { label: 'Memory requests', get: (a) => a.memoryRequest, show: gib, ...(pool ? { limit: pool.nodes * pool.memory, limitLabel: `${pool.nodes} nodes × ${gib(pool.memory)}` } : {}) },
    { label: 'Database connections', get: (a) => a.connections, show: String, limit: c.maxConnections, limitLabel: `max_connections ${c.maxConnections}` },
  ];
  const legend = (Object.keys(ROLE_COLOUR) as CapacityRow['role'][]).filter((r) => c.rows.some((row) => row.role === r)).map((r) => `<span class="sw" style="background:${ROLE_COLOUR[r]}"></span>${r}`).join(' &nbsp; ');
  const bars = metrics.map((m) => `<div style="display:flex;gap:32px">${stackedBar(c.rows, 'min', m, 560)}${stackedBar(c.rows, 'max', m, 560)}</div>`).join('');
  const verdict = c.shortfalls.length
    ? `<div class="bad"><b>Does not fit (${c.shortfalls.length})</b><ul>${c.shortfalls.map((s) => `<li>${esc(s.message)}</li>`).join('')}</ul></div>`
    : `<div class="ok">Everything fits${pool ? ` on ${pool.nodes} ${esc(pool.name ?? 'nodes')}` : ''} at maximum scale, and within max_connections ${c.maxConnections}.</div>`;
  const row = (r: { name: string; kind: string; role?: CapacityRow['role'] }, min: Amounts, max: Amounts, cls = '') =>
    `<tr${cls}><td>${r.role ? `<span class="sw" style="background:${ROLE_COLOUR[r.role]}"></span>` : ''}${esc(r.name)}</td><td class="l">${esc(r.kind)}</td><td>${min.pods}–${max.pods}</td><td>${fmt(min.cpuRequest)} / ${fmt(max.cpuRequest)}</td><td>${fmt(min.cpuLimit)} / ${fmt(max.cpuLimit)}</td><td>${esc(gib(min.memoryRequest))} / ${esc(gib(max.memoryRequest))}</td><td>${esc(gib(min.memoryLimit))} / ${esc(gib(max.memoryLimit))}</td><td>${min.processes} / ${max.processes}</td><td>${min.connections} / ${max.connections}</td></tr>`;
  const table = `<table><thead><tr><th>component</th><th class="l">kind</th><th>pods</th><th>CPU requests</th><th>CPU limits</th><th>memory requests</th><th>memory limits</th><th>Rails processes</th><th>DB connections</th></tr></thead><tbody>${c.rows.map((r) => row(r, r.min, r.max)).join('')}${row({ name: 'total', kind: '' }, c.total.min, c.total.max, ' class="total"')}</tbody></table>`;
  return `<section id="capacity"><h2>Capacity</h2><p class="note">Each figure at minimum / maximum scale (HPA bounds, the model's replicas; CronJobs as their concurrent runs; DaemonSets one pod per node). Node pool: ${pool ? esc(`${pool.name ? `${pool.name}, ` : ''}${pool.nodes} nodes × ${cores(pool.cpu)}, ${gib(pool.memory)}`) : 'not declared (set nodePool in the config)'}. Rails processes assumed ${c.processRssMiB} MiB each. The same numbers as <code>railyard check</code>'s budget rules.</p>${verdict}<p>${legend}</p>${bars}<h3>Per component</h3>${table}</section>`;
}

// ---------------------------------------------------------------- cron week

const CELL_W = 46;
const CELL_H = 30;
const LEFT = 44;
const TOP = 20;

/** The hover text of one hour: its starts, then each minute with starts. */
export function cellTitle(w: CronWeek, d: number, h: number): string {
  const mins = w.minutes[d]![h]!;
  const head = `${DAY_NAMES[d]} ${pad(h)}:00–${pad(h)}:59: ${w.cells[d]![h]} start${w.cells[d]![h] === 1 ? '' : 's'}`;
  return [head, ...mins.map(([m, n]) => `:${pad(m)}  ${n} job${n === 1 ? '' : 's'}${n > 1 ? ' together' : ''}`)].join('\n');
}

export function heatMap(w: CronWeek): string {
  const max = Math.max(1, ...w.cells.flat());
  const out: string[] = [];
  for (let h = 0; h < 24; h++) out.push(`<text x="${LEFT + h * CELL_W + CELL_W / 2}" y="${TOP - 6}" font-size="11" text-anchor="middle" fill="#5b6475">${pad(h)}</text>`);
  for (let d = 0; d < 7; d++) {
    out.push(`<text x="${LEFT - 8}" y="${TOP + d * CELL_H + CELL_H / 2 + 4}" font-size="12" text-anchor="end" fill="#1d2330">${DAY_NAMES[d]}</text>`);
    for (let h = 0; h < 24; h++) {
      const n = w.cells[d]![h]!;
      const peak = w.peak[d]![h]!;
      const x = LEFT + h * CELL_W;
      const y = TOP + d * CELL_H;
      // Lightness from near-white to deep blue with the hour's starts.
      const fill = n === 0 ? '#ffffff' : `hsl(218,70%,${Math.round(92 - (n / max) * 55)}%)`;
      const marked = peak > 1;
      out.push(
        `<g class="cell${marked ? ' pile' : ''}"><rect x="${x}" y="${y}" width="${CELL_W - 2}" height="${CELL_H - 2}" rx="3" fill="${fill}" stroke="${marked ? '#c9302c' : '#e3e6ec'}" stroke-width="${marked ? 1.5 : 1}"/>${marked ? `<text x="${x + CELL_W - 6}" y="${y + 11}" font-size="9.5" font-weight="700" text-anchor="end" fill="#c9302c">${peak}×</text>` : ''}${n ? `<text x="${x + 5}" y="${y + CELL_H - 8}" font-size="10" fill="${n / max > 0.55 ? '#fff' : '#1d2330'}">${n}</text>` : ''}<title>${esc(cellTitle(w, d, h))}</title></g>`,
      );
    }
  }
  const width = LEFT + 24 * CELL_W + 4;
  const height = TOP + 7 * CELL_H + 4;
  return `<svg class="heat" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="CronJob starts per hour over the week">${out.join('')}</svg>`;
}

/** Starts per minute of the hour: the :00 pile-up of hourly jobs stands out here. */
export function minuteStrip(w: CronWeek): string {
  const max = Math.max(1, ...w.minuteOfHour);
  const bw = 18;
  const hgt = 70;
  const bars = w.minuteOfHour
    .map((n, m) => {
      const bh = (n / max) * hgt;
      return `<rect x="${LEFT + m * bw}" y="${fmt(hgt - bh + 4)}" width="${bw - 2}" height="${fmt(bh)}" fill="${n === max && n > 0 ? '#c9302c' : '#2f6fde'}"><title>:${pad(m)}  ${n} starts in the week</title></rect>${m % 5 === 0 ? `<text x="${LEFT + m * bw + bw / 2}" y="${hgt + 18}" font-size="10" text-anchor="middle" fill="#5b6475">:${pad(m)}</text>` : ''}`;
    })
    .join('');
  const width = LEFT + 60 * bw + 4;
  return `<svg class="minutes" width="${width}" height="${hgt + 24}" viewBox="0 0 ${width} ${hgt + 24}" role="img" aria-label="starts per minute of the hour">${bars}</svg>`;
}

function cronView(w: CronWeek, limit = 40): string {
  const total = w.jobs.reduce((n, j) => n + j.runs, 0);
  const zones = w.timeZones.join(', ') || 'none';
  const pile = w.collisions.length
    ? `<table><thead><tr><th class="l">jobs starting in the same minute</th><th>times a week</th><th class="l">e.g.</th></tr></thead><tbody>${w.collisions
        .slice(0, limit)
        .map((c) => `<tr><td class="l" style="white-space:normal">${c.jobs.length} jobs: ${esc(c.jobs.join(', '))}</td><td>${c.times}</td><td class="l">${esc(c.examples.join(', '))}</td></tr>`)
        .join('')}</tbody></table>${w.collisions.length > limit ? `<p class="note">and ${w.collisions.length - limit} more groups (all of them in --format json)</p>` : ''}`
    : '<div class="ok">No two CronJobs start in the same minute.</div>';
  const undrawn = w.jobs.filter((j) => j.problem);
  const jobs = `<table><thead><tr><th class="l">CronJob</th><th class="l">schedule</th><th class="l">time zone</th><th>runs a week</th></tr></thead><tbody>${w.jobs
    .map((j) => `<tr><td>${esc(j.name)}</td><td class="l"><code>${esc(j.schedule)}</code></td><td class="l">${esc(j.timeZone)}</td><td>${j.problem ? `not drawn: ${esc(j.problem)}` : j.runs}</td></tr>`)
    .join('')}</tbody></table>`;
  return `<section id="cron"><h2>The cron week</h2><p class="note">${w.jobs.length} CronJobs, ${total} starts in the week of ${esc(w.weekStart)} (Monday to Sunday in each job's time zone: ${esc(zones)}). Colour: starts in the hour; a red outline and <b>n×</b>: n jobs start in the same minute. Hover a cell for its minutes.${undrawn.length ? ` ${undrawn.length} not drawn (listed below).` : ''}</p>${heatMap(w)}<h3>Starts per minute of the hour</h3>${minuteStrip(w)}<h3>Minutes where several jobs start together (at most ${w.maxTogether} at once)</h3>${pile}<h3>CronJobs</h3>${jobs}</section>`;
}

// ---------------------------------------------------------------- findings

function findingItem(f: Finding): string {
  const sev = f.silenced ? 'silenced' : f.severity;
  return `<li><span class="sev ${sev}">${sev}</span> <code>${esc(f.rule)}</code> <b>${esc(`${f.object.kind}/${f.object.name}`)}</b> <span class="note">${esc(f.path)}</span><br>${esc(f.message)}${f.silenced ? `<br><span class="note">silenced by ${esc(f.silenced.by)}: ${esc(f.silenced.reason)}</span>` : ''}</li>`;
}

function findingsView(r: ReportData['findings']): string {
  const c = r.counts;
  const groups = r.groups.map((g) => `<h3>${esc(g.family)} (${g.findings.length})</h3><ul class="f">${g.findings.map(findingItem).join('')}</ul>`).join('');
  const silenced = r.silenced.length ? `<h3>Silenced (${r.silenced.length})</h3><ul class="f">${r.silenced.map(findingItem).join('')}</ul>` : '';
  return `<section id="findings"><h2>Findings</h2><p>${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info, ${c.silenced} silenced: <code>railyard check</code> on the same config.</p>${groups || '<div class="ok">No findings.</div>'}${silenced}</section>`;
}

export function renderHtml(r: ReportData): string {
  const title = `railyard report: ${r.app.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(r.app.name)}</h1><span class="sub">namespace ${esc(r.app.namespace)}</span><nav><a href="#capacity">Capacity</a><a href="#cron">Cron week</a><a href="#findings">Findings (${r.findings.counts.error + r.findings.counts.warning + r.findings.counts.info})</a></nav></header>
<main>${capacityView(r.capacity)}${cronView(r.cron)}${findingsView(r.findings)}</main>
</body></html>
`;
}
