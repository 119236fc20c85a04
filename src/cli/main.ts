// The railyard CLI: a thin layer over src/config, src/render, src/check and src/deploy.
// Each command lives in src/cli/commands/<name>.ts and exports `register(program)`;
// src/cli/program.ts lists them (COMMANDS) and builds the commander program.
//
// Only the command being run is loaded; `--help` with no command loads them all.
import { COMMANDS, createProgram } from './program.js';
import { exitCodes } from './output.js';

const args = process.argv.slice(2);
const first = args.find((a) => !a.startsWith('-'));
const versionOnly = first === undefined && (args.includes('--version') || args.includes('-V'));
const names = versionOnly ? [] : first !== undefined && first in COMMANDS ? [first] : Object.keys(COMMANDS);
const program = await createProgram(names);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`railyard: ${(err as Error).message ?? String(err)}\n`);
  process.exit(exitCodes.failure);
});
