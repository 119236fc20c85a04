// podman, run with the project-local containers.conf and storage.conf (the
// same ones scripts/podman/setup.sh writes), never the machine's.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/** The repository root: the nearest folder up from this module holding mk/podman.mk (also when bundled into .cache/). */
export const ROOT = findRoot(dirname(new URL(import.meta.url).pathname));
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'mk/podman.mk'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no mk/podman.mk above ${from}`);
  }
}
export const PODMAN_DIR = `${ROOT}/.cache/podman`;
export const podmanEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: `${PODMAN_DIR}/containers.conf`,
  CONTAINERS_STORAGE_CONF: `${PODMAN_DIR}/storage.conf`,
};

/** The base image's tag, as scripts/podman/env.sh computes it. */
export function baseImageTag(): string {
  return execFileSync('bash', ['-c', '. scripts/podman/env.sh && base_image_tag'], { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** Throws, naming the fix, unless podman, its config and the base image are in place. */
export function requirePodman(): string {
  const fix = 'run `make e2e` (mk/podman.mk installs podman and builds the base image)';
  if (spawnSync('podman', ['--version']).status !== 0) throw new Error(`podman is not installed: ${fix}`);
  for (const f of [podmanEnv.CONTAINERS_CONF!, podmanEnv.CONTAINERS_STORAGE_CONF!]) if (!existsSync(f)) throw new Error(`${f} is missing: ${fix}`);
  const tag = baseImageTag();
  if (podmanSync(['image', 'exists', tag]).status !== 0) throw new Error(`base image ${tag} is not in ${PODMAN_DIR}/storage: ${fix}`);
  return tag;
}

export function podmanSync(args: string[], opts: { input?: string } = {}) {
  return spawnSync('podman', args, { env: podmanEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
}

/** Runs a program with the project-local podman env; rejects with its stderr when it fails. */
async function execWithPodmanEnv(file: string, args: string[], what: string, timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { env: podmanEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${err.message}\n${(err.stderr ?? '').slice(-4000)}`);
  }
}

/** Runs podman; rejects with its stderr when it fails. */
export function podman(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return execWithPodmanEnv('podman', args, `podman ${args.slice(0, 2).join(' ')}`, opts.timeoutMs ?? 600_000);
}

/**
 * Builds every target in one `podman build` (scripts/podman/build-targets.sh) and
 * tags each `template` with {} replaced by the target's name.
 */
export async function buildTargets(context: string, baseImage: string, template: string, targets: string[]): Promise<void> {
  // --network none: the build needs nothing from outside (no registry exists here).
  const args = ['--network', 'none', '--build-arg', `BASE_IMAGE=${baseImage}`, '--', context, template, ...targets];
  await execWithPodmanEnv(`${ROOT}/scripts/podman/build-targets.sh`, args, 'build-targets.sh', 900_000);
}
