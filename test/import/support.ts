// What the import tests share: the real whenever (Debian's ruby-whenever, which
// `make test` installs through mk/import.mk), and the CLI as a user runs it.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('bin/railyard.js');

/** Fails loudly when whenever is missing: a skipped schedule test would test nothing. */
export function requireWhenever(): void {
  const r = spawnSync('whenever', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('whenever is not installed: run `make test` (mk/import.mk installs Debian’s ruby-whenever), or apt-get install ruby-whenever');
}

export function railyard(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? process.cwd(), input: opts.input ?? '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
