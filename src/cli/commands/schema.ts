// `railyard schema`: print (or write) the JSON Schema of railyard.config.yaml/.json.
import type { Command } from 'commander';
import { appJsonSchema } from '../../config/json-schema.js';
import { writeFileAtomically } from '../write-output.js';

export function register(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of the app model (for editor completion in YAML/JSON configs)')
    .option('-o, --output <file>', 'write it to this file instead of stdout')
    .action(async (flags: { output?: string }) => {
      const text = JSON.stringify(appJsonSchema(), null, 2) + '\n';
      if (!flags.output) {
        process.stdout.write(text);
        return;
      }
      writeFileAtomically(flags.output, text);
    });
}
