// README: "every command has --help". One case per command and subcommand, taken
// from the commander program itself (src/cli/program.ts registers every command in
// COMMANDS), so a command added later is covered without editing this file. Each
// runs the built CLI, as a user would, and must print its own usage line.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, createProgram } from '../../src/cli/program.js';

const CLI = resolve('bin/railyard.js');

function railyard(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every command below `cmd`, depth first, with the words that invoke it. */
function walk(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((sub) => [{ path: [...path, sub.name()], cmd: sub }, ...walk(sub, [...path, sub.name()])]);
}

const program = await createProgram();
const commands = walk(program);

describe('--help', () => {
  it('the table holds every command the CLI registers (and the CLI registers every command in COMMANDS)', () => {
    expect(commands.filter((c) => c.path.length === 1).map((c) => c.path[0]).sort()).toEqual(Object.keys(COMMANDS).sort());
    expect(commands.length).toBeGreaterThanOrEqual(7);
  });

  it('railyard --help shows the program usage and lists every command', () => {
    const r = railyard(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`Usage: railyard ${program.usage()}`);
    for (const c of commands.filter((x) => x.path.length === 1)) expect(r.stdout).toMatch(new RegExp(`^  ${c.path[0]}\\b`, 'm'));
  });

  it.each(commands.map((c) => [c.path.join(' '), c] as const))('railyard %s --help shows its own usage line', (_, { path, cmd }) => {
    const r = railyard([...path, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Usage: railyard ${path.join(' ')} ${cmd.usage()}`);
    // commander wraps the description to the width of the output.
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    expect(flat(r.stdout)).toContain(flat(cmd.description()));
    // Each option the command declares is documented.
    for (const o of cmd.options) expect(r.stdout).toContain(o.flags);
  });
});
