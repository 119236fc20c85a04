// The integration tests' own process helpers: what they start must not
// outlive a test process that dies by a signal (runner timeout, closed pipe),
// when no exit hook runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('a SIGKILLed test process takes the process groups it started with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'railyard-owner-'));
  try {
    // A process that uses startProc() the way the tests do, bundled with
    // esbuild since Node 20 runs no TypeScript.
    const bundle = join(dir, 'owner.cjs');
    const helper = fileURLToPath(new URL('./fixture-app.ts', import.meta.url));
    await build({
      stdin: {
        contents: `import { startProc } from ${JSON.stringify(helper)};
const p = startProc('sh', ['-c', 'sleep 300 & sleep 300'], { cwd: ${JSON.stringify(dir)}, env: process.env });
setTimeout(() => console.log(JSON.stringify({ pid: p.pid })), 300);
setInterval(() => {}, 1000);`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      // CommonJS, so that NODE_PATH finds the repo's node_modules from a temp dir.
      format: 'cjs',
      outfile: bundle,
      logLevel: 'error',
      packages: 'external',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(helper).href) },
    });
    const owner = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: fileURLToPath(new URL('../../node_modules', import.meta.url)) } });
    const { pid } = await new Promise<{ pid: number }>((resolve, reject) => {
      owner.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { pid: number }));
      owner.once('exit', (code) => reject(new Error(`owner exited ${code}`)));
    });
    expect(alive(pid)).toBe(true);
    owner.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid), 'the started process outlived its owner').toBe(false);
    // Its whole group, the backgrounded sleep included.
    const group = await new Promise<string>((resolve) => {
      const ps = spawn('ps', ['-o', 'pid=', '-g', String(pid)]);
      let out = '';
      ps.stdout.on('data', (d: Buffer) => (out += d.toString()));
      ps.on('exit', () => resolve(out.trim()));
    });
    expect(group).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(existsSync(dir)).toBe(false);
}, 60_000);
