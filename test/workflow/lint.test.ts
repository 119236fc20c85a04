// The rendered workflow through GitHub's own parser (@actions/workflow-parser,
// run on plain Node with the JSON import hook) and actionlint (with shellcheck
// on every run: script). Both must find nothing; planted defects show that each
// check can fail.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/index.js';
import { arbitraryApp } from '../docker/arbitrary-app.js';
import { renderWorkflow } from '../../src/render/workflow/index.js';

const ACTIONLINT = '.cache/bin/actionlint';
const SHELLCHECK = '.cache/venv-lint/bin/shellcheck';
const HOOK = './test/workflow/register-json-hook.mjs';
const PARSE = 'test/workflow/parse-workflow.mjs';

let dir: string;
const workflows: Record<string, string> = {};
beforeAll(async () => {
  for (const tool of [ACTIONLINT, SHELLCHECK]) if (!existsSync(tool)) throw new Error(`${tool} is missing: run \`make lint-tools\` (make test does it)`);
  dir = mkdtempSync(join(tmpdir(), 'railyard-workflow-'));
  for (const example of ['storecove', 'storecove-gateway']) {
    const { app } = await loadConfig(`examples/${example}`);
    workflows[example] = renderWorkflow(app, { configPath: `examples/${example}/railyard.config.ts` })[0]!.content;
  }
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
type Parsed = { file: string; errors: string[]; jobs: { id: string; needs: string[]; steps: number }[] };
function parseAllWithGitHubParser(paths: string[]): Parsed[] {
  const out = execFileSync(process.execPath, ['--import', HOOK, PARSE, ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}
const parseWithGitHubParser = (path: string): Parsed => parseAllWithGitHubParser([path])[0]!;
function actionlint(path: string): { code: number; findings: string } {
  const r = spawnSync(ACTIONLINT, ['-no-color', `-shellcheck=${SHELLCHECK}`, '-pyflakes=', path], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, findings: (r.stdout + r.stderr).trim() };
}

describe('@actions/workflow-parser', () => {
  it('cannot load on plain Node without the JSON import hook (why the hook exists)', () => {
    const r = spawnSync(process.execPath, [PARSE, write('plain.yml', workflows.storecove!)], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ERR_IMPORT_(ATTRIBUTE|ASSERTION)_TYPE_MISSING|import attribute/);
  });

  it.each([
    ['storecove', 'build, then deploy', [['build', []], ['deploy', ['build']]]],
    ['storecove-gateway', 'build, then deploy; diff on its own (pull requests)', [['build', []], ['deploy', ['build']], ['diff', []]]],
  ])('parses the %s workflow with no errors: %s', (example, _what, expected) => {
    const result = parseWithGitHubParser(write(`${example}.yml`, workflows[example]!));
    expect(result.errors).toEqual([]);
    expect(result.jobs.map((j) => [j.id, j.needs])).toEqual(expected);
  });

  it('parses the workflows of 100 generated models with no errors', () => {
    const seed = Date.now();
    const paths = fc.sample(arbitraryApp, { numRuns: 100, seed }).map((app, i) => write(`parsed-${i}.yml`, renderWorkflow(app, { configPath: 'railyard.config.ts' })[0]!.content));
    const results = parseAllWithGitHubParser(paths);
    expect(results).toHaveLength(100);
    const apps = fc.sample(arbitraryApp, { numRuns: 100, seed });
    results.forEach((r, i) =>
      expect({ file: r.file, errors: r.errors, jobs: r.jobs.map((j) => j.id) }, `fast-check seed ${seed}`).toEqual({ file: r.file, errors: [], jobs: apps[i]!.workflow.pullRequestDiff ? ['build', 'deploy', 'diff'] : ['build', 'deploy'] }),
    );
  });

  it('reports a planted defect: the runner context in job-level env', () => {
    const planted = workflows.storecove!.replace('      IMAGE_TAG: ${{ github.sha }}\n', '      IMAGE_TAG: ${{ github.sha }}\n      OUT: ${{ runner.temp }}/x\n');
    expect(planted).not.toBe(workflows.storecove);
    expect(parseWithGitHubParser(write('planted.yml', planted)).errors.join('\n')).toMatch(/Unrecognized named-value: 'runner'/);
  });
});

describe('actionlint', () => {
  it('is the pinned version, with shellcheck', () => {
    expect(execFileSync(ACTIONLINT, ['-version'], { encoding: 'utf8' })).toMatch(/^v1\.7\.12/);
    expect(execFileSync(SHELLCHECK, ['--version'], { encoding: 'utf8' })).toMatch(/version: 0\.11\.0/);
  });

  it.each(['storecove', 'storecove-gateway'])('finds nothing in the %s workflow', (example) => {
    expect(actionlint(write(`${example}-lint.yml`, workflows[example]!))).toEqual({ code: 0, findings: '' });
  });

  it('finds nothing in the workflows of 100 generated models (one actionlint run over all of them)', () => {
    const seed = Date.now();
    const paths = fc.sample(arbitraryApp, { numRuns: 100, seed }).map((app, i) => write(`generated-${i}.yml`, renderWorkflow(app, { configPath: 'config/railyard.config.ts' })[0]!.content));
    const r = spawnSync(ACTIONLINT, ['-no-color', `-shellcheck=${SHELLCHECK}`, '-pyflakes=', ...paths], { encoding: 'utf8' });
    expect({ code: r.status, findings: (r.stdout + r.stderr).trim() }, `fast-check seed ${seed}`).toEqual({ code: 0, findings: '' });
  });

  it('reports planted defects: an unquoted variable (shellcheck) and an unknown step output', () => {
    const unquoted = workflows.storecove!.replace('--image-tag "$IMAGE_TAG"', '--image-tag $IMAGE_TAG');
    expect(unquoted).not.toBe(workflows.storecove);
    expect(actionlint(write('unquoted.yml', unquoted)).findings).toMatch(/SC2086/);
    const badOutput = workflows.storecove!.replace('      - name: Deploy\n', "      - name: Deploy\n        if: steps.nope.outputs.deploy_id != ''\n");
    expect(badOutput).not.toBe(workflows.storecove);
    expect(actionlint(write('bad-output.yml', badOutput)).findings).toMatch(/property "nope" is not defined/);
  });
});
