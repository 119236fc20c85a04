// The Fluent Bit binary built from ../shared/vendor by scripts/fluentbit/build.sh
// (mk/fluentbit.mk), and a `--dry-run` of a rendered config with it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
export const BUILD_SCRIPT = join(ROOT, 'scripts/fluentbit/build.sh');

/** The cached binary's path; throws, naming the fix, when it has not been built. */
export function fluentBitBinary(): string {
  const bin = execFileSync(BUILD_SCRIPT, ['--print-path'], { encoding: 'utf8' }).trim();
  if (!existsSync(bin)) throw new Error(`${bin} is not built: run \`make fluent-bit\` (make test and make e2e do it, mk/fluentbit.mk)`);
  return bin;
}

export interface DryRun {
  code: number | null;
  output: string;
}

/**
 * `fluent-bit --dry-run -c` on a config, with the other ConfigMap keys written
 * beside it (the pod mounts them all in /fluent-bit/etc; a dry run opens none
 * of them, but the paths stay the pod's).
 */
export function dryRun(files: Record<string, string>, main = 'fluent-bit.conf'): DryRun {
  const dir = mkdtempSync(join(tmpdir(), 'railyard-fb-'));
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync(fluentBitBinary(), ['--dry-run', '-c', join(dir, main)], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
