// config/database.yml, its production section: the adapter, and the pool that
// feeds the connection budget. ERB is recognized, never evaluated: each <%= … %>
// becomes a placeholder, the ENV variables it reads are listed, and a fallback
// it names (`ENV.fetch("RAILS_MAX_THREADS") { 5 }`) is read as the value.
import { parseDocument, isAlias, isMap, isScalar, isSeq, type Document } from 'yaml';
import { assertText, importError, type Source } from './types.js';

export interface ErbExpression {
  code: string;
  line: number;
  /** ENV names it reads. */
  env: string[];
  /** A literal fallback it names: `ENV.fetch("X") { 5 }`, `ENV.fetch("X", 5)`, `ENV["X"] || 5`. */
  fallback?: string;
}

export interface DatabaseConfig {
  source: Source;
  environment: string;
  adapter?: { value: string; line: number };
  pool?: { value?: number; erb?: ErbExpression; line: number };
  /** Every ENV variable the section's ERB reads, with its line. */
  env: { name: string; line: number }[];
  /** A three-tier config (primary, replica, …): the names of the other databases. */
  others: string[];
}

const PLACEHOLDER = (i: number) => `railyard_erb_${i}_x`;
const PLACEHOLDER_RE = /railyard_erb_(\d+)_x/g;

/** Reads the ENV names and a literal fallback out of one ERB expression. */
export function readErb(code: string, line: number): ErbExpression {
  const env = [...code.matchAll(/ENV(?:\.fetch\(\s*|\[\s*)["']([A-Za-z_][A-Za-z0-9_]*)["']/g)].map((m) => m[1]!);
  const fallback =
    /ENV\.fetch\(\s*["'][^"']+["']\s*\)\s*\{\s*["']?([^"'}\s]+)["']?\s*\}/.exec(code)?.[1] ??
    /ENV\.fetch\(\s*["'][^"']+["']\s*,\s*["']?([^"',)\s]+)["']?\s*\)/.exec(code)?.[1] ??
    /ENV\[\s*["'][^"']+["']\s*\]\s*\|\|\s*["']?([^"'\s)]+)["']?/.exec(code)?.[1];
  return { code: code.trim(), line, env: [...new Set(env)], ...(fallback !== undefined ? { fallback } : {}) };
}

/**
 * Replaces ERB with placeholders, keeping every line where it was: `<%= x %>`
 * becomes a placeholder, `<% x %>` (control flow) and `<%# x %>` disappear. An
 * unclosed tag is bad input.
 */
export function stripErb(text: string, file: string): { yaml: string; expressions: ErbExpression[] } {
  const expressions: ErbExpression[] = [];
  let out = '';
  let i = 0;
  let line = 1;
  for (;;) {
    const open = text.indexOf('<%', i);
    if (open < 0) {
      out += text.slice(i);
      break;
    }
    const before = text.slice(i, open);
    out += before;
    line += before.split('\n').length - 1;
    if (text[open + 2] === '%') {
      // <%% is a literal <%
      out += '<%';
      i = open + 3;
      continue;
    }
    const close = text.indexOf('%>', open + 2);
    if (close < 0) throw importError(file, line, 'an ERB tag "<%" is never closed with "%>"');
    const body = text.slice(open + 2, close);
    const newlines = body.split('\n').length - 1;
    if (body.startsWith('=')) {
      expressions.push(readErb(body.slice(1).replace(/-$/, ''), line));
      out += PLACEHOLDER(expressions.length - 1);
    }
    out += '\n'.repeat(newlines);
    line += newlines;
    i = close + 2;
    // `-%>` trims the newline after the tag; keep it, so lines stay where they were.
  }
  return { yaml: out, expressions };
}

export function parseDatabaseYml(text: string, file: string, environment: string): DatabaseConfig {
  assertText(file, text);
  const { yaml, expressions } = stripErb(text, file);
  let doc: Document;
  try {
    doc = parseDocument(yaml, { merge: true, uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    throw importError(file, undefined, `not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line ?? (e.pos ? lineAt(yaml, e.pos[0]) : undefined);
    throw importError(file, line, `not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineAt(yaml, range[0]) : 1;
  };
  const erbAt = (s: string) => {
    const m = /railyard_erb_(\d+)_x/.exec(s);
    return m ? expressions[Number(m[1])] : undefined;
  };
  const out: DatabaseConfig = { source: { file }, environment, env: [], others: [] };
  const root = doc.contents;
  if (!isMap(root)) {
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return out;
    throw importError(file, lineOf(root), 'is not a mapping of environments (production:, development:, …)');
  }
  const js = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  const envPair = root.items.find((p) => isScalar(p.key) && String(p.key.value) === environment);
  if (!envPair) return out;
  out.source = { file, line: lineOf(envPair.key) };
  let section = js[environment] as Record<string, unknown> | null | undefined;
  let sectionNode = envPair.value;
  if (section && typeof section === 'object' && !('adapter' in section) && !('url' in section)) {
    // Rails 6 multiple databases: production: { primary: {…}, replica: {…} }
    const names = Object.keys(section).filter((k) => section![k] && typeof section![k] === 'object');
    const primary = names.includes('primary') ? 'primary' : names[0];
    if (primary) {
      out.others = names.filter((n) => n !== primary);
      section = section[primary] as Record<string, unknown>;
      sectionNode = isMap(sectionNode) ? (sectionNode.items.find((p) => isScalar(p.key) && String(p.key.value) === primary)?.value as typeof sectionNode) : sectionNode;
    }
  }
  if (!section || typeof section !== 'object') return out;
  // A key's own node, or the node a merge key (`<<: *default`) brings in: its line is where it is written.
  const nodeOf = (key: string, node: unknown = sectionNode, depth = 0): { key: unknown } | undefined => {
    if (!isMap(node) || depth > 10) return undefined;
    const own = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (own) return own;
    for (const p of node.items) {
      if (!isScalar(p.key) || (p.key.value !== '<<' && p.key.source !== '<<')) continue;
      const sources = isSeq(p.value) ? p.value.items : [p.value];
      for (const src of sources) {
        const found = nodeOf(key, isAlias(src) ? src.resolve(doc) : src, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };

  const adapter = section.adapter;
  if (typeof adapter === 'string') {
    const erb = erbAt(adapter);
    out.adapter = { value: erb ? (erb.fallback ?? adapter) : adapter, line: lineOf(nodeOf('adapter')?.key ?? envPair.key) };
  }
  const url = section.url;
  if (!out.adapter && typeof url === 'string') {
    const scheme = /^([a-z0-9+]+):\/\//.exec(erbAt(url)?.fallback ?? url)?.[1];
    if (scheme) out.adapter = { value: scheme === 'mysql' ? 'mysql2' : scheme === 'postgres' ? 'postgresql' : scheme, line: lineOf(nodeOf('url')?.key) };
  }
  const pool = section.pool;
  const poolLine = lineOf(nodeOf('pool')?.key ?? envPair.key);
  if (typeof pool === 'number') out.pool = { value: pool, line: poolLine };
  else if (typeof pool === 'string') {
    const erb = erbAt(pool);
    const n = Number(erb ? erb.fallback : pool);
    out.pool = { ...(Number.isInteger(n) && n > 0 ? { value: n } : {}), ...(erb ? { erb } : {}), line: poolLine };
  }
  // Every ERB variable of the section (and of its inherited defaults, which the merge copied in).
  const seen = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER_RE)) {
      const e = expressions[Number(m[1])]!;
      for (const name of e.env) if (!seen.has(name)) {
        seen.add(name);
        out.env.push({ name, line: e.line });
      }
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) visit(x);
  };
  visit(js[environment]);
  return out;
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
