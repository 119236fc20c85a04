// Ruby literals read as text, never run: hashes, arrays, strings, symbols,
// integers, nil, true and false. Capistrano settings are usually literals; when
// one is not (a lambda, a method call, interpolation), the caller says so.

export type RubyValue = string | number | boolean | null | { symbol: string } | RubyValue[] | RubyHash;
export interface RubyHash {
  hash: [RubyValue, RubyValue][];
}

export class NotLiteral extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'NotLiteral';
  }
}

const SYMBOL_BODY = /^(?:[A-Za-z_][A-Za-z0-9_]*[?!=]?|\*\*?|\+|-|\/|%|<=>|==|<|>|<=|>=|\[\]=?)/;

/** Parses the literal at `pos` (blanks, newlines and comments first); returns it and the offset after it. */
export function readRubyLiteral(text: string, pos: number): { value: RubyValue; end: number } {
  const p = { i: pos };
  const value = literal(text, p);
  return { value, end: p.i };
}

function skip(text: string, p: { i: number }): void {
  for (;;) {
    while (p.i < text.length && /\s/.test(text[p.i]!)) p.i++;
    if (text[p.i] === '#') {
      while (p.i < text.length && text[p.i] !== '\n') p.i++;
      continue;
    }
    return;
  }
}

function literal(text: string, p: { i: number }): RubyValue {
  skip(text, p);
  const rest = text.slice(p.i);
  const c = text[p.i];
  if (c === '{') return hash(text, p);
  if (c === '[') return array(text, p, ']');
  if (c === "'" || c === '"') return string(text, p);
  let m: RegExpExecArray | null;
  if ((m = /^%[wi]([[({<])/.exec(rest))) {
    const close = { '[': ']', '(': ')', '{': '}', '<': '>' }[m[1] as '[' | '(' | '{' | '<'];
    const end = text.indexOf(close, p.i + 3);
    if (end < 0) throw new NotLiteral('unclosed %w list', p.i);
    const words = text.slice(p.i + 3, end).trim().split(/\s+/).filter((w) => w !== '');
    p.i = end + 1;
    return rest[1] === 'i' ? words.map((w) => ({ symbol: w })) : words;
  }
  if (c === ':' && (text[p.i + 1] === '"' || text[p.i + 1] === "'")) {
    p.i++;
    return { symbol: string(text, p) };
  }
  if (c === ':' && (m = SYMBOL_BODY.exec(text.slice(p.i + 1)))) {
    p.i += 1 + m[0].length;
    return { symbol: m[0] };
  }
  if ((m = /^-?\d[\d_]*(?![.\w])/.exec(rest))) {
    p.i += m[0].length;
    return Number(m[0].replace(/_/g, ''));
  }
  if ((m = /^(nil|true|false)\b/.exec(rest))) {
    p.i += m[0].length;
    return m[1] === 'nil' ? null : m[1] === 'true';
  }
  throw new NotLiteral(`"${rest.split('\n')[0]!.slice(0, 40)}" is not a literal`, p.i);
}

function string(text: string, p: { i: number }): string {
  const q = text[p.i]!;
  let out = '';
  p.i++;
  while (p.i < text.length) {
    const c = text[p.i]!;
    if (c === q) {
      p.i++;
      return out;
    }
    if (c === '\\' && p.i + 1 < text.length) {
      const n = text[p.i + 1]!;
      if (q === "'") out += n === "'" || n === '\\' ? n : '\\' + n;
      else out += ({ n: '\n', t: '\t', s: ' ', '0': '\0' } as Record<string, string>)[n] ?? n;
      p.i += 2;
      continue;
    }
    if (q === '"' && c === '#' && text[p.i + 1] === '{') throw new NotLiteral('a string with #{…} interpolation', p.i);
    out += c;
    p.i++;
  }
  throw new NotLiteral('unclosed string', p.i);
}

function array(text: string, p: { i: number }, close: string): RubyValue[] {
  p.i++;
  const out: RubyValue[] = [];
  for (;;) {
    skip(text, p);
    if (text[p.i] === close) {
      p.i++;
      return out;
    }
    out.push(literal(text, p));
    skip(text, p);
    if (text[p.i] === ',') p.i++;
    else if (text[p.i] !== close) throw new NotLiteral(`expected "," or "${close}"`, p.i);
  }
}

function hash(text: string, p: { i: number }): RubyHash {
  p.i++;
  const out: RubyHash = { hash: [] };
  for (;;) {
    skip(text, p);
    if (text[p.i] === '}') {
      p.i++;
      return out;
    }
    let key: RubyValue;
    // `name: value` and `"name": value` (symbol keys)
    const label = /^([A-Za-z_][A-Za-z0-9_]*[?!]?):(?!:)/.exec(text.slice(p.i));
    if (label) {
      key = { symbol: label[1]! };
      p.i += label[0].length;
    } else {
      key = literal(text, p);
      skip(text, p);
      if (text.startsWith('=>', p.i)) p.i += 2;
      else if (typeof key === 'string' && text[p.i] === ':') {
        key = { symbol: key };
        p.i++;
      } else throw new NotLiteral('expected "=>"', p.i);
    }
    const value = literal(text, p);
    out.hash.push([key, value]);
    skip(text, p);
    if (text[p.i] === ',') p.i++;
    else if (text[p.i] !== '}') throw new NotLiteral('expected "," or "}"', p.i);
  }
}

/** A key or scalar as delayed_job would print it in `--pool=KEY:N`. */
export function rubyToString(v: RubyValue): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && 'symbol' in v) return v.symbol;
  return undefined;
}
