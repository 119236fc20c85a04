// Kubernetes objects to YAML text, deterministically: same objects, same bytes.
//
// The objects are plain JSON data, so this emitter only needs JSON's types. It
// exists because `yaml`'s general-purpose stringify builds a document tree per
// object and dominated synth time (about 2 ms an object). Strings are written
// plain only when no YAML 1.1 or 1.2 reader (Kubernetes uses go-yaml) could take
// them for anything else; everything else is double-quoted JSON, which is valid
// YAML. test/render/yaml.test.ts checks the round trip through a real parser.

export const GENERATED_HEADER = (source: string) => `# Rendered by railyard from ${source}. Do not edit: change the config and run \`railyard synth\`.\n`;

export function stringifyManifests(objects: readonly object[], header = ''): string {
  return header + objects.map((o) => emitYaml(o)).join('---\n');
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One YAML document for a JSON-compatible value; `undefined` members are dropped, as JSON.stringify does. */
export function emitYaml(value: unknown): string {
  const v = value as Json;
  if (isCollection(v) && !isEmpty(v)) return emitBlock(v, '');
  return scalarOrFlow(v) + '\n';
}

function isCollection(v: Json): v is Json[] | { [key: string]: Json } {
  return typeof v === 'object' && v !== null;
}

function entries(v: { [key: string]: Json }): [string, Json][] {
  return Object.entries(v).filter(([, x]) => x !== undefined);
}

function isEmpty(v: Json[] | { [key: string]: Json }): boolean {
  return Array.isArray(v) ? v.length === 0 : entries(v).length === 0;
}

function scalarOrFlow(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return quoteString(v);
}

/** Words that YAML 1.1 (go-yaml v2, PyYAML) or 1.2 read as something other than a string. */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
/** Anything a YAML reader could take for a number, date or time in either version. */
// The last branch: a YAML 1.1 reader of the `yaml` package reads an exponent
// with no mantissa ("E0", "e+5") as a float (NaN); go-yaml does not, but quoting
// it costs nothing. Found by the plain-safety property.
const NUMBERISH = /^[-+.]?(?:[0-9]|\.inf|\.nan)|^[0-9:]+$|^[eE][-+]?[0-9_]+$/i;
/** Characters safe in a plain scalar; the first is narrower, as `-`, `.`, `:`, `@`, `*`, `=` and space may start an indicator or a number. */
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_/.:@+=,*\- ]*$/;

export function isPlainSafe(s: string): boolean {
  return (
    s.length > 0 &&
    PLAIN.test(s) &&
    !RESERVED.test(s) &&
    !NUMBERISH.test(s) &&
    !s.endsWith(' ') &&
    !s.endsWith(':') &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    !s.includes('  ')
  );
}

function quoteString(s: string): string {
  return isPlainSafe(s) ? s : JSON.stringify(s);
}

/** A literal block keeps multi-line text (a Fluent Bit config) readable. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || s.includes('\r') || /^[ \t\n]/.test(s) || s.endsWith('\n\n')) return undefined;
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(s)) return undefined;
  const chomp = s.endsWith('\n') ? '|' : '|-';
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  if (body.split('\n').some((line) => /\s$/.test(line) && line.trim() !== '')) return undefined;
  return chomp + '\n' + body.split('\n').map((line) => (line === '' ? '' : indent + line)).join('\n') + '\n';
}

const INDENT = '  ';

function emitValueAfterKey(v: Json, indent: string): string {
  if (isCollection(v) && !isEmpty(v)) return '\n' + emitBlock(v, indent + INDENT);
  if (typeof v === 'string') {
    const block = literalBlock(v, indent + INDENT);
    if (block) return ' ' + block;
  }
  return ' ' + scalarOrFlow(v) + '\n';
}

function emitBlock(v: Json[] | { [key: string]: Json }, indent: string): string {
  let out = '';
  if (Array.isArray(v)) {
    for (const item of v) {
      const x = item === undefined ? null : item;
      if (isCollection(x) && !isEmpty(x)) {
        // The first line of the nested block goes right after "- ".
        const nested = emitBlock(x, indent + INDENT);
        out += indent + '- ' + nested.slice(indent.length + INDENT.length);
        continue;
      }
      const block = typeof x === 'string' ? literalBlock(x, indent + INDENT) : undefined;
      out += indent + '- ' + (block ?? scalarOrFlow(x) + '\n');
    }
    return out;
  }
  for (const [key, value] of entries(v)) out += indent + quoteString(key) + ':' + emitValueAfterKey(value, indent);
  return out;
}
