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
    // A command that exits without reading its input (kubectl refusing a
    // flag, say) closes the pipe: EPIPE here is that, and the exit code and
    // stderr already say why, so it must not become an unhandled error.
    child.stdin.on('error', () => {});
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

/**
 * Gives every Secret the model declares a random value for each key (`*` in a
 * key family becomes `X`), creating the namespaces they live in, so that the
 * deploy's secrets preflight passes. Values go to kubectl on stdin, never in
 * argv; they are returned so a suite can scan for leaks. `except` leaves out
 * Secrets (by name) or single keys (`name/KEY`).
 */
export async function plantSecrets(kubeconfig: string, app: { namespace: string; secrets: { name: string; namespace?: string; keys: string[] }[] }, except: string[] = []): Promise<{ namespace: string; name: string; key: string; value: string }[]> {
  const { randomBytes } = await import('node:crypto');
  const planted: { namespace: string; name: string; key: string; value: string }[] = [];
  for (const s of app.secrets) {
    if (except.includes(s.name)) continue;
    const namespace = s.namespace ?? app.namespace;
    // The namespace may exist already (the shared logging namespace, an earlier Secret).
    const made = await kubectl(kubeconfig, ['create', 'namespace', namespace]);
    if (made.code !== 0 && !/AlreadyExists/.test(made.stderr)) throw new Error(`kubectl create namespace ${namespace}: ${made.stderr}`);
    const data: Record<string, string> = {};
    for (const k of s.keys) {
      const key = k.replace(/\*/g, 'X');
      if (except.includes(`${s.name}/${k}`)) continue;
      const value = `sv-${randomBytes(10).toString('hex')}`;
      planted.push({ namespace, name: s.name, key, value });
      data[key] = Buffer.from(value).toString('base64');
    }
    const r = await kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace }, type: 'Opaque', data }));
    if (r.code !== 0) throw new Error(`planting Secret ${namespace}/${s.name}: ${r.stderr}`);
  }
  return planted;
}
