// Schedules `railyard init` takes from whenever, judged by the real API server:
// generated schedule.rb programs (test/import/schedule-programs.ts) go through
// `railyard init` (which runs Debian's whenever) and `railyard synth`, and every
// CronJob it renders must pass a server-side dry run on the local control plane.
// The API server parses schedules with robfig/cron, not Vixie cron; the lines
// init refused for that reason (day-of-week 7) must be refused by the server too,
// so railyard's refusal is the server's and not a guess.
//
// Runs under `make e2e` (the cluster comes from `make cluster-up`).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { batch, scheduleRb, type GenBatch } from '../../import/schedule-programs.js';
import { kubectl, railyard, requireCluster, tempDir } from './support.js';

type CronJob = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: { schedule: string } };

let kubeconfig: string;

beforeAll(async () => {
  kubeconfig = await requireCluster();
  const w = spawnSync('whenever', ['--version'], { encoding: 'utf8' });
  if (w.status !== 0) throw new Error('whenever is not installed: `make test` installs Debian’s ruby-whenever (mk/import.mk)');
}, 120_000);

function appFor(b: GenBatch): string {
  const dir = tempDir('init-app');
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config/schedule.rb'), scheduleRb(b).text);
  writeFileSync(join(dir, 'config/application.rb'), 'module InitE2e\n  class Application; end\nend\n');
  if (b.gemfile) writeFileSync(join(dir, 'Gemfile'), 'source "https://rubygems.org"\n');
  return dir;
}

/** Applies objects (one JSON file each) with a server-side dry run; returns kubectl's result. */
async function dryRun(objects: object[]) {
  const dir = tempDir('init-dry');
  objects.forEach((o, i) => writeFileSync(join(dir, `${String(i).padStart(4, '0')}.json`), JSON.stringify(o)));
  return kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--field-manager', 'railyard', '-f', dir, '-o', 'name']);
}

let namespaceReady = false;
let accepted = 0;
let refused = 0;

describe('the API server accepts every schedule railyard init writes', () => {
  it('for generated schedule.rb programs, through init, synth and a server-side dry run', async () => {
    await fc.assert(
      fc.asyncProperty(batch({ min: 30, max: 40 }), async (b) => {
        const dir = appFor(b);
        const init = await railyard(['init', dir, '--format', 'yaml', '--quiet']);
        expect(init.code, init.stderr).toBe(0);
        const out = tempDir('init-out');
        const synth = await railyard(['synth', dir, '--out', out, '--image-tag', 'e2e0init', '--quiet', '--no-runtime']);
        expect(synth.code, synth.stderr).toBe(0);

        if (!namespaceReady) {
          // A dry run into a namespace that does not exist is refused: create it for real once.
          const ns = readdirSync(join(out, 'k8s'))
            .filter((f) => f.endsWith('.yaml'))
            .flatMap((f) => readFileSync(join(out, 'k8s', f), 'utf8').split(/^---$/m).map((d) => parse(d) as { kind?: string } | null))
            .filter((o): o is { kind: string } => o?.kind === 'Namespace');
          expect(ns.length).toBeGreaterThan(0);
          const r = await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager', 'railyard', '-f', '-'], ns.map((o) => JSON.stringify(o)).join('\n---\n'));
          expect(r.code, r.stderr).toBe(0);
          namespaceReady = true;
        }

        const files = readdirSync(join(out, 'k8s/cronjobs')).filter((f) => f.endsWith('.yaml'));
        const cronJobs = files.map((f) => parse(readFileSync(join(out, 'k8s/cronjobs', f), 'utf8')) as CronJob);
        if (cronJobs.length > 0) {
          const r = await dryRun(cronJobs);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          expect(r.stdout.trim().split('\n').filter((l) => l.startsWith('cronjob.batch/'))).toHaveLength(cronJobs.length);
          accepted += cronJobs.length;
        }

        // What init refused as "the API server refuses the schedule" is refused by the server.
        const template = cronJobs[0];
        const refusedSchedules = b.programs.flatMap((p) => p.blocks.filter((bl) => bl.expect === 'refused').map((bl) => bl.every.replace(/^'|'$/g, '')));
        if (template) {
          for (const [i, schedule] of refusedSchedules.entries()) {
            const bad = { ...template, metadata: { ...template.metadata, name: `refused-${i}` }, spec: { ...template.spec, schedule } };
            const r = await dryRun([bad]);
            expect(r.code, `the API server accepted "${schedule}", which railyard init refused`).not.toBe(0);
            expect(r.stderr).toMatch(/schedule/i);
            refused++;
          }
        }
      }),
      { numRuns: 8, endOnFailure: true },
    );
    // Not vacuous: the server saw CronJobs, and refused what init refused.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(0);
  }, 900_000);
});
