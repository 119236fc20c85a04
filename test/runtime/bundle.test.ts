// dist/runtime.cjs: one file, no node_modules, Node 18, ≤ 1.5 MB; and the
// process tree it makes under tini (design properties 1 and 2).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, alive, baseEnv, program, runtimeBundle, sleep } from './support.js';

/** APIs that Node 18 lacks. The bundle may mention one only behind a feature test (listed with it). */
const NEWER_THAN_NODE_18: [RegExp, string?][] = [
  [/\.toSorted\(/], [/\.toReversed\(/], [/\.toSpliced\(/], [/Object\.groupBy|Map\.groupBy/], [/Promise\.withResolvers/],
  [/\.isWellFormed\(|\.toWellFormed\(/], [/AbortSignal\.any/], [/loadEnvFile/], [/styleText/], [/Array\.fromAsync/],
  [/import\.meta\.(dirname|filename)/], [/\.(union|intersection|symmetricDifference|isSubsetOf)\(/], [/navigator\./],
  // mysql2 asks `"getBuiltinModule" in process` first and falls back to require.
  [/getBuiltinModule/, '"getBuiltinModule"in '],
];

describe('the runtime bundle', () => {
  it('is one file of at most 1.5 MB that needs only Node built-ins', async () => {
    const file = await runtimeBundle();
    expect(statSync(file).size).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    const code = readFileSync(file, 'utf8');
    const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules);
    // mysql2 tries `cardinal` (debug colouring) inside try/catch; it is not needed.
    const external = [...required].filter((r) => !builtins.has(r.replace(/^node:/, '')) && r !== 'cardinal');
    expect(external).toEqual([]);
    expect(code).toMatch(/try\{In=require\("cardinal"\)|require\("cardinal"\)[^;]*\}catch/);
  });

  it('uses no API newer than Node 18 (esbuild target node18 handles syntax, not APIs)', async () => {
    const code = readFileSync(await runtimeBundle(), 'utf8');
    for (const [re, guard] of NEWER_THAN_NODE_18) {
      const hits = [...code.matchAll(new RegExp(re.source, 'g'))];
      for (const h of hits) {
        const around = code.slice(Math.max(0, h.index! - 40), h.index! + 60);
        expect(guard !== undefined && around.includes(guard), `${re} used without a feature test: …${around}…`).toBe(true);
      }
    }
  });

  it('runs from a directory with no node_modules anywhere above it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'railyard-bare-'));
    const file = join(dir, 'runtime.cjs');
    copyFileSync(await runtimeBundle(), file);
    const out = await new Promise<string>((resolve) => {
      const p = spawn(NODE, [file, 'worker'], { cwd: '/', env: { PATH: process.env.PATH! } });
      let s = '';
      p.stdout.on('data', (d) => (s += d));
      p.on('close', () => resolve(s));
    });
    expect(JSON.parse(out).missing).toContain('DELAYED_JOB_POOLS');
  });
});

/** pid → ppid, from /proc. */
const ppid = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
const children = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('process tree under tini (properties 1 and 2)', () => {
  it('tini → runtime → one direct child per slot; nothing daemonizes; SIGTERM to tini stops it all', async () => {
    expect(existsSync('/usr/bin/tini'), 'tini is installed by mk/runtime.mk (make test)').toBe(true);
    const file = await runtimeBundle();
    const tini = spawn('/usr/bin/tini', ['--', NODE, file, 'worker-primary', '--', NODE, program('signals.cjs')], {
      env: baseEnv({ DELAYED_JOB_POOLS: '--pool=mail:1 --pool=slack,sms:2' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    tini.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((r) => tini.on('close', (code) => r(code)));
    const deadline = Date.now() + 10_000;
    while ((out.match(/"ready":true/g) ?? []).length < 3 && Date.now() < deadline) await sleep(20);

    const runtimes = children(tini.pid!);
    expect(runtimes).toHaveLength(1); // the runtime is tini's only child
    const runtime = runtimes[0]!;
    const apps = children(runtime);
    expect(apps).toHaveLength(3); // one per pool slot, each a direct child
    for (const a of apps) {
      expect(ppid(a)).toBe(runtime);
      expect(children(a)).toEqual([]); // nothing forked off behind our back
    }
    // Only the target's processes run: the command given, once per slot.
    for (const a of apps) expect(readFileSync(`/proc/${a}/cmdline`, 'utf8').split('\0')).toContain(program('signals.cjs'));

    tini.kill('SIGTERM');
    expect(await closed).toBe(0);
    for (const a of [runtime, ...apps]) expect(alive(a)).toBe(false);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => typeof l.message === 'string' && l.message.includes('"signal":"SIGTERM"'))).toHaveLength(0);
    expect(lines.filter((l) => l.signal === 'SIGTERM')).toHaveLength(3);
  });
});
