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
  const threads = /^[ \t]*threads[ \t(]+([^,\n]+),[ \t]*([^)\n]+?)\)?[ \t]*$/m.exec(code);
  if (threads) {
    const min = valueOf(threads[1]!);
    const max = valueOf(threads[2]!);
    if (min !== undefined && max !== undefined) out.threads = { min, max, line: lineAt(text, threads.index!) };
  }
  const workers = /^[ \t]*workers[ \t(]+([^\n)]+)\)?[ \t]*$/m.exec(code);
  if (workers) out.workers = { value: valueOf(workers[1]!), code: workers[1]!.trim(), line: lineAt(text, workers.index!) };
  const port = /^[ \t]*port[ \t(]+([^\n)]+(?:\)[^\n)]*)?)\)?[ \t]*$/m.exec(code);
  if (port) {
    const v = valueOf(port[1]!);
    if (v !== undefined && v >= 1 && v <= 65535) out.port = { value: v, line: lineAt(text, port.index!) };
  }
  return out;
}
