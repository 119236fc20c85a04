// `railyard run` through commander, as the main CLI registers it
// (src/cli/commands/run.ts): argv after "run" reaches the runtime untouched.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE, ROOT, assertLogLines, baseEnv } from './support.js';

// Inside the repository, so the bundle's external imports resolve from node_modules.
const dir = join(ROOT, '.cache/test-runtime-cli');
const entry = join(dir, 'entry.ts');
const out = join(dir, 'railyard-run.mjs');

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    entry,
    `import { Command } from 'commander';\nimport { register } from '${join(ROOT, 'src/cli/commands/run.ts')}';\n` +
      `const program = new Command().name('railyard').exitOverride((e) => process.exit(e.code === 'commander.helpDisplayed' ? 0 : 2));\n` +
      `register(program);\nawait program.parseAsync(process.argv);\n`,
  );
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(NODE, [out, ...args], { env, cwd: ROOT });
    let stdout = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('railyard run (CLI)', () => {
  it('passes the command after "--" through, options included, and exits with its code', async () => {
    // The second "--" is the child's own (node's end of options): only the first is ours.
    const r = await cli(['run', 'web', '--', NODE, '-e', 'console.log("hello", process.argv.slice(1).join(" ")); process.exit(4)', '--', '--port', '3000'], baseEnv());
    expect(r.code).toBe(4);
    const lines = r.stdout.trim().split('\n');
    assertLogLines(lines);
    expect(lines.map((l) => JSON.parse(l).message)).toContain('hello --port 3000');
  });

  it('bad env: one JSON error line, exit 1', async () => {
    const r = await cli(['run', 'worker'], { PATH: process.env.PATH! });
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout).missing).toContain('DELAYED_JOB_POOLS');
  });

  it('takes the target from PROCESS_TARGET', async () => {
    const r = await cli(['run', '--', NODE, '-e', 'console.log(process.env.PROCESS_TARGET)'], baseEnv({ PROCESS_TARGET: 'kafka-docs' }));
    expect(r.code).toBe(0);
    const rec = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.stream === 'stdout');
    expect(rec).toMatchObject({ process_target: 'kafka-docs', message: 'kafka-docs' });
  });
});
