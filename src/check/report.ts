// The three report formats: readable text (grouped by severity), JSON, SARIF 2.1.0.
import { describe } from './objects.js';
import { RULES } from './rules/index.js';
import type { Finding, Severity } from './types.js';

export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
}

const plain: Paint = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s, green: (s) => s };

function where(f: Finding): string {
  return f.source ? ` (${f.source.file}${f.source.line ? `:${f.source.line}` : ''})` : '';
}

export function formatText(findings: readonly Finding[], paint: Paint = plain): string {
  const lines: string[] = [];
  const colour: Record<Severity, (s: string) => string> = { error: paint.red, warning: paint.yellow, info: paint.cyan };
  const active = findings.filter((f) => !f.silenced);
  for (const sev of ['error', 'warning', 'info'] as const) {
    const group = active.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    lines.push(paint.bold(colour[sev](`${sev === 'error' ? 'Errors' : sev === 'warning' ? 'Warnings' : 'Info'} (${group.length})`)));
    // Why and fix once per rule in the group: the report stays readable with 40 findings of one rule.
    const explained = new Set<string>();
    for (const f of group) {
      lines.push(`  ${colour[sev](f.rule)}  ${paint.bold(describe(f.object))}  ${f.path}${paint.dim(where(f))}`);
      lines.push(`    ${f.message}`);
      if (explained.has(f.rule)) continue;
      explained.add(f.rule);
      lines.push(paint.dim(`    why: ${f.why}`));
      lines.push(paint.dim(`    fix: ${f.fix}`));
    }
    lines.push('');
  }
  const silenced = findings.filter((f) => f.silenced);
  if (silenced.length) {
    lines.push(paint.bold(`Silenced (${silenced.length})`));
    for (const f of silenced) lines.push(`  ${paint.dim(`${f.rule} [${f.severity}]`)}  ${describe(f.object)}  ${f.path}: ${f.silenced!.reason}`);
    lines.push('');
  }
  const count = (s: Severity) => active.filter((f) => f.severity === s).length;
  const e = count('error');
  const summary = `${plural(e, 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info, ${silenced.length} silenced`;
  lines.push(e > 0 ? paint.red(summary) : paint.green(summary));
  return lines.join('\n') + '\n';
}

export function formatJson(findings: readonly Finding[]): string {
  return (
    JSON.stringify(
      {
        findings: findings.map((f) => ({
          rule: f.rule,
          severity: f.severity,
          object: { kind: f.object.kind, name: f.object.name, namespace: f.object.namespace ?? null },
          path: f.path,
          message: f.message,
          ...(f.source ? { source: f.source } : {}),
          ...(f.silenced ? { silenced: f.silenced } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * SARIF 2.1.0 for GitHub code scanning. `fallbackUri` locates findings that have no
 * file; with `rendered`, sources are files railyard renders (not in the repository),
 * so every result points at the config (`fallbackUri`) and names the rendered file.
 */
export function formatSarif(findings: readonly Finding[], fallbackUri = 'railyard.config.ts', opts: { rendered?: boolean } = {}): string {
  const used = RULES.filter((r) => findings.some((f) => f.rule === r.id));
  const index = new Map(used.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'railyard',
            informationUri: 'https://www.npmjs.com/package/railyard',
            rules: used.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.why.split(/(?<=\.)\s/)[0] },
              fullDescription: { text: r.why },
              help: { text: r.fix },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { family: r.family },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: LEVEL[f.severity],
          message: { text: `${describe(f.object)} ${f.path}: ${f.message}${opts.rendered && f.source ? ` (rendered ${f.source.file})` : ''}` },
          locations: [
            {
              physicalLocation: opts.rendered
                ? { artifactLocation: { uri: fallbackUri }, region: { startLine: 1 } }
                : { artifactLocation: { uri: f.source?.file ?? fallbackUri }, region: { startLine: f.source?.line ?? 1 } },
              logicalLocations: [{ fullyQualifiedName: `${describe(f.object)}#${f.path}`, kind: 'resource' }],
            },
          ],
          ...(f.silenced ? { suppressions: [{ kind: f.silenced.by === 'annotation' ? 'inSource' : 'external', justification: f.silenced.reason }] } : {}),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/** `1 warning`, `2 warnings`: how the check summary and the report count findings. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
