// "Colour only on a terminal" (src/cli/output.ts), tested on both sides with a
// real pseudo-terminal (node-pty): colour when stdout/stderr is a TTY, none when
// it is a pipe, none on a TTY when NO_COLOR is set (https://no-color.org: set and
// not empty). The same commands run each way, with the same environment otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('bin/railyard.js');
const ESC = '\u001b[';
const dir = mkdtempSync(join(tmpdir(), 'railyard-colour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a colour-capable terminal, without whatever this test run inherited that would decide for us. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['NO_COLOR', 'FORCE_COLOR', 'TERM', 'CI'].includes(k)) e[k] = v;
  return { ...e, TERM: 'xterm-256color', ...extra };
}

/** Runs the CLI on a pseudo-terminal: stdout and stderr are both the TTY. */
function onTty(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; output: string; isTty: boolean }> {
  return new Promise((res) => {
    // A first line from the child itself shows the streams really are a TTY.
    const p = pty.spawn(process.execPath, ['-e', `process.stdout.write(String(process.stdout.isTTY && process.stderr.isTTY) + '\\n'); process.argv.splice(1, 0, ${JSON.stringify(CLI)}); import(${JSON.stringify(CLI)})`, '--', ...args], {
      name: 'xterm-256color',
      cols: 160,
      rows: 50,
      cwd: process.cwd(),
      env: env(extra),
    });
    let output = '';
    p.onData((d) => (output += d));
    p.onExit(({ exitCode }) => {
      const [first, ...rest] = output.split('\r\n');
      res({ code: exitCode, output: rest.join('\n'), isTty: first === 'true' });
    });
  });
}

/** Runs the CLI with stdout and stderr on pipes. */
function onPipe(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: env(extra) });
  return { code: r.status, output: r.stdout + r.stderr };
}

/** Commands whose output has colour on a terminal: synth's summary, check's report (stdout), a config error (stderr). */
const cases: [string, () => string[], number][] = [
  ['synth (stdout)', () => ['synth', 'examples/storecove', '--out', join(dir, 'out'), '--image-tag', 'colour01', '--no-runtime'], 0],
  ['check (stdout)', () => ['check', 'examples/storecove'], 0],
  ['a config error (stderr)', () => ['synth', join(dir, 'missing'), '--out', join(dir, 'never'), '--image-tag', 'colour01'], 2],
];

describe.each(cases)('%s', (_, args, code) => {
  it('is coloured on a terminal', async () => {
    const r = await onTty(args());
    expect(r.isTty).toBe(true);
    expect(r.code, r.output).toBe(code);
    expect(r.output).toContain(ESC);
  });

  it('has no colour in a pipe', () => {
    const r = onPipe(args());
    expect(r.code, r.output).toBe(code);
    expect(r.output.length).toBeGreaterThan(20);
    expect(r.output).not.toContain(ESC);
  });

  it('has no colour on a terminal with NO_COLOR set', async () => {
    const r = await onTty(args(), { NO_COLOR: '1' });
    expect(r.isTty).toBe(true);
    expect(r.code, r.output).toBe(code);
    expect(r.output.length).toBeGreaterThan(20);
    expect(r.output).not.toContain(ESC);
  });
});

it('an empty NO_COLOR does not turn colour off (no-color.org: "present and not an empty string")', async () => {
  const r = await onTty(['check', 'examples/storecove'], { NO_COLOR: '' });
  expect(r.output).toContain(ESC);
});
