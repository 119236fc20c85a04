// The config `railyard init` writes, as railyard.config.ts or railyard.config.yaml,
// from one annotated tree: every value may carry its source (a trailing comment),
// comment lines above it, and TODO drafts (a value written commented out).
// `plain(tree)` is the value the file evaluates to; init validates that against
// the model before writing anything.

export type Scalar = string | number | boolean;

export type Node = { kind: 'scalar'; value: Scalar } | { kind: 'object'; entries: Entry[]; inline?: boolean } | { kind: 'array'; items: Entry[]; inline?: boolean };

/**
 * An object member (with `key`) or an array item (without). A member with no
 * node is only comments; with `draft`, the node is written commented out.
 */
export interface Entry {
  key?: string;
  node?: Node;
  /** Comment lines above. */
  above?: string[];
  /** Comment after the value on its line: where it came from. */
  source?: string;
  /** Write the node as a comment (a TODO draft), not as a value. */
  draft?: boolean;
}

export const scalar = (value: Scalar): Node => ({ kind: 'scalar', value });
export const object = (entries: Entry[], inline = false): Node => ({ kind: 'object', entries, inline });
export const array = (items: Entry[], inline = false): Node => ({ kind: 'array', items, inline });
export const scalars = (values: Scalar[]): Node => array(values.map((v) => ({ node: scalar(v) })), true);

/** The value the tree describes (drafts and comments left out). */
export function plain(node: Node): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'array') return node.items.filter((e) => e.node && !e.draft).map((e) => plain(e.node!));
  // fromEntries, not assignment: a `__proto__` key must stay an own member, as YAML and TS read it.
  return Object.fromEntries(node.entries.filter((e) => e.key !== undefined && e.node && !e.draft).map((e) => [e.key!, plain(e.node!)]));
}

// ---------------------------------------------------------------- text

/** A comment's text on one line: no line breaks, no control characters. */
const commentText = (s: string) => s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
const hex = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

interface Syntax {
  comment: string;
  key(k: string): string;
  string(s: string): string;
}

const TS: Syntax = {
  comment: '//',
  // `__proto__: x` (bare or quoted) in a literal sets the prototype; the computed form makes a member.
  key: (k) => (k === '__proto__' ? `['__proto__']` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : TS.string(k)),
  string: (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, hex)}'`,
};

const YAML_RESERVED = /^(y|n|yes|no|on|off|true|false|null|~|-|\.inf|\.nan)$/i;
const YAML: Syntax = {
  comment: '#',
  key: (k) => (/^[A-Za-z_$][A-Za-z0-9_.$-]*$/.test(k) && !YAML_RESERVED.test(k) ? k : YAML.string(k)),
  string: (s) => (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !YAML_RESERVED.test(s) ? s : JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, hex)),
};

function inline(node: Node, syn: Syntax, ts: boolean): string {
  if (node.kind === 'scalar') return typeof node.value === 'string' ? syn.string(node.value) : String(node.value);
  if (node.kind === 'array') {
    const items = node.items.filter((e) => e.node && !e.draft).map((e) => inline(e.node!, syn, ts));
    return items.length ? `[${items.join(', ')}]` : '[]';
  }
  const entries = node.entries.filter((e) => e.key !== undefined && e.node && !e.draft).map((e) => `${syn.key(e.key!)}: ${inline(e.node!, syn, ts)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

const isEmpty = (n: Node) => (n.kind === 'object' ? n.entries.length === 0 : n.kind === 'array' ? n.items.length === 0 : false);
/** Only comments and drafts: no member that makes a value. */
const hasNoValues = (n: Node) => n.kind !== 'scalar' && (n.kind === 'object' ? n.entries : n.items).every((e) => !e.node || e.draft);
const writesInline = (n: Node) => n.kind === 'scalar' || isEmpty(n) || n.inline === true;

export function emitTs(root: Node, header: string[]): string {
  const out: string[] = [...header.map((h) => (h ? `// ${commentText(h)}` : '//')), `import { defineApp } from 'railyard';`, '', `export default defineApp(${tsValue(root, 0)});`];
  return out.join('\n') + '\n';
}

function tsValue(node: Node, depth: number): string {
  if (writesInline(node)) return inline(node, TS, true);
  const pad = '  '.repeat(depth + 1);
  const lines: string[] = [node.kind === 'array' ? '[' : '{'];
  const members = node.kind === 'array' ? node.items : (node as { entries: Entry[] }).entries;
  for (const e of members) {
    for (const c of e.above ?? []) lines.push(`${pad}// ${commentText(c)}`.trimEnd());
    if (!e.node) continue;
    const prefix = e.key !== undefined ? `${TS.key(e.key)}: ` : '';
    const src = e.source ? ` // ${commentText(e.source)}` : '';
    if (e.draft) {
      lines.push(`${pad}// ${prefix}${inline(e.node, TS, true)},${src}`);
      continue;
    }
    lines.push(`${pad}${prefix}${tsValue(e.node, depth + 1)},${src}`);
  }
  lines.push(`${'  '.repeat(depth)}${node.kind === 'array' ? ']' : '}'}`);
  return lines.join('\n');
}

export function emitYaml(root: Node, header: string[]): string {
  const out: string[] = header.map((h) => (h ? `# ${commentText(h)}` : '#'));
  if (root.kind !== 'object') throw new Error('the config root must be an object');
  yamlMembers(root.entries, 0, out, false);
  return out.join('\n') + '\n';
}

function yamlMembers(members: Entry[], depth: number, out: string[], isArray: boolean): void {
  const pad = '  '.repeat(depth);
  for (const e of members) {
    for (const c of e.above ?? []) out.push(`${pad}# ${commentText(c)}`.trimEnd());
    if (!e.node) continue;
    const lead = isArray ? '- ' : `${YAML.key(e.key!)}:`;
    const src = e.source ? ` # ${commentText(e.source)}` : '';
    if (e.draft) {
      out.push(`${pad}# ${lead}${isArray ? '' : ' '}${inline(e.node, YAML, false)}${src}`);
      continue;
    }
    if (writesInline(e.node)) {
      out.push(`${pad}${lead}${isArray ? '' : ' '}${inline(e.node, YAML, false)}${src}`);
      continue;
    }
    const children = e.node.kind === 'array' ? e.node.items : (e.node as { entries: Entry[] }).entries;
    if (hasNoValues(e.node)) {
      // `key:` over comments alone would read as null: write the empty value, then the comments.
      out.push(`${pad}${lead}${isArray ? '' : ' '}${e.node.kind === 'array' ? '[]' : '{}'}${src}`);
      const sub: string[] = [];
      yamlMembers(children, depth + 1, sub, e.node.kind === 'array');
      out.push(...sub);
      continue;
    }
    if (isArray) {
      // A block mapping inside a list: the first member goes on the "- " line.
      const sub: string[] = [];
      yamlMembers(children, depth + 1, sub, e.node.kind === 'array');
      const first = sub.findIndex((l) => !l.trimStart().startsWith('#'));
      out.push(...sub.slice(0, first).map((l) => l));
      out.push(`${pad}- ${sub[first]!.trimStart()}${src}`, ...sub.slice(first + 1));
      continue;
    }
    out.push(`${pad}${lead}${src}`);
    yamlMembers(children, depth + 1, out, e.node.kind === 'array');
  }
}
