// The local control plane for e2e tests (scripts/cluster, `make cluster-up`,
// which `make e2e` runs first). Tests fail loudly when it is absent: a skipped
// cluster test would pass without testing anything.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../../..');
const exec = promisify(execFile);

/** The admin kubeconfig of the running local cluster; throws with the fix if it is not running. */
export async function requireCluster(): Promise<string> {
  try {
    const { stdout } = await exec(join(ROOT, 'scripts/cluster/status.sh'), { cwd: ROOT });
    return stdout.trim();
  } catch (err) {
    throw new Error(`the local Kubernetes control plane is not running; start it with \`make cluster-up\` (make e2e does this first)\n${(err as { stderr?: string }).stderr ?? ''}`);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<RunResult> {
  return run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input });
}

export async function kubectlJson<T = any>(kubeconfig: string, args: string[]): Promise<T> {
  const r = await kubectl(kubeconfig, [...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The railyard CLI as built by `make build` (make e2e builds first). */
export function railyard(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<RunResult> {
  return run(process.execPath, [join(ROOT, 'bin/railyard.js'), ...args], { env: { NO_COLOR: '1', ...env }, timeoutMs });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `railyard-${prefix}-`));
}

/** Directory of a published Go module, fetched through the Go module proxy into the module cache. */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const { stdout } = await exec('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: tmpdir(), maxBuffer: 1 << 20 });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

/** A value from scripts/cluster/versions.env, the one place versions are pinned. */
export function pinnedVersion(name: string): string {
  const m = readFileSync(join(ROOT, 'scripts/cluster/versions.env'), 'utf8').match(new RegExp(`^${name}=(\\S+)`, 'm'));
  if (!m) throw new Error(`${name} is not set in scripts/cluster/versions.env`);
  return m[1]!;
}

/**
 * Config source text for the kwok suites: the example's Fluent Bit DaemonSet on
 * the kwok nodes only. By default it tolerates every taint, so it would also
 * land on the real node (scripts/cluster/node.sh), where no Fluent Bit image
 * exists and its rollout would never finish. `base` names the spread config.
 */
export function kwokOnlyLogging(base: string): string {
  return `logging: { ...${base}.logging, fluentBit: { ...${base}.logging.fluentBit!, scheduling: { nodeSelector: { type: 'kwok' }, tolerations: [] } } }`;
}
