// What `railyard diff` shows, computed from plain objects: the live object and the
// API server's dry-run result of applying the rendered one. Pure, so its rules
// (what is noise, what a Secret may show) are tested without a cluster.
import { createTwoFilesPatch } from 'diff';
import { isDeepStrictEqual } from 'node:util';
import { sortedYaml } from './plain-yaml.js';

export type K8s = Record<string, any>;

export interface SecretKeyChange {
  key: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
}

export interface ImageChange {
  container: string;
  from?: string;
  to?: string;
}

export interface ObjectDiff {
  kind: string;
  name: string;
  namespace?: string;
  action: 'add' | 'change' | 'prune' | 'run';
  /** Unified diff of the YAML, changed fields only (never for a Secret). */
  patch?: string;
  images?: ImageChange[];
  secretKeys?: SecretKeyChange[];
}

export interface DiffReport {
  /** The release's version label, live and rendered. */
  version: { from?: string; to: string };
  changes: ObjectDiff[];
}

export const VERSION_LABEL = 'app.kubernetes.io/version';
/** Metadata the API server owns or that changes on every write. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];
const SERVER_ANNOTATIONS = ['deployment.kubernetes.io/revision', 'kubectl.kubernetes.io/last-applied-configuration'];

/**
 * The object as a reviewer compares it: no status, no server bookkeeping, and no
 * release version label (the tag is shown once for the whole release, not on every
 * object). Both sides went through the API server, so defaulted fields match.
 */
export function comparable(o: K8s): K8s {
  const c = structuredClone(o);
  delete c.status;
  const walk = (meta: K8s | undefined) => {
    if (!meta) return;
    if (meta.labels) {
      delete meta.labels[VERSION_LABEL];
      if (Object.keys(meta.labels).length === 0) delete meta.labels;
    }
  };
  if (c.metadata) {
    for (const k of SERVER_METADATA) delete c.metadata[k];
    if (c.metadata.annotations) {
      for (const a of SERVER_ANNOTATIONS) delete c.metadata.annotations[a];
      if (Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
    }
    walk(c.metadata);
  }
  walk(c.spec?.template?.metadata);
  walk(c.spec?.jobTemplate?.metadata);
  walk(c.spec?.jobTemplate?.spec?.template?.metadata);
  return c;
}

function containersOf(o: K8s): K8s[] {
  const spec = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

export function imageChanges(live: K8s | undefined, next: K8s): ImageChange[] {
  const before = new Map(live ? containersOf(live).map((c) => [String(c.name), String(c.image)]) : []);
  const out: ImageChange[] = [];
  for (const c of containersOf(next)) {
    const from = before.get(String(c.name));
    if (from !== String(c.image)) out.push({ container: String(c.name), ...(from !== undefined ? { from } : {}), to: String(c.image) });
  }
  return out;
}

/** Per key: added, removed, changed or unchanged. Values are compared, never kept. */
export function secretKeyChanges(live: K8s | undefined, next: K8s): SecretKeyChange[] {
  const read = (s: K8s | undefined) => {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries((s?.data ?? {}) as Record<string, string>)) m.set(k, String(v));
    for (const [k, v] of Object.entries((s?.stringData ?? {}) as Record<string, string>)) m.set(k, Buffer.from(String(v)).toString('base64'));
    return m;
  };
  const a = read(live);
  const b = read(next);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.map((key) => ({ key, change: !a.has(key) ? 'added' : !b.has(key) ? 'removed' : a.get(key) === b.get(key) ? 'unchanged' : 'changed' }));
}

const ref = (o: K8s) => ({ kind: String(o.kind), name: String(o.metadata?.name), ...(o.metadata?.namespace ? { namespace: String(o.metadata.namespace) } : {}) });
export const describe = (d: Pick<ObjectDiff, 'kind' | 'name' | 'namespace'>) => `${d.kind}/${d.namespace ? `${d.namespace}/` : ''}${d.name}`;

/** Compares the live object with the dry-run result; undefined when nothing a reviewer cares about differs. */
export function compareObject(live: K8s | undefined, dryRun: K8s): ObjectDiff | undefined {
  if (dryRun.kind === 'Secret') {
    const keys = secretKeyChanges(live, dryRun);
    const other = (o: K8s) => {
      const { data: _d, stringData: _s, ...rest } = comparable(o);
      return rest;
    };
    if (live && keys.every((k) => k.change === 'unchanged') && isDeepStrictEqual(other(live), other(dryRun))) return undefined;
    return { ...ref(dryRun), action: live ? 'change' : 'add', secretKeys: keys };
  }
  const liveSide = live && comparable(live);
  const nextSide = comparable(dryRun);
  // Equal objects (most of them in a typical release) need no YAML: comparing the
  // trees (key order aside, as the sorted YAML would) is ~20× cheaper than printing them.
  if (liveSide && isDeepStrictEqual(liveSide, nextSide)) return undefined;
  const before = liveSide ? sortedYaml(liveSide) : '';
  const after = sortedYaml(nextSide);
  if (live && before === after) return undefined;
  const name = describe(ref(dryRun));
  // Hunks only: the object is named in the line above them.
  const full = live ? createTwoFilesPatch(`live ${name}`, `rendered ${name}`, before, after, undefined, undefined, { context: 3 }) : undefined;
  const patch = full?.slice(full.indexOf('@@'));
  const images = imageChanges(live, dryRun);
  return { ...ref(dryRun), action: live ? 'change' : 'add', ...(patch ? { patch } : {}), ...(images.length && live ? { images } : {}) };
}

// ---------------------------------------------------------------- output

const tagOf = (image?: string) => (image ? image.slice(image.lastIndexOf(':') + 1) : '(none)');

function imageLine(d: ObjectDiff): string | undefined {
  if (!d.images?.length) return undefined;
  return d.images.map((i) => `${i.container}: ${tagOf(i.from)} → ${tagOf(i.to)}`).join(', ');
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
}
const plain: Paint = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s };

/** Nothing at all when nothing changes, as `diff` and `kubectl diff` print nothing. */
export function formatText(r: DiffReport, paint: Paint = plain): string {
  if (r.changes.length === 0) return '';
  const lines: string[] = [];
  if (r.version.from !== r.version.to) lines.push(paint.bold(`release ${r.version.from ?? '(none)'} → ${r.version.to}`), '');
  for (const d of r.changes) {
    const head = `${d.action === 'add' ? paint.green('+ add') : d.action === 'prune' ? paint.red('- prune') : d.action === 'run' ? paint.cyan('> will run') : paint.cyan('~ change')}  ${paint.bold(describe(d))}`;
    lines.push(head);
    const img = imageLine(d);
    if (img) lines.push(`    image ${img}`);
    if (d.secretKeys) for (const k of d.secretKeys) lines.push(`    key ${k.key}: ${k.change}`);
    if (d.patch && !img) lines.push(...d.patch.trimEnd().split('\n').map((l) => `    ${l.startsWith('+') ? paint.green(l) : l.startsWith('-') ? paint.red(l) : l}`));
    else if (d.patch && img && !onlyImages(d)) lines.push(...d.patch.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n') + '\n';
}

/** True when the patch changes nothing but image lines: the one-line summary says it all. */
export function onlyImages(d: ObjectDiff): boolean {
  if (!d.patch) return true;
  return d.patch.split('\n').every((l) => !/^[-+]/.test(l) || /^[-+]{3} /.test(l) || /^[-+]\s*(- )?image: /.test(l));
}

export function formatJson(r: DiffReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

export function formatMarkdown(r: DiffReport): string {
  if (r.changes.length === 0) return '### railyard diff\n\nNo changes.\n';
  const count = (a: ObjectDiff['action']) => r.changes.filter((c) => c.action === a).length;
  const lines = [`### railyard diff: release ${r.version.from ?? '(none)'} → ${r.version.to}`, '', `${count('add')} to add, ${count('change')} to change, ${count('prune')} to prune${count('run') ? ', the migration Job will run' : ''}.`, '', '| | object | what |', '| --- | --- | --- |'];
  for (const d of r.changes) {
    const what = imageLine(d) ?? (d.secretKeys ? d.secretKeys.filter((k) => k.change !== 'unchanged').map((k) => `${k.key} ${k.change}`).join(', ') : d.action === 'run' ? 'migration' : d.patch ? `${d.patch.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l)).length} lines` : '');
    lines.push(`| ${d.action} | \`${describe(d)}\` | ${what.replace(/\|/g, '\\|')} |`);
  }
  const patches = r.changes.filter((d) => d.patch && !onlyImages(d));
  if (patches.length) {
    lines.push('', '<details><summary>field changes</summary>', '');
    for (const d of patches) lines.push('```diff', d.patch!.trimEnd(), '```');
    lines.push('', '</details>');
  }
  return lines.join('\n') + '\n';
}
