// config/puma.rb: threads (min, max), workers and port, read as text. Rails'
// generated puma.rb names its numbers through ENV.fetch with a fallback, in
// local variables; those are followed one assignment deep.
import { readErb } from './database-yml.js';
import { assertText, lineAt } from './types.js';

export interface PumaConfig {
  threads?: { min: number; max: number; line: number };
  workers?: { value?: number; code: string; line: number };
  port?: { value: number; line: number };
}

export function parsePuma(text: string, file: string): PumaConfig {
  assertText(file, text);
  const code = text.replace(/#[^{\n][^\n]*|#$/gm, (m) => ' '.repeat(m.length));
  const vars = new Map<string, string>();
  for (const m of code.matchAll(/^[ \t]*([a-z_][a-z0-9_]*)[ \t]*=[ \t]*([^\n]+)$/gm)) vars.set(m[1]!, m[2]!.trim());
  const valueOf = (expr: string, depth = 0): number | undefined => {
    const e = expr.trim().replace(/\.to_i$/, '').replace(/^Integer\((.*)\)$/, '$1').trim();
    if (/^\d+$/.test(e)) return Number(e);
    if (/^[a-z_][a-z0-9_]*$/.test(e) && vars.has(e) && depth < 3) return valueOf(vars.get(e)!, depth + 1);
    const erb = readErb(e, 0);
    if (erb.fallback !== undefined) {
      if (/^\d+$/.test(erb.fallback)) return Number(erb.fallback);
      if (vars.has(erb.fallback) && depth < 3) return valueOf(vars.get(erb.fallback)!, depth + 1);
    }
    return undefined;
  };
  const out: PumaConfig = {};
  /** The arguments of a top-level call: `name a, b` or `name(a, b)`. */
  const call = (name: string): { args: string; index: number } | undefined => {
    const m = new RegExp(`^[ \\t]*${name}\\b[ \\t]*(\\(?)(.+?)[ \\t]*$`, 'm').exec(code);
    if (!m) return undefined;
    const args = m[1] ? m[2]!.replace(/\)$/, '') : m[2]!;
    return { args: args.trim(), index: m.index };
  };
  const threads = call('threads');
  if (threads) {
    const parts = splitArgs(threads.args);
    const min = parts[0] !== undefined ? valueOf(parts[0]) : undefined;
    const max = parts[1] !== undefined ? valueOf(parts[1]) : undefined;
    if (min !== undefined && max !== undefined) out.threads = { min, max, line: lineAt(text, threads.index) };
  }
  const workers = call('workers');
  if (workers) out.workers = { value: valueOf(workers.args), code: workers.args, line: lineAt(text, workers.index) };
  const port = call('port');
  if (port) {
    const v = valueOf(splitArgs(port.args)[0] ?? '');
    if (v !== undefined && v >= 1 && v <= 65535) out.port = { value: v, line: lineAt(text, port.index) };
  }
  return out;
}

/** Splits call arguments at top-level commas (not inside parentheses, braces or quotes). */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const c of args) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if ('({['.includes(c)) depth++;
    else if (')}]'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
