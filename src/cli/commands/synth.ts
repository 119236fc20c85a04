// `railyard synth [CONFIG] --out DIR --image-tag TAG`: render every artifact.
import type { Command } from 'commander';
import { relative, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { synthesize } from '../../render/index.js';
import { ImageTagError } from '../../render/image.js';
import { formatTable, summarize } from '../../render/summary.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';
import { findStaleFiles, writeFilesAtomically } from '../write-output.js';
import { readRuntimeBundle } from '../runtime-bundle.js';
import { RUNTIME_BUNDLE_PATH } from '../../render/docker/index.js';

interface SynthFlags {
  out: string;
  imageTag: string;
  allowLatest?: boolean;
  check?: boolean;
  format: 'text' | 'json';
  quiet?: boolean;
  runtime: boolean;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('Render the Kubernetes manifests, Dockerfile, deploy workflow and Rails files for an app')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .requiredOption('-o, --out <dir>', 'output folder (files railyard wrote before and no longer renders are removed)')
    .requiredOption('-t, --image-tag <tag>', 'image tag to pin, normally the commit SHA; images become <target>-<tag>')
    .option('--allow-latest', 'accept a mutable tag such as "latest" (re-applies then start no rollout)')
    .option('--check', 'write nothing; exit 1 if the files in --out differ from what would be rendered')
    .option('--format <format>', 'text or json', 'text')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-runtime', `do not copy the runtime bundle to ${RUNTIME_BUNDLE_PATH} (the Dockerfile needs it to build)`)
    .addHelpText(
      'after',
      `
Exit status: 0 written (or up to date with --check), 1 stale (--check), 2 invalid config or flags.

Example:
  railyard synth examples/storecove --out out/storecove --image-tag "$(git rev-parse HEAD)"`,
    )
    .action(async (config: string, flags: SynthFlags) => {
      if (flags.format !== 'text' && flags.format !== 'json') {
        process.stderr.write(`railyard: --format must be text or json, not "${flags.format}"\n`);
        process.exit(exitCodes.usage);
      }
      const { app, file } = await loadConfig(config).catch(exitOnConfigError);
      const outDir = resolve(flags.out);
      let synthesis;
      try {
        synthesis = synthesize(app, { imageTag: flags.imageTag, allowLatest: flags.allowLatest, source: relative(outDir, file).split('\\').join('/') });
      } catch (err) {
        if (err instanceof ImageTagError) {
          process.stderr.write(`railyard: ${err.message}\n`);
          process.exit(exitCodes.usage);
        }
        throw err;
      }
      if (flags.runtime) synthesis.files.push({ path: RUNTIME_BUNDLE_PATH, content: readRuntimeBundle() });
      const c = colours(process.stdout);

      if (flags.check) {
        const drift = await findStaleFiles(outDir, synthesis.files);
        const problems = [...drift.stale.map((p) => `changed  ${p}`), ...drift.missing.map((p) => `missing  ${p}`), ...drift.extra.map((p) => `removed  ${p}`)];
        if (flags.format === 'json') process.stdout.write(JSON.stringify({ upToDate: problems.length === 0, ...drift }, null, 2) + '\n');
        else if (problems.length > 0) process.stdout.write(`${c.red('stale')}: ${flags.out} differs from ${relative(process.cwd(), file)}; run railyard synth\n` + problems.map((p) => `  ${p}\n`).join(''));
        else if (!flags.quiet) process.stdout.write(`${c.green('up to date')}: ${synthesis.files.length} files in ${flags.out}\n`);
        process.exit(problems.length === 0 ? exitCodes.ok : exitCodes.failure);
      }

      const result = await writeFilesAtomically(outDir, synthesis.files);
      const rows = summarize(app);
      if (flags.format === 'json') {
        process.stdout.write(JSON.stringify({ out: flags.out, imageTag: flags.imageTag, ...result, summary: rows }, null, 2) + '\n');
        return;
      }
      if (flags.quiet) return;
      process.stdout.write(formatTable(rows));
      const counts = [`${result.written.length} written`, `${result.unchanged.length} unchanged`, ...(result.removed.length ? [`${result.removed.length} removed`] : [])].join(', ');
      process.stdout.write(`\n${c.green('synth')}: ${synthesis.files.length} files in ${flags.out} (${counts})\n`);
    });
}
