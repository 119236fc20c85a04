// hadolint on the rendered Dockerfiles: zero findings. The one inline ignore
// (DL3008, tini's version) carries its reason in the Dockerfile.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { arbitraryApp } from './arbitrary-app.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { renderDocker } from '../../src/render/docker/index.js';

const HADOLINT = '.cache/venv-lint/bin/hadolint';

function hadolint(content: string): { code: number; findings: string } {
  if (!existsSync(HADOLINT)) throw new Error(`${HADOLINT} is missing: run \`make lint-tools\` (make test does it)`);
  // --no-color and no config file: the defaults, every rule at its own severity, failing on any.
  const r = spawnSync(HADOLINT, ['--no-color', '--failure-threshold', 'style', '-'], { input: content, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, findings: (r.stdout + r.stderr).trim() };
}

describe('hadolint', () => {
  it('is the pinned version', () => {
    expect(execFileSync(HADOLINT, ['--version'], { encoding: 'utf8' })).toMatch(/2\.15\.1/);
  });

  it.each(['examples/storecove', 'examples/storecove-gateway'])('finds nothing in the Dockerfile rendered from %s', async (dir) => {
    const { app } = await loadConfig(dir);
    const df = renderDocker(app).find((f) => f.path === 'Dockerfile')!.content;
    expect(hadolint(df)).toEqual({ code: 0, findings: '' });
    // Every ignore is explained by the comment lines right above it.
    const lines = df.split('\n');
    lines.forEach((l, i) => {
      if (l.startsWith('# hadolint ignore=')) expect(lines[i - 1]).toMatch(/^# \S/);
    });
  });

  it('finds nothing in the Dockerfiles of 100 generated models (one hadolint run over all of them)', () => {
    const seed = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'railyard-hadolint-'));
    try {
      const files = fc.sample(arbitraryApp, { numRuns: 100, seed }).map((app, i) => {
        const path = join(dir, `Dockerfile.${i}`);
        writeFileSync(path, renderDocker(app).find((f) => f.path === 'Dockerfile')!.content);
        return path;
      });
      const r = spawnSync(HADOLINT, ['--no-color', '--failure-threshold', 'style', ...files], { encoding: 'utf8' });
      expect({ code: r.status, findings: (r.stdout + r.stderr).trim() }, `fast-check seed ${seed}`).toEqual({ code: 0, findings: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does report a planted defect (the check can fail)', async () => {
    const { app } = await loadConfig('examples/storecove');
    const df = renderDocker(app).find((f) => f.path === 'Dockerfile')!.content;
    const planted = df.replace('RUN bundle install', 'RUN apt-get install ruby-dev && bundle install');
    const r = hadolint(planted);
    expect(r.code).not.toBe(0);
    expect(r.findings).toMatch(/DL3008|DL3015|DL3009/);
  });
});
