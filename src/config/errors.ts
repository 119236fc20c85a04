// Config errors: every problem, each with the path to fix, never a stack trace.
import type { z } from 'zod';

export interface ConfigProblem {
  /** Dotted path with [i] for array items: `workers.secondary.pools[3].queues`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` + problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Flattens zod issues (including every branch of a failed union) into path/message pairs. */
export function problemsFromZod(error: z.ZodError): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const visit = (issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report the branch that got furthest: the one with the fewest issues.
        const best = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
        visit(best, path);
        continue;
      }
      if (issue.code === 'invalid_key' && issue.issues.length > 0) {
        // A record key that failed its own schema: say why (e.g. "must be a label key"), not only "Invalid key".
        visit(issue.issues, path);
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field (is it misspelled?)' });
        continue;
      }
      out.push({ path: formatPath(path), message: issue.message });
    }
  };
  visit(error.issues, []);
  return out;
}
