// `railyard diff [CONFIG] --image-tag TAG`: what deploying this release would
// change on the cluster. Exit codes follow diff and kubectl diff: 0 no change,
// 1 changes, 2 error (bad input, unreachable cluster).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { diffRelease } from '../../ops/diff.js';
import { formatJson, formatMarkdown, formatText } from '../../ops/diff-format.js';
import { ImageTagError, validateImageTag } from '../../render/image.js';
import { colours, exitCodes, exitOnConfigError, exitUsage } from '../output.js';
import { addConnectionOptions, connectOrExit, exitOnClusterError } from '../cluster.js';

interface DiffFlags {
  imageTag: string;
  kubeconfig?: string;
  context?: string;
  format: string;
  allowLatest?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('diff')
    .description('Show what deploying a release would change on the cluster: added, changed (fields only) and pruned objects')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .requiredOption('-t, --image-tag <tag>', 'the release to compare, as for deploy')
    .option('-f, --format <format>', 'text, json or markdown (a GitHub step summary or PR comment)', 'text')
    .option('--allow-latest', 'accept a mutable tag such as "latest"')
    .addHelpText(
      'after',
      `
Exit status: 0 no change, 1 changes, 2 invalid input or the cluster cannot be reached.
Each object goes through a server-side apply dry run (field manager railyard) and is
compared with the live one; server defaults and status are left out. Secret values are
never shown: each key is listed as added, removed, changed or unchanged.

Examples:
  railyard diff examples/storecove --image-tag "$GITHUB_SHA"
  railyard diff --image-tag "$GITHUB_SHA" --format markdown >> "$GITHUB_STEP_SUMMARY"`,
    );
  addConnectionOptions(cmd).action(async (config: string, flags: DiffFlags) => {
      if (!['text', 'json', 'markdown'].includes(flags.format)) exitUsage(`--format must be text, json or markdown, not "${flags.format}"`);
      try {
        validateImageTag(flags.imageTag, { allowLatest: flags.allowLatest });
      } catch (err) {
        if (!(err instanceof ImageTagError)) throw err;
        exitUsage(err.message);
      }
      const { app } = await loadConfig(config).catch(exitOnConfigError);
      const kube = connectOrExit(flags);
      let report;
      try {
        report = await diffRelease(kube, app, flags.imageTag);
      } catch (err) {
        // diff's convention: any error is 2, a cluster that answered included.
        exitOnClusterError(err, kube, exitCodes.usage);
      }
      const c = colours(process.stdout);
      process.stdout.write(flags.format === 'json' ? formatJson(report) : flags.format === 'markdown' ? formatMarkdown(report) : formatText(report, c));
      process.exitCode = report.changes.length ? exitCodes.failure : exitCodes.ok;
  });
}
