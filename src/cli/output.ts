// Conventions shared by every command: exit codes, colour only on a TTY, config errors.
import { ConfigError } from '../config/errors.js';

export const exitCodes = {
  ok: 0,
  /** The command ran and found a problem (check errors, stale output, failed deploy). */
  failure: 1,
  /** Bad input: unreadable or invalid config, wrong flags. Nothing was written. */
  usage: 2,
} as const;

/** Colour only when the stream is a terminal and NO_COLOR is unset (https://no-color.org). */
export function colours(stream: NodeJS.WriteStream) {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), yellow: wrap(33), green: wrap(32), dim: wrap(2), bold: wrap(1), cyan: wrap(36) };
}

/** A bad flag or argument: one `railyard: …` line on stderr, exit 2. */
export function exitUsage(message: string): never {
  process.stderr.write(`railyard: ${message}\n`);
  process.exit(exitCodes.usage);
}

/** Prints a ConfigError as `file: path: message` lines and exits 2; rethrows anything else. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    const c = colours(process.stderr);
    process.stderr.write(`${c.red('error')}: invalid config ${err.file}\n`);
    for (const p of err.problems) process.stderr.write(`  ${c.bold(p.path || '(root)')}: ${p.message}\n`);
    process.exit(exitCodes.usage);
  }
  throw err;
}
