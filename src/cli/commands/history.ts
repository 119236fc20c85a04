// `railyard history [CONFIG]`: the release records kept in the cluster.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { listReleases } from '../../deploy/history.js';
import { listRuns, type RunRecord } from '../../ops/records.js';
import { table } from '../../ops/cron-model.js';
import { colours, exitCodes, exitOnConfigError } from '../output.js';
import { addClusterOptions, connectOrExit, exitOnClusterError, type ClusterFlags } from '../cluster.js';

export function register(program: Command): void {
  const cmd = program
    .command('history')
    .description('List the releases of an app recorded in the cluster, oldest first')
    .argument('[config]', 'railyard.config.ts/.yaml/.json, or a folder holding one', '.')
    .option('--runs', 'list the recorded `railyard task` and `cron run` runs instead: who ran what, when, and how it ended');
  addClusterOptions(cmd).action(async (config: string, flags: ClusterFlags & { runs?: boolean }) => {
    const { app } = await loadConfig(config).catch(exitOnConfigError);
    const kube = connectOrExit(flags);
    if (flags.runs) {
      let runs: RunRecord[];
      try {
        runs = await listRuns(kube, app.name, app.namespace);
      } catch (err) {
        exitOnClusterError(err, kube);
      }
      printRuns(runs, app.name, app.namespace, flags.json === true);
      return;
    }
    let releases;
    try {
      releases = await listReleases(kube, app.name, app.namespace);
    } catch (err) {
      exitOnClusterError(err, kube);
    }
    const rows = releases.map(({ objects, ...r }) => ({ ...r, objects: objects.length }));
    if (flags.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(`no releases of ${app.name} in namespace ${app.namespace}\n`);
      return;
    }
    const c = colours(process.stdout);
    const cells = [['REVISION', 'STATUS', 'IMAGE TAG', 'STARTED', 'SECONDS', 'DEPLOYER', 'DESCRIPTION']];
    for (const r of rows) {
      const desc = r.rollbackOf !== undefined ? `rollback to ${r.rollbackOf}` : (r.reason ?? '');
      cells.push([String(r.revision), r.status, r.imageTag, r.startedAt, elapsed(r), r.deployer, desc]);
    }
    printTable(cells, c);
  });
}

/** One row per run, oldest first; a run still going (or whose client died) has no exit code. */
function printRuns(runs: RunRecord[], app: string, namespace: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no task or cron runs of ${app} recorded in namespace ${namespace}\n`);
    return;
  }
  const c = colours(process.stdout);
  const cells = [['STARTED', 'KIND', 'JOB', 'FROM', 'RELEASE', 'EXIT', 'SECONDS', 'BY', 'COMMAND']];
  for (const r of runs) {
    const exit = r.exitCode === undefined ? (r.reason ?? '') : String(r.exitCode);
    cells.push([r.startedAt, r.kind, r.job, r.from, r.release === undefined ? '' : String(r.release), exit, elapsed(r), r.by, r.command.join(' ')]);
  }
  printTable(cells, c);
}

/** The header row bold, the rest as the cron list lays out its table. */
function printTable(rows: string[][], c: ReturnType<typeof colours>): void {
  for (const [i, line] of table(rows).entries()) process.stdout.write((i === 0 ? c.bold(line) : line) + '\n');
}

/** Seconds from start to finish, one decimal; empty while unfinished. */
const elapsed = (r: { startedAt: string; finishedAt?: string }): string => (r.finishedAt ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '');
