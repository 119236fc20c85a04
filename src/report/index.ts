// `railyard report`: one page of what a config asks of the cluster. Pure: an App
// and a week in, the report's data out; html.ts and markdown.ts turn it into text.
import type { App } from '../config/schema.js';
import { checkApp } from '../check/app.js';
import { RULES } from '../check/rules/index.js';
import type { Family, Finding } from '../check/types.js';
import { capacity, type Capacity } from './capacity.js';
import { cronWeek, type CronWeek } from './cron.js';

export interface FindingGroup {
  family: Family;
  findings: Finding[];
}

export interface ReportData {
  app: { name: string; namespace: string };
  capacity: Capacity;
  cron: CronWeek;
  findings: { groups: FindingGroup[]; silenced: Finding[]; counts: { error: number; warning: number; info: number; silenced: number } };
}

const FAMILY_ORDER: Family[] = ['budgets', 'apiserver', 'schema', 'consistency', 'security', 'reliability', 'logging', 'platform'];

export function buildReport(app: App, opts: { weekStart: string }): ReportData {
  const { objects, findings, ctx } = checkApp(app);
  const familyOf = new Map(RULES.map((r) => [r.id, r.family]));
  const active = findings.filter((f) => !f.silenced);
  const groups = FAMILY_ORDER.map((family) => ({ family, findings: active.filter((f) => familyOf.get(f.rule) === family) })).filter((g) => g.findings.length > 0);
  const silenced = findings.filter((f) => f.silenced);
  const count = (s: Finding['severity']) => active.filter((f) => f.severity === s).length;
  const cronJobs = objects
    .filter((o) => o.kind === 'CronJob')
    .map((o) => ({ name: String(o.metadata?.name), schedule: String(o.spec?.schedule ?? ''), timeZone: String(o.spec?.timeZone ?? 'Etc/UTC') }));
  return {
    app: { name: app.name, namespace: app.namespace },
    capacity: capacity(app, ctx),
    cron: cronWeek(cronJobs, opts.weekStart),
    findings: { groups, silenced, counts: { error: count('error'), warning: count('warning'), info: count('info'), silenced: silenced.length } },
  };
}
